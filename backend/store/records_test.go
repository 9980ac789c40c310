package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"tracetune/backend/record"
)

func recordsFixture(t *testing.T) (*Store, int64, int64, []int64) {
	t.Helper()
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d, err := st.CreateDataset(ctx, "records", "")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := st.CreateDataset(ctx, "other", "")
	var recs []record.Record
	for i := 1; i <= 300; i++ {
		r := record.Record{Line: i, Shape: record.ShapeChat, Raw: fmt.Sprintf(`{"n":%d}`, i)}
		text := fmt.Sprintf("question number %d about invoices", i)
		if i%10 == 0 {
			text = fmt.Sprintf("question number %d about flights to Lisbon", i)
		}
		m, _ := json.Marshal([]map[string]any{{"role": "user", "content": text}})
		r.Messages = m
		switch {
		case i%50 == 0:
			r.Code = record.UserMessageTooShort
		case i%7 == 0:
			r.Code = record.Duplicate
		}
		r.Generated = i%3 == 0
		recs = append(recs, r)
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
	// the other dataset shares words, so search must stay in its dataset
	rt2, _ := st.BeginRecords(ctx, other.ID)
	m, _ := json.Marshal([]map[string]any{{"role": "user", "content": "flights to Lisbon from the other dataset"}})
	if err := rt2.Insert([]record.Record{{Line: 1, Shape: record.ShapeChat, Messages: m}}); err != nil {
		t.Fatal(err)
	}
	rt2.Commit()
	tp, err := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	var as []Assignment
	var ids []int64
	for _, r := range recs {
		ids = append(ids, r.ID)
		if r.Line%4 == 0 {
			as = append(as, Assignment{RecordID: r.ID, TopicID: tp.ID, Confidence: float64(r.Line%100) / 100, Method: record.MethodKeyword})
		}
	}
	if err := st.SetAssignments(ctx, d.ID, as); err != nil {
		t.Fatal(err)
	}
	return st, d.ID, tp.ID, ids
}

func TestRecordFilters(t *testing.T) {
	ctx := context.Background()
	st, ds, topic, _ := recordsFixture(t)
	yes, no := true, false
	lo, hi := 0.5, 0.7
	count := func(pred func(line int) bool) int {
		n := 0
		for i := 1; i <= 300; i++ {
			if pred(i) {
				n++
			}
		}
		return n
	}
	invalid := func(i int) bool { return i%50 == 0 || i%7 == 0 }
	cases := []struct {
		name string
		f    RecordFilter
		want func(line int) bool
	}{
		{"all", RecordFilter{}, func(int) bool { return true }},
		{"valid", RecordFilter{Code: "valid"}, func(i int) bool { return !invalid(i) }},
		{"invalid", RecordFilter{Code: "invalid"}, invalid},
		{"exact code", RecordFilter{Code: "duplicate"}, func(i int) bool { return i%7 == 0 && i%50 != 0 }},
		{"topic", RecordFilter{TopicID: topic}, func(i int) bool { return i%4 == 0 }},
		{"uncategorized", RecordFilter{TopicID: -1}, func(i int) bool { return i%4 != 0 }},
		{"generated", RecordFilter{Generated: &yes}, func(i int) bool { return i%3 == 0 }},
		{"not generated", RecordFilter{Generated: &no}, func(i int) bool { return i%3 != 0 }},
		{"confidence", RecordFilter{MinConfidence: &lo, MaxConfidence: &hi}, func(i int) bool {
			return i%4 == 0 && float64(i%100)/100 >= lo && float64(i%100)/100 <= hi
		}},
		{"search", RecordFilter{Search: "lisbon"}, func(i int) bool { return i%10 == 0 }},
		{"search prefix + code", RecordFilter{Search: "flights lis", Code: "valid"}, func(i int) bool { return i%10 == 0 && !invalid(i) }},
		{"search syntax is literal", RecordFilter{Search: `invoices")(*`}, func(i int) bool { return i%10 != 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			f.DatasetID = ds
			want := count(c.want)
			n, err := st.CountRecords(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("count %d, want %d", n, want)
			}
			// page through with a small keyset page
			f.Limit = 7
			var got []int
			for {
				page, err := st.Records(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				for _, r := range page {
					if !c.want(r.Line) {
						t.Fatalf("line %d should not match", r.Line)
					}
					if r.DatasetID != ds {
						t.Fatal("record of another dataset")
					}
					if r.TopicID == topic && r.Topic != "billing" {
						t.Fatalf("topic name %q", r.Topic)
					}
					got = append(got, r.Line)
				}
				f.AfterID = page[len(page)-1].ID
			}
			if len(got) != want {
				t.Errorf("paged %d records, want %d", len(got), want)
			}
			for i := 1; i < len(got); i++ {
				if got[i] <= got[i-1] {
					t.Fatal("pages not in id order")
				}
			}
		})
	}
}

func TestCountsAndSearchFollowWrites(t *testing.T) {
	ctx := context.Background()
	st, ds, _, ids := recordsFixture(t)
	counts, err := st.CodeCounts(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	if counts[""]+counts["duplicate"]+counts["user_message_too_short"] != 300 || counts["user_message_too_short"] != 6 {
		t.Fatalf("counts %v", counts)
	}
	// delete two lisbon records and one too-short one
	n, err := st.DeleteRecordIDs(ctx, ds, []int64{ids[9], ids[19], ids[49]})
	if err != nil || n != 3 {
		t.Fatal(n, err)
	}
	counts, _ = st.CodeCounts(ctx, ds)
	if counts["user_message_too_short"] != 5 {
		t.Fatalf("after delete: %v", counts)
	}
	c, _ := st.CountRecords(ctx, RecordFilter{DatasetID: ds, Search: "lisbon"})
	if c != 27 {
		t.Fatalf("search after delete: %d, want 27 (lines 10, 20 and 50 went)", c)
	}
	// an edit re-indexes the text and moves the count
	r, _ := st.Record(ctx, ids[0])
	r.Messages = json.RawMessage(`[{"role":"user","content":"now about Lisbon trams"}]`)
	r.Code = record.UserMessageTooShort
	if err := st.UpdateRecordContent(ctx, r); err != nil {
		t.Fatal(err)
	}
	c, _ = st.CountRecords(ctx, RecordFilter{DatasetID: ds, Search: "trams"})
	counts, _ = st.CodeCounts(ctx, ds)
	if c != 1 || counts["user_message_too_short"] != 6 {
		t.Fatalf("after edit: search %d counts %v", c, counts)
	}
	lines, exIDs, err := st.CodeSamples(ctx, ds, "user_message_too_short", 50)
	if err != nil || len(lines) != 6 || exIDs[0] != ids[0] || lines[0] != 1 {
		t.Fatalf("samples %v %v %v", lines, exIDs, err)
	}
	// duplicating a dataset indexes the copies for search
	cp, err := st.DuplicateDataset(ctx, ds, "copy")
	if err != nil {
		t.Fatal(err)
	}
	c, _ = st.CountRecords(ctx, RecordFilter{DatasetID: cp.ID, Search: "trams"})
	if c != 1 {
		t.Fatalf("search in the copy: %d", c)
	}
	// deleting the dataset cascades to counts
	if err := st.DeleteDataset(ctx, cp.ID); err != nil {
		t.Fatal(err)
	}
	counts, _ = st.CodeCounts(ctx, cp.ID)
	if len(counts) != 0 {
		t.Fatalf("counts of a deleted dataset: %v", counts)
	}
}
