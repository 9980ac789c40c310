package grader

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/record"
)

// parityGrader has every kind that runs without a model, each check
// operation and each metric.
func parityGrader() Grader {
	const w = 0.1
	return Grader{Components: []Component{
		{Name: "eq", Kind: KindStringCheck, Weight: w, Input: "{{ sample.output_text }}", Reference: "{{item.reference_answer}}", Operation: "eq"},
		{Name: "ne", Kind: KindStringCheck, Weight: w, Input: "{{sample.output_json.answer}}", Reference: "{{item.reference_answer}}", Operation: "ne"},
		{Name: "like", Kind: KindStringCheck, Weight: w, Input: "{{sample.output_text}}", Reference: "{{item.keyword}}", Operation: "like"},
		{Name: "ilike", Kind: KindStringCheck, Weight: w, Input: "{{sample.output_text}} {{sample.output_tools[0].function.name}}", Reference: "{{item.keyword}}", Operation: "ilike"},
		{Name: "fuzzy", Kind: KindTextSimilarity, Weight: w, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Metric: "fuzzy_match"},
		{Name: "bleu", Kind: KindTextSimilarity, Weight: w, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}} {{item.meta}}", Metric: "bleu"},
		{Name: "rouge", Kind: KindTextSimilarity, Weight: w, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Metric: "rouge_l"},
		{Name: "rouge2", Kind: KindTextSimilarity, Weight: w, Input: "{{sample.output_text}}", Reference: "{{item.messages[-1].content}}", Metric: "rouge_2"},
		{Name: "tools", Kind: KindToolCallMatch, Weight: w, ReferenceField: "reference_tool_calls"},
		{Name: "script", Kind: KindScript, Weight: w, Source: `import json
import math, re

def norm(s):
    return re.sub(r"\s+", " ", s.strip().lower())

def grade(sample, item):
    text = sample["output_text"]
    if item["n"] < -6:
        return item["no_such_field"]
    ref = item.get("reference_answer", "")
    score = 0.0
    if norm(text) == norm(ref):
        score += 0.4
    nums = re.findall(r"-?\d+", text)
    if len(nums) > 0 and int(nums[0]) == item.get("n", -1):
        score += 0.2
    keys = [k for k in item["meta"]]
    score += 0.1 * min(1, len(keys) / 3)
    if sample["output_json"] != None and isinstance(sample["output_json"], dict):
        score += 0.1
    s = json.dumps(item["meta"], sort_keys=True)
    score += 0.1 * (len(s) % 7) / 7
    i = 0
    while i < len(sample["output_tools"]):
        i += 1
    score += 0.1 * math.tanh(i)
    if score > 1:
        score = 1.0
    return round(score, 6)
`},
	}}
}

var words = []string{"the", "cat", "sat", "on", "mat", "Paris", "paris", "42", "refund", "order", "café", "naïve", "日本", "emoji😀", "İstanbul", "x", "-7", "3.50"}

func randText(r *rand.Rand, n int) string {
	var b []string
	for i := 0; i < n; i++ {
		b = append(b, words[r.Intn(len(words))])
	}
	sep := " "
	if r.Intn(5) == 0 {
		sep = "  \n"
	}
	return strings.Join(b, sep)
}

func randCalls(r *rand.Rand) []record.ToolCall {
	var calls []record.ToolCall
	for i := r.Intn(3); i > 0; i-- {
		name := []string{"lookup", "refund", "search"}[r.Intn(3)]
		args := fmt.Sprintf(`{"id": %d, "q": %q}`, r.Intn(3), words[r.Intn(4)])
		if r.Intn(4) == 0 {
			args = fmt.Sprintf(`{"q": %q, "id": %d.0}`, words[r.Intn(4)], r.Intn(3))
		}
		if r.Intn(10) == 0 {
			args = "not json"
		}
		calls = append(calls, record.ToolCall{ID: fmt.Sprintf("call_%d", i), Type: "function", Function: record.FunctionCall{Name: name, Arguments: args}})
	}
	return calls
}

