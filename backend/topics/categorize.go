package topics

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"tracetune/backend/llm"
	"unicode"

	"golang.org/x/sync/errgroup"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Mode says which records Categorize touches.
type Mode string

const (
	ModeUnlabeled Mode = "unlabeled" // only records without a topic (after new records arrive)
	ModeAll       Mode = "all"       // every valid record except those a person assigned (method manual)
)

// CategorizeOptions steer categorization.
type CategorizeOptions struct {
	Mode    Mode `json:"mode"`
	Offline bool `json:"offline"` // TF-IDF similarity and no LLM even if a provider exists
	// afterID limits unlabeled mode to records after it (CategorizeNew).
	afterID int64
}

// Validate checks the mode; empty means unlabeled.
func (o CategorizeOptions) Validate() error {
	if o.Mode != "" && o.Mode != ModeUnlabeled && o.Mode != ModeAll {
		return fmt.Errorf("categorize mode %q: use %q or %q", o.Mode, ModeUnlabeled, ModeAll)
	}
	return nil
}

// CategorizeResult says what Categorize did.
type CategorizeResult struct {
	Mode          Mode           `json:"mode"`
	Processed     int            `json:"processed"`
	ByMethod      map[string]int `json:"by_method"`      // keyword, embedding, llm
	LowConfidence int            `json:"low_confidence"` // processed records left under 0.7
	Vectors       string         `json:"vectors"`        // "tfidf" or "embedding"
	Warnings      []string       `json:"warnings,omitempty"`
}

// Tuning of the decision. softTemp turns cosine similarities into a
// confidence (a softmax over topics); simFloor is the similarity under which
// a match is too weak to trust whatever the margin.
const (
	softTemp   = 0.05
	simFloor   = 0.1
	writeBatch = 2000
	llmBatch   = 20
)

