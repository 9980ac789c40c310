package topics

import (
	"math"
	"math/rand"
	"runtime"
	"sort"

	"golang.org/x/sync/errgroup"
)

// lsaModel maps sparse TF-IDF vectors onto the top singular directions of
// the corpus (latent semantic analysis): words that occur in the same
// messages ("lost", "stolen", "missing") end up close, so two messages can
// be near without sharing a word. comp holds, per term, its coordinates
// in the reduced space.
type lsaModel struct {
	dims int
	comp [][]float32 // [term][dims]
}

// fitLSA computes a rank-r truncated SVD of the (documents × terms) matrix
// by randomized range finding with power iterations (Halko, Martinsson and
// Tropp 2011); the same seed gives the same model.
func fitLSA(sp *sparseSpace, r int, seed int64) *lsaModel {
	n, v := len(sp.docs), sp.d
	l := r + 10 // oversampling
	if l > min(n, v) {
		l = min(n, v)
	}
	if r > l {
		r = l
	}
	if r <= 0 {
		return nil
	}
	rng := rand.New(rand.NewSource(seed))
	// Z: terms × l random Gaussian start.
	z := make([][]float64, l)
	for c := range z {
		z[c] = make([]float64, v)
		for t := range z[c] {
			z[c][t] = rng.NormFloat64()
		}
	}
	var q [][]float64 // docs × l, column-major: q[c][i]
	for it := 0; it < 3; it++ {
		q = mulA(sp, z)
		orthonormalize(q)
		z = mulAT(sp, q)
		if it < 2 {
			orthonormalize(z)
		}
	}
	// Now z = Aᵀ Q (terms × l), i.e. Bᵀ for B = Qᵀ A. The right singular
	// vectors of A are those of B: eigenvectors of Bᵀ B = z zᵀ restricted
	// to span(z), found from the small l × l matrix C = zᵀ z.
	cm := make([]float64, l*l)
	for a := 0; a < l; a++ {
		for b := a; b < l; b++ {
			var s float64
			for t, x := range z[a] {
				s += x * z[b][t]
			}
			cm[a*l+b], cm[b*l+a] = s, s
		}
	}
	vals, vecs := jacobiEigen(cm, l)
	order := make([]int, l)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	// Right singular vector j: z · w_j / σ_j, with σ_j² = λ_j. A document's
	// coordinates are x · V_r, which gives U Σ for the fitted documents.
	m := &lsaModel{dims: r, comp: make([][]float32, v)}
	for t := 0; t < v; t++ {
		m.comp[t] = make([]float32, r)
	}
	for j := 0; j < r; j++ {
		e := order[j]
		sigma := math.Sqrt(math.Max(vals[e], 1e-12))
		for t := 0; t < v; t++ {
			var s float64
			for a := 0; a < l; a++ {
				s += z[a][t] * vecs[a*l+e]
			}
			m.comp[t][j] = float32(s / sigma)
		}
	}
	return m
}

// embed maps sparse vectors into the reduced space, unit length.
func (m *lsaModel) embed(sp *sparseSpace) *denseSpace {
	out := &denseSpace{docs: make([][]float32, len(sp.docs))}
	parallel(len(sp.docs), func(i int) {
		out.docs[i] = m.vector(sp.docs[i])
	})
	return out
}

func (m *lsaModel) vector(x sparseVec) []float32 {
	p := make([]float32, m.dims)
	for k, ix := range x.idx {
		w := x.val[k]
		for j, c := range m.comp[ix] {
			p[j] += w * c
		}
	}
	normalize(p)
	return p
}

// mulA returns A·z for z given as l columns over terms: docs × l, column-major.
func mulA(sp *sparseSpace, z [][]float64) [][]float64 {
	l := len(z)
	out := make([][]float64, l)
	for c := range out {
		out[c] = make([]float64, len(sp.docs))
	}
	parallel(len(sp.docs), func(i int) {
		d := sp.docs[i]
		for c := 0; c < l; c++ {
			var s float64
			for k, ix := range d.idx {
				s += float64(d.val[k]) * z[c][ix]
			}
			out[c][i] = s
		}
	})
	return out
}

// mulAT returns Aᵀ·q for q given as l columns over documents.
func mulAT(sp *sparseSpace, q [][]float64) [][]float64 {
	l := len(q)
	out := make([][]float64, l)
	parallel(l, func(c int) {
		col := make([]float64, sp.d)
		for i, d := range sp.docs {
			qi := q[c][i]
			if qi == 0 {
				continue
			}
			for k, ix := range d.idx {
				col[ix] += float64(d.val[k]) * qi
			}
		}
		out[c] = col
	})
	return out
}

// orthonormalize makes the columns orthonormal in place (modified
// Gram–Schmidt, twice for stability); a dependent column becomes zero.
func orthonormalize(cols [][]float64) {
	for pass := 0; pass < 2; pass++ {
		for a := range cols {
			for b := 0; b < a; b++ {
				var s float64
				for i, x := range cols[b] {
					s += x * cols[a][i]
				}
				for i, x := range cols[b] {
					cols[a][i] -= s * x
				}
			}
			var nrm float64
			for _, x := range cols[a] {
				nrm += x * x
			}
			nrm = math.Sqrt(nrm)
			if nrm < 1e-10 {
				clear(cols[a])
				continue
			}
			for i := range cols[a] {
				cols[a][i] /= nrm
			}
		}
	}
}

// jacobiEigen returns the eigenvalues and eigenvectors (column e of vecs,
// row-major n×n) of a symmetric matrix by cyclic Jacobi rotations.
func jacobiEigen(a []float64, n int) ([]float64, []float64) {
	a = append([]float64(nil), a...)
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		v[i*n+i] = 1
	}
	for sweep := 0; sweep < 60; sweep++ {
		var off float64
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				off += a[p*n+q] * a[p*n+q]
			}
		}
		if off < 1e-22 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				theta := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p], a[k*n+q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := 0; k < n; k++ {
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k], a[q*n+k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k*n+p], v[k*n+q]
					v[k*n+p], v[k*n+q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = a[i*n+i]
	}
	return vals, v
}

// parallel runs f(0..n-1) over fixed chunks on every core; f must only
// write its own index's results, so the outcome does not depend on
// scheduling.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	chunk := (n + workers - 1) / workers
	var g errgroup.Group
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		g.Go(func() error {
			for i := lo; i < hi; i++ {
				f(i)
			}
			return nil
		})
	}
	_ = g.Wait()
}
