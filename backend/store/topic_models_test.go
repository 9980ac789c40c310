package store_test

import (
	"context"
	"fmt"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestTopicModelCacheAndItsInvalidation: the cached model and its topic
// sums round-trip; membership counts the valid records on each topic with
// the sum of their ids; sums of a replaced model are not written; editing a
// record's messages drops the sums, deleting a record drops the model.
func TestTopicModelCacheAndItsInvalidation(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "d", "")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "billing"})
	var recs []record.Record
	for i := 0; i < 4; i++ {
		r := record.Record{Line: i + 1, Shape: record.ShapeChat, Raw: fmt.Sprintf(`{"n":%d}`, i), TopicID: a.ID, Confidence: 1, Method: record.MethodImport}
		if i == 3 {
			r.Code = record.Duplicate
		}
		recs = append(recs, r)
	}
	testutil.InsertRecords(t, st, d.ID, recs)

	t.Run("membership counts the records on each topic and sums their ids", func(t *testing.T) {
		ms, err := st.TopicMembership(ctx, d.ID)
		if err != nil || len(ms) != 1 || ms[0].TopicID != a.ID || ms[0].N != 4 {
			t.Fatalf("membership = %+v, %v; want 4 records on topic %d", ms, err, a.ID)
		}
		got, err := st.Records(ctx, store.RecordFilter{DatasetID: d.ID, Limit: 10})
		if err != nil || len(got) != 4 {
			t.Fatalf("records %d, %v", len(got), err)
		}
		var sum int64
		for _, g := range got {
			sum += g.ID
		}
		if ms[0].SumID != sum {
			t.Fatalf("sum of ids %d, want %d", ms[0].SumID, sum)
		}
	})

	var stamp int64
	t.Run("a model and its sums round-trip", func(t *testing.T) {
		if _, ok, err := st.TopicModel(ctx, d.ID); ok || err != nil {
			t.Fatalf("a model before any was stored: %v", err)
		}
		if stamp, err = st.SetTopicModel(ctx, d.ID, 3, []byte("model"), nil); err != nil {
			t.Fatal(err)
		}
		if err := st.SetTopicSeeds(ctx, d.ID, stamp, []byte("sums")); err != nil {
			t.Fatal(err)
		}
		m, ok, err := st.TopicModel(ctx, d.ID)
		if !ok || err != nil || m.Stamp != stamp || m.Records != 3 || string(m.Model) != "model" || string(m.Seeds) != "sums" {
			t.Fatalf("read back %+v, %v, %v", m, ok, err)
		}
	})

	t.Run("sums for a replaced model are not written", func(t *testing.T) {
		if err := st.SetTopicSeeds(ctx, d.ID, stamp-1, []byte("old")); err != nil {
			t.Fatal(err)
		}
		if m, _, _ := st.TopicModel(ctx, d.ID); string(m.Seeds) != "sums" {
			t.Fatalf("sums of another model overwrote them: %q", m.Seeds)
		}
	})

	got, _ := st.Records(ctx, store.RecordFilter{DatasetID: d.ID, Limit: 10})
	t.Run("editing a record's messages drops the sums and keeps the model", func(t *testing.T) {
		r := got[0]
		r.Messages = []byte(`[{"role":"user","content":"edited"}]`)
		if err := st.UpdateRecordContent(ctx, r); err != nil {
			t.Fatal(err)
		}
		m, ok, _ := st.TopicModel(ctx, d.ID)
		if !ok || m.Seeds != nil || string(m.Model) != "model" {
			t.Fatalf("after an edit: %+v, %v", m, ok)
		}
	})

	t.Run("a record that becomes invalid drops the sums", func(t *testing.T) {
		if err := st.SetTopicSeeds(ctx, d.ID, stamp, []byte("sums")); err != nil {
			t.Fatal(err)
		}
		if err := st.UpdateCodes(ctx, []store.CodeUpdate{{ID: got[2].ID, Code: record.Duplicate}}); err != nil {
			t.Fatal(err)
		}
		m, ok, _ := st.TopicModel(ctx, d.ID)
		if !ok || m.Seeds != nil {
			t.Fatalf("after a validity change: %+v, %v", m, ok)
		}
	})

	t.Run("deleting a record drops the model", func(t *testing.T) {
		if _, err := st.DeleteRecordIDs(ctx, d.ID, []int64{got[1].ID}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := st.TopicModel(ctx, d.ID); ok || err != nil {
			t.Fatalf("the model survived a deletion: %v", err)
		}
	})
}
