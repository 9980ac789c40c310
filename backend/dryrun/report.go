package dryrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"tracetune/backend/grader"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Uncategorized is the per-topic key of records without a topic.
const Uncategorized = "uncategorized"

// Report is a dry run's result: the statistics of the sample's total
// scores, the verdict with its reasons, and the diagnosis. Its JSON is the
// shape of `tracetune dryrun show --json`.
type Report struct {
	ID int64 `json:"id"`
	Stats
	PerTopic      map[string]TopicStats `json:"per_topic"`
	Verdict       string                `json:"verdict"`
	Reasons       []string              `json:"reasons"`
	Diagnosis     []Finding             `json:"diagnosis"`
	Errors        int                   `json:"errors"` // samples with a grader error (scored 0)
	GraderVersion string                `json:"grader_version"`
	Model         string                `json:"model"`

	DatasetID  int64              `json:"dataset_id"`
	State      string             `json:"state"` // running (or stopped) | done
	Graded     int                `json:"graded"`
	Total      int                `json:"total"`
	Responses  string             `json:"responses"`
	RegradeOf  int64              `json:"regrade_of"`
	Seed       int64              `json:"seed"`
	Components map[string]float64 `json:"components"` // mean score of each component
	Real       Group              `json:"real"`
	Generated  Group              `json:"generated"`
	Highest    []SampleScore      `json:"highest"`
	Lowest     []SampleScore      `json:"lowest"`
	Middle     []SampleScore      `json:"middle"`
	ErrorList  []SampleScore      `json:"error_samples"`
	Tokens     Tokens             `json:"tokens"`
	Stale      bool               `json:"stale"` // graded with an older grader, or the records changed since
	StaleWhy   string             `json:"stale_reason,omitempty"`
	// RecordsChanged: the dataset's records changed since the run started
	// (a re-grade does not fix that; a new run does).
	RecordsChanged bool      `json:"records_changed"`
	CreatedAt      time.Time `json:"created_at"`
	FinishedAt     time.Time `json:"finished_at"`
}

// Tokens are a run's base-model token totals.
type Tokens struct {
	Prompt     int64 `json:"prompt"`
	Completion int64 `json:"completion"`
}

// SampleScore names one sample in the report's lists.
type SampleScore struct {
	Position  int      `json:"position"`
	RecordID  int64    `json:"record_id"`
	Topic     string   `json:"topic"`
	Generated bool     `json:"generated"`
	Score     float64  `json:"score"`
	Errors    []string `json:"errors,omitempty"`
}

// Sample is one sample as the panel shows it: the answer (an assistant
// message), the score, each component's score and reasoning.
type Sample struct {
	SampleScore
	Answer     *record.Message    `json:"answer"`
	Graded     bool               `json:"graded"`
	Components map[string]float64 `json:"components"`
	Reasoning  map[string]string  `json:"reasoning"`
	LatencyMS  int64              `json:"latency_ms"`
	Tokens     Tokens             `json:"tokens"`
}

func decodeSample(x store.DryRunSample, version string) Sample {
	s := Sample{SampleScore: SampleScore{Position: x.Position, RecordID: x.RecordID, Topic: topicName(x.Topic), Generated: x.Generated, Score: x.Score},
		Graded: x.GradedVersion != "" && x.GradedVersion == version, LatencyMS: x.LatencyMS,
		Tokens: Tokens{Prompt: x.PromptTokens, Completion: x.CompletionTokens}}
	if x.Answer != "" {
		var m record.Message
		if json.Unmarshal([]byte(x.Answer), &m) == nil {
			s.Answer = &m
		}
	}
	_ = json.Unmarshal([]byte(x.Components), &s.Components)
	_ = json.Unmarshal([]byte(x.Reasoning), &s.Reasoning)
	_ = json.Unmarshal([]byte(x.Errors), &s.Errors)
	if len(s.Errors) > 0 {
		s.Score = 0 // a sample with a grader error counts as 0
	}
	return s
}

func topicName(t string) string {
	if t == "" {
		return Uncategorized
	}
	return t
}

