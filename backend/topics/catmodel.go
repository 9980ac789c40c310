package topics

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"math"
	"slices"
	"sort"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Offline categorization reads two things from the whole dataset: the
// vectorizer (word and character n-gram vocabularies with their IDF, the
// LSA basis and, on at most smoothMax records, the fitted records' vectors
// every vector is neighbour-smoothed against), fitted on every record's
// text, and, per topic, the sum of
// the vectors of the records already on it, which sharpens the topic's
// prototype. Both are cached per dataset (store.TopicModel), so that
// categorizing the few hundred records a pull adds reads and vectorizes
// only them: the cost is O(new records) plus loading the model, with the
// assignments a full Categorize gives them (Categorize reads the same
// cache).
//
// The vectorizer is refitted when the number of valid records moved by
// more than a quarter since the fit (the vocabulary follows what the
// dataset became; refits are geometric, so their cost per record stays
// constant), when "recategorize all" runs (it reads everything anyway) and
// when the cache was written by another version. The topic sums are
// recomputed (every record vectorized with the cached vectorizer, no fit)
// when the records on a topic are no longer those they were summed over:
// each topic's count and sum of record ids are compared with the store's
// (store.TopicMembership, an index-only read), which catches moves,
// regeneration and deleted topics. Store triggers drop the model when
// records are deleted (a replace import) and the sums when a record's
// messages are edited or its validity changes (schema_topic_models.go). Topic names, descriptions
// and keywords are read at every run, so editing them invalidates nothing.
// The embedding path needs no cache: only the new texts (and the topics)
// are embedded.

// catModelVersion changes whenever what the cache holds, or how vectors
// are computed from it, changes: an older cache is then refitted.
const catModelVersion = 2

// refitDrift: a vectorizer is refitted once the valid records are more
// than 5/4 or fewer than 4/5 of those it was fitted on.
func refitDrift(fitted, now int) bool {
	return 4*now > 5*fitted || 5*now < 4*fitted
}

// catModel is the fitted offline vectorizer of categorization.
type catModel struct {
	tf    *tfidf
	chars *tfidf    // nil without LSA
	lsa   *lsaModel // nil: vectors are the sparse TF-IDF ones
	// The fitted corpus' LSA vectors and their once-smoothed form, when
	// it had LSA and at most smoothMax records (nil otherwise): every
	// record's vector is neighbour-smoothed twice against them, as
	// discovery smooths, yet depends on the model only (BANKING77 test
	// split, categories' NMI: k = 77 0.7005 → 0.707, automatic k 0.700 →
	// 0.706).
	corpus, once [][]float32
}

// fitCatModel fits the vectorizer on texts (as offline discovery does)
// and returns their vectors. Discovery smooths the corpus against itself;
// here the smoothing reads the corpus stored in the model, so that a
// record's vector, fitted or new, depends on its text and the model only.
func fitCatModel(texts []string) (*catModel, space) {
	f := offlineFeatures(texts)
	mixed := f.fitReduction(1)
	m := &catModel{tf: f.tf, chars: f.chars, lsa: f.lsa}
	if mixed == nil {
		return m, f.sparse
	}
	raw := f.lsa.embed(mixed)
	if len(raw.docs) > smoothMax {
		return m, raw
	}
	m.corpus = raw.docs
	m.once = smooth(raw, smoothNbrs).docs
	return m, m.smooth(raw)
}

// smooth smooths raw LSA vectors twice against the stored corpus (a no-op
// without one). A vector equal to a corpus record's does without that
// record (its own), as discovery's smoothing leaves each record out.
func (m *catModel) smooth(raw *denseSpace) *denseSpace {
	if m.corpus == nil {
		return raw
	}
	out := &denseSpace{docs: make([][]float32, len(raw.docs))}
	parallel(len(raw.docs), func(i int) {
		v := raw.docs[i]
		self := -1
		for j, c := range m.corpus {
			if slices.Equal(c, v) {
				self = j
				break
			}
		}
		var once []float32
		if self >= 0 {
			once = m.once[self] // what smoothVec(v, m.corpus, self, …) gives: v is corpus[self]
		} else {
			once = smoothVec(v, m.corpus, -1, smoothNbrs)
		}
		out.docs[i] = smoothVec(once, m.once, self, smoothNbrs)
	})
	return out
}

