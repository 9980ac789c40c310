package synth

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Progress reports how far a run is: passing candidates made of the
// records planned. A jobs.Reporter fits; may be nil.
type Progress = func(done, total int64, message string)

// Result is what a generation run made.
type Result struct {
	BatchID    int64             `json:"batch_id"`
	Preview    Preview           `json:"preview"`
	Candidates []store.Candidate `json:"candidates"` // this run's, in the order they were made
	Passing    int               `json:"passing"`    // candidates that passed every check
	Rejected   int               `json:"rejected"`   // candidates a check rejected
	Accepted   int               `json:"accepted"`   // with AcceptPassing: records added
	Usage      llm.Totals        `json:"usage"`      // the generation model's calls
	// EmbeddingUsage is the embedding model's, for the near-duplicate
	// check (cached: texts seen before cost nothing).
	EmbeddingUsage llm.Totals `json:"embedding_usage"`
	Stopped        bool       `json:"stopped"` // Stop ended the run; what was made is kept
	Notes          []string   `json:"notes"`
}

// maxAvoid is how many prompts already made a retry request lists for the
// model to steer away from.
const maxAvoid = 12

// maxRounds bounds how often a topic's shortfall (candidates rejected by a
// check) is asked again.
const maxRounds = 3

// Action is the usage accounting key of generation.
const Action = "generate"

// Run generates candidates for o: every request to the generation model
// (within the provider's concurrency and rate limits) gives prompts that
// are checked and stored at once, so Stop keeps what was made. With
// AcceptPassing the passing candidates then become records.
func Run(ctx context.Context, st *store.Store, datasetID int64, o Options, progress Progress) (res Result, err error) {
	res = Result{Candidates: []store.Candidate{}, Notes: []string{}}
	p, err := newPlanner(ctx, st, datasetID, o)
	if err != nil {
		return res, err
	}
	if res.Preview, err = p.preview(ctx); err != nil {
		return res, err
	}
	res.Notes = append(res.Notes, p.notes...)
	if len(p.reqs) == 0 {
		return res, nil
	}
	cli, model, err := llm.ForRole(ctx, st, llm.RoleGeneration)
	if err != nil {
		return res, fmt.Errorf("generation model: %w", err)
	}
	gctx := llm.WithAction(ctx, datasetID, Action)
	ectx := llm.WithAction(ctx, datasetID, Action)
	defer func() { // on every return: the results are named
		res.Usage = llm.MeterFrom(gctx).Totals()
		res.EmbeddingUsage = llm.MeterFrom(ectx).Totals()
	}()
	chk, err := newRunChecker(ectx, st, p)
	if err != nil {
		return res, err
	}
	if res.BatchID, err = st.CreateSynthBatch(ctx, datasetID, optionsJSON(o)); err != nil {
		return res, err
	}
	if len(p.regen) > 0 {
		// the rejected candidates asked again give way to the new ones
		if err := st.DeleteCandidates(ctx, datasetID, candidateIDs(p.regen)); err != nil {
			return res, err
		}
	}
	r := &runner{st: st, p: p, cli: cli, model: model, chk: chk, batch: res.BatchID, total: int64(p.total()), progress: progress,
		passing: map[int64]int{}, res: &res}
	conc := cli.Config().Concurrency
	if conc <= 0 {
		conc = llm.DefaultConcurrency
	}
	reqs := p.reqs
	var failures []error
	for round := 0; round < maxRounds && len(reqs) > 0; round++ {
		failures = append(failures, r.round(gctx, reqs, conc)...)
		if ctx.Err() != nil {
			res.Stopped = true
			return res, ctx.Err()
		}
		if len(p.want) == 0 {
			break
		}
		// Topics short of passing candidates are asked again, from other
		// sources.
		reqs = nil
		for _, t := range p.leaves {
			if short := p.want[t.ID] - r.passing[t.ID]; short > 0 {
				more, err := p.topicRequests(ctx, t, short, round+1, r.recent(t.ID, maxAvoid))
				if err != nil {
					return res, err
				}
				reqs = append(reqs, more...)
			}
		}
	}
	if chk.Fallback != "" {
		res.Notes = append(res.Notes, chk.Fallback)
	}
	for _, t := range p.leaves {
		if short := p.want[t.ID] - r.passing[t.ID]; short > 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("topic %s: %d passing candidates short of %d after %d rounds: regenerate the rejected ones or generate again",
				t.Name, short, p.want[t.ID], maxRounds))
		}
	}
	if len(failures) > 0 {
		if res.Passing+res.Rejected == 0 {
			return res, fmt.Errorf("generation failed: %w", errors.Join(failures...))
		}
		res.Notes = append(res.Notes, fmt.Sprintf("%d generation calls failed (the others' candidates are kept): %v", len(failures), failures[0]))
	}
	if o.AcceptPassing && res.Passing > 0 {
		a, err := AcceptPassing(ctx, st, datasetID, res.BatchID)
		if err != nil {
			return res, err
		}
		res.Accepted = a.Accepted
		res.Notes = append(res.Notes, a.Notes...)
		if res.Candidates, err = st.Candidates(ctx, store.CandidateFilter{DatasetID: datasetID, BatchID: res.BatchID}); err != nil {
			return res, err
		}
	}
	return res, nil
}

func candidateIDs(cs []store.Candidate) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// runner is one run's shared state.
type runner struct {
	st       *store.Store
	p        *planner
	cli      *llm.Client
	model    string
	chk      *Checker
	batch    int64
	total    int64
	progress Progress

	mu      sync.Mutex // the checker, the counts and the result
	passing map[int64]int
	res     *Result
}