// weights reads each component's weight from a run's grader JSON.
func weights(graderJSON string) map[string]float64 {
	out := map[string]float64{}
	var g grader.Grader
	if json.Unmarshal([]byte(graderJSON), &g) == nil {
		for _, c := range g.Components {
			out[c.Name] += c.Weight
		}
	}
	return out
}

// build computes a run's report from its stored samples (graded ones only).
func build(run store.DryRun, rows []store.DryRunSample) Report {
	r := Report{ID: run.ID, DatasetID: run.DatasetID, State: run.State, Total: len(rows), Responses: run.Responses,
		RegradeOf: run.RegradeOf, Seed: run.Seed, GraderVersion: run.GraderVersion, Model: run.Model,
		CreatedAt: run.CreatedAt, FinishedAt: run.FinishedAt, PerTopic: map[string]TopicStats{}, Components: map[string]float64{},
		Reasons: []string{}, Diagnosis: []Finding{}, Highest: []SampleScore{}, Lowest: []SampleScore{}, Middle: []SampleScore{}, ErrorList: []SampleScore{}}
	var graded []Sample
	for _, x := range rows {
		r.Tokens.Prompt += x.PromptTokens
		r.Tokens.Completion += x.CompletionTokens
		s := decodeSample(x, run.GraderVersion)
		if s.Graded {
			graded = append(graded, s)
		}
	}
	r.Graded = len(graded)
	scores := make([]float64, len(graded))
	byTopic := map[string][]float64{}
	compSum, compN := map[string]float64{}, map[string]int{}
	var real, gen []float64
	firstErr := ""
	for i, s := range graded {
		scores[i] = s.Score
		byTopic[s.Topic] = append(byTopic[s.Topic], s.Score)
		for name, v := range s.Components {
			compSum[name] += v
			compN[name]++
		}
		if s.Generated {
			gen = append(gen, s.Score)
		} else {
			real = append(real, s.Score)
		}
		if len(s.Errors) > 0 {
			r.Errors++
			r.ErrorList = append(r.ErrorList, s.SampleScore)
			if firstErr == "" {
				firstErr = s.Errors[0]
			}
		}
	}
	r.Stats = Compute(scores)
	for name, xs := range byTopic {
		m, sd := meanStd(xs)
		r.PerTopic[name] = TopicStats{Mean: m, Std: sd, Count: len(xs)}
	}
	for name, sum := range compSum {
		r.Components[name] = sum / float64(compN[name])
	}
	r.Real.Mean, _ = meanStd(real)
	r.Real.Count = len(real)
	r.Generated.Mean, _ = meanStd(gen)
	r.Generated.Count = len(gen)

	// Highest, lowest and middle five: by score, ties by position.
	order := append([]Sample(nil), graded...)
	sort.SliceStable(order, func(a, b int) bool {
		if order[a].Score != order[b].Score {
			return order[a].Score < order[b].Score
		}
		return order[a].Position < order[b].Position
	})
	refs := func(ss []Sample) []SampleScore {
		out := make([]SampleScore, len(ss))
		for i, s := range ss {
			out[i] = s.SampleScore
		}
		return out
	}
	k := min(5, len(order))
	r.Lowest = refs(order[:k])
	hi := refs(order[len(order)-k:])
	for i, j := 0, len(hi)-1; i < j; i, j = i+1, j-1 {
		hi[i], hi[j] = hi[j], hi[i]
	}
	r.Highest = hi
	mid := max(0, len(order)/2-k/2)
	r.Middle = refs(order[mid : mid+k])

	r.Verdict, r.Reasons = Decide(r.Mean, r.SharePositive, r.Std, r.Errors, r.N)
	if r.Reasons == nil {
		r.Reasons = []string{}
	}
	r.Diagnosis = diagnose(facts{Stats: r.Stats, Scores: scores, PerTopic: r.PerTopic, Components: r.Components,
		Weights: weights(run.Grader), Real: r.Real, Gen: r.Generated, Errors: r.Errors, FirstError: firstErr})
	if r.Diagnosis == nil {
		r.Diagnosis = []Finding{}
	}
	return r
}

