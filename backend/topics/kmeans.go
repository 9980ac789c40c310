package topics

import (
	"context"
	"math"
	"math/rand"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// clustering is the result of spherical k-means.
type clustering struct {
	k      int
	assign []int       // cluster of each document
	cents  [][]float32 // unit-length centroids
	score  float64     // mean cosine similarity to the own centroid (higher is tighter)
}

// kmeans clusters unit vectors by cosine similarity (spherical k-means) with
// k-means++ seeding from rng; it runs restarts times and keeps the tightest.
// The same rng state gives the same result.
func kmeans(ctx context.Context, sp space, k, restarts int, rng *rand.Rand) (clustering, error) {
	best := clustering{score: math.Inf(-1)}
	for r := 0; r < max(1, restarts); r++ {
		c, err := kmeansOnce(ctx, sp, k, rng)
		if err != nil {
			return best, err
		}
		if c.score > best.score {
			best = c
		}
	}
	return best, nil
}

func kmeansOnce(ctx context.Context, sp space, k int, rng *rand.Rand) (clustering, error) {
	n, d := sp.len(), sp.dim()
	k = min(k, n)
	cents := seedPlusPlus(sp, k, rng)
	assign := make([]int, n)
	sims := make([]float32, n)
	for i := range assign {
		assign[i] = -1
	}
	for iter := 0; iter < 60; iter++ {
		if err := ctx.Err(); err != nil {
			return clustering{}, err
		}
		changed := assignAll(sp, cents, assign, sims)
		// New centroids: the normalized sum of members. An empty cluster
		// takes the document farthest from its own centroid.
		next := make([][]float32, k)
		for c := range next {
			next[c] = make([]float32, d)
		}
		count := make([]int, k)
		for i, c := range assign {
			sp.addTo(i, next[c])
			count[c]++
		}
		for c := range next {
			if count[c] == 0 {
				far := 0
				for i := range sims {
					if sims[i] < sims[far] {
						far = i
					}
				}
				sp.addTo(far, next[c])
				sims[far] = 2 // not picked twice
			}
			normalize(next[c])
		}
		cents = next
		if changed*1000 <= n && iter > 0 { // under 0.1 % moved: converged
			break
		}
	}
	assignAll(sp, cents, assign, sims)
	var total float64
	for _, s := range sims {
		total += float64(s)
	}
	return clustering{k: k, assign: assign, cents: cents, score: total / float64(max(1, n))}, nil
}

// assignAll puts every document in its most similar centroid, in parallel
// over fixed chunks (each document is independent, so results do not
// depend on scheduling), and returns how many moved.
func assignAll(sp space, cents [][]float32, assign []int, sims []float32) int {
	n := sp.len()
	workers := runtime.GOMAXPROCS(0)
	chunk := (n + workers - 1) / workers
	moved := make([]int, workers)
	var g errgroup.Group
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		g.Go(func() error {
			for i := lo; i < hi; i++ {
				bc, bs := 0, float32(math.Inf(-1))
				for c, cv := range cents {
					if s := sp.dot(i, cv); s > bs {
						bc, bs = c, s
					}
				}
				if assign[i] != bc {
					moved[w]++
				}
				assign[i], sims[i] = bc, bs
			}
			return nil
		})
	}
	_ = g.Wait()
	total := 0
	for _, m := range moved {
		total += m
	}
	return total
}

// seedPlusPlus picks k initial centroids: the first at random, each next one
// with probability proportional to its squared cosine distance from the
// nearest centroid so far.
func seedPlusPlus(sp space, k int, rng *rand.Rand) [][]float32 {
	n, d := sp.len(), sp.dim()
	pick := func(i int) []float32 {
		c := make([]float32, d)
		sp.addTo(i, c)
		return c
	}
	cents := [][]float32{pick(rng.Intn(n))}
	dist := make([]float64, n)
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	for len(cents) < k {
		last := cents[len(cents)-1]
		var sum float64
		for i := 0; i < n; i++ {
			dd := 1 - float64(sp.dot(i, last))
			if dd < 0 {
				dd = 0
			}
			dd *= dd
			if dd < dist[i] {
				dist[i] = dd
			}
			sum += dist[i]
		}
		if sum == 0 { // fewer distinct documents than k
			cents = append(cents, pick(rng.Intn(n)))
			continue
		}
		r := rng.Float64() * sum
		i := 0
		for ; i < n-1; i++ {
			r -= dist[i]
			if r <= 0 {
				break
			}
		}
		cents = append(cents, pick(i))
	}
	return cents
}

// silhouette is the mean silhouette of a clustering of a small sample, with
// cosine distance, from a precomputed similarity matrix (row-major m×m).
func silhouette(simm []float32, m int, assign []int, k int) float64 {
	if k < 2 {
		return 0
	}
	sum := make([]float64, k)
	size := make([]int, k)
	for _, c := range assign {
		size[c]++
	}
	var total float64
	for i := 0; i < m; i++ {
		clear(sum)
		row := simm[i*m : (i+1)*m]
		for j, c := range assign {
			if j != i {
				sum[c] += 1 - float64(row[j])
			}
		}
		own := assign[i]
		if size[own] <= 1 {
			continue // silhouette of a singleton is 0
		}
		a := sum[own] / float64(size[own]-1)
		b := math.Inf(1)
		for c := 0; c < k; c++ {
			if c != own && size[c] > 0 {
				b = math.Min(b, sum[c]/float64(size[c]))
			}
		}
		if s := math.Max(a, b); s > 0 {
			total += (b - a) / s
		}
	}
	return total / float64(m)
}

// largeSample is the number of documents k-means restarts run on; a larger
// set is then refined from the best sample centroids.
const largeSample = 20000

// kmeansLarge is k-means with restarts on at most largeSample documents,
// then Lloyd steps over all of them from the best centroids: at 100k
// documents restarts on everything would cost minutes.
func kmeansLarge(ctx context.Context, sp space, k int, seed int64) (clustering, error) {
	rng := rand.New(rand.NewSource(seed))
	n := sp.len()
	if n <= largeSample {
		return kmeans(ctx, sp, k, 3, rng)
	}
	sub := subset(sp, rng.Perm(n)[:largeSample])
	c, err := kmeans(ctx, sub, k, 3, rng)
	if err != nil {
		return c, err
	}
	assign := make([]int, n)
	cents, err := lloyd(ctx, sp, c.cents, assign, 15)
	if err != nil {
		return c, err
	}
	sims := make([]float32, n)
	assignAll(sp, cents, assign, sims)
	var total float64
	for _, s := range sims {
		total += float64(s)
	}
	return clustering{k: len(cents), assign: assign, cents: cents, score: total / float64(n)}, nil
}

// lloyd runs up to iters k-means steps from cents, filling assign, and
// returns the final centroids (a centroid left empty keeps its place).
func lloyd(ctx context.Context, sp space, cents [][]float32, assign []int, iters int) ([][]float32, error) {
	n := sp.len()
	sims := make([]float32, n)
	for i := range assign {
		assign[i] = -1
	}
	for it := 0; it < iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		moved := assignAll(sp, cents, assign, sims)
		next := make([][]float32, len(cents))
		for c := range next {
			next[c] = make([]float32, sp.dim())
		}
		for i, c := range assign {
			sp.addTo(i, next[c])
		}
		for c := range next {
			normalize(next[c])
			if isZero(next[c]) {
				next[c] = cents[c]
			}
		}
		cents = next
		if moved*1000 <= n && it > 0 {
			break
		}
	}
	assignAll(sp, cents, assign, sims)
	return cents, nil
}
