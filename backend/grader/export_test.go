package grader

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

// everyKind has one component of each kind.
func everyKind() Grader {
	temp := 0.0
	return Grader{Components: []Component{
		{Name: "exact", Kind: KindStringCheck, Weight: 0.3, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"},
		{Name: "style", Kind: KindScript, Weight: 0.2, Source: "def grade(sample, item):\n    return 1.0"},
		{Name: "judge", Kind: KindJudge, Weight: 0.2, Prompt: "Reference: {{item.reference_answer}}\nAnswer: {{response}}", Model: "gpt-4o-2024-08-06", Temperature: &temp},
		{Name: "sim", Kind: KindTextSimilarity, Weight: 0.2, Metric: "fuzzy_match", Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}"},
		{Name: "tools", Kind: KindToolCallMatch, Weight: 0.1, ReferenceField: "reference_tool_calls"},
		{Name: "unused", Kind: KindStringCheck, Weight: 0, Input: "{{sample.output_text}}", Reference: "x", Operation: "ne"},
	}}
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func TestOpenAIExportUsesTheReferenceFieldNames(t *testing.T) {
	raw, err := ExportOpenAI(everyKind(), false)
	if err != nil {
		t.Fatal(err)
	}
	// The tool_call_match grader's source is the generated runtime, tested
	// by running it (TestToolCallMatchExportRunsInPython); here it is a
	// placeholder so that the golden file is about field names.
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	v["graders"].(map[string]any)["tools"].(map[string]any)["source"] = "(generated tool_call_match runtime)"
	var pretty bytes.Buffer
	enc := json.NewEncoder(&pretty)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "openai_grader.golden.json")
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(pretty.Bytes())) {
		t.Errorf("export differs from %s:\n%s", golden, pretty.String())
	}
	// The field names of rft-api.md §3, kind by kind.
	var g map[string]any
	_ = json.Unmarshal(raw, &g)
	if keys(g) != "calculate_output,graders,name,type" || g["type"] != "multi" {
		t.Errorf("multi keys %s", keys(g))
	}
	if g["calculate_output"] != "0.3 * exact + 0.2 * style + 0.2 * judge + 0.2 * sim + 0.1 * tools" {
		t.Errorf("calculate_output %v", g["calculate_output"])
	}
	subs := g["graders"].(map[string]any)
	wantKeys := map[string]string{
		"exact": "input,name,operation,reference,type",
		"style": "image_tag,name,source,type",
		"judge": "input,model,name,range,sampling_params,type",
		"sim":   "evaluation_metric,input,name,reference,type",
		"tools": "image_tag,name,source,type",
	}
	if keys(subs) != "exact,judge,sim,style,tools" {
		t.Errorf("graders %s (a zero weight is left out)", keys(subs))
	}
	for name, k := range wantKeys {
		if got := keys(subs[name].(map[string]any)); got != k {
			t.Errorf("%s keys %s, want %s", name, got, k)
		}
	}
	judge := subs["judge"].(map[string]any)
	if keys(judge["sampling_params"].(map[string]any)) != "max_completions_tokens,temperature" {
		t.Errorf("sampling_params %v", judge["sampling_params"])
	}
	if !strings.Contains(judge["input"].([]any)[0].(map[string]any)["content"].(string), "{{sample.output_text}}") {
		t.Errorf("{{response}} should become {{sample.output_text}}: %v", judge["input"])
	}
}

func TestExportsRefuseWhatATrainerCannotExpress(t *testing.T) {
	g := everyKind()
	g.Components[2].Model = "gpt-4.1-2025-04-14"
	if _, err := ExportOpenAI(g, true); err == nil || !strings.Contains(err.Error(), `component "judge"`) || !strings.Contains(err.Error(), "gpt-4o-2024-08-06") {
		t.Errorf("azure with gpt-4.1: %v", err)
	}
	if _, err := ExportOpenAI(g, false); err != nil {
		t.Errorf("openai with gpt-4.1: %v", err)
	}
	g = everyKind()
	g.Components[2].Prompt = "Last: {{lastUserMessage}}"
	if _, err := ExportOpenAI(g, false); err == nil || !strings.Contains(err.Error(), "lastUserMessage") {
		t.Errorf("lastUserMessage: %v", err)
	}
	g = everyKind()
	g.Components[0].Input = "{{response}}"
	if _, err := ExportOpenAI(g, false); err == nil || !strings.Contains(err.Error(), "{{response}}") {
		t.Errorf("shorthand in a check: %v", err)
	}
}

