package grader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strings"

	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// DefaultTestSamples is how many records Test Sample grades.
const DefaultTestSamples = 5

// Response sources of a Test Sample.
const (
	FromProduction = "production" // the trace's own response
	FromBaseModel  = "base_model" // a fresh answer of the base model role
)

// SampleResult is one record graded by Test Sample.
type SampleResult struct {
	RecordID    int64              `json:"record_id"`
	Score       float64            `json:"score"`
	Components  map[string]float64 `json:"components"`
	Response    string             `json:"response"`  // the text graded, tool calls appended as [tool call] lines
	Reasoning   string             `json:"reasoning"` // the judges' reasoning ("name: …" lines when several)
	Errors      []string           `json:"errors"`
	Source      string             `json:"source"` // production or base_model
	ReasoningBy map[string]string  `json:"reasoning_by,omitempty"`
	// fields the record offers without carrying them, with where they came
	// from: "reference_tool_calls (from the file's trajectory)"
	DerivedFields []string `json:"derived_fields,omitempty"`
	// DerivedFields as a person reads them, one line per origin
	// (record.DerivedSummary), so the window and the CLI say the same
	DerivedSummary []string `json:"derived_summary,omitempty"`
}

// TestResult is a Test Sample run: the grader version, each record, and
// the mean score.
type TestResult struct {
	Version string         `json:"version"`
	Samples []SampleResult `json:"samples"`
	Mean    float64        `json:"mean"`
}

// TestOptions tune Test Sample.
type TestOptions struct {
	N    int   `json:"n"`    // records to grade; 0 = 5; more than the valid count grades them all
	Seed int64 `json:"seed"` // the same seed draws the same records
}

// Validate checks the options.
func (o TestOptions) Validate() error {
	if o.N < 0 {
		return fmt.Errorf("n must be ≥ 0 (0 = %d), not %d", DefaultTestSamples, o.N)
	}
	return nil
}

// TestSample grades n random valid records of a dataset (the seed makes the
// draw repeatable) with its current grader: the production response when
// the record has one, otherwise a fresh answer from the base model role.
// Tokens and cost are accounted under the action "grader". The outcome is
// remembered as the dataset's last test (the step's status reads it).
func TestSample(ctx context.Context, st *store.Store, datasetID int64, opts TestOptions) (TestResult, error) {
	if err := opts.Validate(); err != nil {
		return TestResult{}, err
	}
	g, ok, err := Load(ctx, st, datasetID)
	if err != nil {
		return TestResult{}, err
	}
	if !ok {
		return TestResult{}, errors.New("no grader yet: pick a preset or add a component, then save")
	}
	ids, err := st.ValidRecordIDs(ctx, datasetID)
	if err != nil {
		return TestResult{}, fmt.Errorf("test sample: %w", err)
	}
	if len(ids) == 0 {
		return TestResult{}, errors.New("the dataset has no valid records to grade")
	}
	n := opts.N
	if n == 0 {
		n = DefaultTestSamples
	}
	n = min(n, len(ids))
	perm := pick(rand.New(rand.NewSource(opts.Seed)), len(ids), n)
	ctx = llm.WithAction(ctx, datasetID, "grader")
	ev := NewEvaluator(st, g)
	res := TestResult{Version: g.Version(), Samples: make([]SampleResult, 0, n)}
	var base *baseModel
	errCount := 0
	for _, p := range perm {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		sr := testOne(ctx, st, ev, ids[p], &base)
		if len(sr.Errors) > 0 {
			errCount++
		}
		res.Samples = append(res.Samples, sr)
		res.Mean += sr.Score
	}
	res.Mean /= float64(len(res.Samples))
	b, _ := json.Marshal(res)
	if err := st.SaveGraderTest(context.WithoutCancel(ctx), datasetID, store.GraderTest{Version: res.Version, Samples: len(res.Samples), Errors: errCount, Result: string(b)}); err != nil {
		return res, fmt.Errorf("remember test sample: %w", err)
	}
	return res, nil
}

