// Package dryrun is Step 5: the base model answers a stratified sample of a
// dataset's prompts, the dataset's grader scores every answer, and the
// statistics decide GO / CAUTION / NO-GO with a diagnosis in plain words.
// Every answer and grade is stored as it finishes, so a stopped run resumes
// without asking any sample twice, and a re-grade reuses stored answers.
package dryrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/train"
)

// Where the answers come from.
const (
	ResponsesBase       = "base"       // the base model role answers each prompt
	ResponsesProduction = "production" // the records' production outputs, no model calls
)

// DefaultN is the default sample size.
const DefaultN = 300

// MaxN bounds a sample.
const MaxN = 100000

// Options are a dry run's settings.
type Options struct {
	N         int    `json:"n"`         // sample size (0: DefaultN); all valid records when fewer
	Seed      int64  `json:"seed"`      // sampling seed
	Responses string `json:"responses"` // base (default) | production
	Regrade   int64  `json:"regrade"`   // re-grade this run's stored answers; no base-model calls
	// Model and Provider change who answers (base responses only). By
	// default it is the model training would fine-tune (see Answerer).
	Model    string `json:"model,omitempty"`
	Provider string `json:"provider,omitempty"`
}

// Validate checks the options.
func (o Options) Validate() error {
	if o.N < 0 || o.N > MaxN {
		return fmt.Errorf("sample size must be 1–%d (0 for the default %d), not %d", MaxN, DefaultN, o.N)
	}
	switch o.Responses {
	case "", ResponsesBase, ResponsesProduction:
	default:
		return fmt.Errorf("responses must be %q or %q, not %q", ResponsesBase, ResponsesProduction, o.Responses)
	}
	if o.Regrade < 0 {
		return fmt.Errorf("--regrade must be a run id, not %d", o.Regrade)
	}
	if o.Regrade > 0 && o.Responses == ResponsesProduction {
		return errors.New("a re-grade reuses the answers of the run it names; leave out --responses")
	}
	if (o.Model != "" || o.Provider != "") && (o.Regrade > 0 || o.Responses == ResponsesProduction) {
		return errors.New("a model answers only in a run with base responses: a re-grade or production responses ask none")
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.N == 0 {
		o.N = DefaultN
	}
	if o.Responses == "" {
		o.Responses = ResponsesBase
	}
	return o
}

// Answerer is the client and model that answer a new run's prompts: the
// options' model and provider when given (either alone: with the
// target's other half); else the model training would fine-tune
// (train.ChosenTarget: the target Step 6 saved, the dataset's newest job,
// else the training role), asked through its platform's provider or, for a
// TRL bundle, through the base role's provider (the user's own serving);
// else the base role's. So the score the dry run shows is measured on the
// model training optimizes unless the user names another.
func Answerer(ctx context.Context, st *store.Store, datasetID int64, opts Options) (*llm.Client, string, error) {
	m := &llm.Manager{Store: st}
	model, provider := opts.Model, opts.Provider
	if provider == "" || model == "" {
		t, ok, err := (&train.Service{Store: st}).ChosenTarget(ctx, datasetID)
		if err != nil {
			return nil, "", err
		}
		if ok {
			if provider == "" {
				provider = t.Provider
			}
			if model == "" {
				model = t.Model
			}
		}
	}
	if provider != "" {
		if model == "" {
			return nil, "", fmt.Errorf("name the model provider %s should answer with", provider)
		}
		c, err := m.Client(ctx, provider)
		return c, model, err
	}
	c, roleModel, err := m.ForRole(ctx, llm.RoleBase)
	if model == "" {
		model = roleModel
	}
	return c, model, err
}

// Answering is who answers a new run and how that run stands with the
// Train gate, which counts only runs answered by the model Step 6 trains.
type Answering struct {
	Provider string       `json:"provider"`
	Model    string       `json:"model"`
	Target   train.Target `json:"target"` // what Step 6 trains (Model "": nothing chosen yet)
	// ForGate: a finished run with these answers can open the Train gate
	// (any model does while no target is chosen).
	ForGate bool `json:"for_gate"`
}

// Who says who answers a new base-model run with opts, and the training
// target it is measured against. It spends nothing.
func Who(ctx context.Context, st *store.Store, datasetID int64, opts Options) (Answering, error) {
	var a Answering
	t, ok, err := (&train.Service{Store: st}).ChosenTarget(ctx, datasetID)
	if err != nil {
		return a, err
	}
	if ok {
		a.Target = t
	}
	c, model, err := Answerer(ctx, st, datasetID, opts)
	if err != nil {
		return a, err
	}
	a.Provider, a.Model = c.Name(), model
	a.ForGate = a.Target.Model == "" || train.SameModel(model, a.Target.Model)
	return a, nil
}

// Progress receives how many samples are graded of how many, and a line
// with the running mean.
type Progress func(done, total int64, message string)

// running holds the datasets (per database) with a dry run under way.
var running sync.Map

// stopGrace is how long answers already asked may still arrive after Stop:
// they are paid for, and keeping them means a resumed run never asks again.
const stopGrace = 15 * time.Second

// Execute runs (or resumes) a dry run of a dataset and returns its report. A
// newest unfinished run with the same options is resumed: samples already
// answered are not asked again, samples already graded with the current
// grader are not graded again. Stop keeps everything finished.
func Execute(ctx context.Context, st *store.Store, datasetID int64, opts Options, progress Progress) (Report, error) {
	if err := opts.Validate(); err != nil {
		return Report{}, err
	}
	opts = opts.withDefaults()
	if progress == nil {
		progress = func(int64, int64, string) {}
	}
	// Two runs of one dataset at once would resume the same run and ask
	// its samples twice.
	key := fmt.Sprintf("%s\x00%d", st.Path(), datasetID)
	if _, busy := running.LoadOrStore(key, true); busy {
		return Report{}, errors.New("dry run: this dataset's dry run is already running: wait for it or stop it")
	}
	defer running.Delete(key)
	g, ok, err := grader.Load(ctx, st, datasetID)
	if err != nil {
		return Report{}, fmt.Errorf("dry run: load the grader: %w", err)
	}
	if !ok {
		return Report{}, errors.New("dry run: the dataset has no grader yet: configure one in Step 4 (Grader)")
	}
	gj, err := json.Marshal(g)
	if err != nil {
		return Report{}, err
	}
	version := g.Version()

	rows, err := planRows(ctx, st, datasetID, opts)
	if err != nil {
		return Report{}, err
	}
	var client *llm.Client
	provider, model := "", opts.Responses
	if opts.Regrade == 0 && opts.Responses == ResponsesBase {
		if client, model, err = Answerer(ctx, st, datasetID, opts); err != nil {
			return Report{}, fmt.Errorf("dry run: the base model: %w", err)
		}
		provider = client.Name()
	}
	run, err := prepare(ctx, st, datasetID, opts, rows, provider, model, version, string(gj))
	if err != nil {
		return Report{}, err
	}
	if run.GraderVersion != version {
		// The grader changed since this run was stopped: what was graded
		// with the old one is graded again, so the run measures one grader.
		if err := st.SetDryRunGrader(ctx, run.ID, version, string(gj)); err != nil {
			return Report{}, err
		}
		run.GraderVersion, run.Grader = version, string(gj)
	}
	samples, err := st.DryRunSamples(ctx, run.ID)
	if err != nil {
		return Report{}, err
	}
	w := &worker{st: st, run: run, client: client, model: model, ev: grader.NewEvaluator(st, g), progress: progress, total: int64(len(samples))}
	if err := w.work(ctx, samples); err != nil {
		msg := err.Error()
		if ctx.Err() != nil {
			msg = "stopped; finished samples were kept: run again to resume"
		}
		_ = st.SetDryRunMessage(context.WithoutCancel(ctx), run.ID, msg)
		return Report{ID: run.ID}, err
	}
	samples, err = st.DryRunSamples(ctx, run.ID)
	if err != nil {
		return Report{}, err
	}
	run.State = store.DryRunDone
	rep := build(run, samples)
	rep.FinishedAt = time.Now().UTC()
	b, err := json.Marshal(rep)
	if err != nil {
		return Report{}, err
	}
	if err := st.FinishDryRun(ctx, run.ID, rep.Verdict, string(b)); err != nil {
		return Report{}, fmt.Errorf("dry run %d: store the report: %w", run.ID, err)
	}
	return rep, nil
}

// planRows is the sample a new run would have: a re-grade's answered
// samples of the run it names, else the stratified sample.
func planRows(ctx context.Context, st *store.Store, datasetID int64, opts Options) ([]store.DryRunSample, error) {
	if opts.Regrade > 0 {
		return nil, nil // taken from the source run in prepare
	}
	cands, err := st.DryRunCandidates(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	if opts.Responses == ResponsesProduction {
		kept := cands[:0:0]
		for _, c := range cands {
			if c.HasOutput {
				kept = append(kept, c)
			}
		}
		cands = kept
		if len(cands) == 0 {
			return nil, errors.New("dry run: no valid record has a production response to grade: use the base model instead")
		}
	}
	if len(cands) == 0 {
		return nil, errors.New("dry run: the dataset has no valid records (step 1)")
	}
	picked := Pick(cands, opts.N, opts.Seed)
	rows := make([]store.DryRunSample, len(picked))
	for i, c := range picked {
		rows[i] = store.DryRunSample{Position: i, RecordID: c.ID, Topic: c.Topic, Generated: c.Generated}
	}
	return rows, nil
}

// prepare returns the run to work on: the newest unfinished run when it was
// started with the same options and model, else a new one.
func prepare(ctx context.Context, st *store.Store, datasetID int64, opts Options, rows []store.DryRunSample,
	provider, model, version, graderJSON string) (store.DryRun, error) {
	last, err := st.LatestDryRun(ctx, datasetID, false)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return last, err
	case last.State != store.DryRunDone && last.RegradeOf == opts.Regrade &&
		(opts.Regrade > 0 || last.N == opts.N && last.Seed == opts.Seed && last.Responses == opts.Responses && last.Model == model):
		return last, nil
	}
	run := store.DryRun{DatasetID: datasetID, N: opts.N, Seed: opts.Seed, Responses: opts.Responses, Provider: provider, Model: model,
		GraderVersion: version, Grader: graderJSON}
	if opts.Regrade > 0 {
		src, err := st.DryRunByID(ctx, opts.Regrade)
		if err != nil {
			return run, err
		}
		if src.DatasetID != datasetID {
			return run, fmt.Errorf("dry run %d belongs to another dataset: %w", src.ID, store.ErrNotFound)
		}
		srows, err := st.DryRunSamples(ctx, src.ID)
		if err != nil {
			return run, err
		}
		for _, x := range srows {
			if x.Answer == "" {
				continue // never answered: a re-grade asks nothing
			}
			x.Position = len(rows)
			rows = append(rows, x)
		}
		if len(rows) == 0 {
			return run, fmt.Errorf("dry run %d has no stored answers to re-grade", src.ID)
		}
		run.N, run.Seed, run.Responses, run.Provider, run.Model, run.RegradeOf = len(rows), src.Seed, src.Responses, src.Provider, src.Model, src.ID
	}
	return st.CreateDryRun(ctx, run, rows)
}

// worker answers and grades a run's samples.
type worker struct {
	st       *store.Store
	run      store.DryRun
	client   *llm.Client
	model    string
	ev       *grader.Evaluator
	progress Progress
	total    int64

	writes chan store.DryRunWrite
	failed atomic.Bool

	mu    sync.Mutex
	done  int64
	sum   float64
	first error
}

// concurrency is the fan-out: the provider's when the base model is asked,
// else a grading default.
func (w *worker) concurrency() int {
	if w.client != nil {
		if c := w.client.Config().Concurrency; c > 0 {
			return c
		}
	}
	return llm.DefaultConcurrency
}

func (w *worker) work(ctx context.Context, samples []store.DryRunSample) error {
	var todo []store.DryRunSample
	for _, x := range samples {
		if x.GradedVersion == w.run.GraderVersion {
			s := decodeSample(x, w.run.GraderVersion)
			w.done++
			w.sum += s.Score
			continue
		}
		todo = append(todo, x)
	}
	w.report()
	// Answers already asked finish after Stop (within stopGrace) and are
	// kept; no new sample starts once ctx is done or a call has failed.
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(stopGrace, cancel) })
	defer stop()
	callCtx = llm.WithAction(callCtx, w.run.DatasetID, "dryrun")

	// Results go to one writer goroutine that commits whatever has queued
	// in one transaction: samples finishing together (they do, at equal
	// latency) do not wait in line for SQLite's write lock.
	w.writes = make(chan store.DryRunWrite, 4*w.concurrency())
	written := make(chan struct{})
	go func() {
		defer close(written)
		w.writeLoop()
	}()

	var g errgroup.Group
	g.SetLimit(w.concurrency())
	for start := 0; start < len(todo) && !w.stopped(ctx); start += recordBatch {
		batch := todo[start:min(start+recordBatch, len(todo))]
		ids := make([]int64, len(batch))
		for i, x := range batch {
			ids[i] = x.RecordID
		}
		recs, err := w.st.DryRunRecords(callCtx, ids)
		if err != nil {
			w.fail(err)
			break
		}
		for _, x := range batch {
			if w.stopped(ctx) {
				break
			}
			rec, ok := recs[x.RecordID]
			g.Go(func() error {
				if w.stopped(ctx) {
					return nil
				}
				if err := w.one(callCtx, x, rec, ok); err != nil {
					w.fail(err)
				}
				return nil
			})
		}
	}
	_ = g.Wait()
	close(w.writes)
	<-written
	if w.first != nil {
		return fmt.Errorf("%w (finished samples were kept: run again to resume)", w.first)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return nil
}

