package topics

import (
	"math"
	"math/rand"
	"testing"
)

func TestProjectKeepsCosines(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	// Clustered 1536-d vectors: 4 directions plus noise, like embeddings.
	base := make([][]float32, 4)
	for c := range base {
		base[c] = make([]float32, 1536)
		for i := range base[c] {
			base[c][i] = float32(rng.NormFloat64())
		}
	}
	docs := make([][]float32, 200)
	for i := range docs {
		v := make([]float32, 1536)
		for j := range v {
			v[j] = base[i%4][j] + 0.8*float32(rng.NormFloat64())
		}
		normalize(v)
		docs[i] = v
	}
	p := project(docs, 1)
	if len(p[0]) != projectDims {
		t.Fatalf("projected to %d dims", len(p[0]))
	}
	var sum, worst float64
	n := 0
	for i := 0; i < len(docs); i++ {
		for j := i + 1; j < len(docs); j++ {
			e := math.Abs(float64(denseDot(docs[i], docs[j]) - denseDot(p[i], p[j])))
			sum += e
			worst = math.Max(worst, e)
			n++
		}
	}
	if mean := sum / float64(n); mean > 0.05 || worst > 0.25 {
		t.Errorf("cosine error mean %.3f, worst %.3f", mean, worst)
	}
	q := project(docs, 1)
	for i := range p {
		for j := range p[i] {
			if p[i][j] != q[i][j] {
				t.Fatal("projection is not deterministic for a seed")
			}
		}
	}
	small := [][]float32{{1, 0, 0}}
	if got := project(small, 1); &got[0][0] != &small[0][0] {
		t.Error("small vectors should pass through")
	}
}
