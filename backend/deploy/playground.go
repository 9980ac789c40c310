package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"

	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// PlaygroundInput is one prompt for both models: typed text, or a record
// of the dataset (its messages and tools as stored).
type PlaygroundInput struct {
	Prompt      string   `json:"prompt"`
	System      string   `json:"system"` // optional system message for a typed prompt
	RecordID    int64    `json:"record_id"`
	Temperature *float64 `json:"temperature"` // nil = the provider's default
	MaxTokens   int      `json:"max_tokens"`  // 0 = the provider's default
	Grade       bool     `json:"grade"`       // grade both answers with the dataset's grader
	JobID       int64    `json:"job_id"`      // 0 = the latest training job with a model
}

// Validate checks the input.
func (in PlaygroundInput) Validate() error {
	hasPrompt := strings.TrimSpace(in.Prompt) != ""
	if hasPrompt == (in.RecordID > 0) {
		return fmt.Errorf("give either a prompt or a record, not both or neither: %w", ErrInvalid)
	}
	if t := in.Temperature; t != nil && (*t < 0 || *t > 2) {
		return fmt.Errorf("temperature %g: want 0–2: %w", *t, ErrInvalid)
	}
	if in.MaxTokens < 0 || in.MaxTokens > 128000 {
		return fmt.Errorf("max tokens %d: want 0–128000: %w", in.MaxTokens, ErrInvalid)
	}
	return nil
}

// Answer is one model's answer in the playground.
type Answer struct {
	Side             string            `json:"side"`
	Provider         string            `json:"provider"`
	Model            string            `json:"model"`
	Text             string            `json:"text"`
	ToolCalls        []record.ToolCall `json:"tool_calls"`
	Message          record.Message    `json:"message"`
	LatencyMS        int64             `json:"latency_ms"`
	PromptTokens     int64             `json:"prompt_tokens"`
	CompletionTokens int64             `json:"completion_tokens"`
	Error            string            `json:"error,omitempty"`
	Stopped          bool              `json:"stopped,omitempty"` // streamed and stopped: Text is partial, not graded
	Grade            *grader.Result    `json:"grade,omitempty"`
}

// PlaygroundResult is both answers to one prompt, side by side.
type PlaygroundResult struct {
	RecordID int64            `json:"record_id,omitempty"`
	Messages []record.Message `json:"messages"`
	Tools    json.RawMessage  `json:"tools,omitempty"`
	Base     Answer           `json:"base"`
	Tuned    Answer           `json:"tuned"`
}

// Playground sends the same prompt with the same settings to the base and
// the tuned model at once and returns both answers (tool calls included),
// graded when asked.
func (s *Service) Playground(ctx context.Context, datasetID int64, in PlaygroundInput) (PlaygroundResult, error) {
	return s.playground(ctx, datasetID, in, nil, nil)
}

// PlaygroundStream is Playground with both answers streamed: onDelta
// receives each answer's text as it arrives (the two sides at once, from
// two goroutines, each side's deltas in order) and onDone, when given,
// each answer as soon as it is complete (graded when asked) or stopped.
// Canceling ctx stops both requests: each answer keeps its text so far and
// is marked Stopped; a stopped answer is never graded.
func (s *Service) PlaygroundStream(ctx context.Context, datasetID int64, in PlaygroundInput, onDelta func(side, delta string), onDone func(Answer)) (PlaygroundResult, error) {
	if onDelta == nil {
		onDelta = func(string, string) {}
	}
	return s.playground(ctx, datasetID, in, onDelta, onDone)
}

// playground answers with Chat when onDelta is nil, else streams.
func (s *Service) playground(ctx context.Context, datasetID int64, in PlaygroundInput, onDelta func(side, delta string), onDone func(Answer)) (PlaygroundResult, error) {
	if err := in.Validate(); err != nil {
		return PlaygroundResult{}, err
	}
	tuned, err := s.tuned(ctx, datasetID, in.JobID)
	if err != nil {
		return PlaygroundResult{}, err
	}
	rec, err := s.playRecord(ctx, datasetID, in)
	if err != nil {
		return PlaygroundResult{}, err
	}
	res := PlaygroundResult{RecordID: in.RecordID, Tools: rec.Tools}
	_ = json.Unmarshal(rec.Messages, &res.Messages)
	client, err := s.LLM.Client(ctx, tuned.Provider)
	if err != nil {
		return res, err
	}
	ctx = llm.WithAction(ctx, datasetID, "playground")
	var ev *grader.Evaluator
	if in.Grade {
		g, ok, err := grader.Load(ctx, s.Store, datasetID)
		if err != nil {
			return res, err
		}
		if !ok {
			return res, fmt.Errorf("dataset %d has no grader to grade with: define one in step 4: %w", datasetID, ErrNotFound)
		}
		ev = grader.NewEvaluator(s.Store, g)
	}
	var eg errgroup.Group
	for _, a := range []*Answer{&res.Base, &res.Tuned} {
		eg.Go(func() error {
			a.Side, a.Provider, a.Model = SideBase, tuned.Provider, tuned.BaseModel
			if a == &res.Tuned {
				a.Side, a.Model = SideTuned, tuned.Model
			}
			var delta func(string)
			if onDelta != nil {
				delta = func(d string) { onDelta(a.Side, d) }
			}
			s.ask(ctx, client, rec, in, a, delta)
			if ev != nil && a.Error == "" && !a.Stopped {
				it, err := grader.ItemFromRecord(rec)
				if err != nil {
					return err
				}
				r := ev.Grade(ctx, it, grader.SampleFromMessage(a.Message))
				a.Grade = &r
			}
			if onDone != nil {
				onDone(*a)
			}
			return nil
		})
	}
	return res, eg.Wait()
}

