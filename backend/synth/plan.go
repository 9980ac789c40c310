package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"tracetune/backend/coverage"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/tokens"
)

// Row is one topic of a generation plan.
type Row struct {
	TopicID       int64    `json:"topic_id"` // 0: records without a topic
	Topic         string   `json:"topic"`
	Count         int      `json:"count"`     // records to make
	Real          int      `json:"real"`      // valid records of the topic now that are not generated
	Generated     int      `json:"generated"` // valid generated records of the topic now
	PercentBefore float64  `json:"percent_before"`
	PercentAfter  float64  `json:"percent_after"` // once every record made is accepted
	Target        float64  `json:"target"`
	Strategies    []string `json:"strategies"` // the strategies its requests use
}

// Preview is what a generation would make and spend, before anything is
// spent.
type Preview struct {
	Entry                string   `json:"entry"` // gaps, records, topic, regenerate
	Rows                 []Row    `json:"rows"`
	Total                int      `json:"total"` // records to make
	BalanceBefore        float64  `json:"balance_before"`
	BalanceAfter         float64  `json:"balance_after"`
	RatingBefore         string   `json:"rating_before"`
	RatingAfter          string   `json:"rating_after"`
	SyntheticShareBefore float64  `json:"synthetic_share_before"` // percent of valid records, pending candidates counted as accepted
	SyntheticShareAfter  float64  `json:"synthetic_share_after"`
	MaxShare             float64  `json:"max_share"`
	Capped               bool     `json:"capped"` // the cap cut the plan
	Provider             string   `json:"provider"`
	Model                string   `json:"model"`
	Requests             int      `json:"requests"` // generation calls
	PromptTokens         int64    `json:"prompt_tokens"`
	CompletionTokens     int64    `json:"completion_tokens"`
	Cost                 *float64 `json:"cost"` // USD; null when the model has no price
	Notes                []string `json:"notes"`
}

// messageOverhead is the chat format's framing per message, and
// replyPriming the tokens every reply is primed with (OpenAI's counting).
const (
	messageOverhead = 4
	replyPriming    = 3
	perPromptJSON   = 3 // quotes, comma and escapes around each prompt in the answer
	answerJSON      = 6 // {"prompts":[ ]}
)

// poolLimit bounds the real records of a topic read as sources and seeds.
const poolLimit = 2000

// planner holds what planning and running read of a dataset.
type planner struct {
	st       *store.Store
	ds       record.Dataset
	o        Options
	leaves   []record.Topic
	byID     map[int64]record.Topic
	byName   map[string]record.Topic
	cov      coverage.Report
	counts   store.TopicCounts
	genTotal int
	genBy    map[int64]int
	pending  int
	pools    map[int64][]record.Record // real valid records per topic, id order
	rows     []Row
	want     map[int64]int // records to make per topic (gaps and topic entries)
	notes    []string
	capped   bool
	reqs     []request
	regen    []store.Candidate // regenerate: the rejected candidates replaced
}