// paritySamples are n varied (item, sample) pairs, the same for a seed.
func paritySamples(n int, seed int64) ([]Item, []Sample) {
	r := rand.New(rand.NewSource(seed))
	var items []Item
	var samples []Sample
	for i := 0; i < n; i++ {
		ref := randText(r, 1+r.Intn(8))
		fields := map[string]any{
			"reference_answer": ref,
			"keyword":          words[r.Intn(len(words))],
			"n":                json.Number(fmt.Sprint(r.Intn(50) - 8)),
			"meta":             map[string]any{"difficulty": json.Number(fmt.Sprint(r.Intn(3))), "score": json.Number("0.5"), "tags": []any{"a", words[r.Intn(len(words))]}},
		}
		refCalls := randCalls(r)
		switch r.Intn(3) {
		case 0:
			fields["reference_tool_calls"] = refCalls
		case 1:
			b, _ := json.Marshal(refCalls)
			fields["reference_tool_calls"] = string(b)
		default:
			var list []any
			for _, c := range refCalls {
				list = append(list, map[string]any{"name": c.Function.Name, "arguments": json.RawMessage(`{"id":1,"q":"the"}`)})
			}
			fields["reference_tool_calls"] = list
		}
		it := Item{Messages: []record.Message{msg("system", "Be brief."), msg("user", randText(r, 3+r.Intn(6)))}, Fields: fields}
		var text string
		switch r.Intn(5) {
		case 0:
			text = ref
		case 1:
			text = fmt.Sprintf(`{"answer": %q, "n": %d}`, ref, r.Intn(9))
		case 2:
			text = strings.ToUpper(ref) + " " + randText(r, r.Intn(4))
		case 3:
			text = ""
		default:
			text = randText(r, r.Intn(12))
		}
		items = append(items, it)
		samples = append(samples, newSample(text, randCalls(r)))
	}
	return items, samples
}

// runPython runs an exported module over (item, sample) pairs and returns
// its evaluate results.
func runPython(t *testing.T, module string, items []Item, samples []Sample, env ...string) []Result {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed for the parity test: ", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "tracetune_grader.py")
	if err := os.WriteFile(path, []byte(module), 0o600); err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	for i := range items {
		ij, err := items[i].JSON()
		if err != nil {
			t.Fatal(err)
		}
		sj, err := samples[i].JSON()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&in, `{"item":%s,"sample":%s}`+"\n", ij, sj)
	}
	cmd := exec.Command(py, path)
	cmd.Stdin = &in
	cmd.Env = append(os.Environ(), env...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var res []Result
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r Result
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		res = append(res, r)
	}
	if len(res) != len(items) {
		t.Fatalf("python3 graded %d samples, want %d", len(res), len(items))
	}
	return res
}

func TestExportedPythonScoresLikeTheApp(t *testing.T) {
	g := parityGrader()
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	module, err := ExportPython(g)
	if err != nil {
		t.Fatal(err)
	}
	items, samples := paritySamples(200, 7)
	py := runPython(t, module, items, samples)
	ev := NewEvaluator(nil, g)
	worst, nonTrivial, withErrors := 0.0, map[string]int{}, 0
	for i := range items {
		got := ev.Grade(context.Background(), items[i], samples[i])
		if d := math.Abs(got.Score - py[i].Score); d > worst {
			worst = d
		}
		if math.Abs(got.Score-py[i].Score) > 1e-9 {
			ij, _ := items[i].JSON()
			sj, _ := samples[i].JSON()
			t.Errorf("sample %d: app %v, python %v\napp %v %v\npython %v %v\nitem %s\nsample %s", i, got.Score, py[i].Score, got.Components, got.Errors, py[i].Components, py[i].Errors, ij, sj)
			continue
		}
		for name, s := range got.Components {
			if math.Abs(s-py[i].Components[name]) > 1e-9 {
				t.Errorf("sample %d component %s: app %v, python %v", i, name, s, py[i].Components[name])
			}
			if s > 0 && s < 1 {
				nonTrivial[name]++
			}
		}
		if len(got.Errors) > 0 {
			withErrors++
		}
		if (len(got.Errors) == 0) != (len(py[i].Errors) == 0) {
			t.Errorf("sample %d: app errors %v, python errors %v", i, got.Errors, py[i].Errors)
		}
	}
	t.Logf("200 samples, largest |app - python| = %g; components with partial scores: %v; samples with errors: %d", worst, nonTrivial, withErrors)
	if withErrors == 0 {
		t.Error("no sample exercised a failing component")
	}
	for _, name := range []string{"fuzzy", "bleu", "rouge", "tools", "script"} {
		if nonTrivial[name] < 10 {
			t.Errorf("component %s scored strictly between 0 and 1 on only %d samples: the samples are not varied enough", name, nonTrivial[name])
		}
	}
}
