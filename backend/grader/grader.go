// Package grader is the reward function of a dataset: a weighted set of
// components (LLM judge, Python-dialect script, built-in checks), run locally
// for Test Sample, the dry run and benchmarks, and exported to every trainer
// with the same score.
package grader

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"tracetune/backend/record"
)

// Kind is a component's kind. Kinds lists them in the order the editor
// offers them.
type Kind string

const (
	KindJudge          Kind = "llm_judge"
	KindScript         Kind = "script"
	KindStringCheck    Kind = "string_check"
	KindTextSimilarity Kind = "text_similarity"
	KindToolCallMatch  Kind = "tool_call_match"
)

// Kinds are the component kinds, in the editor's order.
var Kinds = []Kind{KindJudge, KindScript, KindStringCheck, KindTextSimilarity, KindToolCallMatch}

// Component is one weighted part of a grader. Which fields apply depends on
// Kind; the others stay empty and are left out of the canonical JSON.
type Component struct {
	Name   string  `json:"name"`
	Kind   Kind    `json:"kind"`
	Weight float64 `json:"weight"`

	// llm_judge
	Prompt      string          `json:"prompt,omitempty"`      // template with {{messages}}, {{response}}, {{item.FIELD}}, …
	Schema      json.RawMessage `json:"schema,omitempty"`      // JSON schema of the answer; must yield score 0–1
	Model       string          `json:"model,omitempty"`       // "" = the judge role's model
	Temperature *float64        `json:"temperature,omitempty"` // nil = 0
	MaxTokens   int             `json:"max_tokens,omitempty"`  // 0 = 256

	// script
	Source string `json:"source,omitempty"` // def grade(sample, item): …

	// string_check and text_similarity
	Input     string `json:"input,omitempty"`     // template, e.g. {{sample.output_text}}
	Reference string `json:"reference,omitempty"` // template, e.g. {{item.reference_answer}}
	Operation string `json:"operation,omitempty"` // string_check: eq, ne, like, ilike
	Metric    string `json:"metric,omitempty"`    // text_similarity: fuzzy_match, bleu, rouge_l, …

	// tool_call_match
	ReferenceField string `json:"reference_field,omitempty"` // e.g. reference_tool_calls
}

// Grader is a dataset's reward function: components whose weights sum to 1.
type Grader struct {
	Components []Component `json:"components"`
}

// Sample is the response being graded, as OpenAI's graders see it.
type Sample struct {
	OutputText  string            `json:"output_text"`
	OutputJSON  any               `json:"output_json"` // output_text parsed as JSON, else nil
	OutputTools []record.ToolCall `json:"output_tools"`
}

// Item is the RFT line the response answers: the prompt, the tools offered
// and the grader fields (item.* in templates and scripts).
type Item struct {
	Messages []record.Message `json:"messages"`
	Tools    json.RawMessage  `json:"tools,omitempty"`
	Fields   map[string]any   `json:"fields,omitempty"`
}

// Result is one graded sample: the weighted total and each component's part.
// A component that fails scores 0 and names itself and the reason in Errors.
type Result struct {
	Score      float64            `json:"score"`
	Components map[string]float64 `json:"components"`
	Reasoning  map[string]string  `json:"reasoning,omitempty"`
	Errors     []string           `json:"errors,omitempty"`
}

// DefaultJudgeMaxTokens and the other judge defaults (PRODUCT.md §8).
const (
	DefaultJudgeMaxTokens = 256
	weightTolerance       = 1e-9
)

// DefaultJudgeSchema is the answer a judge gives unless its component names
// another schema: a score 0–1 and its reasoning.
var DefaultJudgeSchema = json.RawMessage(`{"type":"object","properties":{"score":{"type":"number","minimum":0,"maximum":1},"reasoning":{"type":"string"}},"required":["score","reasoning"],"additionalProperties":false}`)

var (
	nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// names a calculate_output formula cannot use as variables
	reservedNames = map[string]bool{"min": true, "max": true, "abs": true, "floor": true, "ceil": true, "exp": true, "sqrt": true, "log": true}
)

// Canonical is the grader's canonical JSON: components in order, empty
// fields left out, schemas compacted. Its hash is the version.
func (g Grader) Canonical() ([]byte, error) {
	c := Grader{Components: make([]Component, len(g.Components))}
	for i, comp := range g.Components {
		if len(bytes.TrimSpace(comp.Schema)) > 0 {
			var b bytes.Buffer
			if err := json.Compact(&b, comp.Schema); err != nil {
				return nil, fmt.Errorf("component %q: schema is not JSON: %w", comp.Name, err)
			}
			comp.Schema = b.Bytes()
		} else {
			comp.Schema = nil
		}
		c.Components[i] = comp
	}
	return json.Marshal(c)
}