// Run is a dry run as the history lists it.
type Run struct {
	ID            int64   `json:"id"`
	DatasetID     int64   `json:"dataset_id"`
	State         string  `json:"state"`
	Verdict       string  `json:"verdict"` // GO | CAUTION | NO-GO; "" until done
	GraderVersion string  `json:"grader_version"`
	Model         string  `json:"model"`
	Responses     string  `json:"responses"`
	RegradeOf     int64   `json:"regrade_of"`
	N             int     `json:"n"`
	Mean          float64 `json:"mean"`
	SharePositive float64 `json:"share_positive"`
	Std           float64 `json:"std"`
	Errors        int     `json:"errors"`
	Stale         bool    `json:"stale"`
	StaleWhy      string  `json:"stale_reason,omitempty"`
	// RecordsChanged: the records changed since the run (stale, and a
	// re-grade does not help: run it again).
	RecordsChanged bool      `json:"records_changed"`
	Message        string    `json:"message"`
	CreatedAt      time.Time `json:"created_at"`
	FinishedAt     time.Time `json:"finished_at"`
}

func summary(d store.DryRun, current string, changed map[int64]bool) Run {
	r := Run{ID: d.ID, DatasetID: d.DatasetID, State: d.State, Verdict: d.Verdict, GraderVersion: d.GraderVersion, Model: d.Model,
		Responses: d.Responses, RegradeOf: d.RegradeOf, N: d.N, Message: d.Message, CreatedAt: d.CreatedAt, FinishedAt: d.FinishedAt}
	r.RecordsChanged = changed[d.ID]
	r.Stale, r.StaleWhy = staleness(d.ID, d.GraderVersion, current, r.RecordsChanged)
	var rep Report
	if d.Report != "" && json.Unmarshal([]byte(d.Report), &rep) == nil {
		r.N, r.Mean, r.SharePositive, r.Std, r.Errors = rep.N, rep.Mean, rep.SharePositive, rep.Std, rep.Errors
	}
	return r
}

// RecordsChangedWhy says what a run measured on records that changed since.
func RecordsChangedWhy(runID int64) string {
	return fmt.Sprintf("the records changed since dry run %d: run it again to measure the current data", runID)
}

// staleness says whether a run no longer measures the dataset as it is, and
// why: changed records first (a new run also takes in a grader change).
func staleness(runID int64, version, current string, recordsChanged bool) (bool, string) {
	switch {
	case recordsChanged:
		return true, RecordsChangedWhy(runID)
	case current != "" && version != current:
		return true, "graded with an older grader version: re-grade to measure the current grader (no base-model calls)"
	}
	return false, ""
}

// currentVersion is the version of the dataset's grader ("" when it has none).
func currentVersion(ctx context.Context, st *store.Store, datasetID int64) (string, error) {
	g, ok, err := grader.Load(ctx, st, datasetID)
	if err != nil || !ok {
		return "", err
	}
	return g.Version(), nil
}

// Latest is the dataset's newest finished run; Train reads its verdict.
func Latest(ctx context.Context, st *store.Store, datasetID int64) (Run, bool, error) {
	d, err := st.LatestDryRun(ctx, datasetID, true)
	if errors.Is(err, store.ErrNotFound) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, err
	}
	cur, err := currentVersion(ctx, st, datasetID)
	if err != nil {
		return Run{}, false, err
	}
	changed, err := st.DryRunsOnOldRecords(ctx, datasetID)
	if err != nil {
		return Run{}, false, err
	}
	return summary(d, cur, changed), true, nil
}

