package grader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"tracetune/backend/llm"
	"tracetune/backend/store"
)

// JudgeTimeout bounds one judge call, retries included, so that a grade
// never hangs on a provider.
var JudgeTimeout = 3 * time.Minute

// Evaluator grades samples with one grader. Scripts compile once; judge
// clients are resolved on first use through backend/llm (the judge role,
// with the component's model when it names one). It is safe for
// concurrent use.
type Evaluator struct {
	st *store.Store
	g  Grader

	mu       sync.Mutex
	programs map[string]*program
	progErr  map[string]error
	judge    *llm.Client
	model    string
	judgeErr error
	resolved bool
}

// NewEvaluator returns an evaluator of g; st gives the judge role (it may be
// nil when the grader has no judge).
func NewEvaluator(st *store.Store, g Grader) *Evaluator {
	return &Evaluator{st: st, g: g, programs: map[string]*program{}, progErr: map[string]error{}}
}

// Grader returns the grader being evaluated.
func (e *Evaluator) Grader() Grader { return e.g }

func (e *Evaluator) program(c Component) (*program, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.programs[c.Name]; ok {
		return p, nil
	}
	if err, ok := e.progErr[c.Name]; ok {
		return nil, err
	}
	p, err := compileScript(c.Source)
	if err != nil {
		e.progErr[c.Name] = err
		return nil, err
	}
	e.programs[c.Name] = p
	return p, nil
}

// judgeClient resolves the judge role once.
func (e *Evaluator) judgeClient(ctx context.Context) (*llm.Client, string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.resolved {
		if e.st == nil {
			e.judgeErr = errors.New("no store to find the judge role in")
		} else {
			e.judge, e.model, e.judgeErr = llm.ForRole(ctx, e.st, llm.RoleJudge)
			if errors.Is(e.judgeErr, llm.ErrNoProvider) {
				e.judgeErr = errors.New("no judge model: assign the judge role in Settings → Providers")
			}
		}
		e.resolved = e.judgeErr == nil || ctx.Err() == nil
	}
	return e.judge, e.model, e.judgeErr
}

// Grade scores one sample against its item. It never hangs and never fails
// as a whole: a component that fails scores 0 and its error ("name:
// reason") is in Errors.
func (e *Evaluator) Grade(ctx context.Context, it Item, s Sample) Result {
	res := Result{Components: map[string]float64{}}
	en, err := newEnv(it, s)
	if err != nil {
		for _, c := range e.g.Components {
			res.Components[c.Name] = 0
			res.Errors = append(res.Errors, c.Name+": "+err.Error())
		}
		return res
	}
	for _, c := range e.g.Components {
		score, reasoning, err := e.component(ctx, c, en)
		if err != nil {
			score = 0
			res.Errors = append(res.Errors, c.Name+": "+err.Error())
		}
		res.Components[c.Name] = score
		if reasoning != "" {
			if res.Reasoning == nil {
				res.Reasoning = map[string]string{}
			}
			res.Reasoning[c.Name] = reasoning
		}
		res.Score += c.Weight * score
	}
	return res
}

func (e *Evaluator) component(ctx context.Context, c Component, en *env) (float64, string, error) {
	if err := ctx.Err(); err != nil {
		return 0, "", err
	}
	switch c.Kind {
	case KindScript:
		p, err := e.program(c)
		if err != nil {
			return 0, "", fmt.Errorf("script %v", err)
		}
		f, err := p.run(ctx, en.sample, en.item)
		return f, "", err
	case KindStringCheck:
		f, err := stringCheck(c.Operation, en.render(c.Input), en.render(c.Reference))
		return f, "", err
	case KindTextSimilarity:
		f, err := similarity(c.Metric, en.render(c.Input), en.render(c.Reference))
		return f, "", err
	case KindToolCallMatch:
		_, steps, err := parsePath("item." + c.ReferenceField)
		if err != nil {
			return 0, "", err
		}
		ref, ok := walk(en.item, steps)
		if !ok {
			return 0, "", fmt.Errorf("the item has no field %s (the expected tool calls)", c.ReferenceField)
		}
		calls, _ := en.sample.get("output_tools")
		f, err := toolCallMatch(ref, calls)
		return f, "", err
	case KindJudge:
		return e.runJudge(ctx, c, en)
	}
	return 0, "", fmt.Errorf("unknown kind %q", c.Kind)
}

// JudgeRequest is the chat request a judge component sends for a rendered
// prompt: one user message, temperature 0 (sent as the smallest float32, as
// go-openai drops a zero), max tokens 256, the answer schema as
// response_format json_schema. Reasoning models (o-series, gpt-5) take no
// temperature and max_completion_tokens instead. The exported Python builds
// the same body.
func JudgeRequest(c Component, model, prompt string) (openai.ChatCompletionRequest, llm.Schema, error) {
	schema, err := judgeSchema(c)
	if err != nil {
		return openai.ChatCompletionRequest{}, llm.Schema{}, err
	}
	req := llm.Request(model, llm.User(prompt))
	maxTok := c.MaxTokens
	if maxTok == 0 {
		maxTok = DefaultJudgeMaxTokens
	}
	if reasoningModel(model) {
		req.MaxCompletionTokens = maxTok
	} else {
		req.MaxTokens = maxTok
		t := float32(0)
		if c.Temperature != nil {
			t = float32(*c.Temperature)
		}
		if t == 0 {
			t = math.SmallestNonzeroFloat32
		}
		req.Temperature = t
	}
	return req, llm.Schema{Name: "judge", Schema: schema}, nil
}

// reasoningModel says whether a model takes no temperature (OpenAI's
// o-series and gpt-5).
func reasoningModel(model string) bool {
	m := model
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

func (e *Evaluator) runJudge(ctx context.Context, c Component, en *env) (float64, string, error) {
	cli, model, err := e.judgeClient(ctx)
	if err != nil {
		return 0, "", err
	}
	if c.Model != "" {
		model = c.Model
	}
	req, schema, err := JudgeRequest(c, model, en.render(c.Prompt))
	if err != nil {
		return 0, "", err
	}
	jctx, cancel := context.WithTimeout(ctx, JudgeTimeout)
	defer cancel()
	var out map[string]any
	if _, err := cli.ChatJSON(jctx, req, schema, &out); err != nil {
		return 0, "", fmt.Errorf("judge %s: %v", model, err)
	}
	return judgeScore(out)
}

// judgeScore reads score (0–1) and reasoning from a judge's answer.
func judgeScore(out map[string]any) (float64, string, error) {
	reasoning, _ := out["reasoning"].(string)
	raw, ok := out["score"]
	if !ok {
		return 0, reasoning, errors.New("the judge's answer has no score")
	}
	f, ok := raw.(float64)
	if !ok {
		if n, isNum := raw.(json.Number); isNum {
			f, ok = numberFloat(n)
		}
	}
	if !ok {
		return 0, reasoning, fmt.Errorf("the judge's score %v is not a number", raw)
	}
	if math.IsNaN(f) || f < 0 || f > 1 {
		return 0, reasoning, fmt.Errorf("the judge's score %v is outside 0–1", f)
	}
	return f, reasoning, nil
}