// recordBatch is how many samples' records are read in one query.
const recordBatch = 256

// stopped says that no new sample may start: Stop, or a failure.
func (w *worker) stopped(ctx context.Context) bool { return ctx.Err() != nil || w.failed.Load() }

func (w *worker) fail(err error) {
	w.failed.Store(true)
	w.mu.Lock()
	if w.first == nil {
		w.first = err
	}
	w.mu.Unlock()
}

// writeLoop stores queued answers and grades, a batch per commit, until the
// queue is closed. Writes use a context of their own: what finished is
// stored even after Stop.
func (w *worker) writeLoop() {
	for first := range w.writes {
		batch := []store.DryRunWrite{first}
	more:
		for {
			select {
			case x, ok := <-w.writes:
				if !ok {
					break more
				}
				batch = append(batch, x)
			default:
				break more
			}
		}
		if err := w.st.SaveDryRunWrites(context.Background(), batch); err != nil {
			w.fail(err)
		}
	}
}

func (w *worker) report() {
	msg := fmt.Sprintf("%d of %d samples graded", w.done, w.total)
	if w.done > 0 {
		msg = fmt.Sprintf("%d of %d samples graded · running mean %.3f", w.done, w.total, w.sum/float64(w.done))
	}
	w.progress(w.done, w.total, msg)
}