func (m *catModel) features() features {
	return features{tf: m.tf, chars: m.chars, lsa: m.lsa, sparse: &sparseSpace{d: len(m.tf.terms)}}
}

// vectors returns the vectors of texts, the same ones fitCatModel returns
// for the texts it was fitted on.
func (m *catModel) vectors(texts []string) space {
	if m.lsa == nil {
		sp := &sparseSpace{d: len(m.tf.terms), docs: make([]sparseVec, len(texts))}
		parallel(len(texts), func(i int) { sp.docs[i] = m.tf.vector(featureTerms(texts[i])) })
		return sp
	}
	f := m.features()
	ds := &denseSpace{docs: make([][]float32, len(texts))}
	parallel(len(texts), func(i int) { ds.docs[i] = f.vector(texts[i]) })
	return m.smooth(ds)
}

// topicVector is the unit vector of a topic's text.
func (m *catModel) topicVector(text string) []float32 {
	v := m.features().vector(text)
	normalize(v)
	return v
}

// catModelFile is the stored form of a catModel (floats as little-endian
// bytes: a model of 100k records holds a few million).
type catModelFile struct {
	Version   int
	Terms     []string
	IDF       []byte
	CharTerms []string
	CharIDF   []byte
	Dims      int
	Comp      []byte // [term][dims], words then character n-grams
	// Corpus records' vectors follow the gob value, raw: catModel.corpus
	// then catModel.once, each [record][dims] (decoded straight from the
	// blob, without gob's copies: up to 10 MB).
	Corpus int
}

func f32Bytes(dst []byte, v []float32) []byte {
	for _, x := range v {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(x))
	}
	return dst
}