func newPlanner(ctx context.Context, st *store.Store, datasetID int64, o Options) (*planner, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	ds, err := st.Dataset(ctx, datasetID)
	if err != nil {
		return nil, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	p := &planner{st: st, ds: ds, o: o, byID: map[int64]record.Topic{}, byName: map[string]record.Topic{},
		pools: map[int64][]record.Record{}, want: map[int64]int{}}
	ts, err := st.Topics(ctx, datasetID)
	if err != nil {
		return nil, fmt.Errorf("topics of dataset %d: %w", datasetID, err)
	}
	p.leaves = record.Leaves(ts)
	for _, t := range p.leaves {
		p.byID[t.ID], p.byName[t.Name] = t, t
	}
	if p.cov, err = coverage.Compute(ctx, st, datasetID); err != nil {
		return nil, err
	}
	if p.counts, err = st.CountTopics(ctx, datasetID); err != nil {
		return nil, err
	}
	if p.genTotal, p.genBy, err = st.GeneratedCounts(ctx, datasetID); err != nil {
		return nil, err
	}
	cc, err := st.CandidateCounts(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	p.pending = cc[store.CandidatePending]
	if err := p.plan(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// pool returns a topic's real valid records (cached).
func (p *planner) pool(ctx context.Context, topicID int64) ([]record.Record, error) {
	if rs, ok := p.pools[topicID]; ok {
		return rs, nil
	}
	no := false
	var out []record.Record
	after := int64(0)
	for len(out) < poolLimit {
		page, err := p.st.Records(ctx, store.RecordFilter{DatasetID: p.ds.ID, Code: "valid", TopicID: topicID, Generated: &no, AfterID: after, Limit: min(1000, poolLimit-len(out))})
		if err != nil {
			return nil, fmt.Errorf("records of topic %d: %w", topicID, err)
		}
		out = append(out, page...)
		if len(page) == 0 || len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	p.pools[topicID] = out
	return out, nil
}

// plan decides how many records each topic gets and the first round of
// requests.
func (p *planner) plan(ctx context.Context) error {
	switch p.o.Entry() {
	case "gaps":
		for id, x := range p.fillGaps() {
			p.want[id] = x
		}
		if len(p.want) == 0 {
			p.notes = append(p.notes, "no topic is under-served: nothing to fill")
		}
	case "topic":
		t, ok := p.byName[p.o.Topic]
		if !ok {
			return fmt.Errorf("topic %q is not a leaf topic of dataset %s: %w", p.o.Topic, p.ds.Name, ErrInvalid)
		}
		p.want[t.ID] = p.o.Count
	}
	if len(p.want) > 0 {
		p.applyCap()
		for _, t := range p.leaves {
			if p.want[t.ID] > 0 {
				rq, err := p.topicRequests(ctx, t, p.want[t.ID], 0, nil)
				if err != nil {
					return err
				}
				p.reqs = append(p.reqs, rq...)
			}
		}
	}
	switch p.o.Entry() {
	case "records":
		if err := p.recordRequests(ctx); err != nil {
			return err
		}
	case "regenerate":
		if err := p.regenRequests(ctx); err != nil {
			return err
		}
	}
	p.makeRows()
	return nil
}

// fillGaps returns the records each under-served topic needs for every one
// of them to reach its target share together: adding to several topics
// grows the total, so each needs more than it would alone. With one
// under-served topic this is Coverage's ToTarget.
func (p *planner) fillGaps() map[int64]int {
	sumT := 0.0
	for _, s := range p.cov.Topics {
		sumT += s.Target
	}
	out := map[int64]int{}
	if sumT <= 0 {
		return out
	}
	under := map[int64]coverage.Stat{}
	for _, s := range p.cov.Topics {
		if s.Status == coverage.Under {
			under[s.TopicID] = s
		}
	}
	total := float64(p.cov.Categorized)
	for len(under) > 0 {
		st, sn := 0.0, 0.0
		for _, s := range under {
			st += s.Target / sumT
			sn += float64(s.Count)
		}
		if st >= 1 {
			return out
		}
		added := (st*total - sn) / (1 - st)
		dropped := false
		for id, s := range under {
			if s.Target/sumT*(total+added)-float64(s.Count) <= 0 {
				delete(under, id)
				dropped = true
			}
		}
		if dropped {
			continue
		}
		for id, s := range under {
			out[id] = int(math.Ceil(s.Target/sumT*(total+added) - float64(s.Count) - 1e-9))
		}
		return out
	}
	return out
}

// allowed is how many more generated records the cap lets in, counting
// pending candidates as if accepted.
func allowed(valid, generated, pending int, maxShare float64) int {
	s := maxShare / 100
	a := (s*float64(valid+pending) - float64(generated+pending)) / (1 - s)
	if a < 0 {
		return 0
	}
	return int(math.Floor(a + 1e-9))
}

// applyCap scales the plan down to the synthetic-share cap, keeping the
// topics' proportions (largest remainders first).
func (p *planner) applyCap() {
	total := 0
	for _, x := range p.want {
		total += x
	}
	a := allowed(p.counts.Valid, p.genTotal, p.pending, p.o.MaxShare)
	if total <= a {
		return
	}
	p.capped = true
	p.notes = append(p.notes, fmt.Sprintf("the %.0f %% synthetic cap allows %d more generated records (%d asked): each topic gets its share of them",
		p.o.MaxShare, a, total))
	type rem struct {
		id   int64
		frac float64
	}
	var rs []rem
	got := 0
	for id, x := range p.want {
		f := float64(x) * float64(a) / float64(total)
		p.want[id] = int(math.Floor(f))
		got += p.want[id]
		rs = append(rs, rem{id, f - math.Floor(f)})
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].frac != rs[j].frac {
			return rs[i].frac > rs[j].frac
		}
		return rs[i].id < rs[j].id
	})
	for i := 0; got < a && i < len(rs); i++ {
		p.want[rs[i].id]++
		got++
	}
	for id, x := range p.want {
		if x == 0 {
			delete(p.want, id)
		}
	}
}

// topicRequests makes the requests for k more records of a topic; round
// picks other sources for a retry.
func (p *planner) topicRequests(ctx context.Context, t record.Topic, k, round int, avoid []string) ([]request, error) {
	pool, err := p.pool(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	var out []request
	per := p.o.Variations
	for i := 0; k > 0; i++ {
		n := min(per, k)
		k -= n
		rq := request{topic: t, n: n, voice: i + round*3, angle: i/len(voices) + i*3 + round, avoid: avoid}
		if len(pool) > 0 {
			// Sources spread over the pool, and move on each round.
			j := (i*7919 + round*104729) % len(pool)
			rq.source = pool[j]
			for e := 0; e < maxExamples && e < len(pool); e++ {
				rq.examples = append(rq.examples, lastUserText(pool[(j+e*31)%len(pool)].Messages))
			}
		}
		rq.strategy = strategyFor(p.o.Strategy, p.o.Entry(), rq.source, len(rq.examples))
		if rq.strategy != FewShot {
			rq.examples = nil
		}
		out = append(out, rq)
	}
	if p.o.Strategy == ToolChain && len(pool) > 0 && !hasTools(pool[0].Tools) {
		p.note(fmt.Sprintf("topic %s offers no tools: few-shot is used instead of tool chain", t.Name))
	}
	return out, nil
}

func (p *planner) note(s string) {
	for _, n := range p.notes {
		if n == s {
			return
		}
	}
	p.notes = append(p.notes, s)
}

// recordRequests makes Variations prompts from each chosen record, within
// the cap.
func (p *planner) recordRequests(ctx context.Context) error {
	a := allowed(p.counts.Valid, p.genTotal, p.pending, p.o.MaxShare)
	left := a
	for _, id := range p.o.RecordIDs {
		r, err := p.st.Record(ctx, id)
		if err != nil || r.DatasetID != p.ds.ID {
			return fmt.Errorf("record %d is not in dataset %s: %w", id, p.ds.Name, ErrInvalid)
		}
		if r.Code != record.Valid {
			return fmt.Errorf("record %d is invalid (%s): only valid records are varied: %w", id, r.Code, ErrInvalid)
		}
		n := min(p.o.Variations, left)
		if n <= 0 {
			p.capped = true
			break
		}
		left -= n
		t := p.byID[r.TopicID]
		i := len(p.reqs)
		p.reqs = append(p.reqs, request{topic: t, source: r, n: n, voice: i, angle: i/len(voices) + i*3, strategy: strategyFor(p.o.Strategy, "records", r, 0)})
	}
	if p.capped {
		p.notes = append(p.notes, fmt.Sprintf("the %.0f %% synthetic cap allows %d more generated records: the plan was cut to them", p.o.MaxShare, a))
	}
	return nil
}

// regenRequests makes one prompt again for each rejected candidate, from
// its topic, source and strategy.
func (p *planner) regenRequests(ctx context.Context) error {
	f := store.CandidateFilter{DatasetID: p.ds.ID, Statuses: []string{store.CandidateRejected}}
	if !p.o.RegenerateAll {
		f.IDs = p.o.Regenerate
	}
	cs, err := p.st.Candidates(ctx, f)
	if err != nil {
		return err
	}
	if !p.o.RegenerateAll && len(cs) != len(p.o.Regenerate) {
		return fmt.Errorf("only rejected candidates of dataset %s can be regenerated (%d of %d are): %w", p.ds.Name, len(cs), len(p.o.Regenerate), ErrInvalid)
	}
	a := allowed(p.counts.Valid, p.genTotal, p.pending, p.o.MaxShare)
	if len(cs) > a {
		p.capped = true
		p.notes = append(p.notes, fmt.Sprintf("the %.0f %% synthetic cap allows %d more generated records: %d of %d are made again", p.o.MaxShare, a, a, len(cs)))
		cs = cs[:a]
	}
	for _, c := range cs {
		rq := request{topic: p.byID[c.TopicID], n: 1, voice: int(c.ID), angle: int(c.ID / 3), strategy: Strategy(c.Strategy)}
		if c.SourceRecordID > 0 {
			if r, err := p.st.Record(ctx, c.SourceRecordID); err == nil && r.DatasetID == p.ds.ID {
				rq.source = r
			}
		}
		if rq.strategy == FewShot && rq.topic.ID != 0 {
			pool, err := p.pool(ctx, rq.topic.ID)
			if err != nil {
				return err
			}
			for e := 0; e < maxExamples && e < len(pool); e++ {
				rq.examples = append(rq.examples, lastUserText(pool[(int(c.ID)+e*31)%len(pool)].Messages))
			}
		}
		rq.strategy = strategyFor(rq.strategy, "regenerate", rq.source, len(rq.examples))
		p.reqs = append(p.reqs, rq)
		p.regen = append(p.regen, c)
	}
	return nil
}

// makeRows sums the requests per topic with the topic's figures before and
// after.
func (p *planner) makeRows() {
	by := map[int64]*Row{}
	var order []int64
	for _, rq := range p.reqs {
		r, ok := by[rq.topic.ID]
		if !ok {
			r = &Row{TopicID: rq.topic.ID, Topic: rq.topic.Name, Strategies: []string{}}
			by[rq.topic.ID] = r
			order = append(order, rq.topic.ID)
		}
		r.Count += rq.n
		if !contains(r.Strategies, string(rq.strategy)) {
			r.Strategies = append(r.Strategies, string(rq.strategy))
		}
	}
	sort.Slice(order, func(i, j int) bool { return p.position(order[i]) < p.position(order[j]) })
	after := p.afterCounts()
	cat := 0
	for _, n := range after.ByTopic {
		cat += n
	}
	for _, id := range order {
		r := by[id]
		if id != 0 {
			s := p.cov.Distribution[r.Topic]
			r.Real, r.Generated = s.Count-p.genBy[id], p.genBy[id]
			r.PercentBefore, r.Target = s.Percent, s.Target
			if cat > 0 {
				r.PercentAfter = math.Round(10000*float64(after.ByTopic[id])/float64(cat)) / 100
			}
		} else {
			r.Topic = "(no topic)"
		}
		p.rows = append(p.rows, *r)
	}
}

func (p *planner) position(id int64) int {
	for i, t := range p.leaves {
		if t.ID == id {
			return i
		}
	}
	return len(p.leaves)
}

// afterCounts are the topic counts once every planned record is accepted.
func (p *planner) afterCounts() store.TopicCounts {
	c := store.TopicCounts{Valid: p.counts.Valid, ByTopic: map[int64]int{}}
	for id, n := range p.counts.ByTopic {
		c.ByTopic[id] = n
	}
	for _, rq := range p.reqs {
		c.Valid += rq.n
		if rq.topic.ID != 0 {
			c.ByTopic[rq.topic.ID] += rq.n
		}
	}
	return c
}

func (p *planner) total() int {
	n := 0
	for _, rq := range p.reqs {
		n += rq.n
	}
	return n
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// MakePreview says what a generation with o would make and spend: records
// per topic, balance before → after, the synthetic share against its cap,
// the model, and the tokens and cost estimated offline (o200k_base) from
// the very requests the run would send.
func MakePreview(ctx context.Context, st *store.Store, datasetID int64, o Options) (Preview, error) {
	p, err := newPlanner(ctx, st, datasetID, o)
	if err != nil {
		return Preview{}, err
	}
	return p.preview(ctx)
}

// preview is MakePreview of a plan made.
func (p *planner) preview(ctx context.Context) (Preview, error) {
	st, o := p.st, p.o
	pv := Preview{Entry: o.Entry(), Rows: p.rows, Total: p.total(), MaxShare: o.MaxShare, Capped: p.capped, Notes: append([]string{}, p.notes...),
		BalanceBefore: p.cov.Balance, RatingBefore: p.cov.Rating}
	if pv.Rows == nil {
		pv.Rows = []Row{}
	}
	after := coverage.FromCounts(p.leaves, p.afterCounts())
	pv.BalanceAfter, pv.RatingAfter = after.Balance, after.Rating
	if len(p.leaves) == 1 {
		pv.BalanceAfter, pv.RatingAfter = 1, coverage.Single
	}
	pv.SyntheticShareBefore = share(p.genTotal+p.pending, p.counts.Valid+p.pending)
	pv.SyntheticShareAfter = share(p.genTotal+p.pending+pv.Total, p.counts.Valid+p.pending+pv.Total)
	cli, model, err := llm.ForRole(ctx, st, llm.RoleGeneration)
	switch {
	case errors.Is(err, llm.ErrNoProvider):
		pv.Notes = append(pv.Notes, "no generation model is assigned: assign one in Settings (Providers) before generating")
	case err != nil:
		return pv, err
	default:
		pv.Provider, pv.Model = cli.Name(), model
	}
	pv.Requests = len(p.reqs)
	for _, rq := range p.reqs {
		pt, ct := estimate(p.ds.Objective, o, rq)
		pv.PromptTokens += pt
		pv.CompletionTokens += ct
	}
	if pv.Requests == 0 {
		zero := 0.0
		pv.Cost = &zero
	} else if pv.Model != "" {
		if prices, err := st.Prices(ctx); err == nil {
			if c, ok := llm.Cost(prices, pv.Model, pv.PromptTokens, pv.CompletionTokens); ok {
				pv.Cost = &c
			} else {
				pv.Notes = append(pv.Notes, fmt.Sprintf("no price for %s in the price table: cost unknown (add one in Settings)", pv.Model))
			}
		}
	}
	if pv.Total > 0 {
		pv.Notes = append(pv.Notes, "the estimate assumes every candidate passes its checks; rejected ones are asked again (up to twice) at extra cost")
	}
	return pv, nil
}

func share(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return math.Round(10000*float64(part)/float64(whole)) / 100
}

// estimate counts a request's prompt tokens exactly as sent (messages with
// their framing, and the answer schema) and its completion from the
// length of the prompts it imitates.
func estimate(objective string, o Options, rq request) (prompt, completion int64) {
	sys, user := messagesFor(objective, o, rq)
	for _, t := range []string{sys, user, string(answerSchema)} {
		n, _ := tokens.Count(t)
		prompt += int64(n)
	}
	prompt += 2*messageOverhead + replyPriming
	like := []string{lastUserText(rq.source.Messages)}
	if len(rq.examples) > 0 {
		like = rq.examples
	}
	sum, k := 0, 0
	for _, s := range like {
		if strings.TrimSpace(s) == "" {
			continue
		}
		n, _ := tokens.Count(s)
		sum += n
		k++
	}
	per := 40 // a typical user message, when there is nothing to measure
	if k > 0 {
		per = sum / k
	}
	completion = int64(rq.n*(per+perPromptJSON) + answerJSON)
	return prompt, completion
}

// optionsJSON is how a run's options are kept with its candidates.
func optionsJSON(o Options) string {
	b, _ := json.Marshal(o)
	return string(b)
}
