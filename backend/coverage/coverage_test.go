package coverage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/topics"
)

func TestRatingFor(t *testing.T) {
	for _, c := range []struct {
		b    float64
		want string
	}{{1, Good}, {0.61, Good}, {0.6, Attention}, {0.3, Attention}, {0.29, Poor}, {0, Poor}} {
		if got := RatingFor(c.b); got != c.want {
			t.Errorf("RatingFor(%v) = %s, want %s", c.b, got, c.want)
		}
	}
}

func TestBuildStatusesTargetsAndNeeds(t *testing.T) {
	ls := []record.Topic{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}, {ID: 3, Name: "c"}, {ID: 4, Name: "d", Target: 40}}
	c := store.TopicCounts{Valid: 110, ByTopic: map[int64]int{1: 50, 2: 30, 3: 0, 4: 20}}
	r := build(ls, c)
	if r.Categorized != 100 || r.Uncategorized != 10 || r.Valid != 110 {
		t.Fatalf("totals: %+v", r)
	}
	if r.Balance != 0 || r.Rating != Poor {
		t.Errorf("an empty topic must make balance 0: %v %s", r.Balance, r.Rating)
	}
	// d is set to 40 %; a, b, c share the remaining 60 % uniformly.
	want := map[string]struct {
		pct, target, gap float64
		status           string
		needed           int
	}{
		"a": {50, 20, -30, Over, 0},
		"b": {30, 20, -10, Over, 0},
		"c": {0, 20, 20, Under, 25},  // (0.2*100-0)/(1-0.2) = 25
		"d": {20, 40, 20, Under, 34}, // (40-20)/0.6 = 33.3 → 34
	}
	for name, w := range want {
		s := r.Distribution[name]
		if s.Percent != w.pct || s.Target != w.target || s.Gap != w.gap || s.Status != w.status || s.Needed != w.needed {
			t.Errorf("%s: %+v, want %+v", name, s, w)
		}
	}
	if len(r.Recommendations) != 3 || !strings.Contains(r.Recommendations[0], "topic c needs 25 more records") ||
		!strings.Contains(r.Recommendations[2], "10 valid records are uncategorized") {
		t.Errorf("recommendations: %q", r.Recommendations)
	}
	// Within ±5 points is ok.
	r = build([]record.Topic{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}}, store.TopicCounts{Valid: 100, ByTopic: map[int64]int{1: 54, 2: 46}})
	if r.Distribution["a"].Status != OK || r.Distribution["b"].Status != OK || r.Balance != 0.85 || r.Rating != Good {
		t.Errorf("near target: %+v", r)
	}
	if r := build(nil, store.TopicCounts{Valid: 5}); r.Uncategorized != 5 || r.Rating != Poor || len(r.Topics) != 0 {
		t.Errorf("no topics: %+v", r)
	}
}

