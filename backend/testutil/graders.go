package testutil

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// The fake of OpenAI's grader endpoints (rft-api.md §3–4), served by the
// OpenAI fake:
//
//	POST /v1/fine_tuning/alpha/graders/validate {"grader"} → {"grader"} echoed,
//	     or the 400 error envelope naming the first problem: a missing or
//	     unknown field, a bad enum value, a multi whose graders is not a map,
//	     a calculate_output using a name that is not a grader key.
//	POST /v1/fine_tuning/alpha/graders/run {"grader","model_sample","item"}
//	     → {"reward","metadata","sub_rewards","model_grader_token_usage_per_model"}:
//	     string_check runs for real (also inside multi, with its formula);
//	     other kinds score 0 with metadata.errors.other_error set.

var graderFields = map[string]struct{ required, optional []string }{
	"string_check":    {[]string{"type", "name", "input", "reference", "operation"}, nil},
	"text_similarity": {[]string{"type", "name", "input", "reference", "evaluation_metric"}, []string{"pass_threshold"}},
	"python":          {[]string{"type", "name", "source"}, []string{"image_tag"}},
	"score_model":     {[]string{"type", "name", "model", "input"}, []string{"range", "sampling_params", "pass_threshold"}},
	"label_model":     {[]string{"type", "name", "model", "input", "labels", "passing_labels"}, nil},
	"multi":           {[]string{"type", "name", "graders", "calculate_output"}, nil},
}

var (
	stringOps   = []string{"eq", "ne", "like", "ilike"}
	simMetrics  = []string{"cosine", "fuzzy_match", "bleu", "gleu", "meteor", "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l"}
	samplingKey = []string{"seed", "top_p", "temperature", "max_completions_tokens", "reasoning_effort"}
	formulaFns  = map[string]func(...float64) float64{
		"min":   func(a ...float64) float64 { return math.Min(a[0], a[1]) },
		"max":   func(a ...float64) float64 { return math.Max(a[0], a[1]) },
		"abs":   func(a ...float64) float64 { return math.Abs(a[0]) },
		"floor": func(a ...float64) float64 { return math.Floor(a[0]) },
		"ceil":  func(a ...float64) float64 { return math.Ceil(a[0]) },
		"exp":   func(a ...float64) float64 { return math.Exp(a[0]) },
		"sqrt":  func(a ...float64) float64 { return math.Sqrt(a[0]) },
		"log":   func(a ...float64) float64 { return math.Log(a[0]) },
	}
)

func oneOf(v string, xs []string) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// checkGraderJSON returns the API's message and param for the first problem
// of a grader object, or "" when it is valid.
func checkGraderJSON(raw json.RawMessage, param string, inMulti bool) (msg, at string) {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(raw, &g); err != nil {
		return fmt.Sprintf("Invalid type for '%s': expected an object, but got %s instead.", param, jsonKind(raw)), param
	}
	var typ string
	if err := json.Unmarshal(g["type"], &typ); err != nil || typ == "" {
		return fmt.Sprintf("Missing required parameter: '%s.type'.", param), param + ".type"
	}
	spec, ok := graderFields[typ]
	if !ok || (typ == "label_model" && !inMulti) || (typ == "multi" && inMulti) {
		return fmt.Sprintf("Invalid value: '%s'. Supported values are: 'string_check', 'text_similarity', 'python', 'score_model' and 'multi'.", typ), param + ".type"
	}
	for _, f := range spec.required {
		if _, ok := g[f]; !ok {
			return fmt.Sprintf("Missing required parameter: '%s.%s'.", param, f), param + "." + f
		}
	}
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !oneOf(k, spec.required) && !oneOf(k, spec.optional) {
			return fmt.Sprintf("Unknown parameter: '%s.%s'.", param, k), param + "." + k
		}
	}
	str := func(f string) (string, bool) {
		var s string
		return s, json.Unmarshal(g[f], &s) == nil
	}
	for _, f := range []string{"name", "input", "reference", "source", "model", "calculate_output"} {
		if _, present := g[f]; present && !(f == "input" && (typ == "score_model" || typ == "label_model")) {
			if _, ok := str(f); !ok {
				return fmt.Sprintf("Invalid type for '%s.%s': expected a string, but got %s instead.", param, f, jsonKind(g[f])), param + "." + f
			}
		}
	}
	switch typ {
	case "string_check":
		if op, _ := str("operation"); !oneOf(op, stringOps) {
			return fmt.Sprintf("Invalid value: '%s'. Supported values are: 'eq', 'ne', 'like' and 'ilike'.", op), param + ".operation"
		}
	case "text_similarity":
		if m, _ := str("evaluation_metric"); !oneOf(m, simMetrics) {
			return fmt.Sprintf("Invalid value: '%s'. Supported values are: %s.", m, strings.Join(simMetrics, ", ")), param + ".evaluation_metric"
		}
	case "python":
		if src, _ := str("source"); !strings.Contains(src, "def grade(") {
			return "The python grader source must define a function grade(sample, item).", param + ".source"
		}
	case "score_model", "label_model":
		var items []map[string]json.RawMessage
		if json.Unmarshal(g["input"], &items) != nil || len(items) == 0 {
			return fmt.Sprintf("Invalid type for '%s.input': expected an array of input messages.", param), param + ".input"
		}
		for i, it := range items {
			var role string
			_ = json.Unmarshal(it["role"], &role)
			if !oneOf(role, []string{"user", "assistant", "system", "developer"}) {
				return fmt.Sprintf("Invalid value for '%s.input[%d].role'.", param, i), fmt.Sprintf("%s.input[%d].role", param, i)
			}
			if _, ok := it["content"]; !ok {
				return fmt.Sprintf("Missing required parameter: '%s.input[%d].content'.", param, i), fmt.Sprintf("%s.input[%d].content", param, i)
			}
		}
		if sp, ok := g["sampling_params"]; ok {
			var m map[string]json.RawMessage
			if json.Unmarshal(sp, &m) != nil {
				return fmt.Sprintf("Invalid type for '%s.sampling_params': expected an object.", param), param + ".sampling_params"
			}
			for k := range m {
				if !oneOf(k, samplingKey) {
					return fmt.Sprintf("Unknown parameter: '%s.sampling_params.%s'.", param, k), param + ".sampling_params." + k
				}
			}
		}
	case "multi":
		var subs map[string]json.RawMessage
		if json.Unmarshal(g["graders"], &subs) != nil || len(subs) == 0 {
			return "Invalid type for 'graders.input': expected an object, but got a string instead.", param + ".graders"
		}
		names := make([]string, 0, len(subs))
		for k := range subs {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if m, at := checkGraderJSON(subs[k], param+".graders."+k, true); m != "" {
				return m, at
			}
		}
		f, _ := str("calculate_output")
		vars := map[string]float64{}
		for _, k := range names {
			vars[k] = 1
		}
		if _, err := evalFormula(f, vars); err != nil {
			return "Invalid calculate_output: " + err.Error(), param + ".calculate_output"
		}
	}
	return "", ""
}

