package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"

	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Sides of a comparison.
const (
	SideBase  = "base"
	SideTuned = "tuned"
)

// BenchmarkOptions choose what a benchmark compares.
type BenchmarkOptions struct {
	JobID int64 `json:"job_id"` // 0 = the latest finished training job
	Seed  int64 `json:"seed"`   // bootstrap seed; 0 = 1
	Limit int   `json:"limit"`  // at most this many validation records (lowest ids); 0 = all
	// BaseProvider and BaseModel override the base side (default: the job's
	// base model on the provider that serves the tuned model).
	BaseProvider string `json:"base_provider"`
	BaseModel    string `json:"base_model"`
}

// Validate checks the options.
func (o BenchmarkOptions) Validate() error {
	if o.JobID < 0 || o.Limit < 0 {
		return fmt.Errorf("job and limit must not be negative: %w", ErrInvalid)
	}
	if (o.BaseProvider == "") != (o.BaseModel == "") && o.BaseModel == "" {
		return fmt.Errorf("a base provider needs a base model: %w", ErrInvalid)
	}
	return nil
}

// SideReport is one model's figures.
type SideReport struct {
	Provider         string  `json:"provider"`
	Model            string  `json:"model"`
	Mean             float64 `json:"mean"`
	N                int     `json:"n"`      // graded answers
	Failed           int     `json:"failed"` // calls that failed (scored nothing)
	LatencyMeanMS    float64 `json:"latency_mean_ms"`
	LatencyP50MS     float64 `json:"latency_p50_ms"`
	LatencyP95MS     float64 `json:"latency_p95_ms"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"` // USD, from the price table (0 when the model has no price)
}

// TopicReport is one topic's before → after.
type TopicReport struct {
	Base  float64 `json:"base"`
	Tuned float64 `json:"tuned"`
	Diff  float64 `json:"diff"`
	N     int     `json:"n"`
}

// Report is a benchmark's result: mean before → after overall and per
// topic, the paired difference (tuned − base) with its 95 % bootstrap
// interval, and wins/ties/losses of the tuned model per record.
type Report struct {
	BenchmarkID   int64                  `json:"benchmark_id"`
	JobID         int64                  `json:"job_id"`
	GraderVersion string                 `json:"grader_version"`
	Seed          int64                  `json:"seed"`
	Base          SideReport             `json:"base"`
	Tuned         SideReport             `json:"tuned"`
	Diff          float64                `json:"diff"`
	CI95          [2]float64             `json:"ci95"`
	PerTopic      map[string]TopicReport `json:"per_topic"`
	Wins          int                    `json:"wins"`
	Ties          int                    `json:"ties"`
	Losses        int                    `json:"losses"`
	Paired        int                    `json:"paired"`  // records both models answered and were graded on
	Records       int                    `json:"records"` // validation records benchmarked
	Asked         int                    `json:"asked"`   // model calls made by this run (0 on a full resume)
	Notes         []string               `json:"notes,omitempty"`
}

// Progress receives a long run's progress.
type Progress func(done, total int64, message string)