// LastTest returns the last Test Sample of a dataset (ok false when none).
func LastTest(ctx context.Context, st *store.Store, datasetID int64) (TestResult, bool, error) {
	t, err := st.LastGraderTest(ctx, datasetID)
	if errors.Is(err, store.ErrNotFound) {
		return TestResult{}, false, nil
	}
	if err != nil {
		return TestResult{}, false, err
	}
	var r TestResult
	if err := json.Unmarshal([]byte(t.Result), &r); err != nil {
		return TestResult{}, false, fmt.Errorf("last test sample is unreadable: %w", err)
	}
	for i, s := range r.Samples { // a test stored before the summary was kept
		if len(s.DerivedFields) > 0 && len(s.DerivedSummary) == 0 {
			r.Samples[i].DerivedSummary = record.DerivedSummary(s.DerivedFields)
		}
	}
	return r, true, nil
}

type baseModel struct {
	cli   *llm.Client
	model string
	err   error
}

func testOne(ctx context.Context, st *store.Store, ev *Evaluator, id int64, base **baseModel) SampleResult {
	sr := SampleResult{RecordID: id, Components: map[string]float64{}, Errors: []string{}}
	fail := func(msg string) SampleResult {
		for _, c := range ev.g.Components {
			sr.Components[c.Name] = 0
		}
		sr.Errors = append(sr.Errors, msg)
		return sr
	}
	rec, err := st.Record(ctx, id)
	if err != nil {
		return fail(fmt.Sprintf("record %d: %v", id, err))
	}
	it, err := ItemFromRecord(rec)
	if err != nil {
		return fail(err.Error())
	}
	if f, err := ItemFields(rec); err == nil && len(f.Derived) > 0 {
		sr.DerivedFields = f.Labels()
		sr.DerivedSummary = record.DerivedSummary(sr.DerivedFields)
	}
	s, ok := ProductionSample(rec)
	sr.Source = FromProduction
	if !ok {
		sr.Source = FromBaseModel
		if *base == nil {
			b := &baseModel{}
			b.cli, b.model, b.err = llm.ForRole(ctx, st, llm.RoleBase)
			if errors.Is(b.err, llm.ErrNoProvider) {
				b.err = errors.New("the record has no production response and no base model is assigned (Settings → Providers, role base)")
			}
			*base = b
		}
		if (*base).err != nil {
			return fail("response: " + (*base).err.Error())
		}
		s, err = answer(ctx, (*base).cli, (*base).model, rec)
		if err != nil {
			return fail("response: " + err.Error())
		}
	}
	sr.Response = responseText(s.OutputText, mustValue(s.OutputTools))
	r := ev.Grade(ctx, it, s)
	sr.Score, sr.Components = r.Score, r.Components
	sr.Errors = append(sr.Errors, r.Errors...)
	sr.ReasoningBy = r.Reasoning
	sr.Reasoning = joinReasoning(r.Reasoning)
	return sr
}

func mustValue(v any) any {
	w, _ := toValue(v)
	return w
}

func joinReasoning(m map[string]string) string {
	if len(m) == 1 {
		for _, v := range m {
			return v
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	for _, k := range keys {
		lines = append(lines, k+": "+m[k])
	}
	return strings.Join(lines, "\n")
}

// answer asks a model for a fresh response to a record's prompt (its
// messages and tools as stored).
func answer(ctx context.Context, cli *llm.Client, model string, rec record.Record) (Sample, error) {
	req, err := llm.AnswerRequest(model, rec.Messages, rec.Tools)
	if err != nil {
		return Sample{}, err
	}
	resp, err := cli.Chat(ctx, req)
	if err != nil {
		return Sample{}, err
	}
	m := resp.Choices[0].Message
	calls := make([]record.ToolCall, 0, len(m.ToolCalls))
	for _, c := range m.ToolCalls {
		calls = append(calls, record.ToolCall{ID: c.ID, Type: string(c.Type), Function: record.FunctionCall{Name: c.Function.Name, Arguments: c.Function.Arguments}})
	}
	text := m.Content
	for _, p := range m.MultiContent {
		text += p.Text
	}
	return newSample(text, calls), nil
}

// pick draws n distinct indices below total, the same ones for the same
// source: a partial Fisher–Yates shuffle that touches only n positions.
func pick(r *rand.Rand, total, n int) []int {
	swapped := map[int]int{}
	at := func(i int) int {
		if v, ok := swapped[i]; ok {
			return v
		}
		return i
	}
	out := make([]int, n)
	for i := 0; i < n; i++ {
		j := i + r.Intn(total-i)
		out[i] = at(j)
		swapped[j] = at(i)
	}
	return out
}
