package dryrun

import (
	"fmt"
	"math"
)

// Verdicts, from best to worst.
const (
	GO      = "GO"
	CAUTION = "CAUTION"
	NOGO    = "NO-GO"
)

// The seed's table (PRODUCT.md §9): above the upper bound GO, between the
// bounds (inclusive) CAUTION, below the lower bound NO-GO.
var thresholds = []struct {
	Metric      string
	Lower, High float64
	Percent     bool
}{
	{"mean score", 0.1, 0.2, false},
	{"share of scores > 0", 0.5, 0.7, true},
	{"std dev", 0.05, 0.10, false},
}

// MaxErrorShare is the share of samples with a grader error above which the
// run cannot be trusted: NO-GO whatever the scores.
const MaxErrorShare = 0.10

// eps absorbs floating-point noise, so that a mean of exactly 0.2 computed
// as 0.20000000000000004 is still on the boundary (and CAUTION).
const eps = 1e-9

func rank(v string) int {
	switch v {
	case NOGO:
		return 2
	case CAUTION:
		return 1
	}
	return 0
}

// judge places one metric in the table.
func judge(v, lower, upper float64) string {
	switch {
	case v > upper+eps:
		return GO
	case v < lower-eps:
		return NOGO
	}
	return CAUTION
}

// Decide is the verdict: each metric judged alone, the worst of the three;
// more than 10 % grader errors make it NO-GO. Reasons say, for each metric
// that is not GO, its value and the band it fell in.
func Decide(mean, sharePositive, std float64, errors, n int) (verdict string, reasons []string) {
	verdict = GO
	for i, v := range []float64{mean, sharePositive, std} {
		t := thresholds[i]
		j := judge(v, t.Lower, t.High)
		if rank(j) > rank(verdict) {
			verdict = j
		}
		if j == GO {
			continue
		}
		val, lo, hi := fmt.Sprintf("%.3f", v), fmt.Sprintf("%g", t.Lower), fmt.Sprintf("%g", t.High)
		if t.Percent {
			val, lo, hi = pctStr(v), pctStr(t.Lower), pctStr(t.High)
		}
		if j == NOGO {
			reasons = append(reasons, fmt.Sprintf("%s %s is below %s (NO-GO)", t.Metric, val, lo))
		} else {
			reasons = append(reasons, fmt.Sprintf("%s %s is within %s–%s (CAUTION)", t.Metric, val, lo, hi))
		}
	}
	if n > 0 && float64(errors) > MaxErrorShare*float64(n)+eps {
		verdict = NOGO
		reasons = append(reasons, fmt.Sprintf("grader errors: %d of %d samples (%s) could not be graded; over 10 %% makes the run untrustworthy",
			errors, n, pctStr(float64(errors)/float64(n))))
	}
	if n == 0 {
		verdict = NOGO
		reasons = append(reasons, "no sample was graded")
	}
	return verdict, reasons
}

func pctStr(share float64) string {
	p := math.Round(share*1000) / 10
	if p == math.Trunc(p) {
		return fmt.Sprintf("%.0f %%", p)
	}
	return fmt.Sprintf("%.1f %%", p)
}
