package store_test

import (
	"context"
	"fmt"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestTopicCountsFollowTheRecords: the per-topic totals the datasets list
// reads equal a recount of the records after every kind of write (store.Check
// compares them).
func TestTopicCountsFollowTheRecords(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "d", "")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "billing"})
	b, _ := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "shipping"})
	check := func(t *testing.T, want map[int64]int, low int) {
		t.Helper()
		if err := st.Check(ctx); err != nil {
			t.Fatal(err)
		}
		c, err := st.CountTopics(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for id, n := range want {
			if c.ByTopic[id] != n {
				t.Fatalf("topic %d: %d, want %d (%+v)", id, c.ByTopic[id], n, c)
			}
		}
		if c.Low != low {
			t.Fatalf("low confidence %d, want %d", c.Low, low)
		}
	}
	var ids []int64
	t.Run("an import with topics counts them at commit", func(t *testing.T) {
		rt, err := st.BeginRecords(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var recs []record.Record
		for i := 0; i < 10; i++ {
			r := record.Record{Line: i + 1, Shape: record.ShapeChat, Raw: fmt.Sprintf(`{"n":%d}`, i), TopicID: a.ID, Confidence: 1, Method: record.MethodImport}
			if i%2 == 1 {
				r.TopicID, r.Confidence = b.ID, 0.5
			}
			if i == 9 {
				r.Code = record.Duplicate
			}
			recs = append(recs, r)
		}
		if err := rt.Insert(recs); err != nil {
			t.Fatal(err)
		}
		if err := rt.Commit(); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		check(t, map[int64]int{a.ID: 5, b.ID: 4}, 4)
	})
	t.Run("categorization moves records between topics", func(t *testing.T) {
		if err := st.SetAssignments(ctx, d.ID, []store.Assignment{{RecordID: ids[1], TopicID: a.ID, Confidence: 0.9, Method: record.MethodManual}}); err != nil {
			t.Fatal(err)
		}
		check(t, map[int64]int{a.ID: 6, b.ID: 3}, 3)
	})
	t.Run("deleting records and a topic", func(t *testing.T) {
		if _, err := st.DeleteRecordIDs(ctx, d.ID, ids[:2]); err != nil {
			t.Fatal(err)
		}
		check(t, map[int64]int{a.ID: 4, b.ID: 3}, 3)
		if _, err := st.DeleteTopic(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		check(t, map[int64]int{a.ID: 4, b.ID: 0}, 0)
	})
	t.Run("a duplicated dataset has the same counts", func(t *testing.T) {
		cp, err := st.DuplicateDataset(ctx, d.ID, "copy")
		if err != nil {
			t.Fatal(err)
		}
		c, err := st.CountTopics(ctx, cp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Categorized != 4 {
			t.Fatalf("copy: %+v", c)
		}
		check(t, map[int64]int{a.ID: 4}, 0)
	})
}
