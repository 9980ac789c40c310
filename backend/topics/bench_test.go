package topics

import (
	"context"
	"syscall"
	"testing"
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
	data, _ := tracegenFiles(b, 100000, 21)
	st := openStore(b)
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
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "max_rss_MB")
	}
}