// TestCoverageEqualsRecount categorizes a tracegen dataset and recounts the
// distribution from the records themselves (as `tracetune records --json`
// lists them).
func TestCoverageEqualsRecount(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds := importTracegen(t, st, 1500, 11)
	svc := topics.New(st).WithAI(nil)
	if _, err := svc.Generate(ctx, ds, topics.GenerateOptions{Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Categorize(ctx, ds, topics.CategorizeOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	// Leave some records uncategorized and one leaf topic with a set target.
	all, _ := st.Topics(ctx, ds)
	ts := record.Leaves(all)
	if err := svc.SetTarget(ctx, ds, ts[0].ID, 30); err != nil {
		t.Fatal(err)
	}
	var page []record.Record
	page, err := st.Records(ctx, store.RecordFilter{DatasetID: ds, Code: "valid", Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	var clear []store.Assignment
	for _, r := range page {
		clear = append(clear, store.Assignment{RecordID: r.ID})
	}
	if err := st.SetAssignments(ctx, ds, clear); err != nil {
		t.Fatal(err)
	}

	rep, err := Compute(ctx, st, ds)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	valid, uncategorized := 0, 0
	var after int64
	for {
		rs, err := st.Records(ctx, store.RecordFilter{DatasetID: ds, AfterID: after, Limit: store.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Code != record.Valid {
				continue
			}
			valid++
			if r.Topic == "" {
				uncategorized++
			} else {
				counts[r.Topic]++
			}
		}
		if len(rs) < store.MaxPageSize {
			break
		}
		after = rs[len(rs)-1].ID
	}
	categorized := valid - uncategorized
	if rep.Valid != valid || rep.Uncategorized != uncategorized || rep.Uncategorized != 7 || rep.Categorized != categorized {
		t.Fatalf("report valid %d uncategorized %d categorized %d; recount %d %d %d", rep.Valid, rep.Uncategorized, rep.Categorized, valid, uncategorized, categorized)
	}
	for _, tp := range ts {
		s, ok := rep.Distribution[tp.Name]
		if !ok {
			t.Fatalf("topic %s missing from the distribution", tp.Name)
		}
		n := counts[tp.Name]
		if s.Count != n {
			t.Errorf("%s: count %d, recount %d", tp.Name, s.Count, n)
		}
		if p := math.Round(10000*float64(n)/float64(categorized)) / 100; s.Percent != p {
			t.Errorf("%s: percent %v, recount %v", tp.Name, s.Percent, p)
		}
	}
	// Balance compares counts per point of target (one topic has a set
	// target of 30 %, the others share 70 % equally).
	perPoint := func(name string) float64 {
		return float64(counts[name]) / rep.Distribution[name].Target
	}
	lo, hi := math.Inf(1), 0.0
	for _, tp := range ts {
		lo, hi = math.Min(lo, perPoint(tp.Name)), math.Max(hi, perPoint(tp.Name))
	}
	if b := math.Round(100*lo/hi) / 100; rep.Balance != b || rep.Rating != RatingFor(b) {
		t.Errorf("balance %v (%s), recount %v", rep.Balance, rep.Rating, b)
	}
	if s := rep.Distribution[ts[0].Name]; s.Target != 30 || !s.Custom {
		t.Errorf("set target not reported: %+v", s)
	}
	// The JSON has the keys the CLI promises.
	b, _ := json.Marshal(rep)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"balance", "distribution", "uncategorized", "recommendations"} {
		if _, ok := m[k]; !ok {
			t.Errorf("coverage JSON lacks %q", k)
		}
	}
	d := m["distribution"].(map[string]any)[ts[0].Name].(map[string]any)
	for _, k := range []string{"count", "percent", "target", "gap", "status"} {
		if _, ok := d[k]; !ok {
			t.Errorf("distribution entry lacks %q", k)
		}
	}
}

func TestSetTargetLimits(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ds, err := st.CreateDataset(ctx, "t", "")
	if err != nil {
		t.Fatal(err)
	}
	svc := topics.New(st)
	a, _ := st.InsertTopic(ctx, record.Topic{DatasetID: ds.ID, Name: "a"})
	b, _ := st.InsertTopic(ctx, record.Topic{DatasetID: ds.ID, Name: "b"})
	if err := svc.SetTarget(ctx, ds.ID, a.ID, 70); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetTarget(ctx, ds.ID, b.ID, 40); err == nil || !strings.Contains(err.Error(), "110.0") {
		t.Errorf("targets over 100 %%: %v", err)
	}
	if err := svc.SetTarget(ctx, ds.ID, b.ID, -1); err == nil {
		t.Error("negative target accepted")
	}
	if err := svc.ResetTargets(ctx, ds.ID); err != nil {
		t.Fatal(err)
	}
	if x, _ := st.Topic(ctx, a.ID); x.Target != 0 {
		t.Errorf("reset left %v", x.Target)
	}
}

// importTracegen generates n records and imports them into a new dataset.
func importTracegen(tb testing.TB, st *store.Store, n, seed int) int64 {
	tb.Helper()
	data, truth := testutil.TracegenFiles(tb, n, int64(seed))
	d, err := st.CreateDataset(context.Background(), "tg", "")
	if err != nil {
		tb.Fatal(err)
	}
	res, err := ingest.ImportFile(context.Background(), st, d.ID, data, ingest.Options{Mode: ingest.Append}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if lines := countLines(tb, truth); res.Total != lines || lines != n {
		tb.Fatalf("imported %d records from %d truth lines, want %d", res.Total, lines, n)
	}
	return d.ID
}

func countLines(tb testing.TB, path string) int {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// Whatever the distribution, the report agrees with itself: the rating is
// Good exactly when no topic is under, the recommendations name exactly the
// under topics, an under topic needs records and no other topic does, and
// an under topic is below its target.
func TestCoverageAgreesWithItselfOnRandomDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 26))
	for i := 0; i < 5000; i++ {
		k := 1 + rng.IntN(12)
		ls := make([]record.Topic, k)
		c := store.TopicCounts{ByTopic: map[int64]int{}}
		setLeft := 100.0
		for j := range ls {
			ls[j] = record.Topic{ID: int64(j + 1), Name: fmt.Sprintf("t%d", j)}
			if rng.IntN(4) == 0 && setLeft > 1 { // a quarter of topics get a set target
				ls[j].Target = math.Round(rng.Float64()*setLeft*0.8*10) / 10
				setLeft -= ls[j].Target
			}
			switch rng.IntN(6) {
			case 0:
				c.ByTopic[int64(j+1)] = 0
			case 1:
				c.ByTopic[int64(j+1)] = rng.IntN(5000)
			default:
				c.ByTopic[int64(j+1)] = 20 + rng.IntN(200)
			}
			c.Valid += c.ByTopic[int64(j+1)]
		}
		c.Valid += rng.IntN(30)
		r := build(ls, c)
		under := 0
		for _, s := range r.Topics {
			switch s.Status {
			case Under:
				under++
				if s.Needed <= 0 {
					t.Fatalf("case %d: under topic %s needs %d", i, s.Topic, s.Needed)
				}
				if s.Gap <= 0 && s.Target > 0 && !anyCustom(ls) {
					t.Fatalf("case %d: under topic %s is not below its target: %+v", i, s.Topic, s)
				}
				if !hasRecommendation(r, s.Topic) {
					t.Fatalf("case %d: under topic %s has no recommendation: %q", i, s.Topic, r.Recommendations)
				}
			default:
				if s.Needed != 0 {
					t.Fatalf("case %d: %s topic %s needs %d", i, s.Status, s.Topic, s.Needed)
				}
				if hasRecommendation(r, s.Topic) {
					t.Fatalf("case %d: %s topic %s is recommended: %q", i, s.Status, s.Topic, r.Recommendations)
				}
			}
		}
		switch {
		case k == 1:
			if r.Rating != Single || under != 0 || r.Note == "" {
				t.Fatalf("case %d: one topic: %+v", i, r)
			}
		case (r.Rating == Good) != (under == 0):
			t.Fatalf("case %d: rating %s (balance %v) with %d under topics: %+v", i, r.Rating, r.Balance, under, r.Topics)
		case r.Rating != RatingFor(r.Balance):
			t.Fatalf("case %d: rating %s for balance %v", i, r.Rating, r.Balance)
		}
	}
}

func anyCustom(ls []record.Topic) bool {
	for _, t := range ls {
		if t.Target > 0 {
			return true
		}
	}
	return false
}

func hasRecommendation(r Report, topic string) bool {
	for _, x := range r.Recommendations {
		if strings.HasPrefix(x, "topic "+topic+" needs ") {
			return true
		}
	}
	return false
}
