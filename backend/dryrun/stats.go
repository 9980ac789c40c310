package dryrun

import (
	"math"
	"sort"
)

// Stats are the figures of a sample's total scores (PRODUCT.md §9).
type Stats struct {
	N             int     `json:"n"`
	Mean          float64 `json:"mean"`
	Std           float64 `json:"std"` // population standard deviation
	Median        float64 `json:"median"`
	P10           float64 `json:"p10"`
	P25           float64 `json:"p25"`
	P75           float64 `json:"p75"`
	P90           float64 `json:"p90"`
	SharePositive float64 `json:"share_positive"` // share of scores > 0
	SharePerfect  float64 `json:"share_perfect"`  // share of scores = 1.0
	Histogram     []int   `json:"histogram"`      // 10 bins on [0, 1]; the last holds 1.0
}

// TopicStats is one topic's part of the sample.
type TopicStats struct {
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	Count int     `json:"count"`
}

// Bins is the histogram's bin count.
const Bins = 10

// Compute returns the statistics of scores (each in [0, 1]).
func Compute(scores []float64) Stats {
	s := Stats{N: len(scores), Histogram: make([]int, Bins)}
	if len(scores) == 0 {
		return s
	}
	sorted := append([]float64(nil), scores...)
	sort.Float64s(sorted)
	s.Mean, s.Std = meanStd(sorted)
	s.Median = Percentile(sorted, 50)
	s.P10, s.P25 = Percentile(sorted, 10), Percentile(sorted, 25)
	s.P75, s.P90 = Percentile(sorted, 75), Percentile(sorted, 90)
	pos, perfect := 0, 0
	for _, x := range sorted {
		if x > 0 {
			pos++
		}
		if x >= 1 {
			perfect++
		}
		s.Histogram[bin(x)]++
	}
	s.SharePositive = float64(pos) / float64(len(sorted))
	s.SharePerfect = float64(perfect) / float64(len(sorted))
	return s
}

// bin is a score's histogram bin: [0,0.1), [0.1,0.2), …, [0.9,1.0]. The
// small epsilon keeps 0.3 (0.29999… in binary) in the bin a person expects.
func bin(x float64) int {
	b := int(math.Floor(x*Bins + 1e-9))
	return max(0, min(b, Bins-1))
}

// meanStd returns the mean and the population standard deviation.
func meanStd(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	m := sum / float64(len(xs))
	ss := 0.0
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(xs)))
}

// Percentile is numpy's percentile with linear interpolation (its default)
// over ascending values: the rank (n-1)·p/100, interpolated between the two
// neighbouring values.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	h := float64(n-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
