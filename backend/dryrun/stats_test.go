package dryrun

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestStatisticsMatchNumpyOnHandCheckedValues(t *testing.T) {
	// numpy: np.percentile([0, .1, .5, .9, 1], [10, 25, 50, 75, 90])
	// = [0.04, 0.1, 0.5, 0.9, 0.96]; np.std (population) = 0.40496913…
	s := Compute([]float64{0.9, 0, 1, 0.1, 0.5})
	checks := []struct {
		name      string
		got, want float64
	}{
		{"mean", s.Mean, 0.5},
		{"std", s.Std, math.Sqrt(0.164)},
		{"median", s.Median, 0.5},
		{"p10", s.P10, 0.04},
		{"p25", s.P25, 0.1},
		{"p75", s.P75, 0.9},
		{"p90", s.P90, 0.96},
		{"share > 0", s.SharePositive, 0.8},
		{"share = 1", s.SharePerfect, 0.2},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	want := []int{1, 1, 0, 0, 0, 1, 0, 0, 0, 2} // 0 | 0.1 | 0.5 | 0.9 and 1.0 in the last bin
	for i := range want {
		if s.Histogram[i] != want[i] {
			t.Fatalf("histogram %v, want %v", s.Histogram, want)
		}
	}
}

func TestPercentileInterpolatesLinearlyLikeNumpy(t *testing.T) {
	cases := []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, 25, 1.75}, // np.percentile([1,2,3,4], 25)
		{[]float64{1, 2, 3, 4}, 50, 2.5},
		{[]float64{1, 2, 3, 4}, 90, 3.7},
		{[]float64{0, 1}, 10, 0.1},
		{[]float64{7}, 90, 7},
		{[]float64{1, 2, 3}, 100, 3},
		{[]float64{1, 2, 3}, 0, 1},
	}
	for _, c := range cases {
		if got := Percentile(c.xs, c.p); !near(got, c.want) {
			t.Errorf("Percentile(%v, %v) = %v, want %v", c.xs, c.p, got, c.want)
		}
	}
}

func TestHistogramBinsPutBoundaryScoresWhereAPersonExpects(t *testing.T) {
	for i := 0; i <= 10; i++ {
		x := float64(i) / 10 // 0.3 is 0.299999… in binary
		want := min(i, 9)
		if got := bin(x); got != want {
			t.Errorf("bin(%v) = %d, want %d", x, got, want)
		}
	}
	if bin(0.7*1) != 7 || bin(0.6999) != 6 {
		t.Errorf("bin(0.7) = %d, bin(0.6999) = %d", bin(0.7), bin(0.6999))
	}
}

func TestEmptyScoresGiveZerosAndTenBins(t *testing.T) {
	s := Compute(nil)
	if s.N != 0 || s.Mean != 0 || len(s.Histogram) != Bins {
		t.Fatalf("empty stats %+v", s)
	}
}
