package ingest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tracetune/backend/health"
	"tracetune/backend/index"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// bench1M opens (building it on first use, then reusing it from the OS temp
// dir) a database with one dataset of 1M tracegen records whose valid
// records are categorized into tracegen's 8 topics with varied confidence.
func bench1M(b *testing.B) (*store.Store, int64, int64) {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), "tracetune-bench")
	dbPath := filepath.Join(dir, "1m-v2.db") // v2: schema with index_backlog
	ready := dbPath + ".ready"
	if _, err := os.Stat(ready); err != nil {
		os.Remove(dbPath)
		data := filepath.Join(dir, "t1000000-s11-truth.jsonl")
		truthPath := filepath.Join(dir, "t1000000-s11-truth.truth.jsonl")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		testutil.Tracegen(b, "-n", "1000000", "-seed", "11", "-invalid", "0.03", "-out", data, "-truth", truthPath)
		st, err := store.Open(dbPath)
		if err != nil {
			b.Fatal(err)
		}
		d, err := st.CreateDataset(ctx, "bench-1m", "")
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := ImportFile(ctx, st, d.ID, data, Options{}, nil); err != nil {
			b.Fatal(err)
		}
		b.Logf("imported 1M records in %v", time.Since(start))
		start = time.Now()
		if _, err := index.Pending(ctx, st); err != nil {
			b.Fatal(err)
		}
		b.Logf("indexed them (search, prompt hashes) in %v", time.Since(start))
		truth := readTruth(b, truthPath)
		topics := map[string]int64{}
		var as []store.Assignment
		var after int64
		for {
			page, err := st.Records(ctx, store.RecordFilter{DatasetID: d.ID, Code: "valid", AfterID: after, Limit: 5000})
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				name := truth[r.Line-1].Topic
				if topics[name] == 0 {
					tp, err := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: name})
					if err != nil {
						b.Fatal(err)
					}
					topics[name] = tp.ID
				}
				as = append(as, store.Assignment{RecordID: r.ID, TopicID: topics[name], Confidence: float64((r.Line*37)%100) / 100, Method: record.MethodKeyword})
			}
			if err := st.SetAssignments(ctx, d.ID, as); err != nil {
				b.Fatal(err)
			}
			as = as[:0]
			after = page[len(page)-1].ID
		}
		st.Close()
		if err := os.WriteFile(ready, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	st, err := store.Open(dbPath)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	d, err := st.FindDataset(ctx, "bench-1m")
	if err != nil {
		b.Fatal(err)
	}
	topics, err := st.Topics(ctx, d.ID)
	if err != nil || len(topics) == 0 {
		b.Fatalf("topics: %v", err)
	}
	return st, d.ID, topics[0].ID
}

// BenchmarkFirstPage1M measures the records browser's first page (50
// records) on a 1M-record dataset, without and with each filter.
func BenchmarkFirstPage1M(b *testing.B) {
	st, ds, topic := bench1M(b)
	ctx := context.Background()
	yes, no := true, false
	lo, hi := 0.2, 0.3
	low := 0.69
	cases := []struct {
		name string
		f    store.RecordFilter
	}{
		{"none", store.RecordFilter{}},
		{"code=valid", store.RecordFilter{Code: "valid"}},
		{"code=invalid", store.RecordFilter{Code: "invalid"}},
		{"code=duplicate", store.RecordFilter{Code: "duplicate"}},
		{"code=exceeds_max_tokens", store.RecordFilter{Code: "exceeds_max_tokens"}},
		{"topic", store.RecordFilter{TopicID: topic}},
		{"uncategorized", store.RecordFilter{TopicID: -1}},
		{"generated", store.RecordFilter{Generated: &yes}},
		{"not_generated", store.RecordFilter{Generated: &no}},
		{"confidence=0.2-0.3", store.RecordFilter{MinConfidence: &lo, MaxConfidence: &hi}},
		{"confidence<0.7", store.RecordFilter{MaxConfidence: &low}},
		{"search=refund", store.RecordFilter{Search: "refund"}},
		{"search=rare", store.RecordFilter{Search: "lisbon nonstop"}},
		{"search+code", store.RecordFilter{Search: "invoice", Code: "invalid"}},
		{"topic+confidence", store.RecordFilter{TopicID: topic, MaxConfidence: &low}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			f := c.f
			f.DatasetID, f.Limit = ds, 50
			n := 0
			for i := 0; i < b.N; i++ {
				page, err := st.Records(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(page)
			}
			b.ReportMetric(float64(n), "rows")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}

// BenchmarkHealth1M measures the health report on a 1M-record dataset.
func BenchmarkHealth1M(b *testing.B) {
	st, ds, _ := bench1M(b)
	ctx := context.Background()
	var rep health.Report
	for i := 0; i < b.N; i++ {
		var err error
		if rep, err = health.ReportFor(ctx, st, ds); err != nil {
			b.Fatal(err)
		}
	}
	if rep.Total != 1_000_000 {
		b.Fatalf("report total %d", rep.Total)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/report")
}

// BenchmarkDeleteOne1M measures what a delete (or an edit) costs on a 1M
// dataset: deleting one record and re-running the duplicate check over the
// dataset. The deleted record is put back afterwards so runs repeat.
func BenchmarkDeleteOne1M(b *testing.B) {
	st, ds, _ := bench1M(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		page, err := st.Records(ctx, store.RecordFilter{DatasetID: ds, Code: "valid", Limit: 1})
		if err != nil || len(page) == 0 {
			b.Fatal(err)
		}
		r := page[0]
		if n, err := DeleteRecords(ctx, st, ds, []int64{r.ID}); err != nil || n != 1 {
			b.Fatal(n, err)
		}
		b.StopTimer()
		r.ID = 0
		if _, err := ImportRecords(ctx, st, ds, []record.Record{r}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/delete")
}

// BenchmarkListCounts1M measures what the datasets list reads per dataset
// (record and topic totals, per-topic counts) on a 1M-record dataset: a
// few rows of the counts tables, not a pass over the records (issue 16).
func BenchmarkListCounts1M(b *testing.B) {
	st, ds, _ := bench1M(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		c, err := st.DatasetCounts(ctx, ds)
		if err != nil {
			b.Fatal(err)
		}
		if c.Total != 1_000_000 {
			b.Fatalf("total %d", c.Total)
		}
		if _, err := st.CountTopics(ctx, ds); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/list-row")
}
