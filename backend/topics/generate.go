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

// MaxK is the largest number of topics Generate accepts.
const MaxK = 200

// Validate checks the options every caller passes (window, command, chain).
func (o GenerateOptions) Validate() error {
	if o.K < 0 || o.K > MaxK {
		return fmt.Errorf("number of topics k=%d: give 0 (automatic) or 1–%d", o.K, MaxK)
	}
	return nil
}

// GenerateResult says what Generate found.
type GenerateResult struct {
	K          int            `json:"k"`
	FineK      int            `json:"fine_k"`  // phrasing-level clusters found before grouping
	Parents    int            `json:"parents"` // parent topics grouping the leaves (0: a flat list)
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
	if err := opt.Validate(); err != nil {
		return GenerateResult{}, err
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
	feat := offlineFeatures(c.texts)
	sparse := feat.sparse
	k := opt.K
	var subject []string // the words of a one-subject dataset, for its name
	words := make([][]string, len(c.texts))
	for i, t := range c.texts {
		words[i] = tokens(t)
	}
	if share := commonShare(words); k == 0 && share >= oneSubject {
		k, subject = 1, commonTerms(words, 6)
		res.Warnings = append(res.Warnings, fmt.Sprintf("the prompts are %.0f %% the same words: one subject, so one topic", 100*share))
	}
	words, feat.toks = nil, nil
	var sp space
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
	if sp == nil {
		report(progress, 0, 1, "reducing the word vectors")
		feat.reduce(opt.Seed)
		sp = feat.space()
	}
	report(progress, 0, 1, "clustering")
	d, err := discover(ctx, sp, discoverOptions{k: k, seed: opt.Seed, terms: sparse}, func(msg string) { report(progress, 0, 1, msg) })
	if err != nil {
		return res, fmt.Errorf("cluster %d prompts: %w", len(c.texts), err)
	}
	res.K, res.FineK, res.Parents, res.Silhouette = d.k, d.fineK, d.parents, math.Round(d.silhouette*1000)/1000

	report(progress, 0, int64(d.k+d.parents), "naming topics")
	leaves, parents := termLabels(feat, d)
	if len(subject) > 0 && len(leaves) == 1 {
		leaves[0].Name = Slug(strings.Join(subject[:min(3, len(subject))], " "))
		leaves[0].Keywords = subject
		leaves[0].Description = "Prompts about " + strings.Join(subject[:min(3, len(subject))], ", ") + "."
	}
	if ai != nil {
		groups := append(centralOf(d.space, d.assign, d.k), parentCentral(d)...)
		named, warn, err := nameWithModel(ctx, ai, c.texts, groups, append(append([]store.TopicSpec(nil), leaves...), parents...), progress)
		if err != nil {
			return res, err
		}
		if warn != "" {
			res.Warnings = append(res.Warnings, warn)
		} else {
			leaves, parents, res.Naming = named[:d.k], named[d.k:], NamingLLM
		}
	}
	specs := treeSpecs(leaves, parents, d.parent)
	res.Cleared, err = s.st.ReplaceTopics(ctx, datasetID, specs, false)
	if err != nil {
		return res, fmt.Errorf("store generated topics: %w", err)
	}
	res.Topics, err = s.st.Topics(ctx, datasetID)
	report(progress, int64(d.k), int64(d.k), fmt.Sprintf("%d topics", d.k))
	return res, err
}

// treeSpecs puts the leaves under their parents (a flat list without).
func treeSpecs(leaves, parents []store.TopicSpec, parentOf []int) []store.TopicSpec {
	if len(parents) == 0 {
		return leaves
	}
	out := append([]store.TopicSpec(nil), parents...)
	for l, p := range parentOf {
		out[p].Subtopics = append(out[p].Subtopics, leaves[l])
	}
	return out
}

// groupCounts are the document frequencies of terms in a set of documents.
type groupCounts struct {
	size float64
	df   map[int32]float64
	docs []int
}

// termLabels names the leaves and parents of a discovery from their
// distinctive terms (c-TF-IDF style: frequent in the group, rare outside
// it), written the way users write them. Keywords are drawn in turn from
// the topic as a whole and from each phrasing (fine cluster) inside it, so
// that every way users ask about the topic has words that match.
func termLabels(f features, d discovery) (leaves, parents []store.TopicSpec) {
	sp := f.sparse
	total := map[int32]float64{}
	for _, doc := range sp.docs {
		for _, ix := range doc.idx {
			total[ix]++
		}
	}
	count := func(assign []int, k int) []*groupCounts {
		out := make([]*groupCounts, k)
		for c := range out {
			out[c] = &groupCounts{df: map[int32]float64{}}
		}
		for i, c := range assign {
			if c < 0 {
				continue
			}
			g := out[c]
			g.size++
			g.docs = append(g.docs, i)
			for _, ix := range sp.docs[i].idx {
				g.df[ix]++
			}
		}
		return out
	}
	n := float64(len(sp.docs))
	// ranked lists the terms of part by how much more often they occur
	// there than outside the group whole (part is whole or inside it).
	ranked := func(part, whole *groupCounts) []int32 {
		type scored struct {
			ix    int32
			score float64
		}
		var list []scored
		for ix, v := range part.df {
			w := f.surface[ix]
			if d.dropped[ix] || !hasLetter(w) || stopwords[w] {
				continue
			}
			pc := v / math.Max(1, part.size)
			po := (total[ix] - whole.df[ix]) / math.Max(1, n-whole.size)
			if pc < 0.03 {
				continue
			}
			list = append(list, scored{ix, pc * math.Log((pc+1e-3)/(po+1e-3))})
		}
		sort.Slice(list, func(a, b int) bool {
			if list[a].score != list[b].score {
				return list[a].score > list[b].score
			}
			return list[a].ix < list[b].ix
		})
		out := make([]int32, len(list))
		for i, x := range list {
			out[i] = x.ix
		}
		return out
	}
	taken := map[string]bool{}
	label := func(g *groupCounts, lists [][]int32, what string) store.TopicSpec {
		var kw []string
		used := map[string]bool{}
		for round := 0; len(kw) < 10; round++ {
			added := false
			for _, l := range lists {
				if round < len(l) && len(kw) < 10 {
					added = true
					if w := f.surface[l[round]]; !used[w] {
						used[w] = true
						kw = append(kw, w)
					}
				}
			}
			if !added {
				break
			}
		}
		name := uniqueName(nameFrom(sp, f.surface, g, lists[0], taken), taken)
		desc := "Prompts about " + joinWords(kw, 4) + " (" + what + " named offline from its most distinctive words)."
		if len(kw) == 0 {
			desc = "Prompts with no distinctive words."
		}
		return store.TopicSpec{Name: name, Description: desc, Keywords: kw}
	}
	var parentCounts []*groupCounts
	if d.parents > 0 {
		pa := make([]int, len(d.assign))
		for i, l := range d.assign {
			pa[i] = d.parent[l]
		}
		parentCounts = count(pa, d.parents)
		// Parents first: their broad names take the single words.
		for _, g := range parentCounts {
			parents = append(parents, label(g, [][]int32{ranked(g, g)}, "an area"))
		}
	}
	leafCounts := count(d.assign, d.k)
	var fineCounts []*groupCounts
	if d.fineAssign != nil {
		fa := make([]int, len(d.fineAssign))
		for i, fc := range d.fineAssign {
			fa[i] = fc
			if d.fineGroup[fc] != d.assign[i] {
				fa[i] = -1 // moved to another leaf by the refinement
			}
		}
		fineCounts = count(fa, len(d.fineGroup))
	}
	for c, g := range leafCounts {
		lists := [][]int32{ranked(g, g)}
		var subs []int
		for fc, l := range d.fineGroup {
			if l == c && fineCounts[fc].size > 0 {
				subs = append(subs, fc)
			}
		}
		sort.Slice(subs, func(a, b int) bool {
			if fineCounts[subs[a]].size != fineCounts[subs[b]].size {
				return fineCounts[subs[a]].size > fineCounts[subs[b]].size
			}
			return subs[a] < subs[b]
		})
		if len(subs) > 1 {
			for _, fc := range subs {
				lists = append(lists, ranked(fineCounts[fc], g))
			}
		}
		leaves = append(leaves, label(g, lists, "a topic"))
	}
	return leaves, parents
}

// nameFrom picks a topic's name: its most distinctive word that most
// members share, plus a second one only where the two go together (most
// members using the second also use the first), so that a name never glues
// two unrelated senses; a second word is also sought when the first alone
// is taken.
func nameFrom(sp *sparseSpace, surface []string, g *groupCounts, ranked []int32, taken map[string]bool) string {
	var cands []int32
	for _, ix := range ranked {
		w := surface[ix]
		if !isNumberLike(w) && !labelFiller[w] && len(cands) < 8 {
			cands = append(cands, ix)
		}
	}
	if len(cands) == 0 {
		return ""
	}
	first := cands[0]
	has := func(i int, ix int32) bool {
		d := sp.docs[i]
		k := sort.Search(len(d.idx), func(j int) bool { return d.idx[j] >= ix })
		return k < len(d.idx) && d.idx[k] == ix
	}
	var pairs []string
	for _, ix := range cands[1:] {
		both, with := 0.0, 0.0
		for _, i := range g.docs {
			if has(i, ix) {
				with++
				if has(i, first) {
					both++
				}
			}
		}
		if with >= 0.15*g.size && both >= 0.5*with && surface[ix] != surface[first] {
			pairs = append(pairs, Slug(surface[first]+"_"+surface[ix]))
		}
	}
	one := Slug(surface[first])
	share := g.df[first] / math.Max(1, g.size)
	// A word most members use may stand alone; otherwise a pair says more.
	if share >= 0.5 && !taken[one] {
		return one
	}
	for _, p := range pairs {
		if !taken[p] {
			return p
		}
	}
	return one
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

// nameWithModel asks the generation model to name each group (leaves,
// then parents) from its most central members. When no generation model is
// configured it returns a warning and the caller keeps the term labels.
func nameWithModel(ctx context.Context, ai AI, texts []string, members [][]int, terms []store.TopicSpec, progress Progress) ([]store.TopicSpec, string, error) {
	type naming struct {
		Label       string   `json:"label"`
		Description string   `json:"description"`
		Keywords    []string `json:"keywords"`
	}
	k := len(members)
	out := make([]naming, k)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for c := 0; c < k; c++ {
		g.Go(func() error {
			var b strings.Builder
			b.WriteString("Prompts closest to the centre of the cluster:\n")
			for j, i := range members[c] {
				fmt.Fprintf(&b, "%d. %s\n", j+1, clip(texts[i], 400))
			}
			fmt.Fprintf(&b, "Distinctive words: %s\n", strings.Join(terms[c].Keywords, ", "))
			if err := ai.JSON(gctx, namingSystem, b.String(), "topic_name", namingSchema, &out[c]); err != nil {
				return fmt.Errorf("name topic %d of %d: %w", c+1, k, err)
			}
			report(progress, int64(c+1), int64(k), "naming topics")
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
	specs := make([]store.TopicSpec, k)
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

// centralOf returns, per group (assign: group of each document, -1 none),
// the documents most similar to the group's centroid, near-duplicates
// skipped.
func centralOf(sp space, assign []int, k int) [][]int {
	cents := make([][]float32, k)
	for c := range cents {
		cents[c] = make([]float32, sp.dim())
	}
	for i, c := range assign {
		if c >= 0 {
			sp.addTo(i, cents[c])
		}
	}
	for _, c := range cents {
		normalize(c)
	}
	type cand struct {
		i int
		s float32
	}
	best := make([][]cand, k)
	for i, c := range assign {
		if c < 0 {
			continue
		}
		s := sp.dot(i, cents[c])
		b := best[c]
		if len(b) == centralMembers*3 && s <= b[len(b)-1].s {
			continue
		}
		b = append(b, cand{i, s})
		sort.Slice(b, func(x, y int) bool { return b[x].s > b[y].s || (b[x].s == b[y].s && b[x].i < b[y].i) })
		if len(b) > centralMembers*3 {
			b = b[:centralMembers*3]
		}
		best[c] = b
	}
	out := make([][]int, k)
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

// parentCentral is centralOf for the parents of a discovery (none without).
func parentCentral(d discovery) [][]int {
	if d.parents == 0 {
		return nil
	}
	pa := make([]int, len(d.assign))
	for i, l := range d.assign {
		pa[i] = d.parent[l]
	}
	return centralOf(d.space, pa, d.parents)
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
