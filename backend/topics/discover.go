package topics

import (
	"context"
	"math"
	"math/rand"
)

// Topic discovery in two levels. Prompts written from the same phrasing
// form tight, small clusters (a silhouette over k always prefers them), while
// a topic is a family of such phrasings that share their distinctive words.
// So discover first finds the fine clusters (k by silhouette on a sample),
// then groups their centroids (k again by silhouette, now among centroids)
// and finally refines the grouping with k-means over all documents.

// discoverOptions tune discovery; zero values take defaults.
type discoverOptions struct {
	k      int   // wanted number of topics; 0: automatic
	seed   int64 // all randomness derives from it
	sample int   // documents used to choose k (default 2000)
	maxK   int   // largest fine k tried (default 40)
	// terms, when the vectors are embeddings, are the same documents'
	// TF-IDF vectors: shared words help decide which clusters form a topic.
	terms *sparseSpace
}

type discovery struct {
	assign     []int       // topic of each document
	cents      [][]float32 // unit-length topic centroids
	k          int
	fineK      int
	silhouette float64        // centroid-level silhouette of the chosen grouping (fine level if not grouped)
	dropped    map[int32]bool // terms found unspecific and left out (sparse vectors)
	fineAssign []int          // fine cluster of each document (nil when not grouped)
	fineGroup  []int          // topic of each fine cluster
	space      space          // the (possibly filtered) vectors the assignment refers to
}

