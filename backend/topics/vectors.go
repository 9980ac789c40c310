package topics

import (
	"math"
	"math/rand"
	"sort"
	"strings"
	"unicode"
)

// space is a set of unit-length document vectors that clustering and
// similarity read. Sparse (TF-IDF) and dense (embedding) sets implement it,
// so that one k-means serves both.
type space interface {
	len() int
	dim() int
	// dot is the inner product of document i with a dense vector.
	dot(i int, c []float32) float32
	// addTo adds document i to a dense vector.
	addTo(i int, c []float32)
	// sim is the cosine similarity of documents i and j.
	sim(i, j int) float32
}

// sparseVec is a unit-length sparse vector with sorted indices.
type sparseVec struct {
	idx []int32
	val []float32
}

type sparseSpace struct {
	docs []sparseVec
	d    int
}

func (s *sparseSpace) len() int { return len(s.docs) }
func (s *sparseSpace) dim() int { return s.d }
func (s *sparseSpace) dot(i int, c []float32) float32 {
	v := &s.docs[i]
	var sum float32
	for k, ix := range v.idx {
		sum += v.val[k] * c[ix]
	}
	return sum
}
func (s *sparseSpace) addTo(i int, c []float32) {
	v := &s.docs[i]
	for k, ix := range v.idx {
		c[ix] += v.val[k]
	}
}
func (s *sparseSpace) sim(i, j int) float32 { return sparseDot(s.docs[i], s.docs[j]) }

func sparseDot(a, b sparseVec) float32 {
	var sum float32
	x, y := 0, 0
	for x < len(a.idx) && y < len(b.idx) {
		switch {
		case a.idx[x] == b.idx[y]:
			sum += a.val[x] * b.val[y]
			x++
			y++
		case a.idx[x] < b.idx[y]:
			x++
		default:
			y++
		}
	}
	return sum
}

type denseSpace struct {
	docs [][]float32
}

func (s *denseSpace) len() int { return len(s.docs) }
func (s *denseSpace) dim() int {
	if len(s.docs) == 0 {
		return 0
	}
	return len(s.docs[0])
}
func (s *denseSpace) dot(i int, c []float32) float32 { return denseDot(s.docs[i], c) }
func (s *denseSpace) addTo(i int, c []float32) {
	for k, v := range s.docs[i] {
		c[k] += v
	}
}
func (s *denseSpace) sim(i, j int) float32 { return denseDot(s.docs[i], s.docs[j]) }

func denseDot(a, b []float32) float32 {
	var sum float32
	for k := range a {
		sum += a[k] * b[k]
	}
	return sum
}

// normalize scales v to unit length in place (a zero vector stays zero).
func normalize(v []float32) {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(n))
	for k := range v {
		v[k] *= inv
	}
}