// one answers (if needed) and grades one sample, storing each as it
// finishes. An error is a failure of the base model; grader failures are
// stored with the sample.
func (w *worker) one(ctx context.Context, x store.DryRunSample, rec record.Record, found bool) error {
	if x.Answer == "" && found {
		var err error
		switch {
		case w.run.Responses == ResponsesProduction:
			s, ok := grader.ProductionSample(rec)
			if !ok {
				break
			}
			x.Answer = messageJSON(s.OutputText, s.OutputTools)
			w.writes <- store.DryRunWrite{RunID: w.run.ID, Position: x.Position, Answer: x.Answer}
		case w.client == nil:
			err = fmt.Errorf("dry run %d: sample %d has no stored answer and no base model is asked", w.run.ID, x.Position)
		default:
			err = w.ask(ctx, rec, &x)
		}
		if err != nil {
			return err
		}
	}
	res := w.grade(ctx, rec, found, x)
	if len(res.Errors) > 0 {
		res.Score = 0
	}
	comps, _ := json.Marshal(orEmpty(res.Components))
	reasoning, _ := json.Marshal(orEmptyS(res.Reasoning))
	errs, _ := json.Marshal(orEmptyL(res.Errors))
	w.writes <- store.DryRunWrite{RunID: w.run.ID, Position: x.Position, Version: w.run.GraderVersion, Score: res.Score,
		Components: string(comps), Reasoning: string(reasoning), Errors: string(errs)}
	w.mu.Lock()
	w.done++
	w.sum += res.Score
	w.report()
	w.mu.Unlock()
	return nil
}

