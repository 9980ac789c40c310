package topics

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

// TestLowConfidenceGoesToTheModel: records that keyword and embedding
// similarity leave under 0.7 are sent, in batches, to the generation model,
// whose answer (a real chat completion with JSON content) decides.
func TestLowConfidenceGoesToTheModel(t *testing.T) {
	f := testutil.StartOpenAI(t)
	var asked []string
	f.SetResponder(func(req testutil.ChatRequest) testutil.ChatReply {
		u := req.LastUser()
		_, prompts, _ := strings.Cut(u, "\nPrompts:\n")
		type item struct {
			Index      int     `json:"index"`
			Topic      string  `json:"topic"`
			Confidence float64 `json:"confidence"`
		}
		var items []item
		for i, line := range strings.Split(strings.TrimSpace(prompts), "\n") {
			asked = append(asked, line)
			items = append(items, item{i + 1, "sql", 0.9})
		}
		b, _ := json.Marshal(map[string]any{"items": items})
		return testutil.ChatReply{Content: string(b)}
	})
	st := testutil.OpenStore(t)
	c := llm.New(llm.Config{Name: "fake", Kind: llm.KindOther, BaseURL: f.URL}, st)
	ai := &llm.Assistant{Embedder: c, EmbedModel: "fake-embed", Generator: c, GenModel: "fake-chat"}
	ctx := context.Background()
	ds := importTexts(t, st, "llm", sample)
	svc := New(st).WithAI(ai)
	ids := handTopics(t, svc, ds)

	res, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Vectors != VectorsEmbedding || res.ByMethod[record.MethodLLM] == 0 || res.ByMethod[record.MethodLLM] != len(asked) {
		t.Fatalf("categorize: %+v; the model was asked about %d prompts", res, len(asked))
	}
	if f.Count("/chat/completions") == 0 || f.Count("/embeddings") == 0 {
		t.Fatalf("requests: %d chat, %d embeddings", f.Count("/chat/completions"), f.Count("/embeddings"))
	}
	var sawGarden bool
	for _, r := range validRecords(t, st, ds) {
		if strings.Contains(r.Raw, "gardening") {
			sawGarden = true
			if r.Method != record.MethodLLM || r.TopicID != ids["sql"] || r.Confidence != 0.9 {
				t.Errorf("gardening record: method %s topic %d conf %v", r.Method, r.TopicID, r.Confidence)
			}
		}
		if r.Method != record.MethodLLM && r.Confidence < record.LowConfidence {
			t.Errorf("record %d stayed low (%v) without asking the model", r.ID, r.Confidence)
		}
	}
	if !sawGarden {
		t.Fatal("gardening record not found")
	}
}
