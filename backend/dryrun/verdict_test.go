package dryrun

import (
	"strings"
	"testing"
)

func TestEachMetricIsJudgedOnTheSeedsTableWithBoundariesOnTheCautionSide(t *testing.T) {
	// The other two metrics sit well inside GO, so the verdict is the
	// tested metric's band.
	const goMean, goShare, goStd = 0.5, 0.9, 0.3
	cases := []struct {
		name             string
		mean, share, std float64
		want             string
		reasonHas        string
	}{
		{"mean just above 0.2 is GO", 0.2001, goShare, goStd, GO, ""},
		{"mean exactly 0.2 is CAUTION", 0.2, goShare, goStd, CAUTION, "mean score 0.200"},
		{"mean between the bounds is CAUTION", 0.15, goShare, goStd, CAUTION, "mean score"},
		{"mean exactly 0.1 is CAUTION", 0.1, goShare, goStd, CAUTION, "mean score 0.100"},
		{"mean just below 0.1 is NO-GO", 0.0999, goShare, goStd, NOGO, "below 0.1"},
		{"share just above 70 % is GO", goMean, 0.7001, goStd, GO, ""},
		{"share exactly 70 % is CAUTION", goMean, 0.7, goStd, CAUTION, "share of scores > 0 70 %"},
		{"share exactly 50 % is CAUTION", goMean, 0.5, goStd, CAUTION, "50 %"},
		{"share just below 50 % is NO-GO", goMean, 0.4999, goStd, NOGO, "below 50 %"},
		{"std just above 0.10 is GO", goMean, goShare, 0.1001, GO, ""},
		{"std exactly 0.10 is CAUTION", goMean, goShare, 0.10, CAUTION, "std dev 0.100"},
		{"std exactly 0.05 is CAUTION", goMean, goShare, 0.05, CAUTION, "std dev 0.050"},
		{"std just below 0.05 is NO-GO", goMean, goShare, 0.0499, NOGO, "below 0.05"},
		// floating-point noise on a boundary stays on the boundary
		{"mean 0.1+0.1 computed in floats is CAUTION", 0.1 + 0.1 + 1e-12, goShare, goStd, CAUTION, ""},
		{"std 0.1 with float noise is CAUTION", goMean, goShare, 0.30000000000000004 - 0.2, CAUTION, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reasons := Decide(c.mean, c.share, c.std, 0, 300)
			if got != c.want {
				t.Fatalf("Decide(%v, %v, %v) = %s, want %s (reasons %q)", c.mean, c.share, c.std, got, c.want, reasons)
			}
			if c.want == GO && len(reasons) != 0 {
				t.Errorf("a GO has reasons %q", reasons)
			}
			if c.reasonHas != "" && !strings.Contains(strings.Join(reasons, "; "), c.reasonHas) {
				t.Errorf("reasons %q do not mention %q", reasons, c.reasonHas)
			}
		})
	}
}

func TestTheVerdictIsTheWorstOfTheThree(t *testing.T) {
	cases := []struct {
		name             string
		mean, share, std float64
		want             string
		reasons          int
	}{
		{"all GO", 0.5, 0.9, 0.3, GO, 0},
		{"one CAUTION", 0.5, 0.6, 0.3, CAUTION, 1},
		{"two CAUTION", 0.15, 0.6, 0.3, CAUTION, 2},
		{"three CAUTION", 0.15, 0.6, 0.07, CAUTION, 3},
		{"CAUTION and NO-GO", 0.15, 0.4, 0.3, NOGO, 2},
		{"GO, GO, NO-GO", 0.5, 0.9, 0.01, NOGO, 1},
		{"NO-GO, GO, CAUTION", 0.05, 0.9, 0.07, NOGO, 2},
		{"all NO-GO", 0.01, 0.02, 0.01, NOGO, 3},
		{"boundaries everywhere", 0.1, 0.7, 0.05, CAUTION, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reasons := Decide(c.mean, c.share, c.std, 0, 100)
			if got != c.want || len(reasons) != c.reasons {
				t.Fatalf("Decide = %s with %d reasons %q, want %s with %d", got, len(reasons), reasons, c.want, c.reasons)
			}
		})
	}
}

func TestMoreThanTenPercentGraderErrorsMakeANoGo(t *testing.T) {
	cases := []struct {
		name   string
		errors int
		want   string
	}{
		{"no errors", 0, GO},
		{"exactly 10 % is tolerated", 30, GO},
		{"one more is NO-GO", 31, NOGO},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reasons := Decide(0.5, 0.9, 0.3, c.errors, 300)
			if got != c.want {
				t.Fatalf("verdict %s, want %s", got, c.want)
			}
			if c.want == NOGO && !strings.Contains(strings.Join(reasons, ";"), "grader errors") {
				t.Errorf("reasons %q do not say grader errors", reasons)
			}
		})
	}
}

func TestAReportOnScoresWhoseMeanIsExactlyABoundaryIsCaution(t *testing.T) {
	// 0.05 and 0.35 average to 0.2 only up to float rounding; share > 0
	// (100 %) and std (0.15) are GO, so only the mean can make it CAUTION.
	var scores []float64
	for i := 0; i < 300; i++ {
		scores = append(scores, []float64{0.05, 0.35}[i%2])
	}
	s := Compute(scores)
	got, reasons := Decide(s.Mean, s.SharePositive, s.Std, 0, s.N)
	if got != CAUTION || len(reasons) != 1 || !strings.Contains(reasons[0], "mean score 0.200") {
		t.Fatalf("mean %.17g std %.3f: verdict %s %q, want CAUTION for the mean", s.Mean, s.Std, got, reasons)
	}
}
