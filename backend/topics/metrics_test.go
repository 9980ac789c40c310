package topics

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// The acceptance figures are only as good as the metrics: check them on
// cases with known answers.
func TestPurityAndNMI(t *testing.T) {
	truth := []string{"a", "a", "b", "b", "c", "c"}
	for _, c := range []struct {
		clusters []int
		pur, nmi float64
	}{
		{[]int{0, 0, 1, 1, 2, 2}, 1, 1},                                             // identical
		{[]int{5, 5, 9, 9, 1, 1}, 1, 1},                                             // relabelled
		{[]int{0, 0, 0, 0, 0, 0}, 2.0 / 6, 0},                                       // one cluster
		{[]int{0, 1, 2, 3, 4, 5}, 1, 2 * math.Log(3) / (math.Log(3) + math.Log(6))}, // singletons: pure, not informative
	} {
		if p := purity(c.clusters, truth); math.Abs(p-c.pur) > 1e-9 {
			t.Errorf("purity(%v) = %v, want %v", c.clusters, p, c.pur)
		}
		if n := nmi(c.clusters, truth); math.Abs(n-c.nmi) > 1e-9 {
			t.Errorf("nmi(%v) = %v, want %v", c.clusters, n, c.nmi)
		}
	}
}

// TestDiscoverGroupsPhrasingsIntoTopics checks the two-level discovery on
// in-memory texts: three topics, each asked in two unrelated phrasings that
// share only their slot values, plus noise words common to every topic.
func TestDiscoverGroupsPhrasingsIntoTopics(t *testing.T) {
	type fam struct {
		phrasings []string
		slots     []string
	}
	fams := []fam{
		{[]string{"refund the duplicate charge on order %s please", "why does invoice %s show a late fee"}, []string{"48213", "99120", "10442", "77310"}},
		{[]string{"find a cheap flight to %s next friday", "change my return departure from %s to a morning"}, []string{"boston", "lisbon", "tokyo", "denver"}},
		{[]string{"sql query for top customers in %s table", "duplicate rows in %s keeping the oldest email"}, []string{"shipments", "payments", "invoices_tbl", "users"}},
	}
	noise := []string{"urgent ticket", "thanks in advance", "reference number", "sent from mobile app"}
	var texts, truth []string
	for i := 0; i < 1200; i++ {
		f := fams[i%3]
		p := f.phrasings[(i/3)%2]
		texts = append(texts, fmt.Sprintf(p, f.slots[(i/7)%4])+" "+noise[(i/11)%4])
		truth = append(truth, fmt.Sprint(i%3))
	}
	f := offlineFeatures(texts)
	sp := f.sparse
	// 96 distinct texts: up to 40 fine clusters (the range of phrasings,
	// not of single texts) exercise the grouping of phrasings into topics.
	d, err := discover(context.Background(), sp, discoverOptions{seed: 1, maxK: 40}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.k != 3 || purity(d.assign, truth) != 1 {
		t.Fatalf("k=%d (fine %d), purity %.3f; want the 3 families", d.k, d.fineK, purity(d.assign, truth))
	}
	for _, w := range []string{"urgent", "advance", "mobile"} {
		if !d.dropped[f.tf.vocab[stem(w)]] {
			t.Errorf("noise word %q was kept", w)
		}
	}
	specs, _ := termLabels(f, d)
	for _, s := range specs {
		if err := ValidName(s.Name); err != nil || len(s.Keywords) < 5 {
			t.Errorf("label %+v: %v", s, err)
		}
	}
}