// recent returns the texts of the newest passing candidates of a topic.
func (r *runner) recent(topicID int64, n int) []string {
	var out []string
	for i := len(r.res.Candidates) - 1; i >= 0 && len(out) < n; i-- {
		if c := r.res.Candidates[i]; c.TopicID == topicID && c.Status == store.CandidatePending {
			out = append(out, c.Text)
		}
	}
	return out
}

// round sends requests concurrently; it returns the calls that failed.
func (r *runner) round(ctx context.Context, reqs []request, conc int) []error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	var mu sync.Mutex
	var fails []error
	for _, rq := range reqs {
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil
			}
			if err := r.one(gctx, rq); err != nil && ctx.Err() == nil {
				mu.Lock()
				fails = append(fails, err)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	return fails
}

// one makes one request, checks its prompts and stores them.
func (r *runner) one(ctx context.Context, rq request) error {
	sys, user := messagesFor(r.p.ds.Objective, r.p.o, rq)
	req := llm.Request(r.model, llm.System(sys), llm.User(user))
	req.Temperature = float32(r.p.o.Temperature)
	var ans answer
	if _, err := r.cli.ChatJSON(ctx, req, llm.Schema{Name: "prompts", Schema: answerSchema, Strict: true}, &ans); err != nil {
		return fmt.Errorf("generate for topic %s: %w", topicName(rq.topic), err)
	}
	prompts := ans.Prompts
	if len(prompts) > rq.n {
		prompts = prompts[:rq.n]
	}
	allowed := lastUserText(rq.source.Messages) + "\n" + renderContext(parseMessages(rq.source.Messages))
	r.mu.Lock()
	defer r.mu.Unlock()
	var cs []store.Candidate
	for _, raw := range prompts {
		text := Clean(raw)
		msgs, tools := candidatePrompt(rq, text)
		v, err := r.chk.Check(ctx, 0, text, candidateRecord(msgs, tools), allowed)
		if err != nil {
			return err
		}
		c := store.Candidate{DatasetID: r.p.ds.ID, BatchID: r.batch, TopicID: rq.topic.ID, Topic: rq.topic.Name, SourceRecordID: rq.source.ID,
			Strategy: string(rq.strategy), Text: text, Messages: msgs, Tools: tools, Status: store.CandidatePending, Reason: v.Reason, Detail: v.Detail}
		if v.Reason != "" {
			c.Status = store.CandidateRejected
		}
		cs = append(cs, c)
	}
	// stored before anything else happens, so Stop keeps them
	cs, err := r.st.InsertCandidates(context.WithoutCancel(ctx), cs)
	if err != nil {
		return err
	}
	var passed []int64
	for _, c := range cs {
		if c.Status == store.CandidatePending {
			passed = append(passed, c.ID)
			r.passing[c.TopicID]++
			r.res.Passing++
		} else {
			r.res.Rejected++
		}
	}
	r.chk.nameRecent(passed)
	r.res.Candidates = append(r.res.Candidates, cs...)
	if r.progress != nil {
		done := min(int64(r.res.Passing), r.total)
		r.progress(done, r.total, fmt.Sprintf("%d candidates: %d passing, %d rejected", r.res.Passing+r.res.Rejected, r.res.Passing, r.res.Rejected))
	}
	return nil
}

func topicName(t record.Topic) string {
	if t.Name == "" {
		return "(no topic)"
	}
	return t.Name
}

// newRunChecker prepares the checks of a run: the dataset's settings, the
// seeds (real records of the topics planned and the source records), the
// dataset's earlier candidates, embeddings when an embedding model is
// assigned, and the stored prompt hashes.
func newRunChecker(ctx context.Context, st *store.Store, p *planner) (*Checker, error) {
	c := NewChecker(p.ds.Settings)
	ec, emodel, err := llm.ForRole(ctx, st, llm.RoleEmbedding)
	switch {
	case errors.Is(err, llm.ErrNoProvider):
	case err != nil:
		return nil, fmt.Errorf("embedding model: %w", err)
	default:
		// Always under the run's embedding meter (ctx here is the run's,
		// which Stop cancels), whichever call checks the candidate.
		c.Embed = func(_ context.Context, texts []string) ([][]float32, error) { return ec.Embed(ctx, emodel, texts) }
	}
	c.Stored = func(ctx context.Context, hash string) (int64, bool, error) {
		if hash == "" {
			return 0, false, nil
		}
		rows, err := st.PassingByKeys(ctx, p.ds.ID, []string{hash}, nil)
		if err != nil || len(rows) == 0 {
			return 0, false, err
		}
		return rows[0].ID, true, nil
	}
	seen := map[int64]bool{}
	var ids []int64
	var texts []string
	add := func(r record.Record) {
		if r.ID == 0 || seen[r.ID] {
			return
		}
		seen[r.ID] = true
		ids = append(ids, r.ID)
		texts = append(texts, lastUserText(r.Messages))
	}
	for _, rq := range p.reqs {
		add(rq.source)
		if rq.topic.ID != 0 {
			pool, err := p.pool(ctx, rq.topic.ID)
			if err != nil {
				return nil, err
			}
			for _, r := range pool {
				add(r)
			}
		}
	}
	if err := c.AddSeeds(ctx, ids, texts); err != nil {
		return nil, err
	}
	prev, err := st.Candidates(ctx, store.CandidateFilter{DatasetID: p.ds.ID, Statuses: []string{store.CandidatePending, store.CandidateAccepted}})
	if err != nil {
		return nil, err
	}
	ids, texts = ids[:0], texts[:0]
	for _, x := range prev {
		ids = append(ids, x.ID)
		texts = append(texts, x.Text)
	}
	if err := c.AddCandidates(ctx, ids, texts); err != nil {
		return nil, err
	}
	return c, nil
}
