package topics

import (
	"context"
	"math"
	"math/rand"
)

// Topic discovery. Messages written from the same phrasing form tight,
// small clusters (a silhouette over k always prefers them), while a topic
// may be a family of such phrasings that share their distinctive words
// (generated or templated prompts), or each tight cluster may already be
// one intent (real users' messages, as in BANKING77). So discover first
// finds the fine clusters (k by silhouette on a sample), then groups their
// centroids; when the grouping is clear-cut (phrasing families) the groups
// are the leaf topics, otherwise the fine clusters are. Finally the leaves
// are grouped into a handful of parent topics.

// discoverOptions tune discovery; zero values take defaults.
type discoverOptions struct {
	k      int   // wanted number of leaf topics; 0: automatic
	seed   int64 // all randomness derives from it
	sample int   // documents used to choose k (default 2000)
	maxK   int   // largest fine k tried (default 120: more leaves than a person reviews)
	// terms are the same documents' TF-IDF vectors when the clustered
	// vectors are dense (embeddings or LSA): shared words help decide which
	// clusters form a topic.
	terms *sparseSpace
}

type discovery struct {
	assign     []int       // leaf of each document
	cents      [][]float32 // unit-length leaf centroids
	k          int         // leaves
	fineK      int
	silhouette float64        // silhouette of the chosen level
	dropped    map[int32]bool // terms found unspecific and left out (sparse vectors)
	fineAssign []int          // fine cluster of each document (nil when the fine clusters are the leaves)
	fineGroup  []int          // leaf of each fine cluster
	parent     []int          // parent of each leaf (nil: no parents)
	parents    int
	space      space // the (possibly filtered) vectors the assignment refers to
}

// familySil is the centroid-level silhouette from which groups of fine
// clusters are phrasing families, i.e. leaf topics. Measured with the
// character n-gram features: tracegen's families (-n 20000 -seed 21) 0.29,
// BANKING77's intents (grouped into broad areas) 0.11 (all 77) and 0.11–0.14
// (20 of them).
const familySil = 0.2

// discover clusters the documents of sp into leaf topics under parents.
func discover(ctx context.Context, sp space, opt discoverOptions, progress func(string)) (discovery, error) {
	var dropped map[int32]bool
	// result records which vectors (possibly filtered) the result refers
	// to and groups the leaves into parents.
	result := func(d discovery) (discovery, error) {
		d.dropped, d.space = dropped, sp
		if d.k >= 6 {
			lo := 2 + btoi(d.k >= 12) // a handful of parents, not two halves
			d.parent, d.parents = groupClusters(clusterVectors(sp, opt.terms, d.assign, d.k, d.cents), lo, min(12, max(2, d.k/4)))
			if d.parents < 2 {
				d.parent, d.parents = nil, 0
			}
		}
		return d, nil
	}
	n := sp.len()
	if opt.sample <= 0 {
		opt.sample = 2000
	}
	if opt.maxK <= 0 {
		opt.maxK = 120
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
	// A topic needs members to be worth a name: at least about 25 per
	// cluster on average (at m/10, 800 messages of 20 intents came out as
	// 70 leaves).
	hiK := min(opt.maxK, max(2, m/25))
	if opt.k > hiK {
		hiK = min(opt.k, m-1)
	}
	sils := map[int]float64{}
	best := math.Inf(-1)
	for _, k := range kGrid(hiK) {
		if err := ctx.Err(); err != nil {
			return discovery{}, err
		}
		c, err := kmeans(ctx, sub, k, 1+btoi(k <= 10), rand.New(rand.NewSource(opt.seed+int64(k))))
		if err != nil {
			return discovery{}, err
		}
		sils[k] = silhouette(simm, m, c.assign, c.k)
		best = math.Max(best, sils[k])
	}
	// The silhouette flattens out once clusters are single intents: take
	// the smallest k within two hundredths of the best.
	fineK := hiK
	for _, k := range kGrid(hiK) {
		if sils[k] >= best-0.02 {
			fineK = k
			break
		}
	}
	if progress != nil {
		progress("fine clusters chosen")
	}
	fine, err := kmeansLarge(ctx, sp, fineK, opt.seed^0x5eed)
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
			fine, err = kmeansLarge(ctx, sp, fineK, opt.seed^0x5eed)
			if err != nil {
				return discovery{}, err
			}
		}
	}
	flat := discovery{assign: fine.assign, cents: fine.cents, k: fineK, fineK: fineK, silhouette: sils[fineK]}
	if opt.k == fineK || (opt.k == 0 && fineK <= 3) {
		return result(flat)
	}
	if opt.k > fineK {
		c, err := kmeansLarge(ctx, sp, opt.k, opt.seed^0x1234)
		if err != nil {
			return discovery{}, err
		}
		return result(discovery{assign: c.assign, cents: c.cents, k: c.k, fineK: fineK, silhouette: sils[fineK]})
	}
	// Group the fine clusters: are they phrasings of fewer topics?
	lo, hi := 2, fineK-1
	if opt.k > 0 {
		lo, hi = opt.k, opt.k
	}
	groupAssign, groupK, groupSil := groupClustersSil(clusterVectors(sp, opt.terms, fine.assign, fineK, fine.cents), lo, hi)
	if opt.k == 0 && groupSil < familySil {
		return result(flat)
	}
	assign := make([]int, n)
	for i, f := range fine.assign {
		assign[i] = groupAssign[f]
	}
	cents := make([][]float32, groupK)
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
	cents, err = lloyd(ctx, sp, cents, assign, 10)
	if err != nil {
		return discovery{}, err
	}
	return result(discovery{assign: assign, cents: cents, k: len(cents), fineK: fineK, silhouette: groupSil,
		fineAssign: fine.assign, fineGroup: groupAssign})
}

