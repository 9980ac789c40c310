package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"tracetune/backend/record"
)

func revisionRecords(from, n int, code record.Code) []record.Record {
	out := make([]record.Record, n)
	for i := range out {
		k := from + i
		out[i] = record.Record{Line: k, Shape: record.ShapeChat, Raw: fmt.Sprintf(`{"n":%d}`, k), Code: code,
			Messages: json.RawMessage(fmt.Sprintf(`[{"role":"user","content":"question %d"}]`, k)), Hash: fmt.Sprintf("h%d", k)}
	}
	return out
}

func TestRecordsRevisionIsBumpedOncePerOperation(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "rev.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d, err := st.CreateDataset(ctx, "revision", "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.CreateDataset(ctx, "other", "")
	if err != nil {
		t.Fatal(err)
	}
	rev := func() int64 {
		t.Helper()
		r, err := st.RecordsRevision(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	write := func(replace bool, recs []record.Record) {
		t.Helper()
		rt, err := st.BeginRecords(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Rollback()
		if replace {
			if _, err := rt.DeleteAll(); err != nil {
				t.Fatal(err)
			}
		}
		if err := rt.Insert(recs); err != nil {
			t.Fatal(err)
		}
		if err := rt.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() []int64 {
		t.Helper()
		recs, err := st.Records(ctx, RecordFilter{DatasetID: d.ID, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range recs {
			out = append(out, r.ID)
		}
		return out
	}
	steps := []struct {
		name string
		do   func()
		bump int64
	}{
		{"a new dataset starts at revision 0", func() {}, 0},
		{"an append of valid records bumps it once", func() { write(false, revisionRecords(1, 300, record.Valid)) }, 1},
		{"an append of only invalid records leaves it", func() { write(false, revisionRecords(301, 5, record.MissingMessages)) }, 0},
		{"a 10k-record replace bumps it once", func() { write(true, revisionRecords(1, 10000, record.Valid)) }, 1},
		{"a delete bumps it once", func() {
			if n, err := st.DeleteRecordIDs(ctx, d.ID, ids()[:3]); err != nil || n != 3 {
				t.Fatalf("deleted %d, %v", n, err)
			}
		}, 1},
		{"a delete of nothing leaves it", func() {
			if n, err := st.DeleteRecordIDs(ctx, d.ID, []int64{1 << 40}); err != nil || n != 0 {
				t.Fatalf("deleted %d, %v", n, err)
			}
		}, 0},
		{"an edit bumps it once", func() {
			r, err := st.Record(ctx, ids()[0])
			if err != nil {
				t.Fatal(err)
			}
			r.Messages = json.RawMessage(`[{"role":"user","content":"rewritten"}]`)
			if err := st.UpdateRecordContent(ctx, r); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"a revalidation that changes codes bumps it once", func() {
			var ups []CodeUpdate
			for _, id := range ids() {
				ups = append(ups, CodeUpdate{ID: id, Code: record.Duplicate, Detail: "duplicate", Hash: "same"})
			}
			if err := st.UpdateCodes(ctx, ups); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"a revalidation that changes nothing leaves it", func() {
			recs, err := st.Records(ctx, RecordFilter{DatasetID: d.ID, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			var ups []CodeUpdate
			for _, r := range recs {
				ups = append(ups, CodeUpdate{ID: r.ID, Code: r.Code, Detail: r.Detail, Hash: r.Hash})
			}
			if err := st.UpdateCodes(ctx, ups); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"a topic assignment leaves it", func() {
			topic, err := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "billing"})
			if err != nil {
				t.Fatal(err)
			}
			var as []Assignment
			for _, id := range ids() {
				as = append(as, Assignment{RecordID: id, TopicID: topic.ID, Confidence: 0.9, Method: record.MethodLLM})
			}
			if err := st.SetAssignments(ctx, d.ID, as); err != nil {
				t.Fatal(err)
			}
		}, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := rev()
			s.do()
			if got := rev() - before; got != s.bump {
				t.Fatalf("revision moved by %d, want %d", got, s.bump)
			}
		})
	}
	t.Run("other datasets keep their revision", func(t *testing.T) {
		if r, err := st.RecordsRevision(ctx, other.ID); err != nil || r != 0 {
			t.Fatalf("other dataset at %d, %v", r, err)
		}
	})
}

func TestDryRunsRecordTheRevisionTheyMeasured(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "dr.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d, err := st.CreateDataset(ctx, "dry", "")
	if err != nil {
		t.Fatal(err)
	}
	addRecords := func() {
		t.Helper()
		rt, err := st.BeginRecords(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Rollback()
		if err := rt.Insert(revisionRecords(1, 3, record.Valid)); err != nil {
			t.Fatal(err)
		}
		if err := rt.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	create := func(regradeOf int64) DryRun {
		t.Helper()
		r, err := st.CreateDryRun(ctx, DryRun{DatasetID: d.ID, N: 3, Responses: "base", RegradeOf: regradeOf}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	stale := func() map[int64]bool {
		t.Helper()
		m, err := st.DryRunsOnOldRecords(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	addRecords()
	first := create(0)
	t.Run("a run started on the current records is not on old records", func(t *testing.T) {
		rev, err := st.DryRunRevision(ctx, first.ID)
		if err != nil || rev != 1 || stale()[first.ID] {
			t.Fatalf("revision %d, %v, stale %v", rev, err, stale())
		}
	})
	addRecords()
	t.Run("an append puts it on old records", func(t *testing.T) {
		if !stale()[first.ID] {
			t.Fatalf("stale %v", stale())
		}
	})
	t.Run("a re-grade keeps the revision of the run it re-grades", func(t *testing.T) {
		re := create(first.ID)
		if rev, err := st.DryRunRevision(ctx, re.ID); err != nil || rev != 1 || !stale()[re.ID] {
			t.Fatalf("re-grade revision %d, %v, stale %v", rev, err, stale())
		}
	})
	t.Run("a new run measures the current records", func(t *testing.T) {
		again := create(0)
		if rev, err := st.DryRunRevision(ctx, again.ID); err != nil || rev != 2 || stale()[again.ID] {
			t.Fatalf("new run revision %d, %v, stale %v", rev, err, stale())
		}
	})
}

func TestAnUncategorizingEditClearsTheTopic(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "edit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d, err := st.CreateDataset(ctx, "edit", "")
	if err != nil {
		t.Fatal(err)
	}
	topic, err := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	recs := revisionRecords(1, 2, record.Valid)
	for i := range recs {
		recs[i].TopicID, recs[i].Confidence, recs[i].Method = topic.ID, 0.9, record.MethodLLM
	}
	rt, err := st.BeginRecords(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Insert(recs); err != nil {
		t.Fatal(err)
	}
	if err := rt.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, clear := range []bool{false, true} {
		t.Run(fmt.Sprintf("uncategorize %v", clear), func(t *testing.T) {
			r, err := st.Record(ctx, recs[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			r.Messages = json.RawMessage(`[{"role":"user","content":"rewritten"}]`)
			update := st.UpdateRecordContent
			if clear {
				update = st.UpdateRecordContentUncategorized
			}
			if err := update(ctx, r); err != nil {
				t.Fatal(err)
			}
			got, err := st.Record(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cleared := got.TopicID == 0 && got.Method == "" && got.Confidence == 0; cleared != clear {
				t.Fatalf("topic %d method %q confidence %v, want cleared %v", got.TopicID, got.Method, got.Confidence, clear)
			}
		})
	}
	t.Run("the topic counts follow the cleared record", func(t *testing.T) {
		c, err := st.CountTopics(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Categorized != 1 || c.Uncategorized != 1 || c.ByTopic[topic.ID] != 1 {
			t.Fatalf("counts %+v, want one record left in the topic and one uncategorized", c)
		}
	})
}
