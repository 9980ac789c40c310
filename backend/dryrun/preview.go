package dryrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/tokens"
	"tracetune/backend/train"
)

// DefaultAnswerTokens is the assumed length of a base-model answer when no
// sampled record has a production response to measure.
const DefaultAnswerTokens = 256

// DefaultLatency is the assumed time of one answer when this model has no
// earlier dry run to measure.
const DefaultLatency = 3 * time.Second

// messageOverhead is the per-message framing of the chat format in tokens.
const messageOverhead = 4

// Preview is what a dry run would spend, shown before anything is spent.
type Preview struct {
	SampleSize       int      `json:"sample_size"`
	Valid            int      `json:"valid"` // valid records to sample from
	Responses        string   `json:"responses"`
	Provider         string   `json:"provider"`
	Model            string   `json:"model"`
	Concurrency      int      `json:"concurrency"`
	ToAsk            int      `json:"to_ask"`            // base-model calls this run makes
	Resumes          int64    `json:"resumes"`           // the unfinished run it would resume (0 = a new run)
	Finished         int      `json:"finished"`          // samples already graded in that run
	PromptTokens     int64    `json:"prompt_tokens"`     // estimated, for ToAsk calls
	CompletionTokens int64    `json:"completion_tokens"` // estimated
	CompletionBasis  string   `json:"completion_basis"`  // how the completion estimate was made
	Cost             *float64 `json:"cost"`              // USD; null when the model has no price
	JudgeCalls       int      `json:"judge_calls"`       // LLM-judge calls the grading makes
	Seconds          float64  `json:"seconds"`           // expected time at the configured concurrency
	LatencyBasis     string   `json:"latency_basis"`
	GraderVersion    string   `json:"grader_version"`
	Notes            []string `json:"notes"`
	// Target is what Step 6 trains (Model "": nothing chosen); ForGate says
	// whether this run can open the Train gate (answered by that model).
	Target  train.Target `json:"target"`
	ForGate bool         `json:"for_gate"`
}