// Categorize assigns valid records to leaf topics: keyword match first, then
// similarity to each topic's description and keywords (embeddings, or
// TF-IDF offline), sharpened by the records already on each topic, then the
// generation model for what stays under 0.7. Work is stored in batches, so
// a cancel keeps what was written.
func (s *Service) Categorize(ctx context.Context, datasetID int64, opt CategorizeOptions, progress Progress) (CategorizeResult, error) {
	if opt.Mode == "" {
		opt.Mode = ModeUnlabeled
	}
	if err := opt.Validate(); err != nil {
		return CategorizeResult{}, err
	}
	if llm.MeterFrom(ctx) == nil { // tokens and cost are shown next to the action
		ctx = llm.WithAction(ctx, datasetID, "categorize")
	}
	res := CategorizeResult{Mode: opt.Mode, ByMethod: map[string]int{}, Vectors: VectorsTFIDF}
	ts, err := s.st.Topics(ctx, datasetID)
	if err != nil {
		return res, fmt.Errorf("topics of dataset %d: %w", datasetID, err)
	}
	leaves := record.Leaves(ts)
	if len(leaves) == 0 {
		return res, fmt.Errorf("dataset %d has no topics: generate topics, apply a template or add topics first", datasetID)
	}
	ai, err := s.ai(ctx, opt.Offline)
	if err != nil {
		return res, fmt.Errorf("model provider: %w", err)
	}
	// Unlabeled mode reads only the records without a topic (the offline
	// path may read the rest once, see catmodel.go); recategorizing all
	// reads every record.
	var tg *targets
	if opt.Mode == ModeAll {
		c, err := s.loadCorpus(ctx, datasetID, progress)
		if err != nil {
			return res, err
		}
		all := targetsOf(c, opt)
		tg = &all
	} else if tg, err = s.uncategorized(ctx, datasetID, opt.afterID, progress); err != nil {
		return res, err
	}
	if len(tg.ids) == 0 {
		return res, nil
	}

	if len(leaves) == 1 {
		// One topic: there is nothing to decide, and nothing to review.
		as := make([]store.Assignment, len(tg.ids))
		for k, id := range tg.ids {
			as[k] = store.Assignment{RecordID: id, TopicID: leaves[0].ID, Confidence: 1, Method: record.MethodOnly}
		}
		res.Processed = len(as)
		res.ByMethod[record.MethodOnly] = len(as)
		return res, s.st.SetAssignments(ctx, datasetID, as)
	}
	sim, err := s.similarity(ctx, ai, datasetID, opt, tg, leaves, progress)
	if err != nil {
		return res, err
	}
	res.Vectors = sim.vectors
	res.Warnings = append(res.Warnings, sim.warnings...)
	if len(tg.ids) == 0 {
		return res, nil
	}
	res.Processed = len(tg.ids)
	texts := tg.texts
	kwTopic, kwConf := keywordMatch(texts, leaves)

	as := make([]store.Assignment, len(tg.ids))
	var low []int
	for k, id := range tg.ids {
		a := store.Assignment{RecordID: id}
		switch {
		case kwTopic[k] >= 0 && kwConf[k] >= record.LowConfidence:
			a.TopicID, a.Confidence, a.Method = leaves[kwTopic[k]].ID, kwConf[k], record.MethodKeyword
		case kwTopic[k] >= 0 && kwConf[k] > sim.conf[k]:
			a.TopicID, a.Confidence, a.Method = leaves[kwTopic[k]].ID, kwConf[k], record.MethodKeyword
		default:
			a.TopicID, a.Confidence, a.Method = leaves[sim.topic[k]].ID, sim.conf[k], record.MethodEmbedding
		}
		a.Confidence = math.Round(a.Confidence*1000) / 1000
		if a.Confidence < record.LowConfidence {
			low = append(low, k)
		}
		as[k] = a
	}
	if ai != nil && len(low) > 0 {
		warn, err := llmCategorize(ctx, ai, texts, low, leaves, as, progress)
		if err != nil {
			return res, err
		}
		if warn != "" {
			res.Warnings = append(res.Warnings, warn)
		}
	}
	for lo := 0; lo < len(as); lo += writeBatch {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		part := as[lo:min(len(as), lo+writeBatch)]
		if err := s.st.SetAssignments(ctx, datasetID, part); err != nil {
			return res, fmt.Errorf("store categories: %w", err)
		}
		report(progress, int64(lo+len(part)), int64(len(as)), "storing categories")
	}
	for _, a := range as {
		res.ByMethod[a.Method]++
		if a.Confidence < record.LowConfidence {
			res.LowConfidence++
		}
	}
	if sim.off != nil {
		if err := sim.off.save(ctx, s.st, datasetID, tg, as); err != nil {
			// The assignments stand; the next run rebuilds the sums.
			res.Warnings = append(res.Warnings, err.Error())
		}
	}
	return res, nil
}

