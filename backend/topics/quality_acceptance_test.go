package topics

import (
	"context"
	"testing"
	"time"
	"tracetune/backend/testutil"
)

// TestOfflineQualityTracegen is the acceptance run of issue 6: tracegen
// -n 20000 -seed 21, offline generate + categorize, then purity and NMI of
// the categories against the 8 truth families.
func TestOfflineQualityTracegen(t *testing.T) {
	data, truthPath := testutil.TracegenFiles(t, 20000, 21)
	st := testutil.OpenStore(t)
	ds := importFile(t, st, "tracegen", data)
	truth := truthTopics(t, truthPath)
	svc := New(st).WithAI(nil)
	ctx := context.Background()

	t0 := time.Now()
	g, err := svc.Generate(ctx, ds, GenerateOptions{Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	c, err := svc.Categorize(ctx, ds, CategorizeOptions{Mode: ModeAll}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t2 := time.Now()
	pur, mi, unc := quality(t, st, ds, truth)
	var names []string
	for _, tp := range g.Topics {
		names = append(names, tp.Name)
	}
	t.Logf("records=%d k=%d fineK=%d vectors=%s naming=%s topics=%v", g.Records, g.K, g.FineK, g.Vectors, g.Naming, names)
	t.Logf("categorize: %+v", c)
	t.Logf("purity=%.4f NMI=%.4f uncategorized=%d generate=%v categorize=%v", pur, mi, unc, t1.Sub(t0), t2.Sub(t1))
	if g.Vectors != VectorsTFIDF || g.Naming != NamingTerms {
		t.Errorf("offline run used vectors=%s naming=%s", g.Vectors, g.Naming)
	}
	if unc != 0 {
		t.Errorf("%d valid records left uncategorized", unc)
	}
	if pur < 0.95 {
		t.Errorf("purity %.4f < 0.95", pur)
	}
	if mi < 0.90 {
		t.Errorf("NMI %.4f < 0.90", mi)
	}
}
