package ingest

import (
	"context"
	"fmt"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestAnEditedPromptLeavesItsTopicUnlessAPersonPutItThere: rewriting the
// prompt messages of a categorized record clears its topic (categorization
// places it again), except when its method is manual; an edit that keeps
// the messages keeps the topic; every edit moves the records revision once.
func TestAnEditedPromptLeavesItsTopicUnlessAPersonPutItThere(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "edits", "")
	if err != nil {
		t.Fatal(err)
	}
	var lines string
	for i := 0; i < 4; i++ {
		lines += fmt.Sprintf(`{"messages":[{"role":"user","content":"where is my order number %d?"}],"metadata":{"k":%d}}`+"\n", i, i)
	}
	importString(t, st, d.ID, lines, Append)
	topic, err := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	recs := allRecords(t, st, d.ID)
	methods := []string{record.MethodLLM, record.MethodManual, record.MethodEmbedding, record.MethodKeyword}
	var as []store.Assignment
	for i, r := range recs {
		as = append(as, store.Assignment{RecordID: r.ID, TopicID: topic.ID, Confidence: 0.9, Method: methods[i]})
	}
	if err := st.SetAssignments(ctx, d.ID, as); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		rec   int
		text  string
		topic bool // keeps its topic
	}{
		{"a rewritten prompt categorized by the model loses its topic", 0,
			`{"messages":[{"role":"user","content":"how do I change my billing address?"}]}`, false},
		{"a rewritten prompt a person categorized keeps its topic", 1,
			`{"messages":[{"role":"user","content":"how do I cancel my subscription?"}]}`, true},
		{"an edit of the metadata alone keeps the topic", 2,
			"{\n  \"messages\": [{\"role\": \"user\", \"content\": \"where is my order number 2?\"}],\n  \"metadata\": {\"k\": 99}\n}", true},
		{"an edit that makes the record invalid keeps the topic for the counts to drop it", 3,
			`{"messages":[]}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, err := st.RecordsRevision(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := EditRecord(ctx, st, recs[c.rec].ID, c.text)
			if err != nil {
				t.Fatal(err)
			}
			if kept := got.TopicID == topic.ID && got.Method == methods[c.rec]; kept != c.topic {
				t.Fatalf("topic %d method %q code %q, want kept %v", got.TopicID, got.Method, got.Code, c.topic)
			}
			if !c.topic && (got.Confidence != 0 || got.Method != "") {
				t.Fatalf("cleared record keeps confidence %v method %q", got.Confidence, got.Method)
			}
			if after, err := st.RecordsRevision(ctx, d.ID); err != nil || after != before+1 {
				t.Fatalf("revision %d → %d, %v", before, after, err)
			}
		})
	}
	t.Run("the cleared record counts as uncategorized", func(t *testing.T) {
		c, err := st.CountTopics(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Valid != 3 || c.Uncategorized != 1 || c.ByTopic[topic.ID] != 2 {
			t.Fatalf("counts %+v", c)
		}
	})
}