func (w *worker) grade(ctx context.Context, rec record.Record, found bool, x store.DryRunSample) grader.Result {
	if !found {
		return grader.Result{Errors: []string{fmt.Sprintf("record %d no longer exists", x.RecordID)}}
	}
	if x.Answer == "" {
		return grader.Result{Errors: []string{fmt.Sprintf("record %d has no response to grade", x.RecordID)}}
	}
	var m record.Message
	if err := json.Unmarshal([]byte(x.Answer), &m); err != nil {
		return grader.Result{Errors: []string{fmt.Sprintf("stored answer of record %d is unreadable: %v", x.RecordID, err)}}
	}
	it, err := grader.ItemFromRecord(rec)
	if err != nil {
		return grader.Result{Errors: []string{fmt.Sprintf("record %d: %v", x.RecordID, err)}}
	}
	return w.ev.Grade(ctx, it, grader.SampleFromMessage(m))
}

// ask has the base model answer a record's prompt (messages and tools as
// stored) and stores the answer with its latency and tokens.
func (w *worker) ask(ctx context.Context, rec record.Record, x *store.DryRunSample) error {
	req, err := llm.AnswerRequest(w.model, rec.Messages, rec.Tools)
	if err != nil {
		return fmt.Errorf("dry run sample %d (record %d): %w", x.Position, rec.ID, err)
	}
	start := time.Now()
	resp, err := w.client.Chat(ctx, req)
	if err != nil {
		return fmt.Errorf("dry run sample %d (record %d): %w", x.Position, rec.ID, err)
	}
	latency := time.Since(start).Milliseconds()
	if len(resp.Choices) == 0 {
		return fmt.Errorf("dry run sample %d (record %d): the base model returned no answer", x.Position, rec.ID)
	}
	m := resp.Choices[0].Message
	calls := make([]record.ToolCall, 0, len(m.ToolCalls))
	for _, c := range m.ToolCalls {
		calls = append(calls, record.ToolCall{ID: c.ID, Type: string(c.Type), Function: record.FunctionCall{Name: c.Function.Name, Arguments: c.Function.Arguments}})
	}
	text := m.Content
	if text == "" && len(m.MultiContent) > 0 {
		for _, p := range m.MultiContent {
			text += p.Text
		}
	}
	x.Answer = messageJSON(text, calls)
	w.writes <- store.DryRunWrite{RunID: w.run.ID, Position: x.Position, Answer: x.Answer, LatencyMS: latency,
		PromptTokens: int64(resp.Usage.PromptTokens), CompletionTokens: int64(resp.Usage.CompletionTokens)}
	return nil
}

// messageJSON is an assistant message with text and tool calls.
func messageJSON(text string, calls []record.ToolCall) string {
	m := record.Message{Role: "assistant", ToolCalls: calls}
	if text != "" || len(calls) == 0 {
		m.Content, _ = json.Marshal(text)
	} else {
		m.Content = json.RawMessage("null")
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func orEmpty(m map[string]float64) map[string]float64 {
	if m == nil {
		return map[string]float64{}
	}
	return m
}

func orEmptyS(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptyL(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
