package gateway_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// BenchmarkPullLangfuse measures a whole pull (HTTP pages of 100, convert,
// dedupe, validate, store, cursor per page) of 5,000 traces from the fake.
func BenchmarkPullLangfuse(b *testing.B) {
	const n = 5000
	fake := testutil.StartLangfuse(b, lfPublic, lfSecret)
	fake.Add(testutil.SampleGatewayTraces("a", n, t0, time.Second)...)
	src, err := gateway.Open(gateway.Config{Name: "prod", Kind: gateway.KindLangfuse, URL: fake.URL, PublicKey: lfPublic, SecretKey: lfSecret})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := store.Open(filepath.Join(b.TempDir(), "b.db"))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		ds, _ := st.CreateDataset(ctx, "d", "")
		row, _ := st.AddSource(ctx, store.SourceRow{Name: "prod", Kind: "langfuse", URL: fake.URL}, false)
		b.StartTimer()
		res, err := gateway.Pull(ctx, st, src, row.ID, ds.ID, gateway.PullOptions{PageSize: 100, Now: clock(t0.Add(24 * time.Hour))}, nil)
		if err != nil || res.New != n {
			b.Fatalf("pull: %+v %v", res, err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "traces/s")
}

// BenchmarkListJSONL measures reading and converting a 20,000-line
// gateway-shape JSONL file (first page of a preview; the file is re-read
// each time because the cache is per source).
func BenchmarkListJSONL(b *testing.B) {
	const n = 20000
	dir := b.TempDir()
	path := filepath.Join(dir, "t.jsonl")
	var buf []byte
	for i, g := range testutil.SampleGatewayTraces("a", n, t0, time.Second) {
		_ = i
		line := fmt.Sprintf(`{"input":{"messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":%q}]},"output":{"role":"assistant","content":"ok"},"metadata":{"trace_id":%q,"model":%q,"created_at":%q}}`+"\n",
			g.Messages[len(g.Messages)-1]["content"], g.ID, g.Model, g.Time.Format(time.RFC3339Nano))
		buf = append(buf, line...)
	}
	if err := writeFile(path, buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src, _ := gateway.Open(gateway.Config{Name: "dump", Kind: gateway.KindJSONL, URL: path})
		p, err := src.List(context.Background(), gateway.Filter{Model: "gpt-4o-mini"}, "", 50)
		if err != nil || len(p.Traces) != 50 {
			b.Fatalf("list: %d %v", len(p.Traces), err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "lines/s")
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }
