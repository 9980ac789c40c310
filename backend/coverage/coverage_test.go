package coverage

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
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
	// Leave some records uncategorized and one topic with a set target.
	ts, _ := st.Topics(ctx, ds)
	if err := SetTarget(ctx, st, ts[0].ID, 30); err != nil {
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
	minC, maxC := math.MaxInt, 0
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
		minC, maxC = min(minC, n), max(maxC, n)
	}
	if b := math.Round(100*float64(minC)/float64(maxC)) / 100; rep.Balance != b || rep.Rating != RatingFor(b) {
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
	a, _ := st.InsertTopic(ctx, record.Topic{DatasetID: ds.ID, Name: "a"})
	b, _ := st.InsertTopic(ctx, record.Topic{DatasetID: ds.ID, Name: "b"})
	if err := SetTarget(ctx, st, a.ID, 70); err != nil {
		t.Fatal(err)
	}
	if err := SetTarget(ctx, st, b.ID, 40); err == nil || !strings.Contains(err.Error(), "110.0") {
		t.Errorf("targets over 100 %%: %v", err)
	}
	if err := SetTarget(ctx, st, b.ID, -1); err == nil {
		t.Error("negative target accepted")
	}
	if err := ResetTargets(ctx, st, ds.ID); err != nil {
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