func TestTheExportValidatesAgainstTheFakeGraderEndpoint(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := context.Background()
	st := testutil.OpenStore(t)
	f := testutil.StartOpenAI(t)
	t.Run("without a training provider nothing is sent", func(t *testing.T) {
		rc, err := ValidateRemote(ctx, st, everyKind())
		if err != nil || rc.Checked || f.Count("/graders/validate") != 0 {
			t.Fatalf("%+v %v", rc, err)
		}
	})
	if _, err := st.CreateProvider(ctx, store.Provider{Name: "openai-ft", Kind: llm.KindOpenAI, BaseURL: f.URL, MaxRetries: -1}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRole(ctx, store.RoleAssignment{Role: llm.RoleTraining, Provider: "openai-ft", Model: "o4-mini-2025-04-16"}); err != nil {
		t.Fatal(err)
	}
	t.Run("the provider accepts the exported multi grader", func(t *testing.T) {
		rc, err := ValidateRemote(ctx, st, everyKind())
		if err != nil || !rc.Checked {
			t.Fatalf("%+v %v", rc, err)
		}
		var body struct {
			Grader struct {
				Type    string                     `json:"type"`
				Graders map[string]json.RawMessage `json:"graders"`
			} `json:"grader"`
		}
		reqs := f.Requests()
		if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil || body.Grader.Type != "multi" || len(body.Grader.Graders) != 5 {
			t.Fatalf("sent %s", reqs[len(reqs)-1].Body)
		}
	})
	t.Run("a misspelled field is refused with the provider's message", func(t *testing.T) {
		raw, _ := ExportOpenAI(everyKind(), false)
		bad := strings.Replace(string(raw), `"evaluation_metric":"fuzzy_match"`, `"evaluation_metric":"fuzzy_match","evaluation_metrics":"bleu"`, 1)
		resp := postJSON(t, f.URL+"/fine_tuning/alpha/graders/validate", `{"grader":`+bad+`}`)
		if !strings.Contains(resp, "Unknown parameter: 'grader.graders.sim.evaluation_metrics'") {
			t.Fatalf("%s", resp)
		}
		single := strings.Replace(string(raw), `"graders":{`, `"graders":{"x":`, 1)
		if resp := postJSON(t, f.URL+"/fine_tuning/alpha/graders/validate", `{"grader":`+single+`}`); !strings.Contains(resp, "error") {
			t.Fatalf("%s", resp)
		}
	})
	t.Run("the fake runs the exported string_check like the app", func(t *testing.T) {
		g := Grader{Components: []Component{{Name: "exact", Kind: KindStringCheck, Weight: 1, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"}}}
		raw, _ := ExportOpenAI(g, false)
		resp := postJSON(t, f.URL+"/fine_tuning/alpha/graders/run", `{"grader":`+string(raw)+`,"model_sample":"Paris","item":{"reference_answer":"Paris"}}`)
		var out struct {
			Reward     float64            `json:"reward"`
			SubRewards map[string]float64 `json:"sub_rewards"`
		}
		if err := json.Unmarshal([]byte(resp), &out); err != nil || out.Reward != 1 || out.SubRewards["exact"] != 1 {
			t.Fatalf("%s", resp)
		}
		local := NewEvaluator(nil, g).Grade(ctx, Item{Fields: map[string]any{"reference_answer": "Paris"}}, newSample("Paris", nil))
		if local.Score != out.Reward {
			t.Fatalf("local %v, fake %v", local.Score, out.Reward)
		}
	})
}

func postJSON(t *testing.T, url, body string) string {
	t.Helper()
	out, err := exec.Command("curl", "-s", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, url).Output()
	if err != nil {
		t.Fatalf("curl: %v", err)
	}
	return string(out)
}

func TestTRLAndFireworksExportsScoreLikeTheApp(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal(err)
	}
	g := parityGrader()
	reward, err := ExportTRL(g)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "reward.py"), []byte(reward), 0o600); err != nil {
		t.Fatal(err)
	}
	items, samples := paritySamples(20, 5)
	// TRL's conversational rows: prompt messages, one completion each, the
	// grader fields as columns.
	type row struct {
		Prompt     []record.Message `json:"prompt"`
		Completion []map[string]any `json:"completion"`
		Columns    map[string]any   `json:"columns"`
	}
	var rows []row
	ev := NewEvaluator(nil, g)
	var want []float64
	for i := range items {
		calls := samples[i].OutputTools
		m := map[string]any{"role": "assistant", "content": samples[i].OutputText}
		if len(calls) > 0 {
			m["tool_calls"] = calls
		}
		rows = append(rows, row{Prompt: items[i].Messages, Completion: []map[string]any{m}, Columns: items[i].Fields})
		want = append(want, ev.Grade(context.Background(), items[i], samples[i]).Score)
	}
	data, _ := json.Marshal(rows)
	script := `import json, sys
sys.path.insert(0, sys.argv[1])
from reward import reward_fn
rows = json.load(sys.stdin)
cols = {}
for r in rows:
    for k, v in r["columns"].items():
        cols.setdefault(k, [])
for r in rows:
    for k in cols:
        cols[k].append(r["columns"].get(k))
print(json.dumps(reward_fn([r["completion"] for r in rows], prompts=[r["prompt"] for r in rows], trainer_state=None, **cols)))
`
	cmd := exec.Command(py, "-c", script, dir)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var got []float64
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(want) {
		t.Fatalf("%s %v", out, err)
	}
	for i := range got {
		if d := got[i] - want[i]; d > 1e-9 || d < -1e-9 {
			t.Errorf("row %d: reward.py %v, app %v", i, got[i], want[i])
		}
	}
	files, err := ExportFireworks(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tracetune_grader.py", "test_grader.py", "requirements.txt"} {
		if files[name] == "" {
			t.Errorf("fireworks export lacks %s", name)
		}
	}
	fw := t.TempDir()
	for name, content := range files {
		_ = os.WriteFile(filepath.Join(fw, name), []byte(content), 0o600)
	}
	if out, err := exec.Command(py, "-m", "py_compile", filepath.Join(fw, "test_grader.py"), filepath.Join(fw, "tracetune_grader.py")).CombinedOutput(); err != nil {
		t.Errorf("fireworks files do not compile: %s", out)
	}
}

func TestToolCallMatchExportRunsInPython(t *testing.T) {
	raw, err := ExportOpenAI(everyKind(), false)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Graders map[string]struct {
			Source string `json:"source"`
		} `json:"graders"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	// the OpenAI python grader, wrapped as a module run by runPython
	module := g.Graders["tools"].Source + `
import json as _j, sys as _s
for _line in _s.stdin:
    _r = _j.loads(_line)
    _s.stdout.write(_j.dumps({"score": grade(_r["sample"], _r["item"]), "components": {}}) + "\n")
`
	items, samples := paritySamples(40, 3)
	py := runPython(t, module, items, samples)
	ev := NewEvaluator(nil, Grader{Components: []Component{{Name: "tools", Kind: KindToolCallMatch, Weight: 1, ReferenceField: "reference_tool_calls"}}})
	for i := range items {
		if got := ev.Grade(context.Background(), items[i], samples[i]).Score; !near(got, py[i].Score) {
			t.Errorf("sample %d: app %v, OpenAI python grader %v", i, got, py[i].Score)
		}
	}
}
