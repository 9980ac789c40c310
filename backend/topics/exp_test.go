package topics

import (
	"fmt"
	"context"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

var lightStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the i my me you your to of and or in on at for is are was be been it this that with do does did have has had can could would will am im ive id please hi hello hey thanks thank`) {
		m[w] = true
	}
	return m
}()

func expTokens(text string, mode string) []string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	var out []string
	for _, w := range f {
		w = strings.ReplaceAll(w, "'", "")
		if len(w) < 2 {
			continue
		}
		stop := stopwords[w]
		if strings.Contains(mode, "light") {
			stop = lightStop[w]
		}
		if stop {
			continue
		}
		if strings.Contains(mode, "stem") {
			w = stem(w)
		}
		out = append(out, w)
	}
	if strings.Contains(mode, "bi") {
		n := len(out)
		for i := 0; i+1 < n; i++ {
			out = append(out, out[i]+"_"+out[i+1])
		}
	}
	return out
}

func BenchmarkExp(b *testing.B) {
	set := intents(b, os.Getenv("EXP_FILE"))
	k, _ := strconv.Atoi(os.Getenv("EXP_K"))

	for _, mode := range strings.Split(os.Getenv("EXP_MODES"), ",") {
		toks := make([][]string, len(set.texts))
		for i, t := range set.texts {
			toks[i] = expTokens(t, mode)
		}
		tf := fitTFIDF(toks)
		sp := &sparseSpace{d: len(tf.terms)}
		for _, tk := range toks {
			sp.docs = append(sp.docs, tf.vector(tk))
		}
		for _, r := range strings.Split(os.Getenv("EXP_LSA"), ",") {
			dims, _ := strconv.Atoi(r)
			var s space = sp
			if dims > 0 {
				s = fitLSA(sp, dims, 1).embed(sp)
			}
			c, _ := kmeans(context.Background(), s, k, 3, rand.New(rand.NewSource(1)))
			b.Logf("%-16s V=%5d lsa=%3d k=%d  %v", mode, sp.d, dims, k, score(c.assign, set.labels))
		}
	}
}

// knnSmooth adds to each doc the mean of its m nearest neighbours (weight a).
func knnSmooth(ds *denseSpace, m int, a float32) *denseSpace {
	n := len(ds.docs)
	out := &denseSpace{docs: make([][]float32, n)}
	parallel(n, func(i int) {
		type nb struct {
			j int
			s float32
		}
		top := make([]nb, 0, m+1)
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			s := denseDot(ds.docs[i], ds.docs[j])
			if len(top) < m || s > top[len(top)-1].s {
				top = append(top, nb{j, s})
				for x := len(top) - 1; x > 0 && top[x].s > top[x-1].s; x-- {
					top[x], top[x-1] = top[x-1], top[x]
				}
				if len(top) > m {
					top = top[:m]
				}
			}
		}
		v := append([]float32(nil), ds.docs[i]...)
		for _, t := range top {
			for d, x := range ds.docs[t.j] {
				v[d] += a * x / float32(m)
			}
		}
		normalize(v)
		out.docs[i] = v
	})
	return out
}

// agglo merges clusters (given as member sums) by the largest centroid
// cosine, weighted Ward-like, until k remain.
func agglo(ds *denseSpace, assign []int, k0, k int) []int {
	sums := make([][]float64, k0)
	size := make([]float64, k0)
	for c := range sums {
		sums[c] = make([]float64, len(ds.docs[0]))
	}
	for i, c := range assign {
		for d, x := range ds.docs[i] {
			sums[c][d] += float64(x)
		}
		size[c]++
	}
	alive := make([]bool, k0)
	parent := make([]int, k0)
	for c := range alive {
		alive[c] = size[c] > 0
		parent[c] = c
	}
	nAlive := 0
	for _, a := range alive {
		if a {
			nAlive++
		}
	}
	cos := func(a, b int) float64 {
		var s, na, nb float64
		for d := range sums[a] {
			s += sums[a][d] * sums[b][d]
			na += sums[a][d] * sums[a][d]
			nb += sums[b][d] * sums[b][d]
		}
		c := s / (1e-12 + sqrt(na*nb))
		// Ward-like: cost of merging grows with sizes.
		return (1 - c) * size[a] * size[b] / (size[a] + size[b])
	}
	for nAlive > k {
		ba, bb, best := -1, -1, 1e18
		for a := 0; a < k0; a++ {
			if !alive[a] {
				continue
			}
			for b := a + 1; b < k0; b++ {
				if alive[b] {
					if c := cos(a, b); c < best {
						ba, bb, best = a, b, c
					}
				}
			}
		}
		for d := range sums[ba] {
			sums[ba][d] += sums[bb][d]
		}
		size[ba] += size[bb]
		alive[bb] = false
		parent[bb] = ba
		nAlive--
	}
	find := func(c int) int {
		for parent[c] != c {
			c = parent[c]
		}
		return c
	}
	out := make([]int, len(assign))
	for i, c := range assign {
		out[i] = find(c)
	}
	return out
}

func sqrt(x float64) float64 {
	if x <= 0 {
		return 0
	}
	z := x
	for i := 0; i < 50; i++ {
		z = (z + x/z) / 2
	}
	return z
}

func BenchmarkExp2(b *testing.B) {
	set := intents(b, os.Getenv("EXP_FILE"))
	k, _ := strconv.Atoi(os.Getenv("EXP_K"))

	mode := os.Getenv("EXP_MODES")
	toks := make([][]string, len(set.texts))
	for i, t := range set.texts {
		toks[i] = expTokens(t, mode)
	}
	tf := fitTFIDF(toks)
	sp := &sparseSpace{d: len(tf.terms)}
	for _, tk := range toks {
		sp.docs = append(sp.docs, tf.vector(tk))
	}
	dims, _ := strconv.Atoi(os.Getenv("EXP_LSA"))
	ds := fitLSA(sp, dims, 1).embed(sp)
	ctx := context.Background()
	for _, m := range []int{0, 5, 10, 20} {
		s := ds
		if m > 0 {
			s = knnSmooth(ds, m, 1)
		}
		c, _ := kmeans(ctx, s, k, 3, rand.New(rand.NewSource(1)))
		b.Logf("knn m=%d kmeans: %v", m, score(c.assign, set.labels))
		for _, micro := range []int{200, 400} {
			mc, _ := kmeans(ctx, s, micro, 1, rand.New(rand.NewSource(1)))
			b.Logf("knn m=%d micro=%d+ward: %v", m, micro, score(agglo(s, mc.assign, micro, k), set.labels))
		}
	}
}

// knnGraph returns the m nearest neighbours (cosine) of each doc.
func knnLists(ds *denseSpace, m int) ([][]int, [][]float32) {
	n := len(ds.docs)
	nbr := make([][]int, n)
	ws := make([][]float32, n)
	parallel(n, func(i int) {
		type nb struct {
			j int
			s float32
		}
		top := make([]nb, 0, m+1)
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			s := denseDot(ds.docs[i], ds.docs[j])
			if len(top) < m || s > top[len(top)-1].s {
				top = append(top, nb{j, s})
				for x := len(top) - 1; x > 0 && top[x].s > top[x-1].s; x-- {
					top[x], top[x-1] = top[x-1], top[x]
				}
				if len(top) > m {
					top = top[:m]
				}
			}
		}
		for _, t := range top {
			nbr[i] = append(nbr[i], t.j)
			ws[i] = append(ws[i], max(t.s, 0))
		}
	})
	return nbr, ws
}

func spectral(ds *denseSpace, m, dims int) *denseSpace {
	n := len(ds.docs)
	nbr, ws := knnLists(ds, m)
	w := make([]map[int]float32, n)
	for i := range w {
		w[i] = map[int]float32{}
	}
	for i := range nbr {
		for x, j := range nbr[i] {
			w[i][j] += ws[i][x] / 2
			w[j][i] += ws[i][x] / 2
		}
	}
	deg := make([]float64, n)
	for i := range w {
		for _, v := range w[i] {
			deg[i] += float64(v)
		}
	}
	g := &sparseSpace{d: n, docs: make([]sparseVec, n)}
	for i := range w {
		var v sparseVec
		for j, x := range w[i] {
			v.idx = append(v.idx, int32(j))
			v.val = append(v.val, float32(float64(x)/sqrt(deg[i]*deg[j]+1e-12)))
		}
		g.docs[i] = v
	}
	return fitLSA(g, dims, 1).embed(g)
}

func BenchmarkExp3(b *testing.B) {
	set := intents(b, os.Getenv("EXP_FILE"))
	k, _ := strconv.Atoi(os.Getenv("EXP_K"))

	mode := os.Getenv("EXP_MODES")
	toks := make([][]string, len(set.texts))
	for i, t := range set.texts {
		toks[i] = expTokens(t, mode)
	}
	tf := fitTFIDF(toks)
	sp := &sparseSpace{d: len(tf.terms)}
	for _, tk := range toks {
		sp.docs = append(sp.docs, tf.vector(tk))
	}
	dims, _ := strconv.Atoi(os.Getenv("EXP_LSA"))
	ds := fitLSA(sp, dims, 1).embed(sp)
	ctx := context.Background()
	for _, m := range []int{10, 20} {
		for _, sd := range []int{k, 2 * k} {
			s := spectral(ds, m, sd)
			c, _ := kmeans(ctx, s, k, 3, rand.New(rand.NewSource(1)))
			b.Logf("spectral m=%d dims=%d kmeans: %v", m, sd, score(c.assign, set.labels))
		}
	}
}

func BenchmarkExp4(b *testing.B) {
	set := intents(b, os.Getenv("EXP_FILE"))

	mode := os.Getenv("EXP_MODES")
	toks := make([][]string, len(set.texts))
	for i, t := range set.texts {
		toks[i] = expTokens(t, mode)
	}
	tf := fitTFIDF(toks)
	sp := &sparseSpace{d: len(tf.terms)}
	for _, tk := range toks {
		sp.docs = append(sp.docs, tf.vector(tk))
	}
	dims, _ := strconv.Atoi(os.Getenv("EXP_LSA"))
	ds := knnSmooth(fitLSA(sp, dims, 1).embed(sp), 10, 1)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(1))
	idx := rng.Perm(len(ds.docs))[:min(len(ds.docs), 2000)]
	sub := subset(ds, idx)
	simm := simMatrix(sub)
	for _, k := range []int{5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 120, 150} {
		c, _ := kmeans(ctx, sub, k, 2, rand.New(rand.NewSource(int64(k))))
		full, _ := kmeans(ctx, ds, k, 2, rand.New(rand.NewSource(int64(k))))
		b.Logf("k=%d sil=%.4f score=%.4f  %v", k, silhouette(simm, sub.len(), c.assign, c.k), c.score, score(full.assign, set.labels))
	}
}

func smoothW(ds *denseSpace, m int, a float32) *denseSpace {
	n := len(ds.docs)
	nbr, _ := knnLists(ds, m)
	out := &denseSpace{docs: make([][]float32, n)}
	parallel(n, func(i int) {
		v := append([]float32(nil), ds.docs[i]...)
		for _, j := range nbr[i] {
			for d, x := range ds.docs[j] {
				v[d] += a * x / float32(m)
			}
		}
		normalize(v)
		out.docs[i] = v
	})
	return out
}

func BenchmarkExp5(b *testing.B) {
	set := intents(b, os.Getenv("EXP_FILE"))
	k, _ := strconv.Atoi(os.Getenv("EXP_K"))
	f := offlineFeatures(set.texts)
	base := fitLSA(f.sparse, 100, 1).embed(f.sparse)
	ctx := context.Background()
	for _, v := range strings.Split(os.Getenv("EXP_V"), ",") {
		var m, rounds int
		var a float32
		fmt.Sscanf(v, "%d/%f/%d", &m, &a, &rounds)
		s := base
		for r := 0; r < rounds; r++ {
			s = smoothW(s, m, a)
		}
		for seed := int64(1); seed <= 2; seed++ {
			c, _ := kmeans(ctx, s, k, 3, rand.New(rand.NewSource(seed)))
			b.Logf("m=%d a=%.1f rounds=%d seed=%d: %v", m, a, rounds, seed, score(c.assign, set.labels))
		}
	}
}
