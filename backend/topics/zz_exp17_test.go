package topics

import (
	"context"
	"math"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// Temporary experiment harness of issue 17 (helper); removed before hand-off.

type expCfg struct {
	name   string
	char   float64 // weight of char n-gram block (0: none)
	cmin   int     // char n-gram min length
	cmax   int
	bm25   bool
	dims   int
	nbrs   int
	iters  int
	wsmooth bool
	restarts int
}

func charGrams(text string, lo, hi int) []string {
	f := strings.FieldsFunc(strings.ToLower(strings.ReplaceAll(text, "'", "")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var out []string
	for _, w := range f {
		if stopwords[w] && !keepWords[w] {
			continue
		}
		r := []rune(" " + w + " ")
		for n := lo; n <= hi; n++ {
			for i := 0; i+n <= len(r); i++ {
				out = append(out, string(r[i:i+n]))
			}
		}
	}
	return out
}

func bm25Vec(t *tfidf, toks []string, avg float64) sparseVec {
	tf := map[int32]int{}
	for _, w := range toks {
		if ix, ok := t.vocab[w]; ok {
			tf[ix]++
		}
	}
	v := sparseVec{}
	for ix := range tf {
		v.idx = append(v.idx, ix)
	}
	sort.Slice(v.idx, func(a, b int) bool { return v.idx[a] < v.idx[b] })
	k1, b := 1.2, 0.75
	L := float64(len(toks))
	for _, ix := range v.idx {
		x := float64(tf[ix])
		w := x * (k1 + 1) / (x + k1*(1-b+b*L/avg))
		v.val = append(v.val, float32(w)*t.idf[ix])
	}
	normalize(v.val)
	return v
}

func concat(a, b *sparseSpace, wb float32) *sparseSpace {
	out := &sparseSpace{d: a.d + b.d, docs: make([]sparseVec, len(a.docs))}
	for i := range a.docs {
		var v sparseVec
		v.idx = append(v.idx, a.docs[i].idx...)
		v.val = append(v.val, a.docs[i].val...)
		for k, ix := range b.docs[i].idx {
			v.idx = append(v.idx, ix+int32(a.d))
			v.val = append(v.val, b.docs[i].val[k]*wb)
		}
		normalize(v.val)
		out.docs[i] = v
	}
	return out
}

func expSpace(texts []string, c expCfg, seed int64) space {
	toks := make([][]string, len(texts))
	for i, t := range texts {
		toks[i] = featureTerms(t)
	}
	tf := fitTFIDF(toks)
	sp := &sparseSpace{d: len(tf.terms), docs: make([]sparseVec, len(toks))}
	avg := 0.0
	for _, tk := range toks {
		avg += float64(len(tk))
	}
	avg /= float64(len(toks))
	for i, tk := range toks {
		if c.bm25 {
			sp.docs[i] = bm25Vec(tf, tk, avg)
		} else {
			sp.docs[i] = tf.vector(tk)
		}
	}
	if c.char > 0 {
		ct := make([][]string, len(texts))
		for i, t := range texts {
			ct[i] = charGrams(t, c.cmin, c.cmax)
		}
		ctf := fitTFIDF(ct)
		cs := &sparseSpace{d: len(ctf.terms), docs: make([]sparseVec, len(ct))}
		for i, tk := range ct {
			cs.docs[i] = ctf.vector(tk)
		}
		sp = concat(sp, cs, float32(c.char))
	}
	if c.dims == 0 {
		return sp
	}
	m := fitLSA(sp, c.dims, seed)
	ds := m.embed(sp)
	for it := 0; it < c.iters; it++ {
		ds = smooth(ds, c.nbrs)
	}
	return ds
}

func TestExp17(t *testing.T) {
	if os.Getenv("EXP17") == "" {
		t.Skip("experiment")
	}
	file := os.Getenv("EXP17FILE")
	if file == "" {
		file = "banking77_test.csv"
	}
	set := intents(t, file)
	if n, _ := strconv.Atoi(os.Getenv("EXP17N")); n > 0 && n < len(set.texts) {
		idx := rand.New(rand.NewSource(99)).Perm(len(set.texts))[:n]
		var s2 intentSet
		for _, i := range idx {
			s2.texts = append(s2.texts, set.texts[i])
			s2.labels = append(s2.labels, set.labels[i])
		}
		set = s2
	}
	base := expCfg{dims: 100, nbrs: 10, iters: 2, restarts: 3}
	cfgs := map[string]expCfg{}
	add := func(name string, f func(c *expCfg)) {
		c := base
		c.name = name
		f(&c)
		cfgs[name] = c
	}
	add("base", func(c *expCfg) {})
	add("bm25", func(c *expCfg) { c.bm25 = true })
	add("char35w1", func(c *expCfg) { c.char, c.cmin, c.cmax = 1, 3, 5 })
	add("char35w05", func(c *expCfg) { c.char, c.cmin, c.cmax = 0.5, 3, 5 })
	add("char35w2", func(c *expCfg) { c.char, c.cmin, c.cmax = 2, 3, 5 })
	add("d150", func(c *expCfg) { c.dims = 150 })
	add("d200", func(c *expCfg) { c.dims = 200 })
	add("n15", func(c *expCfg) { c.nbrs = 15 })
	add("n20", func(c *expCfg) { c.nbrs = 20 })
	add("i3", func(c *expCfg) { c.iters = 3 })
	add("r10", func(c *expCfg) { c.restarts = 10 })
	add("nolsa", func(c *expCfg) { c.dims = 0 })
	var names []string
	for _, s := range strings.Split(os.Getenv("EXP17"), ",") {
		names = append(names, s)
	}
	// Ad-hoc configurations: name=field:value;...
	seeds := []int64{1, 2, 3}
	for _, nm := range names {
		c, ok := cfgs[nm]
		if !ok {
			c = base
			c.name = nm
			for _, kv := range strings.Split(nm, "+") {
				p := strings.SplitN(kv, ":", 2)
				if len(p) != 2 {
					continue
				}
				v, _ := strconv.ParseFloat(p[1], 64)
				switch p[0] {
				case "char":
					c.char, c.cmin, c.cmax = v, 3, 5
				case "cmin":
					c.cmin = int(v)
				case "cmax":
					c.cmax = int(v)
				case "dims":
					c.dims = int(v)
				case "nbrs":
					c.nbrs = int(v)
				case "iters":
					c.iters = int(v)
				case "restarts":
					c.restarts = int(v)
				case "bm25":
					c.bm25 = v > 0
				}
			}
		}
		t0 := time.Now()
		var sum, sumA float64
		var line []string
		for _, seed := range seeds {
			sp := expSpace(set.texts, c, seed)
			cl, err := kmeans(context.Background(), sp, 77, c.restarts, rand.New(rand.NewSource(seed^0x5eed)))
			if err != nil {
				t.Fatal(err)
			}
			s := score(cl.assign, set.labels)
			sum += s.nmi
			sumA += s.acc
			line = append(line, strconv.FormatFloat(s.nmi, 'f', 3, 64)+"/coh"+strconv.FormatFloat(cl.score, 'f', 3, 64))
		}
		t.Logf("%-30s mean NMI %.4f ACC %.3f  [%s]  %v", nm, sum/3, sumA/3, strings.Join(line, " "), time.Since(t0).Round(time.Millisecond))
		_ = math.Abs
	}
}