func jsonKind(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "":
		return "nothing"
	case s[0] == '"':
		return "a string"
	case s[0] == '[':
		return "an array"
	case s[0] == '{':
		return "an object"
	case s == "null":
		return "null"
	case s == "true" || s == "false":
		return "a boolean"
	}
	return "a number"
}

func serveGraders(w http.ResponseWriter, path string, body []byte) {
	var req struct {
		Grader      json.RawMessage `json:"grader"`
		ModelSample *string         `json:"model_sample"`
		Item        map[string]any  `json:"item"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	}
	if len(req.Grader) == 0 {
		writeErrorParam(w, "Missing required parameter: 'grader'.", "grader")
		return
	}
	if msg, at := checkGraderJSON(req.Grader, "grader", false); msg != "" {
		writeErrorParam(w, msg, at)
		return
	}
	if strings.HasSuffix(path, "/validate") {
		writeJSON(w, http.StatusOK, map[string]any{"grader": req.Grader})
		return
	}
	if req.ModelSample == nil {
		writeErrorParam(w, "Missing required parameter: 'model_sample'.", "model_sample")
		return
	}
	sample := map[string]any{"output_text": *req.ModelSample}
	var js any
	if json.Unmarshal([]byte(*req.ModelSample), &js) == nil {
		sample["output_json"] = js
	}
	var g struct {
		Type    string                     `json:"type"`
		Name    string                     `json:"name"`
		Graders map[string]json.RawMessage `json:"graders"`
		Formula string                     `json:"calculate_output"`
	}
	_ = json.Unmarshal(req.Grader, &g)
	other := false
	sub := map[string]any{}
	var reward float64
	if g.Type == "multi" {
		vars := map[string]float64{}
		for k, raw := range g.Graders {
			r, ok := runOne(raw, sample, req.Item)
			other = other || !ok
			vars[k], sub[k] = r, r
		}
		reward, _ = evalFormula(g.Formula, vars)
	} else {
		var ok bool
		reward, ok = runOne(req.Grader, sample, req.Item)
		other = !ok
	}
	errs := map[string]any{"formula_parse_error": false, "sample_parse_error": false, "truncated_observation_error": false,
		"unresponsive_reward_error": false, "invalid_variable_error": false, "other_error": other,
		"python_grader_server_error": false, "python_grader_server_error_type": nil, "python_grader_runtime_error": false,
		"python_grader_runtime_error_details": nil, "model_grader_server_error": false, "model_grader_refusal_error": false,
		"model_grader_parse_error": false, "model_grader_server_error_details": nil}
	writeJSON(w, http.StatusOK, map[string]any{
		"reward": reward,
		"metadata": map[string]any{"name": g.Name, "type": g.Type, "errors": errs, "execution_time": 0.01, "scores": sub,
			"token_usage": map[string]any{"prompt_tokens": 0, "total_tokens": 0, "completion_tokens": 0, "cached_tokens": 0}, "sampled_model_name": nil},
		"sub_rewards":                        sub,
		"model_grader_token_usage_per_model": map[string]any{},
	})
}

func writeErrorParam(w http.ResponseWriter, msg, param string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": param, "code": nil}})
}

var tmplRef = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// runOne runs a string_check; ok is false for kinds the fake does not run.
func runOne(raw json.RawMessage, sample, item map[string]any) (float64, bool) {
	var g struct {
		Type, Input, Reference, Operation string
	}
	_ = json.Unmarshal(raw, &g)
	if g.Type != "string_check" {
		return 0, false
	}
	render := func(t string) string {
		return tmplRef.ReplaceAllStringFunc(t, func(m string) string {
			path := strings.Split(tmplRef.FindStringSubmatch(m)[1], ".")
			var v any = map[string]any{"sample": sample, "item": item}
			for _, p := range path {
				o, ok := v.(map[string]any)
				if !ok {
					return ""
				}
				v = o[p]
			}
			if s, ok := v.(string); ok {
				return s
			}
			if v == nil {
				return ""
			}
			b, _ := json.Marshal(v)
			return string(b)
		})
	}
	in, ref := render(g.Input), render(g.Reference)
	var ok bool
	switch g.Operation {
	case "eq":
		ok = in == ref
	case "ne":
		ok = in != ref
	case "like":
		ok = strings.Contains(in, ref)
	case "ilike":
		ok = strings.Contains(strings.ToLower(in), strings.ToLower(ref))
	}
	if ok {
		return 1, true
	}
	return 0, true
}

// evalFormula evaluates calculate_output: numbers, grader keys, + - * / ^,
// parentheses and min max abs floor ceil exp sqrt log.
func evalFormula(src string, vars map[string]float64) (float64, error) {
	p := &formula{s: src, vars: vars}
	v, err := p.expr()
	if err != nil {
		return 0, err
	}
	p.space()
	if p.i < len(p.s) {
		return 0, fmt.Errorf("unexpected %q at %d", p.s[p.i:], p.i)
	}
	return v, nil
}

type formula struct {
	s    string
	i    int
	vars map[string]float64
}

func (p *formula) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *formula) expr() (float64, error) {
	v, err := p.term()
	for err == nil {
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '+' && p.s[p.i] != '-') {
			return v, nil
		}
		op := p.s[p.i]
		p.i++
		var r float64
		if r, err = p.term(); op == '+' {
			v += r
		} else {
			v -= r
		}
	}
	return 0, err
}

func (p *formula) term() (float64, error) {
	v, err := p.power()
	for err == nil {
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '*' && p.s[p.i] != '/') {
			return v, nil
		}
		op := p.s[p.i]
		p.i++
		var r float64
		if r, err = p.power(); op == '*' {
			v *= r
		} else {
			v /= r
		}
	}
	return 0, err
}

func (p *formula) power() (float64, error) {
	v, err := p.unary()
	if err != nil {
		return 0, err
	}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '^' {
		p.i++
		r, err := p.power()
		return math.Pow(v, r), err
	}
	return v, nil
}

func (p *formula) unary() (float64, error) {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
		v, err := p.unary()
		return -v, err
	}
	return p.atom()
}

func (p *formula) atom() (float64, error) {
	p.space()
	if p.i >= len(p.s) {
		return 0, fmt.Errorf("unexpected end of formula")
	}
	c := rune(p.s[p.i])
	switch {
	case c == '(':
		p.i++
		v, err := p.expr()
		p.space()
		if err == nil && (p.i >= len(p.s) || p.s[p.i] != ')') {
			err = fmt.Errorf("missing )")
		}
		p.i++
		return v, err
	case unicode.IsDigit(c) || c == '.':
		j := p.i
		for j < len(p.s) && (unicode.IsDigit(rune(p.s[j])) || p.s[j] == '.' || p.s[j] == 'e') {
			j++
		}
		v, err := strconv.ParseFloat(p.s[p.i:j], 64)
		p.i = j
		return v, err
	case unicode.IsLetter(c) || c == '_':
		j := p.i
		for j < len(p.s) && (unicode.IsLetter(rune(p.s[j])) || unicode.IsDigit(rune(p.s[j])) || p.s[j] == '_') {
			j++
		}
		name := p.s[p.i:j]
		p.i = j
		if fn, ok := formulaFns[name]; ok {
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != '(' {
				return 0, fmt.Errorf("%s needs arguments", name)
			}
			p.i++
			var args []float64
			for {
				v, err := p.expr()
				if err != nil {
					return 0, err
				}
				args = append(args, v)
				p.space()
				if p.i < len(p.s) && p.s[p.i] == ',' {
					p.i++
					continue
				}
				break
			}
			if p.i >= len(p.s) || p.s[p.i] != ')' {
				return 0, fmt.Errorf("missing ) after %s arguments", name)
			}
			p.i++
			want := 1
			if name == "min" || name == "max" {
				want = 2
			}
			if len(args) != want {
				return 0, fmt.Errorf("%s takes %d arguments", name, want)
			}
			return fn(args...), nil
		}
		v, ok := p.vars[name]
		if !ok {
			return 0, fmt.Errorf("%q is not a grader name", name)
		}
		return v, nil
	}
	return 0, fmt.Errorf("unexpected %q", string(c))
}
