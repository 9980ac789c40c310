package deploy_test

import (
	"math/rand/v2"
	"testing"

	"tracetune/backend/deploy"
)

// synthetic returns n paired differences whose true mean is effect:
// tuned = base + effect + noise, the noise centred on 0.
func synthetic(seed uint64, n int, effect float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, n)
	for i := range out {
		base := r.Float64()
		tuned := base + effect + (r.Float64()-0.5)*0.4
		out[i] = tuned - base
	}
	return out
}

func TestBootstrapIntervalIsReproducibleForASeed(t *testing.T) {
	d := synthetic(7, 150, 0.1)
	lo1, hi1 := deploy.BootstrapCI(d, 42, deploy.Resamples)
	lo2, hi2 := deploy.BootstrapCI(d, 42, deploy.Resamples)
	if lo1 != lo2 || hi1 != hi2 {
		t.Fatalf("same seed, different intervals: [%g,%g] vs [%g,%g]", lo1, hi1, lo2, hi2)
	}
	lo3, hi3 := deploy.BootstrapCI(d, 43, deploy.Resamples)
	if lo1 == lo3 && hi1 == hi3 {
		t.Fatal("another seed gave the very same interval: the seed is not used")
	}
	if !(lo1 < hi1) {
		t.Fatalf("empty interval [%g,%g]", lo1, hi1)
	}
}

func TestBootstrapIntervalBracketsAKnownEffect(t *testing.T) {
	cases := []struct {
		name   string
		effect float64
	}{
		{"a real improvement", 0.1},
		{"no difference", 0},
		{"a regression", -0.05},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Over many synthetic datasets a 95 % interval holds the true
			// effect about 95 times in 100.
			const trials = 120
			covered := 0
			for i := range trials {
				d := synthetic(uint64(1000+i), 80, c.effect)
				lo, hi := deploy.BootstrapCI(d, int64(i), 1000)
				if lo <= c.effect && c.effect <= hi {
					covered++
				}
			}
			if rate := float64(covered) / trials; rate < 0.88 || rate > 0.995 {
				t.Fatalf("coverage %.3f, want about 0.95", rate)
			}
			// And one large sample pins it down: the interval brackets the
			// effect and excludes zero when there is one.
			d := synthetic(99, 400, c.effect)
			lo, hi := deploy.BootstrapCI(d, 1, deploy.Resamples)
			if !(lo <= c.effect && c.effect <= hi) {
				t.Fatalf("[%g,%g] misses the true effect %g", lo, hi, c.effect)
			}
			if c.effect != 0 && lo <= 0 && hi >= 0 {
				t.Fatalf("[%g,%g] cannot tell an effect of %g from none", lo, hi, c.effect)
			}
		})
	}
}

func TestTwoSampleIntervalBracketsTheDifferenceOfMeans(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var a, b []float64
	for range 300 {
		a = append(a, 0.5+(r.Float64()-0.5)*0.5)
		b = append(b, 0.65+(r.Float64()-0.5)*0.5)
	}
	lo, hi := deploy.BootstrapDiffCI(a, b, 9, deploy.Resamples)
	if !(lo <= 0.15 && 0.15 <= hi) || lo <= 0 {
		t.Fatalf("[%g,%g] for a true difference of 0.15", lo, hi)
	}
}
