package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestSourcesAndPullCursors(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	a, err := st.AddSource(ctx, SourceRow{Name: "prod", Kind: "langfuse", URL: "https://lf"}, false)
	if err != nil || a.ID == 0 || a.CreatedAt.IsZero() {
		t.Fatalf("add: %+v %v", a, err)
	}
	if _, err := st.AddSource(ctx, SourceRow{Name: "PROD", Kind: "litellm", URL: "http://x"}, false); !errors.Is(err, ErrSourceExists) {
		t.Fatalf("duplicate name (case-insensitive): %v", err)
	}
	b, err := st.AddSource(ctx, SourceRow{Name: "prod", Kind: "langfuse", URL: "https://lf2"}, true)
	if err != nil || b.ID != a.ID || b.URL != "https://lf2" {
		t.Fatalf("replace: %+v %v", b, err)
	}
	if _, err := st.Source(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing source: %v", err)
	}

	ds, _ := st.CreateDataset(ctx, "d", "")
	c, found, err := st.PullCursorFor(ctx, ds.ID, a.ID)
	if err != nil || found || c.Filter != "{}" {
		t.Fatalf("no cursor yet: %+v %v %v", c, found, err)
	}
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c.Since, c.High, c.Token, c.Filter, c.LastNew = since, since.Add(time.Hour), "3", `{"model":"m"}`, 7
	if err := st.SavePullCursor(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, found, err := st.PullCursorFor(ctx, ds.ID, a.ID)
	if err != nil || !found || !got.Since.Equal(since) || !got.High.Equal(since.Add(time.Hour)) || got.Token != "3" || got.LastNew != 7 {
		t.Fatalf("cursor round trip: %+v %v", got, err)
	}
	list, err := st.PullCursors(ctx, ds.ID)
	if err != nil || len(list) != 1 || list[0].SourceName != "prod" || list[0].SourceKind != "langfuse" {
		t.Fatalf("cursors of dataset: %+v %v", list, err)
	}

	if _, err := st.db.ExecContext(ctx, `INSERT INTO records(dataset_id, trace_id, created_at, updated_at) VALUES(?,?,0,0),(?,?,0,0),(?,'',0,0)`, ds.ID, "t1", ds.ID, "t2", ds.ID); err != nil {
		t.Fatal(err)
	}
	ids := []string{"t1", "t3", "t2", ""}
	for i := 0; i < 900; i++ { // more than one chunk
		ids = append(ids, "x"+string(rune('a'+i%26))+time.Duration(i).String())
	}
	present, err := st.PresentTraceIDs(ctx, ds.ID, ids)
	if err != nil || len(present) != 2 || !present["t1"] || !present["t2"] {
		t.Fatalf("present = %v %v", present, err)
	}

	// Removing the source removes its cursors.
	if err := st.RemoveSource(ctx, "Prod"); err != nil {
		t.Fatal(err)
	}
	if list, _ := st.PullCursors(ctx, ds.ID); len(list) != 0 {
		t.Fatalf("cursors survived: %+v", list)
	}
	if err := st.RemoveSource(ctx, "prod"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
}