// playRecord is the record a playground prompt stands for: the picked one,
// or a typed prompt shaped as one (no grader fields).
func (s *Service) playRecord(ctx context.Context, datasetID int64, in PlaygroundInput) (record.Record, error) {
	if in.RecordID > 0 {
		rec, err := s.Store.Record(ctx, in.RecordID)
		if err != nil {
			return rec, fmt.Errorf("record %d: %w", in.RecordID, err)
		}
		if rec.DatasetID != datasetID {
			return rec, fmt.Errorf("record %d belongs to another dataset: %w", in.RecordID, ErrInvalid)
		}
		return rec, nil
	}
	var msgs []record.Message
	if sys := strings.TrimSpace(in.System); sys != "" {
		c, _ := json.Marshal(sys)
		msgs = append(msgs, record.Message{Role: "system", Content: c})
	}
	c, _ := json.Marshal(in.Prompt)
	msgs = append(msgs, record.Message{Role: "user", Content: c})
	b, _ := json.Marshal(msgs)
	return record.Record{DatasetID: datasetID, Messages: b}, nil
}

// ask fills a with the model's answer: one request built for both paths,
// sent whole, or streamed to onDelta when it is not nil.
func (s *Service) ask(ctx context.Context, c *llm.Client, rec record.Record, in PlaygroundInput, a *Answer, onDelta func(string)) {
	req, err := llm.AnswerRequest(a.Model, rec.Messages, rec.Tools)
	if err != nil {
		a.Error = err.Error()
		return
	}
	if in.Temperature != nil {
		req.Temperature = float32(*in.Temperature)
		if *in.Temperature == 0 {
			req.Temperature = 1e-9 // go-openai drops a zero temperature
		}
	}
	if in.MaxTokens > 0 {
		req.MaxCompletionTokens = in.MaxTokens
	}
	start := time.Now()
	var resp openai.ChatCompletionResponse
	if onDelta != nil {
		resp, err = c.ChatStream(ctx, req, onDelta)
	} else {
		resp, err = c.Chat(ctx, req)
	}
	a.LatencyMS = time.Since(start).Milliseconds()
	if err != nil {
		if onDelta != nil && ctx.Err() != nil {
			a.Stopped = true
		} else {
			a.Error = err.Error()
		}
		// A streamed answer keeps the text that arrived before it stopped
		// or broke off.
		if onDelta == nil {
			return
		}
	}
	if len(resp.Choices) == 0 {
		if a.Error == "" && !a.Stopped {
			a.Error = "the model returned no answer"
		}
		return
	}
	fill(a, resp.Choices[0].Message)
	if a.Stopped || a.Error != "" {
		// A tool call is shown only complete; a stopped or broken one may be cut.
		a.ToolCalls = []record.ToolCall{}
	}
	a.PromptTokens, a.CompletionTokens = int64(resp.Usage.PromptTokens), int64(resp.Usage.CompletionTokens)
}

func fill(a *Answer, m openai.ChatCompletionMessage) {
	a.Message = assistantMessage(m)
	a.Text = a.Message.Text()
	a.ToolCalls = a.Message.ToolCalls
	if a.ToolCalls == nil {
		a.ToolCalls = []record.ToolCall{}
	}
}

// GradeAnswer grades one playground answer on demand: the answer to a
// record (recordID > 0) or to a typed prompt.
func (s *Service) GradeAnswer(ctx context.Context, datasetID int64, in PlaygroundInput, answer record.Message) (grader.Result, error) {
	if err := in.Validate(); err != nil {
		return grader.Result{}, err
	}
	rec, err := s.playRecord(ctx, datasetID, in)
	if err != nil {
		return grader.Result{}, err
	}
	g, ok, err := grader.Load(ctx, s.Store, datasetID)
	if err != nil {
		return grader.Result{}, err
	}
	if !ok {
		return grader.Result{}, fmt.Errorf("dataset %d has no grader: define one in step 4: %w", datasetID, ErrNotFound)
	}
	it, err := grader.ItemFromRecord(rec)
	if err != nil {
		return grader.Result{}, err
	}
	ctx = llm.WithAction(ctx, datasetID, "playground")
	return grader.NewEvaluator(s.Store, g).Grade(ctx, it, grader.SampleFromMessage(answer)), nil
}

// TunedModels lists the tuned models registered with Tracetune providers.
func (s *Service) TunedModels(ctx context.Context, datasetID int64) ([]store.TunedModelRow, error) {
	return s.Store.TunedModels(ctx, datasetID)
}
