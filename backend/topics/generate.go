package topics

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"tracetune/backend/llm"
	"unicode"

	"golang.org/x/sync/errgroup"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// GenerateOptions steer topic discovery.
type GenerateOptions struct {
	K       int   `json:"k"`       // number of topics; 0 chooses automatically
	Seed    int64 `json:"seed"`    // same seed, same data: same topics
	Offline bool  `json:"offline"` // TF-IDF and term labels even if a provider exists
}

// GenerateResult says what Generate found.
type GenerateResult struct {
	K          int            `json:"k"`
	FineK      int            `json:"fine_k"`  // phrasing-level clusters found before grouping
	Vectors    string         `json:"vectors"` // "tfidf" or "embedding"
	Naming     string         `json:"naming"`  // "terms" or "llm"
	Silhouette float64        `json:"silhouette"`
	Records    int            `json:"records"` // valid records clustered
	Cleared    int            `json:"cleared"` // assignments cleared by replacing the hierarchy
	Topics     []record.Topic `json:"topics"`
	Warnings   []string       `json:"warnings,omitempty"`
}

// Vector and naming kinds of a GenerateResult.
const (
	VectorsTFIDF     = "tfidf"
	VectorsEmbedding = "embedding"
	NamingTerms      = "terms"
	NamingLLM        = "llm"
)

// centralMembers is how many prompts closest to a cluster's centroid the
// model sees when naming it.
const centralMembers = 6

// Generate discovers topics from the dataset's valid records and replaces
// its hierarchy with them, clearing every assignment (call AssignmentCount
// first to warn). Categorize runs separately.
func (s *Service) Generate(ctx context.Context, datasetID int64, opt GenerateOptions, progress Progress) (GenerateResult, error) {
	if opt.K < 0 || opt.K > 200 {
		return GenerateResult{}, fmt.Errorf("k = %d: give 0 (automatic) or a number of topics from 1 to 200", opt.K)
	}
	if llm.MeterFrom(ctx) == nil { // tokens and cost are shown next to the action
		ctx = llm.WithAction(ctx, datasetID, "topics")
	}
	ai, err := s.ai(ctx, opt.Offline)
	if err != nil {
		return GenerateResult{}, fmt.Errorf("model provider: %w", err)
	}
	c, err := s.loadCorpus(ctx, datasetID, progress)
	if err != nil {
		return GenerateResult{}, err
	}
	if len(c.texts) == 0 {
		return GenerateResult{}, fmt.Errorf("dataset %d has no valid records to discover topics from", datasetID)
	}
	res := GenerateResult{Records: len(c.texts), Vectors: VectorsTFIDF, Naming: NamingTerms}

	// TF-IDF vectors are always built: they cluster offline and they give
	// the distinctive terms used for labels and keywords.
	toks := make([][]string, len(c.texts))
	for i, t := range c.texts {
		toks[i] = tokens(t)
	}
	tf := fitTFIDF(toks)
	sparse := &sparseSpace{d: len(tf.terms), docs: make([]sparseVec, len(toks))}
	for i, tk := range toks {
		sparse.docs[i] = tf.vector(tk)
	}
	toks = nil
	var sp space = sparse
	if ai != nil {
		vecs, err := embedAll(ctx, ai, c.texts, progress, "prompts")
		switch {
		case err == nil:
			sp, res.Vectors = &denseSpace{docs: project(vecs, opt.Seed)}, VectorsEmbedding
		case noProvider(err):
			res.Warnings = append(res.Warnings, "no embedding model is configured: clustered TF-IDF vectors instead")
		default:
			return res, fmt.Errorf("embed prompts: %w", err)
		}
	}
	report(progress, 0, 1, "clustering")
	d, err := discover(ctx, sp, discoverOptions{k: opt.K, seed: opt.Seed, terms: sparse}, func(msg string) { report(progress, 0, 1, msg) })
	if err != nil {
		return res, fmt.Errorf("cluster %d prompts: %w", len(c.texts), err)
	}
	res.K, res.FineK, res.Silhouette = d.k, d.fineK, math.Round(d.silhouette*1000)/1000

	report(progress, 0, int64(d.k), "naming topics")
	specs := termLabels(sparse, tf, d)
	if ai != nil {
		named, warn, err := nameWithModel(ctx, ai, c.texts, d, specs, progress)
		if err != nil {
			return res, err
		}
		if warn != "" {
			res.Warnings = append(res.Warnings, warn)
		} else {
			specs, res.Naming = named, NamingLLM
		}
	}
	res.Cleared, err = s.st.ReplaceTopics(ctx, datasetID, specs, false)
	if err != nil {
		return res, fmt.Errorf("store generated topics: %w", err)
	}
	res.Topics, err = s.st.Topics(ctx, datasetID)
	report(progress, int64(d.k), int64(d.k), fmt.Sprintf("%d topics", d.k))
	return res, err
}