// normText lower-cases text and turns everything but letters and digits
// into single spaces, padded so that " word " finds whole words.
func normText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(s) {
		if isWordRune(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// keywordMatch counts, per text, the distinct keywords of each topic that
// occur as whole words (a trailing plural "s" allowed). A clear winner gets
// a confidence that grows with its margin over the runner-up: 0.65 for one
// keyword alone (not enough on its own), 0.8 for two, up to 0.95.
func keywordMatch(texts []string, leaves []record.Topic) ([]int, []float64) {
	kws := make([][]string, len(leaves))
	for j, t := range leaves {
		for _, k := range t.Keywords {
			if n := strings.TrimSpace(normText(k)); n != "" {
				kws[j] = append(kws[j], n)
			}
		}
	}
	topic := make([]int, len(texts))
	conf := make([]float64, len(texts))
	for i, t := range texts {
		nt := normText(t)
		best, second, bj := 0, 0, -1
		for j, list := range kws {
			hits := 0
			for _, k := range list {
				if strings.Contains(nt, " "+k+" ") || strings.Contains(nt, " "+k+"s ") {
					hits++
				}
			}
			switch {
			case hits > best:
				second, best, bj = best, hits, j
			case hits > second:
				second = hits
			}
		}
		topic[i] = -1
		if best > 0 && best > second {
			topic[i] = bj
			conf[i] = math.Min(0.95, 0.5+0.15*float64(best-second))
		}
	}
	return topic, conf
}

// topicText is what a topic's similarity vector is built from.
func topicText(t record.Topic) string {
	return strings.ReplaceAll(t.Name, "_", " ") + ". " + t.Description + ". " + strings.Join(t.Keywords, ", ")
}

type simResult struct {
	topic    []int
	conf     []float64
	vectors  string
	warnings []string
	off      *offlineRun // the offline path's vectors, whose sums save stores
}

// similarity scores each target against each leaf. A topic's prototype
// starts as the vector of its name, description and keywords, plus (offline)
// the records already on it; two rounds then pull each prototype towards
// the records it wins, which keeps the topic's wording in charge while
// adapting to how users actually phrase it. Offline, tg may be re-read
// with the whole dataset (catmodel.go).
func (s *Service) similarity(ctx context.Context, ai AI, datasetID int64, opt CategorizeOptions, tg *targets, leaves []record.Topic, progress Progress) (simResult, error) {
	res := simResult{vectors: VectorsTFIDF}
	var docs space
	var topicVecs [][]float32
	if ai != nil {
		tt := make([]string, len(leaves))
		for j, t := range leaves {
			tt[j] = topicText(t)
		}
		tv, err := embedAll(ctx, ai, tt, nil, "topics")
		if err == nil {
			var dv [][]float32
			dv, err = embedAll(ctx, ai, tg.texts, progress, "prompts")
			docs, topicVecs = &denseSpace{docs: dv}, tv
		}
		switch {
		case err == nil:
			res.vectors = VectorsEmbedding
		case noProvider(err):
			res.warnings = append(res.warnings, "no embedding model is configured: used TF-IDF similarity")
			docs = nil
		default:
			return res, fmt.Errorf("embed for categorization: %w", err)
		}
	}
	seedSum := make([][]float32, len(leaves))
	seedN := make([]int, len(leaves))
	if docs == nil {
		// The vectors offline discovery clustered (neighbour-smoothed
		// against the fitted corpus the model keeps), so that categories
		// follow the topics as they were found.
		run, err := s.offlineVectors(ctx, datasetID, opt, tg, progress)
		if err != nil {
			return res, err
		}
		if len(tg.ids) == 0 {
			return res, nil
		}
		res.off, docs = run, run.docs
		topicVecs = make([][]float32, len(leaves))
		for j, t := range leaves {
			topicVecs[j] = run.model.topicVector(topicText(t))
			if sum := run.seeds[t.ID]; sum != nil && sum.N > 0 {
				seedSum[j] = make([]float32, len(sum.Vec))
				for x, v := range sum.Vec {
					seedSum[j][x] = float32(v)
				}
				seedN[j] = int(sum.N)
			}
		}
	}
	n, dim := docs.len(), docs.dim()
	protos := make([][]float32, len(leaves))
	for j := range protos {
		protos[j] = append([]float32(nil), topicVecs[j]...)
	}
	for j := range seedSum {
		if seedSum[j] == nil {
			seedSum[j] = make([]float32, dim)
		}
	}
	blend := func(members [][]float32, count []int) {
		for j := range protos {
			m := append([]float32(nil), seedSum[j]...)
			for x := range m {
				m[x] += members[j][x]
			}
			normalize(m)
			p := append([]float32(nil), topicVecs[j]...)
			if count[j]+seedN[j] > 0 {
				for x := range p {
					p[x] = 0.5*p[x] + m[x]
				}
			}
			normalize(p)
			protos[j] = p
		}
	}
	zero := make([][]float32, len(leaves))
	for j := range zero {
		zero[j] = make([]float32, dim)
	}
	blend(zero, make([]int, len(leaves)))
	assign := make([]int, n)
	sims := make([]float32, n)
	for round := 0; round < 3; round++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		assignAll(docs, protos, assign, sims)
		if round == 2 {
			break
		}
		members := make([][]float32, len(leaves))
		count := make([]int, len(leaves))
		for j := range members {
			members[j] = make([]float32, dim)
		}
		for i, j := range assign {
			// A record sharing nothing with any topic would otherwise
			// drag the first topic towards itself.
			if sims[i] < simFloor {
				continue
			}
			docs.addTo(i, members[j])
			count[j]++
		}
		blend(members, count)
	}
	res.topic, res.conf = assign, make([]float64, n)
	all := make([]float32, len(leaves))
	for i := 0; i < n; i++ {
		for j, p := range protos {
			all[j] = docs.dot(i, p)
		}
		res.conf[i] = softConfidence(all, assign[i])
	}
	return res, nil
}

// softConfidence is the softmax weight of the winner, damped when even the
// winner's similarity is weak.
func softConfidence(sims []float32, win int) float64 {
	s1 := float64(sims[win])
	if s1 <= 0 {
		return 0
	}
	var z float64
	for _, s := range sims {
		z += math.Exp((float64(s) - s1) / softTemp)
	}
	conf := 1 / z
	if s1 < simFloor {
		conf *= s1 / simFloor
	}
	return conf
}

const categorizeSystem = `You sort user prompts sent to an AI assistant into topics. For each numbered prompt, pick the one topic that fits best from the list and say how confident you are (0 to 1). Reply with JSON only.`

// llmCategorize asks the generation model about the low-confidence records
// (indices into texts and as), in batches, and updates as in place when
// the model names a valid topic.
func llmCategorize(ctx context.Context, ai AI, texts []string, low []int, leaves []record.Topic, as []store.Assignment, progress Progress) (string, error) {
	names := make([]string, len(leaves))
	byName := map[string]int64{}
	var topics strings.Builder
	for j, t := range leaves {
		names[j] = t.Name
		byName[t.Name] = t.ID
		fmt.Fprintf(&topics, "- %s: %s (keywords: %s)\n", t.Name, t.Description, strings.Join(t.Keywords, ", "))
	}
	enum, _ := json.Marshal(names)
	schema := json.RawMessage(`{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{
"index":{"type":"integer","minimum":1},"topic":{"type":"string","enum":` + string(enum) + `},
"confidence":{"type":"number","minimum":0,"maximum":1}},"required":["index","topic","confidence"],"additionalProperties":false}}},
"required":["items"],"additionalProperties":false}`)
	type answer struct {
		Items []struct {
			Index      int     `json:"index"`
			Topic      string  `json:"topic"`
			Confidence float64 `json:"confidence"`
		} `json:"items"`
	}
	nb := (len(low) + llmBatch - 1) / llmBatch
	answers := make([]answer, nb)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for b := 0; b < nb; b++ {
		batch := low[b*llmBatch : min(len(low), (b+1)*llmBatch)]
		g.Go(func() error {
			var u strings.Builder
			u.WriteString("Topics:\n")
			u.WriteString(topics.String())
			u.WriteString("\nPrompts:\n")
			for n, k := range batch {
				fmt.Fprintf(&u, "%d. %s\n", n+1, clip(texts[k], 600))
			}
			if err := ai.JSON(gctx, categorizeSystem, u.String(), "topic_assignments", schema, &answers[b]); err != nil {
				return fmt.Errorf("categorize batch %d of %d with the model: %w", b+1, nb, err)
			}
			report(progress, int64(b+1), int64(nb), "asking the model about low-confidence records")
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if noProvider(err) {
			return "no generation model is configured: low-confidence records keep their similarity topic", nil
		}
		return "", err
	}
	for b, ans := range answers {
		batch := low[b*llmBatch : min(len(low), (b+1)*llmBatch)]
		for _, it := range ans.Items {
			id, ok := byName[it.Topic]
			if !ok || it.Index < 1 || it.Index > len(batch) {
				continue // an answer we cannot place keeps the similarity choice
			}
			k := batch[it.Index-1]
			as[k].TopicID, as[k].Method = id, record.MethodLLM
			as[k].Confidence = math.Round(math.Max(0, math.Min(1, it.Confidence))*1000) / 1000
		}
	}
	return "", nil
}
