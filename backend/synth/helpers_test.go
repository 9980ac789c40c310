package synth_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"tracetune/backend/ingest"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/tokens"
)

const (
	genModel   = "fake-gen"
	embedModel = "fake-embed"
)

type fixture struct {
	st     *store.Store
	fake   *testutil.OpenAI
	ds     record.Dataset
	topics map[string]int64
}

func countTokens(s string) int {
	n, _ := tokens.Count(s)
	return n
}

// newFixture makes a support dataset with counts[topic] real records per
// topic (testutil.SupportTopics order), categorized, and a provider serving
// the generation role (and the embedding role with embed) through the fake,
// which answers generation requests with support prompts and reports usage
// counted with o200k_base.
func newFixture(t *testing.T, counts map[string]int, embed bool, concurrency int) fixture {
	t.Helper()
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := context.Background()
	st := testutil.OpenStore(t)
	fake := testutil.NewOpenAI()
	fake.SetResponder(testutil.GenerationResponder)
	srv := httptest.NewServer(testutil.TokenUsage(fake.Handler(), countTokens))
	t.Cleanup(func() { fake.Close(); srv.Close() })
	if _, err := st.CreateProvider(ctx, store.Provider{Name: "fake", Kind: llm.KindOther, BaseURL: srv.URL + "/v1", MaxRetries: -1, Concurrency: concurrency}); err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{llm.RoleGeneration: genModel}
	if embed {
		roles[llm.RoleEmbedding] = embedModel
	}
	for role, model := range roles {
		if err := st.SetRole(ctx, store.RoleAssignment{Role: role, Provider: "fake", Model: model}); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := st.CreateDataset(ctx, "support "+t.Name(), "answer customer support requests")
	if err != nil {
		t.Fatal(err)
	}
	var specs []store.TopicSpec
	for _, name := range testutil.SupportTopics {
		if _, ok := counts[name]; ok {
			specs = append(specs, store.TopicSpec{Name: name, Description: "customer requests about " + name})
		}
	}
	if _, err := st.ReplaceTopics(ctx, ds.ID, specs, false); err != nil {
		t.Fatal(err)
	}
	ts, err := st.Topics(ctx, ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, x := range ts {
		ids[x.Name] = x.ID
	}
	var recs []record.Record
	var topicOf []int64
	for _, name := range testutil.SupportTopics {
		for i := 0; i < counts[name]; i++ {
			msgs, _ := json.Marshal([]map[string]string{
				{"role": "system", "content": "You are the support assistant of Acme. Be brief and helpful."},
				{"role": "user", "content": testutil.SupportPrompt(name, i)},
			})
			raw, _ := json.Marshal(map[string]json.RawMessage{"messages": msgs})
			recs = append(recs, record.Record{Line: len(recs) + 1, Raw: string(raw), Shape: record.ShapeChat, Messages: msgs})
			topicOf = append(topicOf, ids[name])
		}
	}
	res, err := ingest.ImportRecords(ctx, st, ds.ID, recs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid != len(recs) {
		t.Fatalf("fixture: %d of %d records valid (%v)", res.Valid, len(recs), res.ByCode)
	}
	stored, err := st.Records(ctx, store.RecordFilter{DatasetID: ds.ID, Limit: store.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	as := make([]store.Assignment, len(stored))
	for i, r := range stored {
		as[i] = store.Assignment{RecordID: r.ID, TopicID: topicOf[r.Line-1], Confidence: 1, Method: record.MethodKeyword}
	}
	if err := st.SetAssignments(ctx, ds.ID, as); err != nil {
		t.Fatal(err)
	}
	return fixture{st: st, fake: fake, ds: ds, topics: ids}
}

// generationUsage is the usage recorded for the generation model under
// the generate action.
func generationUsage(t *testing.T, f fixture) store.Usage {
	t.Helper()
	us, err := f.st.UsageFor(context.Background(), f.ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.Action == "generate" && u.Model == genModel {
			return u
		}
	}
	return store.Usage{}
}