// MakePreview estimates a dry run with opts: the sample it would take, the
// base-model tokens and cost (from the price table) and the time.
func MakePreview(ctx context.Context, st *store.Store, datasetID int64, opts Options) (Preview, error) {
	if err := opts.Validate(); err != nil {
		return Preview{}, err
	}
	opts = opts.withDefaults()
	p := Preview{Responses: opts.Responses, Notes: []string{}}
	g, ok, err := grader.Load(ctx, st, datasetID)
	if err != nil {
		return p, err
	}
	if ok {
		p.GraderVersion = g.Version()
	} else {
		p.Notes = append(p.Notes, "the dataset has no grader yet: configure one in Step 4 before running")
	}
	judges := 0
	for _, c := range g.Components {
		if c.Kind == grader.KindJudge {
			judges++
		}
	}
	cands, err := st.DryRunCandidates(ctx, datasetID)
	if err != nil {
		return p, err
	}
	p.Valid = len(cands)

	var client *llm.Client
	if opts.Regrade == 0 && opts.Responses == ResponsesBase {
		c, model, err := Answerer(ctx, st, datasetID, opts)
		switch {
		case errors.Is(err, llm.ErrNoProvider):
			p.Notes = append(p.Notes, "no base model is assigned: assign one in Settings (Providers), or grade production responses")
		case err != nil:
			return p, err
		default:
			client, p.Provider, p.Model = c, c.Name(), model
			p.Concurrency = c.Config().Concurrency
			if p.Concurrency <= 0 {
				p.Concurrency = llm.DefaultConcurrency
			}
		}
		if t, ok, err := (&train.Service{Store: st}).ChosenTarget(ctx, datasetID); err != nil {
			return p, err
		} else if ok {
			p.Target = t
		}
		p.ForGate = p.Model != "" && (p.Target.Model == "" || train.SameModel(p.Model, p.Target.Model))
		if p.Model != "" && !p.ForGate {
			p.Notes = append(p.Notes, fmt.Sprintf("%s is not the model Step 6 trains (%s): this run will not count for the Train gate", p.Model, p.Target.Model))
		}
	} else {
		p.Concurrency = llm.DefaultConcurrency
	}

	// What would be asked: the stored sample of a run to resume, a
	// re-grade's answers (nothing), or a new stratified sample.
	var ask []int64
	switch {
	case opts.Regrade > 0:
		src, err := st.DryRunByID(ctx, opts.Regrade)
		if err != nil {
			return p, err
		}
		if src.DatasetID != datasetID {
			return p, fmt.Errorf("dry run %d belongs to another dataset: %w", src.ID, store.ErrNotFound)
		}
		rows, err := st.DryRunSamples(ctx, src.ID)
		if err != nil {
			return p, err
		}
		for _, x := range rows {
			if x.Answer != "" {
				p.SampleSize++
			}
		}
		p.Model, p.Provider = src.Model, src.Provider
		p.Notes = append(p.Notes, fmt.Sprintf("re-grades the %d stored answers of run %d: no base-model calls", p.SampleSize, src.ID))
	default:
		last, err := st.LatestDryRun(ctx, datasetID, false)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return p, err
		}
		if err == nil && last.State != store.DryRunDone && last.RegradeOf == 0 && last.N == opts.N && last.Seed == opts.Seed &&
			last.Responses == opts.Responses && (opts.Responses != ResponsesBase || last.Model == p.Model) {
			rows, err := st.DryRunSamples(ctx, last.ID)
			if err != nil {
				return p, err
			}
			p.Resumes, p.SampleSize = last.ID, len(rows)
			for _, x := range rows {
				if x.GradedVersion == p.GraderVersion && x.GradedVersion != "" {
					p.Finished++
				}
				if x.Answer == "" {
					ask = append(ask, x.RecordID)
				}
			}
			p.Notes = append(p.Notes, fmt.Sprintf("resumes run %d: %d of %d samples are already graded", last.ID, p.Finished, p.SampleSize))
		} else {
			if opts.Responses == ResponsesProduction {
				kept := cands[:0:0]
				for _, c := range cands {
					if c.HasOutput {
						kept = append(kept, c)
					}
				}
				cands = kept
			}
			for _, c := range Pick(cands, opts.N, opts.Seed) {
				ask = append(ask, c.ID)
			}
			p.SampleSize = len(ask)
			if opts.N > p.SampleSize {
				p.Notes = append(p.Notes, fmt.Sprintf("only %d records can be sampled: all of them are used", p.SampleSize))
			}
		}
		if opts.Responses == ResponsesProduction {
			p.Model, ask = ResponsesProduction, nil
			p.Notes = append(p.Notes, "grades the records' production responses: no base-model calls")
		}
	}
	p.ToAsk = len(ask)
	p.JudgeCalls = judges * (p.SampleSize - p.Finished)

	// Tokens: the prompts counted offline; the answers estimated from the
	// production responses of the same records where there are some.
	outTok, outN := int64(0), int64(0)
	for _, id := range ask {
		rec, err := st.Record(ctx, id)
		if err != nil {
			continue
		}
		p.PromptTokens += promptTokens(rec)
		if s, ok := grader.ProductionSample(rec); ok {
			if n, err := tokens.Count(s.OutputText + toolText(s.OutputTools)); err == nil {
				outTok += int64(n)
				outN++
			}
		}
	}
	per := int64(DefaultAnswerTokens)
	p.CompletionBasis = fmt.Sprintf("assumed %d tokens per answer (no production responses to measure)", DefaultAnswerTokens)
	if outN > 0 {
		per = int64(math.Round(float64(outTok) / float64(outN)))
		p.CompletionBasis = fmt.Sprintf("%d tokens per answer, the mean of %d production responses in the sample", per, outN)
	}
	p.CompletionTokens = per * int64(len(ask))
	if p.ToAsk == 0 {
		zero := 0.0
		p.Cost = &zero
	} else if prices, err := st.Prices(ctx); err == nil {
		if c, ok := llm.Cost(prices, p.Model, p.PromptTokens, p.CompletionTokens); ok {
			p.Cost = &c
		} else {
			p.Notes = append(p.Notes, fmt.Sprintf("no price for %s in the price table: cost unknown (add one in Settings)", p.Model))
		}
	}

	lat := DefaultLatency
	p.LatencyBasis = fmt.Sprintf("assumed %.0f s per answer (no earlier run of this model)", DefaultLatency.Seconds())
	if client != nil {
		if l, err := st.DryRunLatency(ctx, p.Model); err == nil && l > 0 {
			lat = l
			p.LatencyBasis = fmt.Sprintf("%.1f s per answer, measured on earlier runs of %s", l.Seconds(), p.Model)
		}
	}
	if p.ToAsk > 0 {
		waves := math.Ceil(float64(p.ToAsk) / float64(p.Concurrency))
		p.Seconds = waves * lat.Seconds()
	}
	if judges > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("grading makes %d LLM-judge calls (judge role), not included in the cost", p.JudgeCalls))
	}
	return p, nil
}

// promptTokens counts a record's prompt: message texts, tool calls and
// tool definitions, plus the chat framing.
func promptTokens(rec record.Record) int64 {
	var msgs []record.Message
	_ = json.Unmarshal(rec.Messages, &msgs)
	total := 0
	for _, m := range msgs {
		n, _ := tokens.Count(m.Text() + toolText(m.ToolCalls))
		total += n + messageOverhead
	}
	if len(rec.Tools) > 0 {
		n, _ := tokens.Count(string(rec.Tools))
		total += n
	}
	return int64(total)
}

func toolText(calls []record.ToolCall) string {
	s := ""
	for _, c := range calls {
		s += " " + c.Function.Name + " " + c.Function.Arguments
	}
	return s
}
