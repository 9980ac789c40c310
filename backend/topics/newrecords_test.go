package topics

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// familyText is a user message of one of three families, numbered.
func familyText(family, i int) string {
	switch family {
	case 0:
		return fmt.Sprintf("Please refund the duplicate charge on invoice %d, I was charged twice", i)
	case 1:
		return fmt.Sprintf("Find a cheap nonstop flight to Lisbon for %d people on Friday", i)
	}
	return fmt.Sprintf("Write a SQL query joining orders and customers, limit %d rows", i)
}

// TestCategorizeNewTouchesOnlyTheRecordsAfterTheMark: the records appended
// after a dataset was categorized land on the topic of their family; the
// earlier ones, a record a person moved and an older record without a
// topic stay exactly as they were; a second call has nothing to do.
func TestCategorizeNewTouchesOnlyTheRecordsAfterTheMark(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	var texts []string
	for i := 0; i < 90; i++ {
		texts = append(texts, familyText(i%3, i))
	}
	ds := importTexts(t, st, "fam", texts)
	svc := New(st).WithAI(nil)
	if _, err := svc.Generate(ctx, ds, GenerateOptions{K: 3, Seed: 1, Offline: true}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll, Offline: true}, nil); err != nil {
		t.Fatal(err)
	}
	old := validRecords(t, st, ds)
	familyTopic := map[int]int64{}
	for i, r := range old[:3] {
		familyTopic[i%3] = r.TopicID
	}
	if familyTopic[0] == familyTopic[1] || familyTopic[1] == familyTopic[2] || familyTopic[0] == familyTopic[2] {
		t.Fatalf("setup: the three families share topics %v", familyTopic)
	}
	// A person moves record 3 (a refund) to the flights topic; record 4
	// lost its topic before new records arrived.
	if err := svc.Move(ctx, ds, []int64{old[3].ID}, familyTopic[1]); err != nil {
		t.Fatal(err)
	}
	if err := st.SetAssignments(ctx, ds, []store.Assignment{{RecordID: old[4].ID}}); err != nil {
		t.Fatal(err)
	}
	old = validRecords(t, st, ds)
	mark := old[len(old)-1].ID

	path := filepath.Join(t.TempDir(), "more.jsonl")
	f, _ := os.Create(path)
	w := bufio.NewWriter(f)
	for i := 0; i < 30; i++ {
		b, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": familyText(i%3, 500+i)}}})
		w.Write(append(b, '\n'))
	}
	w.Flush()
	f.Close()
	if _, err := importFileInto(t, st, ds, path); err != nil {
		t.Fatal(err)
	}

	res, err := svc.CategorizeNew(ctx, ds, mark, nil)
	if err != nil || res.Records != 30 || res.Categorized != 30 || res.Vectors != VectorsTFIDF {
		t.Fatalf("CategorizeNew = %+v, %v", res, err)
	}
	now := validRecords(t, st, ds)
	low := 0
	for i, r := range now {
		if i < len(old) {
			o := old[i]
			if r.ID != o.ID || r.TopicID != o.TopicID || r.Confidence != o.Confidence || r.Method != o.Method {
				t.Fatalf("record %d changed: %s %v %s → %s %v %s", o.ID, o.Topic, o.Confidence, o.Method, r.Topic, r.Confidence, r.Method)
			}
			continue
		}
		fam := (i - len(old)) % 3
		if r.TopicID != familyTopic[fam] {
			t.Errorf("new record %d (%q) on %s, want the topic of its family", r.ID, familyText(fam, 0), r.Topic)
		}
		if r.Confidence < record.LowConfidence {
			low++
		}
	}
	if res.LowConfidence != low {
		t.Fatalf("low confidence %d, the store has %d", res.LowConfidence, low)
	}
	if now[3].Method != record.MethodManual || now[4].TopicID != 0 {
		t.Fatalf("moved %+v, old uncategorized %+v", now[3], now[4])
	}

	again, err := svc.CategorizeNew(ctx, ds, mark, nil)
	if err != nil || again.Records != 0 || again.Categorized != 0 {
		t.Fatalf("second call = %+v, %v: nothing is new and without a topic", again, err)
	}
}
