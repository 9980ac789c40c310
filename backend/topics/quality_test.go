package topics

import (
	"math"
	"strconv"
)

// purity is the share of items whose cluster's majority truth label is
// their own truth label.
func purity(clusters []int, truth []string) float64 {
	byC := map[int]map[string]int{}
	for i, c := range clusters {
		if byC[c] == nil {
			byC[c] = map[string]int{}
		}
		byC[c][truth[i]]++
	}
	hit := 0
	for _, m := range byC {
		best := 0
		for _, n := range m {
			best = max(best, n)
		}
		hit += best
	}
	return float64(hit) / float64(len(clusters))
}

// nmi is the normalized mutual information 2·I(C;T)/(H(C)+H(T)).
func nmi(clusters []int, truth []string) float64 {
	n := float64(len(clusters))
	joint := map[[2]string]float64{}
	pc := map[string]float64{}
	pt := map[string]float64{}
	for i, c := range clusters {
		cs := strconv.Itoa(c)
		joint[[2]string{cs, truth[i]}]++
		pc[cs]++
		pt[truth[i]]++
	}
	h := func(m map[string]float64) float64 {
		var s float64
		for _, v := range m {
			p := v / n
			s -= p * math.Log(p)
		}
		return s
	}
	var mi float64
	for k, v := range joint {
		p := v / n
		mi += p * math.Log(p/((pc[k[0]]/n)*(pt[k[1]]/n)))
	}
	hc, ht := h(pc), h(pt)
	if hc+ht == 0 {
		return 1
	}
	return 2 * mi / (hc + ht)
}