// discover clusters the documents of sp into topics.
func discover(ctx context.Context, sp space, opt discoverOptions, progress func(string)) (discovery, error) {
	var dropped map[int32]bool
	// result records which vectors (possibly filtered) the result refers to.
	result := func(d discovery) (discovery, error) {
		d.dropped, d.space = dropped, sp
		return d, nil
	}
	n := sp.len()
	if opt.sample <= 0 {
		opt.sample = 2000
	}
	if opt.maxK <= 0 {
		opt.maxK = 40
	}
	if n == 0 {
		return result(discovery{})
	}
	if n < 4 || opt.k == 1 {
		return result(discovery{assign: make([]int, n), cents: [][]float32{centroid(sp, nil)}, k: 1, fineK: 1})
	}
	rng := rand.New(rand.NewSource(opt.seed))
	// Fine level: k by silhouette on a sample, then k-means on everything.
	idx := rng.Perm(n)[:min(n, opt.sample)]
	sub := subset(sp, idx)
	m := sub.len()
	simm := simMatrix(sub)
	hiK := min(opt.maxK, max(2, m/10))
	if opt.k > hiK {
		hiK = min(opt.k, m-1)
	}
	fineK, best := 2, math.Inf(-1)
	for k := 2; k <= hiK; k++ {
		if err := ctx.Err(); err != nil {
			return discovery{}, err
		}
		c, err := kmeans(ctx, sub, k, 2, rand.New(rand.NewSource(opt.seed+int64(k))))
		if err != nil {
			return discovery{}, err
		}
		if s := silhouette(simm, m, c.assign, c.k); s > best {
			fineK, best = k, s
		}
	}
	if progress != nil {
		progress("fine clusters chosen")
	}
	fine, err := kmeans(ctx, sp, fineK, 3, rand.New(rand.NewSource(opt.seed^0x5eed)))
	if err != nil {
		return discovery{}, err
	}
	// Words spread evenly over the fine clusters ("urgent", "ticket",
	// "thanks in advance") say nothing about topic but blur the distances
	// between topics: drop them and cluster again on what remains.
	if ss, ok := sp.(*sparseSpace); ok && fineK >= 4 {
		dropped = unspecificTerms(ss, fine.assign, fineK, 0.85)
		if len(dropped) > 0 {
			sp = ss.without(dropped)
			fine, err = kmeans(ctx, sp, fineK, 3, rand.New(rand.NewSource(opt.seed^0x5eed)))
			if err != nil {
				return discovery{}, err
			}
		}
	}
	if opt.k == fineK || (opt.k == 0 && fineK <= 3) {
		return result(discovery{assign: fine.assign, cents: fine.cents, k: fineK, fineK: fineK, silhouette: best})
	}
	if opt.k > fineK {
		c, err := kmeans(ctx, sp, opt.k, 3, rand.New(rand.NewSource(opt.seed^0x1234)))
		if err != nil {
			return discovery{}, err
		}
		return result(discovery{assign: c.assign, cents: c.cents, k: c.k, fineK: fineK, silhouette: best})
	}
	// Topic level: group the fine clusters. Sparse clusters are compared by
	// the set of words that are common inside each (a family of phrasings
	// shares many such words, its slot values; two unrelated phrasings share
	// a homonym at most); embedding clusters by their centred centroids and
	// those shared words together.
	cs := &denseSpace{docs: centered(fine.cents)}
	if ss, ok := sp.(*sparseSpace); ok {
		cs = &denseSpace{docs: termSets(ss, fine.assign, fineK, 0.05)}
	} else if opt.terms != nil && fineK >= 4 {
		// Embedding clusters: average the centred-centroid cosine with the
		// shared-words cosine (concatenating the two unit vectors, each
		// scaled by 1/√2, averages the cosines).
		words := opt.terms.without(unspecificTerms(opt.terms, fine.assign, fineK, 0.85))
		ts := termSets(words, fine.assign, fineK, 0.05)
		for c := range cs.docs {
			v := append(append([]float32(nil), cs.docs[c]...), ts[c]...)
			for i := range v {
				v[i] *= math.Sqrt2 / 2
			}
			cs.docs[c] = v
		}
	}
	csim := simMatrix(cs)
	var groups clustering
	groupSil := math.Inf(-1)
	lo, hi := 2, fineK-1
	if opt.k > 0 {
		lo, hi = opt.k, opt.k
	}
	for k := lo; k <= hi; k++ {
		g, err := kmeans(ctx, cs, k, 40, rand.New(rand.NewSource(opt.seed+1000+int64(k))))
		if err != nil {
			return discovery{}, err
		}
		if s := silhouette(csim, fineK, g.assign, g.k); s > groupSil {
			groups, groupSil = g, s
		}
	}
	// Without real structure among the centroids (silhouette near 0), the
	// fine clusters are the topics.
	if opt.k == 0 && groupSil < 0.05 {
		return result(discovery{assign: fine.assign, cents: fine.cents, k: fineK, fineK: fineK, silhouette: best})
	}
	assign := make([]int, n)
	for i, f := range fine.assign {
		assign[i] = groups.assign[f]
	}
	cents := make([][]float32, groups.k)
	for c := range cents {
		cents[c] = make([]float32, sp.dim())
	}
	for i, c := range assign {
		sp.addTo(i, cents[c])
	}
	for _, c := range cents {
		normalize(c)
	}
	// A few k-means steps from the grouped centroids move documents that
	// the fine level put with the wrong phrasing family.
	sims := make([]float32, n)
	for it := 0; it < 10; it++ {
		if err := ctx.Err(); err != nil {
			return discovery{}, err
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
		if moved*1000 <= n {
			break
		}
	}
	return result(discovery{assign: assign, cents: cents, k: len(cents), fineK: fineK, silhouette: groupSil,
		fineAssign: fine.assign, fineGroup: groups.assign})
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// centroid is the normalized sum of the documents idx (all when nil).
func centroid(sp space, idx []int) []float32 {
	c := make([]float32, sp.dim())
	if idx == nil {
		for i := 0; i < sp.len(); i++ {
			sp.addTo(i, c)
		}
	} else {
		for _, i := range idx {
			sp.addTo(i, c)
		}
	}
	normalize(c)
	return c
}

// subset is a view of some documents of sp.
func subset(sp space, idx []int) space {
	switch s := sp.(type) {
	case *sparseSpace:
		out := &sparseSpace{d: s.d, docs: make([]sparseVec, len(idx))}
		for k, i := range idx {
			out.docs[k] = s.docs[i]
		}
		return out
	case *denseSpace:
		out := &denseSpace{docs: make([][]float32, len(idx))}
		for k, i := range idx {
			out.docs[k] = s.docs[i]
		}
		return out
	}
	panic("topics: unknown vector space")
}

// simMatrix is the m×m cosine similarity matrix of a small space.
func simMatrix(sp space) []float32 {
	m := sp.len()
	out := make([]float32, m*m)
	for i := 0; i < m; i++ {
		out[i*m+i] = 1
		for j := i + 1; j < m; j++ {
			s := sp.sim(i, j)
			out[i*m+j], out[j*m+i] = s, s
		}
	}
	return out
}

// unspecificTerms returns the terms whose rate is nearly the same in every
// fine cluster (normalized entropy of the per-cluster rates above limit).
func unspecificTerms(sp *sparseSpace, assign []int, k int, limit float64) map[int32]bool {
	size := make([]float64, k)
	for _, c := range assign {
		size[c]++
	}
	df := make([][]float64, sp.d)
	for i, d := range sp.docs {
		c := assign[i]
		for _, ix := range d.idx {
			if df[ix] == nil {
				df[ix] = make([]float64, k)
			}
			df[ix][c]++
		}
	}
	out := map[int32]bool{}
	for ix, row := range df {
		if row == nil {
			continue
		}
		var sum, h float64
		for c, v := range row {
			if size[c] > 0 {
				row[c] = v / size[c]
				sum += row[c]
			}
		}
		for _, v := range row {
			if v > 0 {
				p := v / sum
				h -= p * math.Log(p)
			}
		}
		if h/math.Log(float64(k)) > limit {
			out[int32(ix)] = true
		}
	}
	return out
}

// without returns a copy of the space without the given terms, re-normalized.
func (s *sparseSpace) without(drop map[int32]bool) *sparseSpace {
	out := &sparseSpace{d: s.d, docs: make([]sparseVec, len(s.docs))}
	for i, d := range s.docs {
		out.docs[i] = d.without(drop)
	}
	return out
}

func (v sparseVec) without(drop map[int32]bool) sparseVec {
	out := sparseVec{idx: make([]int32, 0, len(v.idx)), val: make([]float32, 0, len(v.idx))}
	for k, ix := range v.idx {
		if !drop[ix] {
			out.idx = append(out.idx, ix)
			out.val = append(out.val, v.val[k])
		}
	}
	normalize(out.val)
	return out
}

// termSets returns, per cluster, a unit vector with equal weight on every
// term present in at least share of the cluster's documents.
func termSets(sp *sparseSpace, assign []int, k int, share float64) [][]float32 {
	size := make([]float64, k)
	for _, c := range assign {
		size[c]++
	}
	df := make([]map[int32]float64, k)
	for c := range df {
		df[c] = map[int32]float64{}
	}
	for i, d := range sp.docs {
		for _, ix := range d.idx {
			df[assign[i]][ix]++
		}
	}
	out := make([][]float32, k)
	for c := range out {
		out[c] = make([]float32, sp.d)
		for ix, v := range df[c] {
			if v >= share*size[c] {
				out[c][ix] = 1
			}
		}
		normalize(out[c])
	}
	return out
}

// centered subtracts the mean of the centroids and re-normalizes them.
// Embedding models put every text in a narrow cone, so raw centroid cosines
// are all high; centred ones show which clusters really lean together.
func centered(cents [][]float32) [][]float32 {
	if len(cents) == 0 {
		return nil
	}
	mean := make([]float32, len(cents[0]))
	for _, c := range cents {
		for i, v := range c {
			mean[i] += v / float32(len(cents))
		}
	}
	out := make([][]float32, len(cents))
	for k, c := range cents {
		out[k] = make([]float32, len(c))
		for i, v := range c {
			out[k][i] = v - mean[i]
		}
		normalize(out[k])
	}
	return out
}
