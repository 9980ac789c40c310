package deploy

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Resamples is the number of bootstrap resamples of an interval.
const Resamples = 4000

// BootstrapCI is the 95 % percentile bootstrap interval of the mean of
// paired differences: resample the pairs with replacement, take each
// resample's mean, and read the 2.5th and 97.5th percentiles. The same seed
// gives the same interval.
func BootstrapCI(diffs []float64, seed int64, resamples int) (lo, hi float64) {
	n := len(diffs)
	if n == 0 {
		return 0, 0
	}
	if resamples <= 0 {
		resamples = Resamples
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x7261636574756e65)) // "racetune"
	means := make([]float64, resamples)
	for b := range means {
		var sum float64
		for range n {
			sum += diffs[r.IntN(n)]
		}
		means[b] = sum / float64(n)
	}
	sort.Float64s(means)
	return percentile(means, 0.025), percentile(means, 0.975)
}

// percentile reads a sorted sample at q with linear interpolation.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// tieEpsilon: scores closer than this are a tie (graders round to 1e-6).
const tieEpsilon = 1e-6