// Version is a short hex hash of the canonical JSON; dry runs and training
// jobs record it.
func (g Grader) Version() string {
	b, err := g.Canonical()
	if err != nil {
		b, _ = json.Marshal(g)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// Problem is one thing wrong with a grader: Component is the index of the
// component it is about, -1 for the grader as a whole.
type Problem struct {
	Component int    `json:"component"`
	Message   string `json:"message"`
}

// Validate checks a grader before it is saved: at least one component,
// names unique identifiers, weights non-negative and summing to 1, and each
// kind's own fields (scripts compile and define grade).
func (g Grader) Validate() error {
	var errs []error
	for _, p := range g.Problems() {
		errs = append(errs, errors.New(p.Message))
	}
	return errors.Join(errs...)
}

// Problems lists everything Validate would refuse, each tied to its
// component, for an editor to show inline.
func (g Grader) Problems() []Problem {
	if len(g.Components) == 0 {
		return []Problem{{Component: -1, Message: "a grader needs at least one component"}}
	}
	var out []Problem
	add := func(i int, format string, a ...any) {
		out = append(out, Problem{Component: i, Message: fmt.Sprintf(format, a...)})
	}
	seen := map[string]bool{}
	sum := 0.0
	for i, c := range g.Components {
		label := fmt.Sprintf("component %d", i+1)
		if c.Name != "" {
			label = fmt.Sprintf("component %q", c.Name)
		}
		switch {
		case c.Name == "":
			add(i, "%s: give it a name", label)
		case !nameRE.MatchString(c.Name):
			add(i, "%s: a name is letters, digits and _ and does not start with a digit (it becomes a variable of the trainer's formula)", label)
		case reservedNames[c.Name]:
			add(i, "%s: %s is a function of the score formula; pick another name", label, c.Name)
		case seen[c.Name]:
			add(i, "%s: two components have this name", label)
		}
		seen[c.Name] = true
		if math.IsNaN(c.Weight) || math.IsInf(c.Weight, 0) || c.Weight < 0 {
			add(i, "%s: weight %v must be a number ≥ 0", label, c.Weight)
		} else {
			sum += c.Weight
		}
		if err := c.validateKind(); err != nil {
			add(i, "%s: %v", label, err)
		}
	}
	if math.Abs(sum-1) > weightTolerance {
		add(-1, "weights sum to %s, not 1", strconv.FormatFloat(sum, 'f', -1, 64))
	}
	return out
}

// CheckScript compiles a script and checks that it defines grade(sample,
// item), for the editor's inline errors.
func CheckScript(src string) error {
	_, err := compileScript(src)
	return err
}

func (c Component) validateKind() error {
	switch c.Kind {
	case KindJudge:
		if strings.TrimSpace(c.Prompt) == "" {
			return errors.New("a judge needs a prompt")
		}
		if err := checkTemplate(c.Prompt); err != nil {
			return err
		}
		if _, err := judgeSchema(c); err != nil {
			return err
		}
		if c.Temperature != nil && (*c.Temperature < 0 || *c.Temperature > 2) {
			return fmt.Errorf("temperature %v is outside 0–2", *c.Temperature)
		}
		if c.MaxTokens < 0 {
			return errors.New("max tokens must be ≥ 0 (0 = 256)")
		}
	case KindScript:
		if _, err := compileScript(c.Source); err != nil {
			return fmt.Errorf("script %w", err)
		}
	case KindStringCheck:
		switch c.Operation {
		case "eq", "ne", "like", "ilike":
		default:
			return fmt.Errorf("operation %q: use eq, ne, like or ilike", c.Operation)
		}
		return checkInputs(c)
	case KindTextSimilarity:
		if !knownMetric(c.Metric) {
			return fmt.Errorf("metric %q: use one of %s", c.Metric, strings.Join(Metrics, ", "))
		}
		return checkInputs(c)
	case KindToolCallMatch:
		if strings.TrimSpace(c.ReferenceField) == "" {
			return errors.New("name the item field holding the expected tool calls (reference_field, e.g. reference_tool_calls)")
		}
		if _, _, err := parsePath("item." + c.ReferenceField); err != nil {
			return fmt.Errorf("reference_field: %w", err)
		}
	case "":
		return errors.New("pick a kind: llm_judge, script, string_check, text_similarity or tool_call_match")
	default:
		return fmt.Errorf("unknown kind %q (llm_judge, script, string_check, text_similarity, tool_call_match)", c.Kind)
	}
	return nil
}

func checkInputs(c Component) error {
	if strings.TrimSpace(c.Input) == "" {
		return errors.New("input is empty: e.g. {{sample.output_text}}")
	}
	if err := checkTemplate(c.Input); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	if err := checkTemplate(c.Reference); err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	return nil
}

// judgeSchema is the answer schema of a judge: its own (which must declare
// a score property) or DefaultJudgeSchema.
func judgeSchema(c Component) (json.RawMessage, error) {
	if len(bytes.TrimSpace(c.Schema)) == 0 {
		return DefaultJudgeSchema, nil
	}
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(c.Schema, &s); err != nil {
		return nil, fmt.Errorf("schema is not a JSON object: %v", err)
	}
	if _, ok := s.Properties["score"]; !ok {
		return nil, errors.New(`schema must declare a "score" property (a number 0–1)`)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, c.Schema); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