// termLabels names each cluster from its most distinctive terms: terms
// frequent in the cluster and rare elsewhere. Keywords are drawn in turn
// from the topic as a whole and from each phrasing (fine cluster) inside
// it, so that every way users ask about the topic has words that match.
func termLabels(sp *sparseSpace, tf *tfidf, d discovery) []store.TopicSpec {
	k := d.k
	type counts struct {
		size float64
		df   map[int32]float64
	}
	newCounts := func() *counts { return &counts{df: map[int32]float64{}} }
	topic := make([]*counts, k)
	for c := range topic {
		topic[c] = newCounts()
	}
	fine := map[int]*counts{}
	total := map[int32]float64{}
	for i, doc := range sp.docs {
		c := d.assign[i]
		topic[c].size++
		var f *counts
		if d.fineAssign != nil && d.fineGroup[d.fineAssign[i]] == c {
			if f = fine[d.fineAssign[i]]; f == nil {
				f = newCounts()
				fine[d.fineAssign[i]] = f
			}
			f.size++
		}
		for _, ix := range doc.idx {
			topic[c].df[ix]++
			total[ix]++
			if f != nil {
				f.df[ix]++
			}
		}
	}
	n := float64(len(sp.docs))
	// ranked lists the terms of part (a topic or one of its phrasings) by
	// how much more often they occur there than outside topic c.
	ranked := func(part *counts, c int) []string {
		type scored struct {
			term  string
			score float64
		}
		var list []scored
		for ix, v := range part.df {
			if d.dropped[ix] || !hasLetter(tf.terms[ix]) {
				continue
			}
			pc := v / math.Max(1, part.size)
			po := (total[ix] - topic[c].df[ix]) / math.Max(1, n-topic[c].size)
			if pc < 0.03 {
				continue
			}
			list = append(list, scored{tf.terms[ix], pc * math.Log((pc+1e-3)/(po+1e-3))})
		}
		sort.Slice(list, func(a, b int) bool {
			if list[a].score != list[b].score {
				return list[a].score > list[b].score
			}
			return list[a].term < list[b].term
		})
		out := make([]string, len(list))
		for i, x := range list {
			out[i] = x.term
		}
		return out
	}
	taken := map[string]bool{}
	specs := make([]store.TopicSpec, k)
	for c := 0; c < k; c++ {
		lists := [][]string{ranked(topic[c], c)}
		var subs []int
		for f, g := range d.fineGroup {
			if g == c && fine[f] != nil {
				subs = append(subs, f)
			}
		}
		sort.Slice(subs, func(a, b int) bool {
			if fine[subs[a]].size != fine[subs[b]].size {
				return fine[subs[a]].size > fine[subs[b]].size
			}
			return subs[a] < subs[b]
		})
		if len(subs) > 1 {
			for _, f := range subs {
				lists = append(lists, ranked(fine[f], c))
			}
		}
		var kw []string
		used := map[string]bool{}
		for round := 0; len(kw) < 10; round++ {
			added := false
			for _, l := range lists {
				if round < len(l) && !used[l[round]] && len(kw) < 10 {
					used[l[round]] = true
					kw = append(kw, l[round])
					added = true
				}
			}
			if !added && round > 50 {
				break
			}
		}
		var words []string
		for _, w := range lists[0] {
			if len(words) < 2 && !isNumberLike(w) && !labelFiller[w] {
				words = append(words, w)
			}
		}
		name := uniqueName(Slug(strings.Join(words, "_")), taken)
		desc := "Prompts about " + joinWords(kw, 4) + " (named offline from the cluster's most distinctive words)."
		if len(kw) == 0 {
			desc = "Prompts of cluster " + fmt.Sprint(c+1) + " (no distinctive words)."
		}
		specs[c] = store.TopicSpec{Name: name, Description: desc, Keywords: kw}
	}
	return specs
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// labelFiller are verbs and adverbs that can be distinctive for a phrasing
// ("the file came from Excel") yet name nothing: they stay keywords but are
// skipped when choosing the two words of a topic's name.
var labelFiller = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`came come comes coming returns return returned returning gives give gave given
	gets got getting takes take took taken usually always often really does doing done did show shows showed make
	makes made find finds found fix fixes fixed happen happens happened work works worked used asked ask asks
	keep keeps kept seems seem tried try trying going went goes instead still already`) {
		m[w] = true
	}
	return m
}()

