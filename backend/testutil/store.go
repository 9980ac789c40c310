package testutil

import (
	"path/filepath"
	"testing"

	"tracetune/backend/store"
)

// OpenStore opens a real SQLite database in the test's temporary directory
// and closes it when the test ends.
func OpenStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(filepath.Join(tb.TempDir(), "t.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}