// List returns a dataset's runs, newest first.
func List(ctx context.Context, st *store.Store, datasetID int64) ([]Run, error) {
	ds, err := st.DryRuns(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	cur, err := currentVersion(ctx, st, datasetID)
	if err != nil {
		return nil, err
	}
	changed, err := st.DryRunsOnOldRecords(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	out := make([]Run, 0, len(ds))
	for _, d := range ds {
		out = append(out, summary(d, cur, changed))
	}
	return out, nil
}

// run finds a run of the dataset; id 0 is the newest (finished if any).
func findRun(ctx context.Context, st *store.Store, datasetID, id int64) (store.DryRun, error) {
	if id == 0 {
		d, err := st.LatestDryRun(ctx, datasetID, true)
		if errors.Is(err, store.ErrNotFound) {
			d, err = st.LatestDryRun(ctx, datasetID, false)
		}
		if errors.Is(err, store.ErrNotFound) {
			return d, fmt.Errorf("dataset %d has no dry run yet: run one first: %w", datasetID, store.ErrNotFound)
		}
		return d, err
	}
	d, err := st.DryRunByID(ctx, id)
	if err != nil {
		return d, err
	}
	if d.DatasetID != datasetID {
		return d, fmt.Errorf("dry run %d belongs to another dataset: %w", id, store.ErrNotFound)
	}
	return d, nil
}

// Show returns a run's report (id 0: the newest), with its stale mark as of
// now. An unfinished run's report covers the samples graded so far.
func Show(ctx context.Context, st *store.Store, datasetID, id int64) (Report, error) {
	d, err := findRun(ctx, st, datasetID, id)
	if err != nil {
		return Report{}, err
	}
	var r Report
	if d.State == store.DryRunDone && d.Report != "" && json.Unmarshal([]byte(d.Report), &r) == nil {
		r.State, r.FinishedAt = d.State, d.FinishedAt
	} else {
		rows, err := st.DryRunSamples(ctx, d.ID)
		if err != nil {
			return Report{}, err
		}
		r = build(d, rows)
	}
	cur, err := currentVersion(ctx, st, datasetID)
	if err != nil {
		return Report{}, err
	}
	changed, err := st.DryRunsOnOldRecords(ctx, datasetID)
	if err != nil {
		return Report{}, err
	}
	r.RecordsChanged = changed[d.ID]
	r.Stale, r.StaleWhy = staleness(d.ID, r.GraderVersion, cur, r.RecordsChanged)
	return r, nil
}

// Samples returns every sample of a run with its answer and grade.
func Samples(ctx context.Context, st *store.Store, datasetID, id int64) ([]Sample, error) {
	d, err := findRun(ctx, st, datasetID, id)
	if err != nil {
		return nil, err
	}
	rows, err := st.DryRunSamples(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Sample, len(rows))
	for i, x := range rows {
		out[i] = decodeSample(x, d.GraderVersion)
	}
	return out, nil
}

// Comparison puts two runs side by side.
type Comparison struct {
	A        Report                `json:"a"`
	B        Report                `json:"b"`
	Mean     float64               `json:"mean_delta"` // B − A
	Share    float64               `json:"share_positive_delta"`
	Std      float64               `json:"std_delta"`
	PerTopic map[string]TopicDelta `json:"per_topic"`
	Same     bool                  `json:"same_answers"` // B re-graded A's answers (or the other way round)
}

// TopicDelta is one topic in both runs.
type TopicDelta struct {
	A     *TopicStats `json:"a"`
	B     *TopicStats `json:"b"`
	Delta float64     `json:"delta"` // B's mean − A's mean, when both have the topic
}

// Compare returns runs a and b of a dataset side by side.
func Compare(ctx context.Context, st *store.Store, datasetID, a, b int64) (Comparison, error) {
	if a <= 0 || b <= 0 {
		return Comparison{}, errors.New("compare needs two run ids")
	}
	ra, err := Show(ctx, st, datasetID, a)
	if err != nil {
		return Comparison{}, err
	}
	rb, err := Show(ctx, st, datasetID, b)
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{A: ra, B: rb, Mean: rb.Mean - ra.Mean, Share: rb.SharePositive - ra.SharePositive, Std: rb.Std - ra.Std,
		PerTopic: map[string]TopicDelta{}, Same: ra.RegradeOf == rb.ID || rb.RegradeOf == ra.ID}
	for name, t := range ra.PerTopic {
		t := t
		c.PerTopic[name] = TopicDelta{A: &t}
	}
	for name, t := range rb.PerTopic {
		t := t
		d := c.PerTopic[name]
		d.B = &t
		if d.A != nil {
			d.Delta = t.Mean - d.A.Mean
		}
		c.PerTopic[name] = d
	}
	return c, nil
}