// isNumberLike is true for terms such as "10k" or "6am" that make poor labels.
func isNumberLike(s string) bool { return s != "" && unicode.IsDigit(rune(s[0])) }

func joinWords(w []string, n int) string {
	w = w[:min(n, len(w))]
	switch len(w) {
	case 0:
		return ""
	case 1:
		return w[0]
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}

var namingSchema = json.RawMessage(`{"type":"object","properties":{
"label":{"type":"string","description":"snake_case topic name, 1 to 4 words"},
"description":{"type":"string","description":"one sentence: what these prompts ask for"},
"keywords":{"type":"array","items":{"type":"string"},"minItems":5,"maxItems":10}},
"required":["label","description","keywords"],"additionalProperties":false}`)

const namingSystem = `You name clusters of user prompts sent to an AI assistant. Given the prompts closest to the cluster's centre and its distinctive words, reply with JSON: "label", a snake_case topic name of 1 to 4 words; "description", one sentence saying what these prompts ask for; "keywords", 5 to 10 lower-case words or short phrases that typically appear in such prompts.`

// nameWithModel asks the generation model to name each cluster from its
// most central members. When no generation model is configured it returns
// a warning and the caller keeps the term labels.
func nameWithModel(ctx context.Context, ai AI, texts []string, d discovery, terms []store.TopicSpec, progress Progress) ([]store.TopicSpec, string, error) {
	type naming struct {
		Label       string   `json:"label"`
		Description string   `json:"description"`
		Keywords    []string `json:"keywords"`
	}
	out := make([]naming, d.k)
	members := centralIdx(d)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for c := 0; c < d.k; c++ {
		g.Go(func() error {
			var b strings.Builder
			b.WriteString("Prompts closest to the centre of the cluster:\n")
			for j, i := range members[c] {
				fmt.Fprintf(&b, "%d. %s\n", j+1, clip(texts[i], 400))
			}
			fmt.Fprintf(&b, "Distinctive words: %s\n", strings.Join(terms[c].Keywords, ", "))
			if err := ai.JSON(gctx, namingSystem, b.String(), "topic_name", namingSchema, &out[c]); err != nil {
				return fmt.Errorf("name topic %d of %d: %w", c+1, d.k, err)
			}
			report(progress, int64(c+1), int64(d.k), "naming topics")
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if noProvider(err) {
			return nil, "no generation model is configured: topics were named from their distinctive words", nil
		}
		return nil, "", err
	}
	taken := map[string]bool{}
	specs := make([]store.TopicSpec, d.k)
	for c, n := range out {
		name := Slug(n.Label)
		if name == "" {
			name = terms[c].Name
		}
		kw := cleanKeywords(n.Keywords)
		for _, t := range terms[c].Keywords {
			if len(kw) >= 5 {
				break
			}
			kw = cleanKeywords(append(kw, t))
		}
		if len(kw) > 10 {
			kw = kw[:10]
		}
		desc := strings.TrimSpace(n.Description)
		if desc == "" {
			desc = terms[c].Description
		}
		specs[c] = store.TopicSpec{Name: uniqueName(name, taken), Description: desc, Keywords: kw}
	}
	return specs, "", nil
}

// centralIdx returns, per cluster, the documents most similar to its centroid.
func centralIdx(d discovery) [][]int {
	type cand struct {
		i int
		s float32
	}
	best := make([][]cand, d.k)
	for i, c := range d.assign {
		s := d.space.dot(i, d.cents[c])
		b := append(best[c], cand{i, s})
		sort.Slice(b, func(x, y int) bool { return b[x].s > b[y].s || (b[x].s == b[y].s && b[x].i < b[y].i) })
		if len(b) > centralMembers*3 {
			b = b[:centralMembers*3]
		}
		best[c] = b
	}
	out := make([][]int, d.k)
	for c, b := range best {
		// Near-identical prompts teach the model nothing new: skip repeats.
		seen := map[string]bool{}
		for _, x := range b {
			if len(out[c]) == centralMembers {
				break
			}
			key := fmt.Sprint(x.s)
			if seen[key] {
				continue
			}
			seen[key] = true
			out[c] = append(out[c], x.i)
		}
	}
	return out
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
