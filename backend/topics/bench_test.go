package topics

import (
	"context"
	"syscall"
	"testing"

	"tracetune/backend/testutil"
)

// BenchmarkOfflineGenerateCategorize100k measures offline topic discovery
// plus categorization of every valid record of a 100k-line tracegen file
// (the import is setup, outside the timer). Run with:
//
//	go test ./backend/topics -run '^$' -bench OfflineGenerateCategorize100k -benchtime 1x
//
// max_rss_MB is the process's peak resident set (import included); the
// CLI figures in the issue note isolate generate and categorize.
func BenchmarkOfflineGenerateCategorize100k(b *testing.B) {
	data, truthPath := testutil.TracegenFiles(b, 100000, 21)
	truth := truthTopics(b, truthPath)
	st := testutil.OpenStore(b)
	ds := importFile(b, st, "bench", data)
	svc := New(st).WithAI(nil)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		c, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(g.Records), "records")
		b.ReportMetric(float64(g.K), "k")
		b.ReportMetric(float64(c.LowConfidence), "low")
	}
	b.StopTimer()
	pur, mi, _ := quality(b, st, ds, truth)
	b.ReportMetric(pur, "purity")
	b.ReportMetric(mi, "NMI")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "max_rss_MB")
	}
}

// BenchmarkProviderGenerateCategorize20k is the acceptance run on the LLM
// path: tracegen -n 20000 -seed 21 against the fake OpenAI-compatible
// server (embeddings + chat), then a second categorization, which must
// make no embedding request.
//
//	go test ./backend/topics -run '^$' -bench ProviderGenerateCategorize20k -benchtime 1x
func BenchmarkProviderGenerateCategorize20k(b *testing.B) {
	f := testutil.StartOpenAI(b)
	b.Setenv("OPENAI_BASE_URL", f.URL)
	b.Setenv("OPENAI_API_KEY", "sk-bench")
	data, truthPath := testutil.TracegenFiles(b, 20000, 21)
	truth := truthTopics(b, truthPath)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := testutil.OpenStore(b)
		ds := importFile(b, st, "bench", data)
		svc := New(st)
		ctx := context.Background()
		f.Reset()
		b.StartTimer()
		g, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 1}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if g.Vectors != VectorsEmbedding || g.Naming != NamingLLM {
			b.Fatalf("not the provider path: %+v", g)
		}
		b.ReportMetric(float64(f.Count("/embeddings")), "embed_requests")
		b.ReportMetric(float64(f.Count("/chat/completions")), "chat_requests")
		pur, mi, _ := quality(b, st, ds, truth)
		b.ReportMetric(pur, "purity")
		b.ReportMetric(mi, "NMI")
		b.ReportMetric(float64(g.K), "k")
		f.Reset()
		b.StartTimer()
		if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n := f.Count("/embeddings"); n != 0 {
			b.Fatalf("second categorization made %d embedding requests", n)
		}
		b.ReportMetric(0, "embed_requests_2nd")
	}
}
