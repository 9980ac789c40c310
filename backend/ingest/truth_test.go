package ingest

import (
	"context"
	"path/filepath"
	"testing"

	"tracetune/backend/health"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestTracegenTruth is the acceptance test of issue 3: every record of a
// 20k-line tracegen file gets exactly the code its truth file names, and
// the health report's counts equal the truth counts.
func TestTracegenTruth(t *testing.T) {
	dir := t.TempDir()
	data, truthPath := filepath.Join(dir, "t.jsonl"), filepath.Join(dir, "truth.jsonl")
	testutil.Tracegen(t, "-n", "20000", "-seed", "7", "-out", data, "-truth", truthPath)
	truth := readTruth(t, truthPath)

	ctx := context.Background()
	st := testutil.OpenStore(t)
	ds := newDataset(t, st, "truth")
	res, err := ImportFile(ctx, st, ds, data, Options{Mode: Append}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != len(truth) || res.Lines != len(truth) {
		t.Fatalf("imported %d records from %d lines, truth has %d", res.Total, res.Lines, len(truth))
	}
	want := map[string]int{}
	for _, tl := range truth {
		if tl.Code != "" {
			want[tl.Code]++
		}
	}
	byLine := map[int]string{}
	var after int64
	for {
		page, err := st.Records(ctx, store.RecordFilter{DatasetID: ds, AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			byLine[r.Line] = string(r.Code)
		}
		after = page[len(page)-1].ID
	}
	bad := 0
	for _, tl := range truth {
		got, ok := byLine[tl.Line]
		if !ok {
			t.Fatalf("line %d has no record", tl.Line)
		}
		if got != tl.Code {
			bad++
			if bad <= 20 {
				t.Errorf("line %d (%s): code %q, truth %q", tl.Line, tl.Shape, got, tl.Code)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d lines have the wrong code", bad, len(truth))
	}
	rep, err := health.ReportFor(ctx, st, ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ByCode) != len(want) {
		t.Errorf("by_code has %d codes, truth %d: %v vs %v", len(rep.ByCode), len(want), rep.ByCode, want)
	}
	for c, n := range want {
		if rep.ByCode[c] != n || res.ByCode[c] != n {
			t.Errorf("%s: report %d, import %d, truth %d", c, rep.ByCode[c], res.ByCode[c], n)
		}
	}
	if rep.Total != len(truth) || rep.Valid+rep.Invalid != rep.Total {
		t.Errorf("report total %d valid %d invalid %d, truth %d lines", rep.Total, rep.Valid, rep.Invalid, len(truth))
	}
	// A full revalidation must change nothing: stored codes equal a fresh
	// validation.
	if err := health.Revalidate(ctx, st, ds); err != nil {
		t.Fatal(err)
	}
	rep2, err := health.ReportFor(ctx, st, ds)
	if err != nil {
		t.Fatal(err)
	}
	for c, n := range want {
		if rep2.ByCode[c] != n {
			t.Errorf("after revalidate %s: %d, truth %d", c, rep2.ByCode[c], n)
		}
	}
	t.Logf("20k import: %v; %d valid, %d invalid; %v", res.Duration, res.Valid, res.Invalid, res.ByCode)
}
