package topics

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// heapPeak samples the heap every millisecond until stop is called and
// returns its peak in MB above the live heap at the start (collected
// first): what the measured work holds, garbage not yet collected included.
func heapPeak() (stop func() float64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		return float64(peak-min(peak, base)) / (1 << 20)
	}
}

// BenchmarkCategorizeNew100k: 500 new records appended to a dataset with
// topics (generated and categorized offline, outside the timer), then
// categorized offline from the cached model ("cached") and the way it was
// done before the cache ("full": no model, so every record is read, the
// vectorizer fitted and every record vectorized, as Categorize did each
// time). Two datasets: tracegen -n 100000 (templated text: a few hundred
// terms, TF-IDF without LSA) and the 10k messages of BANKING77's train
// split (real wording: the LSA model, a few MB, is loaded each time),
// and its first smoothMax messages (the model also holds their vectors,
// which each new record's is smoothed against).
// peak_heap_MB is the live heap's peak during the call above what the
// benchmark holds. Run with:
//
//	go test ./backend/topics -run '^$' -bench CategorizeNew100k -benchtime 1x
func BenchmarkCategorizeNew100k(b *testing.B) {
	b.Run("tracegen100k", func(b *testing.B) {
		data, _ := testutil.TracegenFiles(b, 100000, 21)
		more, _ := testutil.TracegenFiles(b, 500, 99)
		st := testutil.OpenStore(b)
		ds := importFile(b, st, "bench", data)
		benchCategorizeNew(b, st, ds, func() {
			if _, err := importFileInto(b, st, ds, more); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("banking77", func(b *testing.B) {
		set := intents(b, "banking77_train.csv")
		n := len(set.texts) - 500
		st := testutil.OpenStore(b)
		ds := importTexts(b, st, "bench", set.texts[:n])
		benchCategorizeNew(b, st, ds, func() { appendTexts(b, st, ds, set.texts[n:]) })
	})
	// The largest corpus the model keeps to smooth against (smoothMax
	// records): each new record is compared with every one of them, twice.
	b.Run("banking77_smoothed", func(b *testing.B) {
		set := intents(b, "banking77_train.csv")
		st := testutil.OpenStore(b)
		ds := importTexts(b, st, "bench", set.texts[:smoothMax])
		benchCategorizeNew(b, st, ds, func() { appendTexts(b, st, ds, set.texts[smoothMax:smoothMax+500]) })
	})
}

// appendTexts appends texts to a dataset as chat records (an append import).
func appendTexts(tb testing.TB, st *store.Store, ds int64, texts []string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "more.jsonl")
	var buf bytes.Buffer
	for _, t := range texts {
		line, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": t}}})
		buf.Write(append(line, '\n'))
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	if _, err := importFileInto(tb, st, ds, path); err != nil {
		tb.Fatal(err)
	}
}

func benchCategorizeNew(b *testing.B, st *store.Store, ds int64, add func()) {
	svc := New(st).WithAI(nil)
	ctx := context.Background()
	if _, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 1, Offline: true}, nil); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if _, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll, Offline: true}, nil); err != nil {
		b.Fatal(err)
	}
	categorizeAll := time.Since(t0)
	before := validRecords(b, st, ds)
	mark, records := before[len(before)-1].ID, len(before)
	before = nil
	add()
	news := validRecords(b, st, ds)[records:]
	saved, _, err := st.TopicModel(ctx, ds)
	if err != nil {
		b.Fatal(err)
	}
	// The one read that grows with the dataset on the cached path: the
	// per-topic count and id sum, from the per-topic index.
	t1 := time.Now()
	if _, err := st.TopicMembership(ctx, ds); err != nil {
		b.Fatal(err)
	}
	membership := time.Since(t1)
	// What the provider path read before: every record.
	t2 := time.Now()
	if _, err := svc.loadCorpus(ctx, ds, nil); err != nil {
		b.Fatal(err)
	}
	readAll := time.Since(t2)
	run := func(b *testing.B, cached bool) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			// The new records without a topic again, and the cache as
			// it was before they arrived (or none).
			uncategorize(b, st, ds, news)
			if err := st.DropTopicModel(ctx, ds); err != nil {
				b.Fatal(err)
			}
			if cached {
				if _, err := st.SetTopicModel(ctx, ds, saved.Records, saved.Model, saved.Seeds); err != nil {
					b.Fatal(err)
				}
			}
			stop := heapPeak()
			b.StartTimer()
			res, err := svc.CategorizeNew(ctx, ds, mark, nil)
			b.StopTimer()
			peak := stop()
			if err != nil || res.Categorized != len(news) {
				b.Fatalf("CategorizeNew = %+v, %v; %d new records", res, err, len(news))
			}
			b.ReportMetric(peak, "peak_heap_MB")
			b.ReportMetric(float64(res.Categorized), "new_records")
			b.ReportMetric(float64(records), "dataset_records")
			b.ReportMetric(categorizeAll.Seconds(), "categorize_all_s")
			b.ReportMetric(float64(len(saved.Model))/(1<<20), "model_MB")
			b.ReportMetric(float64(membership.Microseconds())/1000, "membership_ms")
		}
	}
	b.Run("cached", func(b *testing.B) { run(b, true) })
	b.Run("full", func(b *testing.B) { run(b, false) })
	// With a provider (the fake OpenAI-compatible server): only the new
	// records are read and embedded; read_all_s is what reading every
	// record, as this path did before, costs on its own.
	b.Run("provider", func(b *testing.B) {
		f := testutil.StartOpenAI(b)
		b.Setenv("OPENAI_BASE_URL", f.URL)
		b.Setenv("OPENAI_API_KEY", "sk-bench")
		psvc := New(st)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			uncategorize(b, st, ds, news)
			f.Reset()
			stop := heapPeak()
			b.StartTimer()
			res, err := psvc.CategorizeNew(ctx, ds, mark, nil)
			b.StopTimer()
			peak := stop()
			if err != nil || res.Categorized != len(news) || res.Vectors != VectorsEmbedding {
				b.Fatalf("CategorizeNew = %+v, %v; %d new records", res, err, len(news))
			}
			b.ReportMetric(peak, "peak_heap_MB")
			b.ReportMetric(float64(f.Count("/embeddings")), "embed_requests")
			b.ReportMetric(readAll.Seconds(), "read_all_s")
		}
	})
}