func bytesF32(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func (m *catModel) encode() ([]byte, error) {
	f := catModelFile{Version: catModelVersion, Terms: m.tf.terms, IDF: f32Bytes(nil, m.tf.idf)}
	if m.lsa != nil {
		f.CharTerms, f.CharIDF, f.Dims = m.chars.terms, f32Bytes(nil, m.chars.idf), m.lsa.dims
		f.Comp = make([]byte, 0, 4*m.lsa.dims*len(m.lsa.comp))
		for _, c := range m.lsa.comp {
			f.Comp = f32Bytes(f.Comp, c)
		}
		f.Corpus = len(m.corpus)
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(f); err != nil {
		return nil, fmt.Errorf("encode the categorization model: %w", err)
	}
	out := b.Bytes()
	if f.Corpus > 0 {
		out = slices.Grow(out, 8*m.lsa.dims*f.Corpus)
		for _, v := range append(slices.Clip(m.corpus), m.once...) {
			out = f32Bytes(out, v)
		}
	}
	return out, nil
}

func newTFIDF(terms []string, idf []float32) *tfidf {
	t := &tfidf{vocab: make(map[string]int32, len(terms)), terms: terms, idf: idf}
	for i, w := range terms {
		t.vocab[w] = int32(i)
	}
	return t
}

// decodeCatModel returns nil for a model of another version.
func decodeCatModel(b []byte) (*catModel, error) {
	var f catModelFile
	r := bytes.NewReader(b) // an io.ByteReader: gob reads no further than its value
	if err := gob.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("decode the categorization model: %w", err)
	}
	if f.Version != catModelVersion {
		return nil, nil
	}
	m := &catModel{tf: newTFIDF(f.Terms, bytesF32(f.IDF))}
	if f.Dims > 0 {
		m.chars = newTFIDF(f.CharTerms, bytesF32(f.CharIDF))
		flat := bytesF32(f.Comp)
		v := len(f.Terms) + len(f.CharTerms)
		if len(flat) != v*f.Dims {
			return nil, fmt.Errorf("decode the categorization model: %d coordinates for %d terms × %d", len(flat), v, f.Dims)
		}
		m.lsa = &lsaModel{dims: f.Dims, comp: make([][]float32, v)}
		for t := range m.lsa.comp {
			m.lsa.comp[t] = flat[t*f.Dims : (t+1)*f.Dims : (t+1)*f.Dims]
		}
		if n := f.Corpus; n > 0 {
			flat := bytesF32(b[len(b)-r.Len():])
			if len(flat) != 2*n*f.Dims {
				return nil, fmt.Errorf("decode the categorization model: %d corpus coordinates for 2 × %d records × %d", len(flat), n, f.Dims)
			}
			vs := make([][]float32, 2*n)
			for i := range vs {
				vs[i] = flat[i*f.Dims : (i+1)*f.Dims : (i+1)*f.Dims]
			}
			m.corpus, m.once = vs[:n:n], vs[n:]
		}
	}
	return m, nil
}

// topicSum is what the valid records on one topic add up to.
type topicSum struct {
	ID  int64
	N   int64
	Vec []float64 // sum of their vectors (float64: the order of the sum does not show)
}

// topicSums are the sums of the records on each topic, by topic id.
type topicSums map[int64]*topicSum

func (ts topicSums) add(topicID int64, sp space, i int) {
	t := ts[topicID]
	if t == nil {
		t = &topicSum{ID: topicID, Vec: make([]float64, sp.dim())}
		ts[topicID] = t
	}
	t.N++
	switch s := sp.(type) {
	case *denseSpace:
		for k, x := range s.docs[i] {
			t.Vec[k] += float64(x)
		}
	case *sparseSpace:
		v := &s.docs[i]
		for k, ix := range v.idx {
			t.Vec[ix] += float64(v.val[k])
		}
	}
}

// members is store.TopicMembership by topic id: who was on each topic
// when the sums were made.
type members map[int64]store.TopicMembers

func membersOf(list []store.TopicMembers) members {
	m := members{}
	for _, x := range list {
		m[x.TopicID] = x
	}
	return m
}

// move records that a record left topic from (0: none) for to.
func (m members) move(recordID, from, to int64) {
	if from != 0 {
		x := m[from]
		x.N--
		x.SumID -= recordID
		if x.N == 0 {
			delete(m, from)
		} else {
			m[from] = x
		}
	}
	if to != 0 {
		x := m[to]
		x.TopicID = to
		x.N++
		x.SumID += recordID
		m[to] = x
	}
}

// same says whether two memberships have the same records on each topic.
func (m members) same(o members) bool {
	if len(m) != len(o) {
		return false
	}
	for id, x := range m {
		if o[id] != x {
			return false
		}
	}
	return true
}

// topicSumsFile is the stored form of the sums and of the membership they
// were made for.
type topicSumsFile struct {
	Version int
	Topics  []topicSum
	Members []store.TopicMembers
}

func encodeTopicSums(ts topicSums, m members) ([]byte, error) {
	f := topicSumsFile{Version: catModelVersion}
	for _, t := range ts {
		f.Topics = append(f.Topics, *t)
	}
	sort.Slice(f.Topics, func(a, b int) bool { return f.Topics[a].ID < f.Topics[b].ID })
	for _, x := range m {
		f.Members = append(f.Members, x)
	}
	sort.Slice(f.Members, func(a, b int) bool { return f.Members[a].TopicID < f.Members[b].TopicID })
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(f); err != nil {
		return nil, fmt.Errorf("encode the topic sums: %w", err)
	}
	return b.Bytes(), nil
}

// decodeTopicSums returns nil sums when there are none (or of another
// version).
func decodeTopicSums(b []byte) (topicSums, members) {
	if len(b) == 0 {
		return nil, nil
	}
	var f topicSumsFile
	if gob.NewDecoder(bytes.NewReader(b)).Decode(&f) != nil || f.Version != catModelVersion {
		return nil, nil
	}
	ts := topicSums{}
	for i := range f.Topics {
		ts[f.Topics[i].ID] = &f.Topics[i]
	}
	return ts, membersOf(f.Members)
}

// targets are the records a categorization assigns, in id order.
type targets struct {
	ids   []int64
	texts []string
	c     *corpus // every valid record, once read
	idx   []int   // positions of the targets in c
}

// offlineRun is what the offline path of one categorization read: the
// vectorizer, the targets' vectors and the sums over the records on each
// topic that are not targets.
type offlineRun struct {
	model   *catModel
	stamp   int64 // of the stored model
	docs    space
	seeds   topicSums
	members members // who was on each topic when the run started
}

// offlineVectors vectorizes the targets with the cached model, or reads
// the dataset to fit one or to sum the records on each topic when the
// cache is missing or stale (see the comment at the top of this file). In
// unlabeled mode the targets are re-read with the dataset, so that they
// and the sums agree.
func (s *Service) offlineVectors(ctx context.Context, datasetID int64, opt CategorizeOptions, tg *targets, progress Progress) (*offlineRun, error) {
	list, err := s.st.TopicMembership(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	run := &offlineRun{members: membersOf(list)}
	if opt.Mode != ModeAll {
		cached, ok, err := s.st.TopicModel(ctx, datasetID)
		if err != nil {
			return nil, err
		}
		if ok {
			m, err := decodeCatModel(cached.Model)
			counts, cerr := s.st.CountTopics(ctx, datasetID)
			if cerr != nil {
				return nil, fmt.Errorf("count valid records of dataset %d: %w", datasetID, cerr)
			}
			if err == nil && m != nil && !refitDrift(cached.Records, counts.Valid) {
				run.model, run.stamp = m, cached.Stamp
				if sums, was := decodeTopicSums(cached.Seeds); sums != nil && was.same(run.members) {
					run.seeds = sums
					run.docs = m.vectors(tg.texts)
					return run, nil
				}
			}
		}
	}
	if tg.c == nil {
		c, err := s.loadCorpus(ctx, datasetID, progress)
		if err != nil {
			return nil, err
		}
		*tg = targetsOf(c, opt)
	}
	var all space
	if run.model == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		report(progress, 0, 0, "fitting the categorization model")
		run.model, all = fitCatModel(tg.c.texts)
		b, err := run.model.encode()
		if err != nil {
			return nil, err
		}
		if run.stamp, err = s.st.SetTopicModel(ctx, datasetID, len(tg.c.texts), b, nil); err != nil {
			return nil, err
		}
	} else {
		report(progress, 0, 0, "vectorizing records")
		all = run.model.vectors(tg.c.texts)
	}
	if len(tg.idx) > 0 {
		run.docs = subset(all, tg.idx)
	}
	isTarget := make([]bool, len(tg.c.ids))
	for _, i := range tg.idx {
		isTarget[i] = true
	}
	run.seeds = topicSums{}
	for i, tp := range tg.c.topic {
		if tp != 0 && !isTarget[i] {
			run.seeds.add(tp, all, i)
		}
	}
	return run, nil
}

// save stores the sums over the records on each topic once the targets
// are assigned (as, in target order), with the membership they are for:
// the one read at the start with the targets moved. Only after every
// assignment was written: a stop leaves the cache stale, which the next
// run notices, as it notices any other change made meanwhile.
func (r *offlineRun) save(ctx context.Context, st *store.Store, datasetID int64, tg *targets, as []store.Assignment) error {
	for k, a := range as {
		var from int64
		if tg.c != nil {
			from = tg.c.topic[tg.idx[k]]
		}
		r.members.move(a.RecordID, from, a.TopicID)
		if a.TopicID != 0 {
			r.seeds.add(a.TopicID, r.docs, k)
		}
	}
	b, err := encodeTopicSums(r.seeds, r.members)
	if err != nil {
		return err
	}
	return st.SetTopicSeeds(ctx, datasetID, r.stamp, b)
}

// targetsOf picks a mode's targets among every valid record.
func targetsOf(c *corpus, opt CategorizeOptions) targets {
	tg := targets{c: c}
	for i := range c.ids {
		if (opt.Mode == ModeAll && c.methods[i] != record.MethodManual) || (opt.Mode != ModeAll && c.topic[i] == 0 && c.ids[i] > opt.afterID) {
			tg.idx = append(tg.idx, i)
			tg.ids = append(tg.ids, c.ids[i])
			tg.texts = append(tg.texts, c.texts[i])
		}
	}
	return tg
}

// uncategorized reads the valid records without a topic after afterID:
// unlabeled mode's targets, without reading the rest of the dataset.
func (s *Service) uncategorized(ctx context.Context, datasetID, afterID int64, progress Progress) (*targets, error) {
	tg := &targets{}
	after := afterID
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ps, err := s.st.Prompts(ctx, store.PromptFilter{DatasetID: datasetID, AfterID: after, Limit: pageSize, Uncategorized: true})
		if err != nil {
			return nil, fmt.Errorf("read the records without a topic of dataset %d after id %d: %w", datasetID, after, err)
		}
		for _, p := range ps {
			tg.ids = append(tg.ids, p.ID)
			tg.texts = append(tg.texts, lastUser(p.Messages))
		}
		report(progress, int64(len(tg.ids)), 0, "reading the records without a topic")
		if len(ps) < pageSize {
			return tg, nil
		}
		after = ps[len(ps)-1].ID
	}
}
