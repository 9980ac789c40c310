package index

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func importText(t *testing.T, st *store.Store, ds int64, text string) {
	t.Helper()
	if _, err := ingest.Import(context.Background(), st, ds, strings.NewReader(text), int64(len(text)), ingest.Options{Mode: ingest.Append}, nil); err != nil {
		t.Fatal(err)
	}
}

func newDataset(t *testing.T, st *store.Store) int64 {
	t.Helper()
	d, err := st.CreateDataset(context.Background(), fmt.Sprintf("d%d", time.Now().UnixNano()), "")
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func chat(text string) string {
	return `{"messages":[{"role":"user","content":"` + text + `"}]}` + "\n"
}

func count(t *testing.T, st *store.Store, ds int64, search string) int {
	t.Helper()
	n, err := st.CountRecords(context.Background(), store.RecordFilter{DatasetID: ds, Search: search})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.Records(context.Background(), store.RecordFilter{DatasetID: ds, Search: search, Limit: store.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("search %q: count %d, page of %d", search, n, len(recs))
	}
	return n
}

func backlog(t *testing.T, st *store.Store) int64 {
	t.Helper()
	n, err := st.Backlog(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSearchSameBeforeAndAfterIndexing: a search finds the same records
// while they wait for the index (read directly) and once indexed, and the
// database is consistent at both points.
func TestSearchSameBeforeAndAfterIndexing(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	ds := newDataset(t, st)
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprint(&b, chat(fmt.Sprintf("Question %d about %s and the %s plan, please", i, []string{"refunds", "invoices", "lisbon trips"}[i%3], []string{"basic", "premium"}[i%2])))
	}
	importText(t, st, ds, b.String())
	if backlog(t, st) != 3000 {
		t.Fatalf("backlog %d, want 3000", backlog(t, st))
	}
	queries := map[string]int{"refunds": 1000, "lisbon trips": 1000, "premium": 1500, "invoices premium": 500, "question 2999": 1, "zanzibar": 0}
	for q, want := range queries {
		if n := count(t, st, ds, q); n != want {
			t.Errorf("pending, search %q: %d, want %d", q, n, want)
		}
	}
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := Pending(ctx, st)
	if err != nil || n != 3000 {
		t.Fatalf("indexed %d (%v), want 3000", n, err)
	}
	if backlog(t, st) != 0 {
		t.Fatalf("backlog after indexing: %d", backlog(t, st))
	}
	for q, want := range queries {
		if n := count(t, st, ds, q); n != want {
			t.Errorf("indexed, search %q: %d, want %d", q, n, want)
		}
	}
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestEditsAndDeletesWhilePending: what changes before the indexer gets to
// a record is what gets indexed; nothing stale or deleted is left behind.
func TestEditsAndDeletesWhilePending(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	ds := newDataset(t, st)
	importText(t, st, ds, chat("How do I reset my walrus password?")+chat("Where is my parcel from Oslo?")+chat("How do I reset my walrus password?"))
	recs, err := st.Records(ctx, store.RecordFilter{DatasetID: ds})
	if err != nil || len(recs) != 3 {
		t.Fatal(len(recs), err)
	}
	if recs[2].Code != record.Duplicate {
		t.Fatalf("third record: %q", recs[2].Code)
	}
	if _, err := ingest.EditRecord(ctx, st, recs[1].ID, chat("Where is my parcel from Bergen?")); err != nil {
		t.Fatal(err)
	}
	// deleting the first of two duplicates while both wait for the index:
	// the hash lookup reads the pending range and the copy becomes valid
	if _, err := ingest.DeleteRecords(ctx, st, ds, []int64{recs[0].ID}); err != nil {
		t.Fatal(err)
	}
	if r, _ := st.Record(ctx, recs[2].ID); r.Code != record.Valid {
		t.Fatalf("copy after deleting the original: %q %s", r.Code, r.Detail)
	}
	if _, err := Pending(ctx, st); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"bergen": 1, "oslo": 0, "walrus": 1} {
		if n := count(t, st, ds, q); n != want {
			t.Errorf("search %q: %d, want %d", q, n, want)
		}
	}
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
	// once indexed, the same edit-into-a-copy goes through record_hashes
	if _, err := ingest.EditRecord(ctx, st, recs[1].ID, chat("How do I reset my walrus password?")); err != nil {
		t.Fatal(err)
	}
	if r, _ := st.Record(ctx, recs[1].ID); r.Code != record.Valid {
		t.Fatalf("edited record, earlier than the copy: %q %s", r.Code, r.Detail)
	}
	if r, _ := st.Record(ctx, recs[2].ID); r.Code != record.Duplicate {
		t.Fatalf("copy, now later than an equal prompt: %q", r.Code)
	}
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestIndexerDrainsInBackground: a started Indexer indexes what is left at
// start and what later imports queue.
func TestIndexerDrainsInBackground(t *testing.T) {
	st := testutil.OpenStore(t)
	ds := newDataset(t, st)
	importText(t, st, ds, chat("left over from an earlier run, about kayaks"))
	ix := Start(st)
	defer ix.Stop()
	importText(t, st, ds, chat("imported while the indexer runs, about canoes"))
	deadline := time.Now().Add(10 * time.Second)
	for backlog(t, st) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("backlog still %d", backlog(t, st))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if count(t, st, ds, "kayaks") != 1 || count(t, st, ds, "canoes") != 1 {
		t.Fatal("indexed records not found")
	}
}