// stopwords are English function words and chat filler that carry no topic.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are aren as at be because been
	before being below between both but by can cannot could did didn do does doesn doing don down during each few for from
	further had has have having he her here hers herself him himself his how i if in into is isn it its itself just let me
	more most my myself no nor not now of off on once only or other ought our ours ourselves out over own same she should so
	some such than that the their theirs them themselves then there these they this those through to too under until up
	very was we were what when where which while who whom why will with would you your yours yourself yourselves also get
	got please thanks thank hi hello hey ok okay yes im ive id ill dont cant wont use using need want like one two
	tell give make know help could would can may might must shall s t ll re ve d m`) {
		m[w] = true
	}
	return m
}()

// tokens splits text into lower-case words of letters and digits, without
// stopwords. Digits are kept: order numbers and error codes name topics too.
func tokens(text string) []string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := f[:0]
	for _, w := range f {
		if len(w) < 2 || stopwords[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// tfidf is a vocabulary with inverse document frequencies, fitted on a
// corpus, that turns texts into unit-length sparse vectors.
type tfidf struct {
	vocab map[string]int32
	terms []string
	idf   []float32
}

// fitTFIDF builds the vocabulary. Terms in fewer than minDF documents
// (ticket numbers, typos) or in more than half of them are dropped: neither
// separates topics.
func fitTFIDF(docs [][]string) *tfidf {
	df := map[string]int{}
	seen := map[string]bool{}
	for _, d := range docs {
		clear(seen)
		for _, w := range d {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	return fitDF(df, len(docs))
}

// fitDF builds a vocabulary from document frequencies over n documents.
func fitDF(df map[string]int, n int) *tfidf {
	minDF := max(2, n/500)
	if n < 50 {
		minDF = 1
	}
	if n >= 1000 {
		// Real messages spread over many words: a word seen in a handful
		// of them still ties those together (measured on BANKING77).
		minDF = max(2, n/5000)
	}
	var terms []string
	for w, c := range df {
		if c >= minDF && (n < 20 || c <= n/2) {
			terms = append(terms, w)
		}
	}
	sort.Strings(terms) // a stable index order keeps results deterministic
	t := &tfidf{vocab: make(map[string]int32, len(terms)), terms: terms, idf: make([]float32, len(terms))}
	for i, w := range terms {
		t.vocab[w] = int32(i)
		t.idf[i] = float32(math.Log(float64(1+n)/float64(1+df[w])) + 1)
	}
	return t
}

// vector turns tokens into a unit-length sublinear TF-IDF vector.
func (t *tfidf) vector(toks []string) sparseVec {
	tf := map[int32]int{}
	for _, w := range toks {
		if ix, ok := t.vocab[w]; ok {
			tf[ix]++
		}
	}
	v := sparseVec{idx: make([]int32, 0, len(tf)), val: make([]float32, 0, len(tf))}
	for ix := range tf {
		v.idx = append(v.idx, ix)
	}
	sort.Slice(v.idx, func(a, b int) bool { return v.idx[a] < v.idx[b] })
	for _, ix := range v.idx {
		v.val = append(v.val, float32(1+math.Log(float64(tf[ix])))*t.idf[ix])
	}
	normalize(v.val)
	return v
}

// projectDims is the size dense vectors are projected to before clustering.
const projectDims = 512

// project maps unit vectors of a large dimension to projectDims dimensions
// with a seeded sparse random projection (each input coordinate goes to
// four output coordinates with random signs), then re-normalizes. Cosines
// move by a few hundredths while clustering gets three times cheaper for the
// 1536-dimension vectors of common embedding models (measured on tracegen
// 20k: same k, purity and NMI, 11 s instead of 25–45 s). Vectors of up to
// 768 dimensions are returned as they are.
func project(docs [][]float32, seed int64) [][]float32 {
	if len(docs) == 0 || len(docs[0]) <= projectDims*3/2 {
		return docs
	}
	const fan = 4
	d := len(docs[0])
	rng := rand.New(rand.NewSource(seed))
	idx := make([][fan]int32, d)
	sign := make([][fan]float32, d)
	scale := float32(1 / math.Sqrt(fan))
	for j := 0; j < d; j++ {
		for f := 0; f < fan; f++ {
			idx[j][f] = int32(rng.Intn(projectDims))
			sign[j][f] = scale
			if rng.Intn(2) == 0 {
				sign[j][f] = -scale
			}
		}
	}
	out := make([][]float32, len(docs))
	for i, v := range docs {
		p := make([]float32, projectDims)
		for j, x := range v {
			if x == 0 || j >= d {
				continue
			}
			for f := 0; f < fan; f++ {
				p[idx[j][f]] += x * sign[j][f]
			}
		}
		normalize(p)
		out[i] = p
	}
	return out
}

// commonShare is the share of all tokens that belong to words found in more
// than half the documents: the words TF-IDF leaves out as saying nothing
// about topic. When nearly all the text is such words, the documents are one
// template with a few values changed: one subject, not several topics.
func commonShare(docs [][]string) float64 {
	df := map[string]int{}
	seen := map[string]bool{}
	total := 0
	for _, d := range docs {
		clear(seen)
		total += len(d)
		for _, w := range d {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	if total == 0 {
		return 0
	}
	common := 0
	for _, d := range docs {
		for _, w := range d {
			if 2*df[w] > len(docs) {
				common++
			}
		}
	}
	return float64(common) / float64(total)
}

// oneSubject is the commonShare from which a dataset is one subject.
// Measured: the Foundry countdown file (one arithmetic template) 0.9+;
// tracegen's families and BANKING77's messages stay far below.
const oneSubject = 0.7

// commonTerms returns the n words found in the most documents, the most
// repeated first among those (ties by word), letters only.
func commonTerms(docs [][]string, n int) []string {
	df, tf := map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for _, d := range docs {
		clear(seen)
		for _, w := range d {
			if !hasLetter(w) {
				continue
			}
			tf[w]++
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	words := make([]string, 0, len(df))
	for w := range df {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		a, b := words[i], words[j]
		if df[a] != df[b] {
			return df[a] > df[b]
		}
		if tf[a] != tf[b] {
			return tf[a] > tf[b]
		}
		return a < b
	})
	return words[:min(n, len(words))]
}

// keepWords are function words the wide stopword list drops that decide a
// user's intent ("card not working", "why was I charged", "still pending"):
// features keep them, names and keywords do not.
var keepWords = map[string]bool{"not": true, "no": true, "why": true, "how": true, "when": true, "where": true,
	"still": true, "yet": true, "up": true, "out": true, "off": true, "again": true, "twice": true, "before": true,
	"after": true, "cant": true, "dont": true, "didnt": true, "doesnt": true, "wont": true, "isnt": true, "wasnt": true,
	"what": true, "which": true, "more": true, "too": true, "any": true, "all": true, "same": true, "other": true,
	"need": true, "want": true, "use": true, "using": true, "get": true, "got": true, "make": true, "help": true, "know": true}

// featureTerms are the terms offline clustering reads: words with the
// intent-bearing function words kept, stemmed so that a word's forms meet.
// Measured on BANKING77 (k = 77, TF-IDF k-means): NMI 0.634 with tokens,
// 0.656 with these.
func featureTerms(text string) []string {
	f := strings.FieldsFunc(strings.ToLower(strings.ReplaceAll(text, "'", "")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := f[:0]
	for _, w := range f {
		if len(w) < 2 || (stopwords[w] && !keepWords[w]) {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// features are what offline discovery, naming and categorization read.
type features struct {
	toks    [][]string   // terms of each text (featureTerms)
	tf      *tfidf       // vocabulary fitted on toks
	sparse  *sparseSpace // TF-IDF vectors: naming, keywords, shared words
	dense   *denseSpace  // LSA vectors, neighbour-smoothed: what clustering reads
	lsa     *lsaModel
	chars   *tfidf   // character n-gram vocabulary the LSA reads beside the words
	texts   []string // the texts, until reduce has read their character n-grams
	surface []string // per term: its commonest written form, for names
}

// Tuning of the offline vectors, chosen on BANKING77 (k = 77 k-means NMI):
// TF-IDF 0.656, LSA 100 dims 0.645, plus 10-neighbour smoothing 0.671
// (word bigrams, 200 dims and spectral clustering measured no better).
// With Snowball stems, character 3–4-grams beside the words and 150 dims
// (mean of three seeds on 3,080 messages of the train split, the tuning
// set): 0.661 → 0.677; BM25 weights, 20 neighbours, a third smoothing
// pass and 3–5-grams no better.
const (
	lsaDims    = 150
	lsaSample  = 20000 // documents the SVD is fitted on (all are projected)
	smoothNbrs = 10
	smoothMax  = 8000 // smoothing compares all pairs: only up to this many documents
)

// offlineFeatures builds the vectors offline discovery clusters: TF-IDF,
// reduced by LSA (words used in the same messages meet), each document then
// pulled towards its nearest neighbours, which tells short messages that
// say the same with different words apart from ones that share a word.
func offlineFeatures(texts []string) features {
	f := features{toks: make([][]string, len(texts)), texts: texts}
	forms := map[string]map[string]int{}
	for i, t := range texts {
		f.toks[i] = featureTerms(t)
		for _, w := range tokens(t) {
			s := stem(w)
			if forms[s] == nil {
				forms[s] = map[string]int{}
			}
			forms[s][w]++
		}
	}
	f.tf = fitTFIDF(f.toks)
	f.surface = make([]string, len(f.tf.terms))
	for ix, term := range f.tf.terms {
		best, bn := term, 0
		for w, n := range forms[term] {
			if n > bn || (n == bn && w < best) {
				best, bn = w, n
			}
		}
		f.surface[ix] = best
	}
	f.sparse = &sparseSpace{d: len(f.tf.terms), docs: make([]sparseVec, len(f.toks))}
	for i, tk := range f.toks {
		f.sparse.docs[i] = f.tf.vector(tk)
	}
	return f
}

// reduce adds the vectors offline clustering reads: LSA of the words and
// character n-grams together, neighbour-smoothed (a no-op on too little
// text for a reduction to learn from). It reads the texts once and lets
// them go.
func (f *features) reduce(seed int64) {
	mixed := f.fitReduction(seed)
	if mixed == nil {
		return
	}
	f.dense = f.lsa.embed(mixed)
	if len(mixed.docs) <= smoothMax {
		// Twice: neighbours of neighbours count too (k = 77 NMI 0.671 →
		// 0.673–0.683 over two seeds).
		f.dense = smooth(smooth(f.dense, smoothNbrs), smoothNbrs)
	}
}

// fitReduction fits the character n-gram vocabulary and the LSA on the
// texts and returns the mixed vectors it read (nil, and no LSA, on too
// little text). It lets the texts go.
func (f *features) fitReduction(seed int64) *sparseSpace {
	n := len(f.sparse.docs)
	texts := f.texts
	f.texts = nil
	if n < 50 || len(f.tf.terms) < 2*lsaDims || len(texts) != n {
		return nil
	}
	f.chars = fitChars(texts)
	mixed := &sparseSpace{d: f.sparse.d + len(f.chars.terms), docs: make([]sparseVec, n)}
	parallel(n, func(i int) { mixed.docs[i] = f.mixed(f.sparse.docs[i], texts[i]) })
	fit := mixed
	if n > lsaSample {
		idx := rand.New(rand.NewSource(seed)).Perm(n)[:lsaSample]
		fit = subset(mixed, idx).(*sparseSpace)
	}
	f.lsa = fitLSA(fit, lsaDims, seed)
	if f.lsa == nil {
		return nil
	}
	return mixed
}

// space is the vector set offline discovery clusters.
func (f features) space() space {
	if f.dense != nil {
		return f.dense
	}
	return f.sparse
}

// vector returns the clustering vector of a new text.
func (f features) vector(text string) []float32 {
	v := f.tf.vector(featureTerms(text))
	if f.lsa != nil {
		return f.lsa.vector(f.mixed(v, text))
	}
	out := make([]float32, f.sparse.d)
	for k, ix := range v.idx {
		out[ix] = v.val[k]
	}
	return out
}

// smooth adds to each vector the mean of its m most similar others and
// re-normalizes.
func smooth(ds *denseSpace, m int) *denseSpace {
	out := &denseSpace{docs: make([][]float32, len(ds.docs))}
	parallel(len(ds.docs), func(i int) { out.docs[i] = smoothVec(ds.docs[i], ds.docs, i, m) })
	return out
}

// smoothVec returns v plus the mean of its m most similar vectors of ref
// other than ref[skip] (skip < 0: none), re-normalized.
func smoothVec(v []float32, ref [][]float32, skip, m int) []float32 {
	type nb struct {
		j int
		s float32
	}
	top := make([]nb, 0, m+1)
	for j := range ref {
		if j == skip {
			continue
		}
		s := denseDot(v, ref[j])
		if len(top) == m && s <= top[m-1].s {
			continue
		}
		top = append(top, nb{j, s})
		for x := len(top) - 1; x > 0 && top[x].s > top[x-1].s; x-- {
			top[x], top[x-1] = top[x-1], top[x]
		}
		if len(top) > m {
			top = top[:m]
		}
	}
	out := append([]float32(nil), v...)
	for _, t := range top {
		for d, x := range ref[t.j] {
			out[d] += x / float32(len(top))
		}
	}
	normalize(out)
	return out
}

// charGrams calls fn with the character 3- and 4-grams of each feature
// word of text (stopwords out, intent words in), the word padded with a
// space on each side: "refund" gives " re", "ref", …, "nd ". They tie
// together forms and misspellings of a word that stems keep apart
// ("transfered", "transferred"; "atm", "atms").
func charGrams(text string, fn func(g string)) {
	f := strings.FieldsFunc(strings.ToLower(strings.ReplaceAll(text, "'", "")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range f {
		if stopwords[w] && !keepWords[w] {
			continue
		}
		r := []rune(" " + w + " ")
		for n := 3; n <= 4; n++ {
			for i := 0; i+n <= len(r); i++ {
				fn(string(r[i : i+n]))
			}
		}
	}
}

// fitChars fits the character n-gram vocabulary the way fitTFIDF fits the
// words' (same document-frequency bounds), counting as it goes: the
// n-grams of 100k texts are not kept.
func fitChars(texts []string) *tfidf {
	df := map[string]int{}
	seen := map[string]bool{}
	for _, t := range texts {
		clear(seen)
		charGrams(t, func(g string) {
			if !seen[g] {
				seen[g] = true
				df[g]++
			}
		})
	}
	return fitDF(df, len(texts))
}

// mixed is the vector LSA reads: a text's word TF-IDF vector and its
// character n-gram TF-IDF vector (indices after the words'), each unit
// length and weighted equally, then re-normalized.
func (f *features) mixed(words sparseVec, text string) sparseVec {
	var toks []string
	charGrams(text, func(g string) { toks = append(toks, g) })
	cv := f.chars.vector(toks)
	v := sparseVec{idx: make([]int32, 0, len(words.idx)+len(cv.idx)), val: make([]float32, 0, len(words.idx)+len(cv.idx))}
	v.idx = append(v.idx, words.idx...)
	v.val = append(v.val, words.val...)
	off := int32(f.sparse.d)
	for k, ix := range cv.idx {
		v.idx = append(v.idx, ix+off)
		v.val = append(v.val, cv.val[k])
	}
	normalize(v.val)
	return v
}
