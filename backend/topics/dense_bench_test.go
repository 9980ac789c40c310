package topics

import (
	"context"
	"os"
	"testing"

	"tracetune/backend/testutil"
)

// BenchmarkDiscoverDense1536 times discovery on 1536-dimensional vectors
// (the size of common embedding models; here the fake server's hashed
// bag-of-words) for 20k tracegen prompts, with purity and NMI. NOPROJ=1
// clusters the full vectors instead of their projection, for comparison:
//
//	go test ./backend/topics -run '^$' -bench DiscoverDense1536 -benchtime 1x
func BenchmarkDiscoverDense1536(b *testing.B) {
	data, truthPath := testutil.TracegenFiles(b, 20000, 21)
	truthByLine := truthTopics(b, truthPath)
	st := testutil.OpenStore(b)
	ds := importFile(b, st, "dense", data)
	c, err := New(st).WithAI(nil).loadCorpus(context.Background(), ds, nil)
	if err != nil {
		b.Fatal(err)
	}
	var truth []string
	for _, r := range validRecords(b, st, ds) {
		truth = append(truth, truthByLine[r.Line])
	}
	vecs := make([][]float32, len(c.texts))
	for i, t := range c.texts {
		vecs[i] = testutil.Embed(t, 1536)
	}
	toks := make([][]string, len(c.texts))
	for i, t := range c.texts {
		toks[i] = tokens(t)
	}
	tf := fitTFIDF(toks)
	terms := &sparseSpace{d: len(tf.terms)}
	for _, tk := range toks {
		terms.docs = append(terms.docs, tf.vector(tk))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pv := vecs
		if os.Getenv("NOPROJ") == "" {
			pv = project(vecs, 1)
		}
		d, err := discover(context.Background(), &denseSpace{docs: pv}, discoverOptions{seed: 1, terms: terms}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(d.k), "k")
		b.ReportMetric(purity(d.assign, truth), "purity")
		b.ReportMetric(nmi(d.assign, truth), "NMI")
	}
}
