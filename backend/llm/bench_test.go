package llm

import (
	"context"
	"log/slog"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"tracetune/backend/testutil"
)

// BenchmarkChat500Latency200msConcurrency16 is the throughput
// acceptance: 500 chat calls against the fake with 200 ms latency at
// concurrency 16 must finish within 110% of 500/16 × 200 ms = 6.25 s.
// Run: go test ./backend/llm -run '^$' -bench Chat500 -benchtime 1x
func BenchmarkChat500Latency200msConcurrency16(b *testing.B) {
	st := testutil.OpenStore(b)
	f := testutil.StartOpenAI(b)
	f.SetLatency(200 * time.Millisecond)
	c := New(Config{Name: "bench", BaseURL: f.URL, Concurrency: 16}, st)
	reqs := make([]openai.ChatCompletionRequest, 500)
	for i := range reqs {
		reqs[i] = Request("gpt-4o-mini", System("You label support questions."), User("Where is my parcel number "+string(rune('A'+i%26))+"?"))
	}
	ideal := time.Duration(500/16.0*200) * time.Millisecond
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ctx := WithAction(context.Background(), 0, "bench")
		if _, err := c.ChatAll(ctx, reqs, nil); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(el.Seconds(), "s/500calls")
		b.ReportMetric(100*el.Seconds()/ideal.Seconds(), "%ideal")
		if el > ideal*110/100 {
			b.Fatalf("500 calls took %v, more than 110%% of the ideal %v", el, ideal)
		}
	}
}

// BenchmarkEmbedCached measures a fully cached embedding re-run (no HTTP).
func BenchmarkEmbedCached(b *testing.B) {
	Logger = slog.New(slog.DiscardHandler)
	st := testutil.OpenStore(b)
	f := testutil.StartOpenAI(b)
	c := New(Config{Name: "bench", BaseURL: f.URL}, st)
	texts := make([]string, 5000)
	for i := range texts {
		texts[i] = "question number " + time.Duration(i).String()
	}
	if _, err := c.Embed(context.Background(), "fake-embed", texts); err != nil {
		b.Fatal(err)
	}
	f.Reset()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Embed(context.Background(), "fake-embed", texts); err != nil {
			b.Fatal(err)
		}
	}
	if n := len(f.Requests()); n != 0 {
		b.Fatalf("%d requests on cached re-runs", n)
	}
}