// kGrid is the numbers of clusters tried: every k up to 10, then steps that
// grow with k (a few percent apart is all a silhouette can tell).
func kGrid(hi int) []int {
	var out []int
	for k := 2; k <= hi; {
		out = append(out, k)
		switch {
		case k < 10:
			k++
		case k < 30:
			k += 5
		default:
			k += 10
		}
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// clusterVectors describes each cluster for grouping. Sparse clusters are
// compared by the set of words that are common inside each (a family of
// phrasings shares many such words, its slot values; two unrelated
// phrasings share a homonym at most); dense clusters by their centred
// centroids averaged with those shared words when terms are given.
func clusterVectors(sp space, terms *sparseSpace, assign []int, k int, cents [][]float32) *denseSpace {
	if ss, ok := sp.(*sparseSpace); ok {
		return &denseSpace{docs: termSets(ss, assign, k, 0.05)}
	}
	cs := &denseSpace{docs: centered(cents)}
	if terms == nil || k < 4 {
		return cs
	}
	// Concatenating the two unit vectors, each scaled by 1/√2, averages
	// the cosines.
	words := terms.without(unspecificTerms(terms, assign, k, 0.85))
	ts := termSets(words, assign, k, 0.05)
	for c := range cs.docs {
		v := append(append([]float32(nil), cs.docs[c]...), ts[c]...)
		for i := range v {
			v[i] *= math.Sqrt2 / 2
		}
		cs.docs[c] = v
	}
	return cs
}

// groupClusters groups cluster vectors with average-linkage agglomeration,
// cutting where the silhouette is best among lo..hi groups.
func groupClusters(cs *denseSpace, lo, hi int) ([]int, int) {
	a, k, _ := groupClustersSil(cs, lo, hi)
	return a, k
}

func groupClustersSil(cs *denseSpace, lo, hi int) ([]int, int, float64) {
	m := cs.len()
	if m < 2 || hi < 1 {
		return make([]int, m), 1, 0
	}
	simm := simMatrix(cs)
	lo, hi = max(1, min(lo, m)), max(1, min(hi, m))
	// Average linkage: merge the two groups of highest mean similarity.
	members := make([][]int, m)
	for i := range members {
		members[i] = []int{i}
	}
	link := make([]float64, m*m) // summed similarity between groups
	for i := 0; i < m*m; i++ {
		link[i] = float64(simm[i])
	}
	alive := make([]bool, m)
	for i := range alive {
		alive[i] = true
	}
	cut := func() []int {
		out := make([]int, m)
		g := 0
		for i := 0; i < m; i++ {
			if alive[i] {
				for _, x := range members[i] {
					out[x] = g
				}
				g++
			}
		}
		return out
	}
	bestA, bestK, bestS := []int(nil), 0, math.Inf(-1)
	for groups := m; groups >= lo; groups-- {
		if groups <= hi {
			a := cut()
			s := silhouette(simm, m, a, groups)
			if groups == 1 {
				s = 0
			}
			if s > bestS {
				bestA, bestK, bestS = a, groups, s
			}
		}
		if groups == lo {
			break
		}
		ba, bb, bs := -1, -1, math.Inf(-1)
		for a := 0; a < m; a++ {
			if !alive[a] {
				continue
			}
			for b := a + 1; b < m; b++ {
				if !alive[b] {
					continue
				}
				if s := link[a*m+b] / float64(len(members[a])*len(members[b])); s > bs {
					ba, bb, bs = a, b, s
				}
			}
		}
		members[ba] = append(members[ba], members[bb]...)
		alive[bb] = false
		for c := 0; c < m; c++ {
			link[ba*m+c] += link[bb*m+c]
			link[c*m+ba] = link[ba*m+c]
		}
	}
	// Few clusters: k-means with many restarts finds groupings that
	// agglomeration's greedy merges miss; keep whichever is clearer.
	if m <= 40 {
		for k := max(2, lo); k <= min(hi, m-1); k++ {
			g, err := kmeans(context.Background(), cs, k, 20, rand.New(rand.NewSource(int64(1000+k))))
			if err != nil {
				break
			}
			if s := silhouette(simm, m, g.assign, g.k); s > bestS+1e-9 {
				bestA, bestK, bestS = g.assign, g.k, s
			}
		}
	}
	return bestA, bestK, bestS
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
