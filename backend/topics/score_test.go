package topics

import (
	"math"
	"testing"
)

// ari is the adjusted Rand index of a clustering against truth labels.
func ari(clusters []int, truth []string) float64 {
	ti := map[string]int{}
	tl := make([]int, len(truth))
	for i, s := range truth {
		if _, ok := ti[s]; !ok {
			ti[s] = len(ti)
		}
		tl[i] = ti[s]
	}
	ci := map[int]int{}
	joint := map[[2]int]float64{}
	for i, c := range clusters {
		if _, ok := ci[c]; !ok {
			ci[c] = len(ci)
		}
		joint[[2]int{ci[c], tl[i]}]++
	}
	rows := make([]float64, len(ci))
	cols := make([]float64, len(ti))
	var sumJ float64
	for k, v := range joint {
		rows[k[0]] += v
		cols[k[1]] += v
		sumJ += v * (v - 1) / 2
	}
	pairs := func(xs []float64) float64 {
		var s float64
		for _, x := range xs {
			s += x * (x - 1) / 2
		}
		return s
	}
	n := float64(len(clusters))
	a, b := pairs(rows), pairs(cols)
	expected := a * b / (n * (n - 1) / 2)
	maxIdx := (a + b) / 2
	if maxIdx == expected {
		return 1
	}
	return (sumJ - expected) / (maxIdx - expected)
}

// accuracy is the cluster accuracy under the best one-to-one matching of
// clusters to labels (Hungarian algorithm); unmatched clusters count wrong.
func accuracy(clusters []int, truth []string) float64 {
	ti := map[string]int{}
	ci := map[int]int{}
	for _, s := range truth {
		if _, ok := ti[s]; !ok {
			ti[s] = len(ti)
		}
	}
	for _, c := range clusters {
		if _, ok := ci[c]; !ok {
			ci[c] = len(ci)
		}
	}
	n := max(len(ti), len(ci))
	w := make([][]float64, n)
	for i := range w {
		w[i] = make([]float64, n)
	}
	for i, c := range clusters {
		w[ci[c]][ti[truth[i]]]++
	}
	// Minimise cost = -count.
	cost := make([][]float64, n)
	for i := range cost {
		cost[i] = make([]float64, n)
		for j := range cost[i] {
			cost[i][j] = -w[i][j]
		}
	}
	match := hungarian(cost)
	var hit float64
	for i, j := range match {
		hit += w[i][j]
	}
	return hit / float64(len(clusters))
}

// hungarian solves the square assignment problem (minimum cost) and returns
// the column of each row (the O(n³) potentials method).
func hungarian(a [][]float64) []int {
	n := len(a)
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	p := make([]int, n+1)
	way := make([]int, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = math.Inf(1)
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := a[i0-1][j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
			if j0 == 0 {
				break
			}
		}
	}
	out := make([]int, n)
	for j := 1; j <= n; j++ {
		out[p[j]-1] = j - 1
	}
	return out
}

// The benchmark's figures are only as good as these: check them on cases
// with known answers.
func TestARIAndAccuracy(t *testing.T) {
	truth := []string{"a", "a", "b", "b", "c", "c"}
	for _, c := range []struct {
		name     string
		clusters []int
		ari, acc float64
	}{
		{"identical", []int{0, 0, 1, 1, 2, 2}, 1, 1},
		{"relabelled", []int{7, 7, 3, 3, 5, 5}, 1, 1},
		{"one cluster", []int{0, 0, 0, 0, 0, 0}, 0, 2.0 / 6},
		{"two merged", []int{0, 0, 0, 0, 1, 1}, 4.0 / 9, 4.0 / 6},
		{"singletons", []int{0, 1, 2, 3, 4, 5}, 0, 3.0 / 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ari(c.clusters, truth); math.Abs(got-c.ari) > 1e-9 {
				t.Errorf("ari = %v, want %v", got, c.ari)
			}
			if got := accuracy(c.clusters, truth); math.Abs(got-c.acc) > 1e-9 {
				t.Errorf("accuracy = %v, want %v", got, c.acc)
			}
		})
	}
}
