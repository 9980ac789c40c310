package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// A source's look-back window is changed on its own, keeps its connection,
// and "none" is a value of its own since 0 means the default.
func TestSetSourceLookBack(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := st.AddSource(ctx, SourceRow{Name: "prod", Kind: "langfuse", URL: "https://lf", Project: "p1"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if a.LookBackSeconds != 0 || a.LookBack() != DefaultLookBack {
		t.Fatalf("a new source's look-back = %d s (%v), want the default", a.LookBackSeconds, a.LookBack())
	}
	for _, tc := range []struct {
		name    string
		seconds int
		want    time.Duration
	}{
		{"45 minutes", 45 * 60, 45 * time.Minute},
		{"none", NoLookBack, 0},
		{"back to the default", 0, DefaultLookBack},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.SetSourceLookBack(ctx, "PROD", tc.seconds)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := st.Source(ctx, "prod")
			if got.LookBack() != tc.want || again.LookBack() != tc.want || again.LookBackSeconds != tc.seconds {
				t.Fatalf("look-back = %v / %v (%d s), want %v", got.LookBack(), again.LookBack(), again.LookBackSeconds, tc.want)
			}
			if again.ID != a.ID || again.URL != "https://lf" || again.Kind != "langfuse" || again.Project != "p1" {
				t.Fatalf("the connection changed: %+v", again)
			}
		})
	}
	t.Run("a missing source is not found", func(t *testing.T) {
		if _, err := st.SetSourceLookBack(ctx, "nope", 60); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("below none is refused", func(t *testing.T) {
		if _, err := st.SetSourceLookBack(ctx, "prod", -2); err == nil {
			t.Fatal("stored -2")
		}
	})
}
