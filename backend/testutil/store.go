package testutil

import (
	"context"
	"path/filepath"
	"testing"

	"tracetune/backend/record"
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

// InsertRecords stores records in a dataset as given (codes and all, no
// validation) in one transaction, for tests that build their own fixtures.
func InsertRecords(tb testing.TB, st *store.Store, datasetID int64, recs []record.Record) {
	tb.Helper()
	rt, err := st.BeginRecords(context.Background(), datasetID)
	if err != nil {
		tb.Fatal(err)
	}
	if err := rt.Insert(recs); err != nil {
		rt.Rollback()
		tb.Fatal(err)
	}
	if err := rt.Commit(); err != nil {
		tb.Fatal(err)
	}
}
