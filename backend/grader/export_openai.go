package grader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Judge models the trainers' model graders accept (rft-api.md §3, §7).
var (
	// AzureJudgeModels are the only grader models Azure OpenAI allows.
	AzureJudgeModels = []string{"gpt-4o-2024-08-06", "o3-mini-2025-01-31"}
	// OpenAIJudgeModels are the grader models OpenAI documents (the list
	// may be stale; OpenAI's validate endpoint has the last word).
	OpenAIJudgeModels = []string{"gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14",
		"gpt-4.1-nano-2025-04-14", "o1-2024-12-17", "o3-mini-2025-01-31", "o3-2025-04-16", "o4-mini-2025-04-16"}
)

// DefaultExportJudgeModel is the grader model of a judge that names none
// (allowed on both OpenAI and Azure).
const DefaultExportJudgeModel = "gpt-4o-2024-08-06"

// PythonImageTag is the python grader image OpenAI documents.
const PythonImageTag = "2025-05-08"

// How Tracetune's shorthand variables translate into OpenAI's namespaces
// for a model grader. lastUserMessage and systemPrompt have no equivalent.
var openAIShorthand = map[string]string{
	"response":  "{{sample.output_text}}",
	"messages":  "{{item.messages}}",
	"tools":     "{{item.tools}}",
	"toolCalls": "{{sample.output_tools}}",
}

// ExportOpenAI builds the object for method.reinforcement.grader: a multi
// grader whose graders map is keyed by component name and whose
// calculate_output is the weighted sum. Components of weight 0 are left
// out. It refuses, naming the component and the reason, what OpenAI (or,
// with azure, Azure OpenAI) cannot express.
func ExportOpenAI(g Grader, azure bool) (json.RawMessage, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	graders := map[string]any{}
	var terms []string
	var errs []error
	for _, c := range g.Components {
		if c.Weight == 0 {
			continue
		}
		sub, err := openAIComponent(c, azure)
		if err != nil {
			errs = append(errs, fmt.Errorf("component %q: %w", c.Name, err))
			continue
		}
		graders[c.Name] = sub
		terms = append(terms, strconv.FormatFloat(c.Weight, 'g', -1, 64)+" * "+c.Name)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	multi := map[string]any{
		"type":             "multi",
		"name":             "tracetune_" + g.Version(),
		"graders":          graders,
		"calculate_output": strings.Join(terms, " + "),
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // templates and sources stay readable
	if err := enc.Encode(multi); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

func openAIComponent(c Component, azure bool) (map[string]any, error) {
	switch c.Kind {
	case KindStringCheck, KindTextSimilarity:
		for _, t := range []string{c.Input, c.Reference} {
			if err := openAIOnlyNamespaces(t); err != nil {
				return nil, err
			}
		}
		if c.Kind == KindStringCheck {
			return map[string]any{"type": "string_check", "name": c.Name, "input": c.Input, "reference": c.Reference, "operation": c.Operation}, nil
		}
		return map[string]any{"type": "text_similarity", "name": c.Name, "input": c.Input, "reference": c.Reference, "evaluation_metric": c.Metric}, nil
	case KindScript:
		return map[string]any{"type": "python", "name": c.Name, "image_tag": PythonImageTag, "source": openAIScriptSource(c.Source)}, nil
	case KindToolCallMatch:
		// no built-in kind compares tool calls: the same algorithm as a
		// python grader
		return map[string]any{"type": "python", "name": c.Name, "image_tag": PythonImageTag, "source": toolMatchPythonSource(c.ReferenceField)}, nil
	case KindJudge:
		model := c.Model
		if model == "" {
			model = DefaultExportJudgeModel
		}
		allowed := OpenAIJudgeModels
		if azure {
			allowed = AzureJudgeModels
		}
		if azure && !contains(allowed, model) {
			return nil, fmt.Errorf("Azure OpenAI allows only %s as grader models, not %q: pick one of them as this judge's model", strings.Join(allowed, " and "), model)
		}
		prompt, err := openAIPrompt(c.Prompt)
		if err != nil {
			return nil, err
		}
		maxTok := c.MaxTokens
		if maxTok == 0 {
			maxTok = DefaultJudgeMaxTokens
		}
		params := map[string]any{"max_completions_tokens": maxTok}
		if !reasoningModel(model) {
			t := 0.0
			if c.Temperature != nil {
				t = *c.Temperature
			}
			params["temperature"] = t
		}
		return map[string]any{
			"type":            "score_model",
			"name":            c.Name,
			"model":           model,
			"input":           []any{map[string]any{"role": "user", "content": prompt}},
			"range":           []float64{0, 1},
			"sampling_params": params,
		}, nil
	}
	return nil, fmt.Errorf("kind %q has no OpenAI grader", c.Kind)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// openAIOnlyNamespaces refuses Tracetune's shorthands in the templates of
// built-in checks, whose rendering OpenAI would not reproduce.
func openAIOnlyNamespaces(t string) error {
	for _, m := range tmplVar.FindAllStringSubmatch(t, -1) {
		root, _, _ := parsePath(m[1])
		if root != "sample" && root != "item" {
			return fmt.Errorf("{{%s}} has no OpenAI equivalent in a %s; use {{sample.…}} or {{item.…}}", m[1], "built-in check")
		}
	}
	return nil
}

// openAIPrompt rewrites a judge prompt into OpenAI's namespaces.
func openAIPrompt(p string) (string, error) {
	var err error
	out := tmplVar.ReplaceAllStringFunc(p, func(m string) string {
		name := tmplVar.FindStringSubmatch(m)[1]
		root, _, _ := parsePath(name)
		if root == "sample" || root == "item" {
			return m
		}
		if r, ok := openAIShorthand[root]; ok {
			return r
		}
		if err == nil {
			err = fmt.Errorf("{{%s}} has no OpenAI equivalent: rewrite the prompt with {{item.messages}}, {{sample.output_text}} or {{item.FIELD}}", name)
		}
		return m
	})
	return out, err
}

// openAIScriptSource imports the modules Tracetune predeclares, so the
// source runs in OpenAI's python grader as it does here.
func openAIScriptSource(src string) string {
	return "import json\nimport math\nimport re\n\n" + src
}