// Benchmark has the base and the tuned model answer the training job's
// validation split, grades both with the dataset's grader and reports the
// comparison. Answers are stored as they arrive: a re-run with the same
// job, grader and models asks only what is missing.
func (s *Service) Benchmark(ctx context.Context, datasetID int64, o BenchmarkOptions, progress Progress) (Report, error) {
	if err := o.Validate(); err != nil {
		return Report{}, err
	}
	if progress == nil {
		progress = func(int64, int64, string) {}
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	tuned, err := s.tuned(ctx, datasetID, o.JobID)
	if err != nil {
		return Report{}, err
	}
	g, ok, err := grader.Load(ctx, s.Store, datasetID)
	if err != nil {
		return Report{}, err
	}
	if !ok {
		return Report{}, fmt.Errorf("dataset %d has no grader: define one in step 4: %w", datasetID, ErrNotFound)
	}
	if s.ValidationIDs == nil {
		return Report{}, fmt.Errorf("no validation split to benchmark on: %w", ErrNotFound)
	}
	ids, err := s.ValidationIDs(ctx, tuned.JobID)
	if err != nil {
		return Report{}, err
	}
	if len(ids) == 0 {
		return Report{}, fmt.Errorf("training job %d held out no validation records: %w", tuned.JobID, ErrNotFound)
	}
	ids = append([]int64(nil), ids...)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if o.Limit > 0 && len(ids) > o.Limit {
		ids = ids[:o.Limit]
	}
	models := map[string][2]string{SideBase: {tuned.Provider, tuned.BaseModel}, SideTuned: {tuned.Provider, tuned.Model}}
	if o.BaseModel != "" {
		models[SideBase] = [2]string{firstNonEmpty(o.BaseProvider, tuned.Provider), o.BaseModel}
	}
	bm, found, err := s.Store.FindBenchmark(ctx, store.Benchmark{DatasetID: datasetID, JobID: tuned.JobID, GraderVersion: g.Version(),
		BaseProvider: models[SideBase][0], BaseModel: models[SideBase][1], TunedProvider: models[SideTuned][0], TunedModel: models[SideTuned][1]})
	if err != nil {
		return Report{}, err
	}
	if !found {
		bm, err = s.Store.CreateBenchmark(ctx, store.Benchmark{DatasetID: datasetID, JobID: tuned.JobID, GraderVersion: g.Version(), Seed: o.Seed,
			BaseProvider: models[SideBase][0], BaseModel: models[SideBase][1], TunedProvider: models[SideTuned][0], TunedModel: models[SideTuned][1]})
		if err != nil {
			return Report{}, err
		}
	}
	b := &bench{s: s, bm: bm, ev: grader.NewEvaluator(s.Store, g), version: g.Version(), progress: progress, records: map[int64]record.Record{}}
	ctx = llm.WithAction(ctx, datasetID, "benchmark")
	rep, err := b.run(ctx, ids, models)
	bg := context.WithoutCancel(ctx)
	if err != nil {
		_ = s.Store.FinishBenchmark(bg, bm.ID, store.BenchmarkRunning, "", err.Error())
		return rep, fmt.Errorf("benchmark %d: %w", bm.ID, err)
	}
	if tuned.GraderVersion != "" && tuned.GraderVersion != g.Version() {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the model was trained with grader %s; this benchmark grades with the current grader %s", tuned.GraderVersion, g.Version()))
	}
	rep.BenchmarkID, rep.JobID, rep.GraderVersion, rep.Seed = bm.ID, tuned.JobID, g.Version(), o.Seed
	js, _ := json.Marshal(rep)
	if err := s.Store.FinishBenchmark(bg, bm.ID, store.BenchmarkDone, string(js), ""); err != nil {
		return rep, err
	}
	return rep, nil
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

type bench struct {
	s        *Service
	bm       store.Benchmark
	ev       *grader.Evaluator
	version  string
	progress Progress
	records  map[int64]record.Record
	mu       sync.Mutex
	done     int64
	total    int64
}

func key(id int64, side string) string { return fmt.Sprint(id, "/", side) }

func (b *bench) tick(msg string) {
	b.mu.Lock()
	b.done++
	d, t := b.done, b.total
	b.mu.Unlock()
	b.progress(d, t, msg)
}

func (b *bench) run(ctx context.Context, ids []int64, models map[string][2]string) (Report, error) {
	st := b.s.Store
	stored, err := st.BenchmarkAnswers(ctx, b.bm.ID)
	if err != nil {
		return Report{}, err
	}
	answers := map[string]store.BenchmarkAnswer{}
	for _, a := range stored {
		answers[key(a.RecordID, a.Side)] = a
	}
	var notes []string
	var live []int64
	for _, id := range ids {
		rec, err := st.Record(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			notes = append(notes, fmt.Sprintf("record %d was deleted since training; left out", id))
			continue
		}
		if err != nil {
			return Report{}, err
		}
		b.records[id] = rec
		live = append(live, id)
	}
	type task struct {
		id   int64
		side string
	}
	var ask []task
	for _, id := range live {
		for _, side := range []string{SideBase, SideTuned} {
			if a, ok := answers[key(id, side)]; !ok || a.Error != "" {
				ask = append(ask, task{id, side})
			}
		}
	}
	b.total = int64(len(ask) + 2*len(live))
	prices, err := st.Prices(ctx)
	if err != nil {
		return Report{}, err
	}
	clients := map[string]*llm.Client{}
	for side, m := range models {
		if !needs(ask, func(t task) bool { return t.side == side }) {
			continue
		}
		c, err := b.s.LLM.Client(ctx, m[0])
		if err != nil {
			return Report{}, fmt.Errorf("%s model %s: %w", side, m[1], err)
		}
		clients[side] = c
	}
	var amu sync.Mutex
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(16) // the clients apply each provider's own limits below this
	for _, t := range ask {
		eg.Go(func() error {
			a := b.answer(gctx, clients[t.side], models[t.side][1], b.records[t.id], prices)
			a.BenchmarkID, a.RecordID, a.Side = b.bm.ID, t.id, t.side
			if gctx.Err() != nil {
				return gctx.Err() // a cancelled call is not an answer
			}
			if err := st.SaveBenchmarkAnswer(context.WithoutCancel(gctx), a); err != nil {
				return err
			}
			amu.Lock()
			answers[key(t.id, t.side)] = a
			amu.Unlock()
			b.tick(fmt.Sprintf("%s answered record %d", t.side, t.id))
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return Report{}, err
	}
	// Grade what has no grade from this grader version (listed first: the
	// workers write answers while they run).
	var todo []store.BenchmarkAnswer
	for _, id := range live {
		for _, side := range []string{SideBase, SideTuned} {
			if a := answers[key(id, side)]; a.Error == "" && a.GradedVersion != b.version {
				todo = append(todo, a)
			} else {
				b.tick("")
			}
		}
	}
	eg, gctx = errgroup.WithContext(ctx)
	eg.SetLimit(8)
	for _, a := range todo {
		eg.Go(func() error {
			res := b.grade(gctx, b.records[a.RecordID], a.Answer)
			if gctx.Err() != nil {
				return gctx.Err()
			}
			js, _ := json.Marshal(res)
			if err := st.SaveBenchmarkGrade(context.WithoutCancel(gctx), b.bm.ID, a.RecordID, a.Side, b.version, res.Score, string(js)); err != nil {
				return err
			}
			a.GradedVersion, a.Score, a.Result = b.version, res.Score, string(js)
			amu.Lock()
			answers[key(a.RecordID, a.Side)] = a
			amu.Unlock()
			b.tick(fmt.Sprintf("graded %s answer of record %d", a.Side, a.RecordID))
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return Report{}, err
	}
	rep := summarize(live, b.records, answers, models, b.bm.Seed)
	rep.Asked, rep.Records = len(ask), len(live)
	rep.Notes = append(notes, rep.Notes...)
	return rep, nil
}

func needs[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if f(x) {
			return true
		}
	}
	return false
}

// answer asks one model one record's prompt; a failure is kept as the
// answer's error (the record is then left out of the paired comparison).
func (b *bench) answer(ctx context.Context, c *llm.Client, model string, rec record.Record, prices []store.Price) store.BenchmarkAnswer {
	var a store.BenchmarkAnswer
	req, err := llm.AnswerRequest(model, rec.Messages, rec.Tools)
	if err != nil {
		a.Error = err.Error()
		return a
	}
	start := time.Now()
	resp, err := c.Chat(ctx, req)
	a.LatencyMS = time.Since(start).Milliseconds()
	if err != nil {
		a.Error = err.Error()
		return a
	}
	if len(resp.Choices) == 0 {
		a.Error = "the model returned no answer"
		return a
	}
	a.Answer = messageJSON(resp.Choices[0].Message)
	a.PromptTokens, a.CompletionTokens = int64(resp.Usage.PromptTokens), int64(resp.Usage.CompletionTokens)
	a.Cost, _ = llm.Cost(prices, model, a.PromptTokens, a.CompletionTokens)
	return a
}

func (b *bench) grade(ctx context.Context, rec record.Record, answer string) grader.Result {
	var m record.Message
	if err := json.Unmarshal([]byte(answer), &m); err != nil {
		return grader.Result{Errors: []string{fmt.Sprintf("stored answer of record %d is unreadable: %v", rec.ID, err)}}
	}
	it, err := grader.ItemFromRecord(rec)
	if err != nil {
		return grader.Result{Errors: []string{err.Error()}}
	}
	return b.ev.Grade(ctx, it, grader.SampleFromMessage(m))
}

// summarize computes the report from graded answers.
func summarize(ids []int64, recs map[int64]record.Record, answers map[string]store.BenchmarkAnswer, models map[string][2]string, seed int64) Report {
	rep := Report{PerTopic: map[string]TopicReport{}}
	side := func(name string) SideReport {
		r := SideReport{Provider: models[name][0], Model: models[name][1]}
		var scores, lat []float64
		for _, id := range ids {
			a, ok := answers[key(id, name)]
			if !ok {
				continue
			}
			r.PromptTokens += a.PromptTokens
			r.CompletionTokens += a.CompletionTokens
			r.Cost += a.Cost
			if a.Error != "" {
				r.Failed++
				continue
			}
			lat = append(lat, float64(a.LatencyMS))
			if a.GradedVersion != "" {
				scores = append(scores, a.Score)
			}
		}
		r.N, r.Mean = len(scores), mean(scores)
		sort.Float64s(lat)
		r.LatencyMeanMS, r.LatencyP50MS, r.LatencyP95MS = mean(lat), percentile(lat, 0.5), percentile(lat, 0.95)
		r.Cost = math.Round(r.Cost*1e6) / 1e6
		return r
	}
	rep.Base, rep.Tuned = side(SideBase), side(SideTuned)
	var diffs []float64
	type acc struct{ base, tuned []float64 }
	topics := map[string]*acc{}
	for _, id := range ids {
		ba, ok1 := answers[key(id, SideBase)]
		ta, ok2 := answers[key(id, SideTuned)]
		if !ok1 || !ok2 || ba.Error != "" || ta.Error != "" || ba.GradedVersion == "" || ta.GradedVersion == "" {
			continue
		}
		d := ta.Score - ba.Score
		diffs = append(diffs, d)
		switch {
		case d > tieEpsilon:
			rep.Wins++
		case d < -tieEpsilon:
			rep.Losses++
		default:
			rep.Ties++
		}
		topic := recs[id].Topic
		if topic == "" {
			topic = "(uncategorized)"
		}
		if topics[topic] == nil {
			topics[topic] = &acc{}
		}
		topics[topic].base = append(topics[topic].base, ba.Score)
		topics[topic].tuned = append(topics[topic].tuned, ta.Score)
	}
	rep.Paired = len(diffs)
	rep.Diff = mean(diffs)
	lo, hi := BootstrapCI(diffs, seed, Resamples)
	rep.CI95 = [2]float64{lo, hi}
	for name, a := range topics {
		bm, tm := mean(a.base), mean(a.tuned)
		rep.PerTopic[name] = TopicReport{Base: bm, Tuned: tm, Diff: tm - bm, N: len(a.base)}
	}
	if rep.Paired < len(ids) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d of %d records are compared: the others lack an answer or a grade on one side", rep.Paired, len(ids)))
	}
	return rep
}

// Benchmarks lists a dataset's benchmarks with their reports, newest first.
func (s *Service) Benchmarks(ctx context.Context, datasetID int64) ([]BenchmarkRun, error) {
	rows, err := s.Store.Benchmarks(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	out := make([]BenchmarkRun, 0, len(rows))
	for _, r := range rows {
		if strings.HasPrefix(r.BaseProvider, "live:") {
			continue // the live report's grades, not a benchmark
		}
		run := BenchmarkRun{Benchmark: r}
		if r.Report != "" {
			var rep Report
			if json.Unmarshal([]byte(r.Report), &rep) == nil {
				run.Report = &rep
			}
		}
		out = append(out, run)
	}
	return out, nil
}

// BenchmarkRun is a stored benchmark and its report (nil until done).
type BenchmarkRun struct {
	store.Benchmark
	Report *Report `json:"report"`
}

// messageJSON is the assistant message of a response as a record message.
func messageJSON(m openai.ChatCompletionMessage) string {
	out := assistantMessage(m)
	b, _ := json.Marshal(out)
	return string(b)
}

func assistantMessage(m openai.ChatCompletionMessage) record.Message {
	calls := make([]record.ToolCall, 0, len(m.ToolCalls))
	for _, c := range m.ToolCalls {
		calls = append(calls, record.ToolCall{ID: c.ID, Type: string(c.Type), Function: record.FunctionCall{Name: c.Function.Name, Arguments: c.Function.Arguments}})
	}
	text := m.Content
	if text == "" {
		for _, p := range m.MultiContent {
			text += p.Text
		}
	}
	out := record.Message{Role: "assistant", ToolCalls: calls}
	if len(calls) == 0 {
		out.ToolCalls = nil
	}
	if text != "" || len(calls) == 0 {
		out.Content, _ = json.Marshal(text)
	} else {
		out.Content = json.RawMessage("null")
	}
	return out
}
