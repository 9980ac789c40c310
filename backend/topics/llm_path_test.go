package topics

import (
	"context"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

// TestProviderPathAndEmbeddingCache runs generate + categorize against the
// fake OpenAI-compatible server (configured the way a user without Settings
// does it: OPENAI_BASE_URL and OPENAI_API_KEY): the run must embed and name
// with the model, and a second categorization must make no embedding call.
func TestProviderPathAndEmbeddingCache(t *testing.T) {
	f := testutil.StartOpenAI(t)
	t.Setenv("OPENAI_BASE_URL", f.URL)
	t.Setenv("OPENAI_API_KEY", "sk-test-topics")
	data, truthPath := testutil.TracegenFiles(t, 1500, 21)
	st := testutil.OpenStore(t)
	ds := importFile(t, st, "fake", data)
	svc := New(st)
	ctx := context.Background()

	g, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.Vectors != VectorsEmbedding || g.Naming != NamingLLM {
		t.Fatalf("generate used vectors=%s naming=%s (warnings %v), want the provider path", g.Vectors, g.Naming, g.Warnings)
	}
	if n := f.Count("/embeddings"); n == 0 {
		t.Fatal("generate made no embedding request")
	}
	if n := f.Count("/chat/completions"); n < g.K {
		t.Fatalf("generate made %d chat requests for %d topics; each topic is named by the model", n, g.K)
	}
	for _, tp := range g.Topics {
		if err := ValidName(tp.Name); err != nil {
			t.Errorf("model-named topic: %v", err)
		}
		if len(tp.Keywords) == 0 || tp.Description == "" {
			t.Errorf("topic %s lacks keywords or description: %+v", tp.Name, tp)
		}
	}

	c1, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Vectors != VectorsEmbedding || c1.Processed != g.Records {
		t.Fatalf("first categorization: %+v", c1)
	}
	pur, mi, unc := quality(t, st, ds, truthTopics(t, truthPath))
	t.Logf("provider path: k=%d purity=%.3f nmi=%.3f methods=%v (fake hashed embeddings)", g.K, pur, mi, c1.ByMethod)
	if unc != 0 {
		t.Fatalf("%d records uncategorized", unc)
	}

	// What the provider path spent is accounted to this dataset, per action,
	// for the figures shown next to the buttons.
	usage, err := st.UsageFor(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	spent := map[string]int64{}
	for _, u := range usage {
		spent[u.Action] += u.Calls
	}
	if spent["topics"] == 0 || spent["categorize"] == 0 {
		t.Fatalf("usage by action = %v: generate and categorize must both be accounted", spent)
	}

	f.Reset()
	c2, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Processed != g.Records || c2.Vectors != VectorsEmbedding {
		t.Fatalf("second categorization: %+v", c2)
	}
	if n := f.Count("/embeddings"); n != 0 {
		t.Fatalf("second categorization made %d embedding requests; the cache should serve every text", n)
	}

	// Forcing offline must not touch the provider at all.
	f.Reset()
	c3, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll, Offline: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Requests()) != 0 || c3.Vectors != VectorsTFIDF || c3.ByMethod[record.MethodLLM] != 0 {
		t.Fatalf("offline categorization called the provider %d times: %+v", len(f.Requests()), c3)
	}
}
