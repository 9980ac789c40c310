package grader

import (
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"

	"tracetune/backend/record"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// Published reference values: NLTK's sentence_bleu docstring, rouge-score's
// README example, rapidfuzz/thefuzz's README ratios.
func TestSimilarityMatchesPublishedReferenceValues(t *testing.T) {
	hyp1 := strings.Fields("It is a guide to action which ensures that the military always obeys the commands of the party")
	ref1 := strings.Fields("It is a guide to action that ensures that the military will forever heed Party commands")
	ref2 := strings.Fields("It is the guiding principle which guarantees the military forces always being under the command of the Party")
	ref3 := strings.Fields("It is the practical guide for the army always to heed the directions of the party")
	t.Run("BLEU of NLTK's docstring example is 0.5045…", func(t *testing.T) {
		got := sentenceBLEU([][]string{ref1, ref2, ref3}, hyp1)
		if math.Abs(got-0.5045666840058485) > 1e-12 {
			t.Fatalf("bleu %v", got)
		}
	})
	t.Run("BLEU without a shared word is 0, an exact copy 1", func(t *testing.T) {
		if got := sentenceBLEU([][]string{ref1}, strings.Fields("nothing shared here at all")); got != 0 {
			t.Fatalf("bleu %v", got)
		}
		if got := sentenceBLEU([][]string{ref1}, ref1); !near(got, 1) {
			t.Fatalf("bleu %v", got)
		}
	})
	target, pred := "The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log."
	cases := []struct {
		metric, input, ref string
		want               float64
	}{
		{"rouge_l", pred, target, 0.5882352941176471},
		{"rouge_1", pred, target, 0.7058823529411765},
		{"rouge_2", pred, target, 0.26666666666666666},
		{"fuzzy_match", "this is a test!", "this is a test", 28.0 / 29},
		{"fuzzy_match", "wuzzy fuzzy was a bear", "fuzzy wuzzy was a bear", 20.0 / 22},
		{"fuzzy_match", "", "", 1},
		{"rouge_l", "", target, 0},
	}
	for _, c := range cases {
		got, err := similarity(c.metric, c.input, c.ref)
		if err != nil || !near(got, c.want) {
			t.Errorf("%s(%q, %q) = %v, %v; want %v", c.metric, c.input, c.ref, got, err, c.want)
		}
	}
	// thefuzz prints the rounded ratios 97 and 91 for the two pairs above.
	if r := math.Round(fuzzRatio("this is a test", "this is a test!") * 100); r != 97 {
		t.Errorf("rounded ratio %v, want 97", r)
	}
	if r := math.Round(fuzzRatio("fuzzy wuzzy was a bear", "wuzzy fuzzy was a bear") * 100); r != 91 {
		t.Errorf("rounded ratio %v, want 91", r)
	}
}

func TestStringCheckOperations(t *testing.T) {
	cases := []struct {
		op, in, ref string
		want        float64
	}{
		{"eq", "Paris", "Paris", 1}, {"eq", "Paris", "paris", 0},
		{"ne", "Paris", "paris", 1}, {"ne", "Paris", "Paris", 0},
		{"like", "The answer is Paris.", "Paris", 1}, {"like", "The answer is paris.", "Paris", 0},
		{"ilike", "The answer is PARIS.", "paris", 1}, {"ilike", "Lyon", "paris", 0},
	}
	for _, c := range cases {
		got, err := stringCheck(c.op, c.in, c.ref)
		if err != nil || got != c.want {
			t.Errorf("%s(%q, %q) = %v, %v; want %v", c.op, c.in, c.ref, got, err, c.want)
		}
	}
	if _, err := stringCheck("neq", "a", "b"); err == nil {
		t.Error("neq is not OpenAI's name (ne is) and must be refused")
	}
}

func TestToolCallMatchGivesPartialCredit(t *testing.T) {
	call := func(name, args string) record.ToolCall {
		return record.ToolCall{ID: "c", Type: "function", Function: record.FunctionCall{Name: name, Arguments: args}}
	}
	ref := `[{"type":"function","function":{"name":"lookup","arguments":"{\"id\": 7, \"full\": true}"}},{"name":"refund","arguments":{"order":"A1"}}]`
	cases := []struct {
		name  string
		calls []record.ToolCall
		want  float64
	}{
		{"both calls right, arguments in another key order", []record.ToolCall{call("lookup", `{"full":true,"id":7.0}`), call("refund", `{"order":"A1"}`)}, 1},
		{"right names, one wrong argument", []record.ToolCall{call("lookup", `{"id":8,"full":true}`), call("refund", `{"order":"A1"}`)}, 0.75},
		{"one call missing", []record.ToolCall{call("refund", `{"order":"A1"}`)}, 0.5},
		{"an extra call costs too", []record.ToolCall{call("lookup", `{"id":7,"full":true}`), call("refund", `{"order":"A1"}`), call("search", `{}`)}, 2.0 / 3},
		{"a boolean is not the number 1", []record.ToolCall{call("lookup", `{"id":7,"full":1}`), call("refund", `{"order":"A1"}`)}, 0.75},
		{"no calls", nil, 0},
	}
	refVal, _ := decodeJSON([]byte(ref))
	for _, c := range cases {
		calls, _ := toValue(newSample("", c.calls).OutputTools)
		got, err := toolCallMatch(refVal, calls)
		if err != nil || !near(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if got, err := toolCallMatch("", []any{}); err != nil || got != 1 {
		t.Errorf("nothing expected and nothing called: %v %v", got, err)
	}
	if _, err := toolCallMatch(json.Number("3"), []any{}); err == nil {
		t.Error("a number as reference calls must be an error")
	}
}

func TestTemplatesRenderVariables(t *testing.T) {
	it := Item{
		Messages: []record.Message{msg("developer", "Be brief."), msg("user", "Refund order A1?"), {Role: "assistant", ToolCalls: []record.ToolCall{{ID: "1", Type: "function", Function: record.FunctionCall{Name: "lookup", Arguments: `{"id":"A1"}`}}}}, msg("tool", "found"), msg("user", "And now?")},
		Tools:    json.RawMessage(`[{"type":"function","function":{"name":"lookup"}}]`),
		Fields:   map[string]any{"reference_answer": "Done", "meta": map[string]any{"n": json.Number("2"), "x": json.Number("2.0")}},
	}
	s := newSample(`{"answer": "Done", "k": [1, 2.50]}`, []record.ToolCall{{ID: "9", Type: "function", Function: record.FunctionCall{Name: "refund", Arguments: `{"order":"A1"}`}}})
	e, err := newEnv(it, s)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"{{ item.reference_answer }}":              "Done",
		"{{item.meta.n}} {{item.meta.x}}":          "2 2.0",
		"{{item.meta}}":                            `{"n":2,"x":2.0}`,
		"{{sample.output_json.k[1]}}":              "2.5",
		"{{sample.output_tools[0].function.name}}": "refund",
		"{{item.missing.deep}}|":                   "|",
		"{{lastUserMessage}}":                      "And now?",
		"{{systemPrompt}}":                         "Be brief.",
		"{{response}}":                             `{"answer": "Done", "k": [1, 2.50]}` + "\n[tool call] refund({\"order\":\"A1\"})",
		"{{tools}}":                                `[{"function":{"name":"lookup"},"type":"function"}]`,
		"{{messages}}":                             "developer: Be brief.\n\nuser: Refund order A1?\n\nassistant: \n[tool call] lookup({\"id\":\"A1\"})\n\ntool: found\n\nuser: And now?",
	}
	for tmpl, want := range cases {
		if got := e.render(tmpl); got != want {
			t.Errorf("%s rendered %q, want %q", tmpl, got, want)
		}
	}
	if err := checkTemplate("{{answer}}"); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("an unknown variable: %v", err)
	}
}

func TestProductionSampleReadsEveryOutputShape(t *testing.T) {
	cases := []struct {
		name, output, text, tool string
	}{
		{"an assistant message", `{"role":"assistant","content":"Paris"}`, "Paris", ""},
		{"a chat line's assistant turns", `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"lookup","arguments":"{}"}}]},{"role":"tool","content":"x"},{"role":"assistant","content":"done"}]}`, "", "lookup"},
		{"vllora's single message", `{"messages":{"role":"assistant","content":"2 + 2 equals 4."},"finish_reason":"stop"}`, "2 + 2 equals 4.", ""},
		{"a chat completion", `{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"}}]}`, "Hi", ""},
		{"plain text", `"just text"`, "just text", ""},
		{"content parts", `{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}`, "a\nb", ""},
		{"arguments as an object", `{"role":"assistant","tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":{"a":1}}}]}`, "", "f"},
	}
	for _, c := range cases {
		s, ok := ProductionSample(record.Record{Output: json.RawMessage(c.output)})
		if !ok || s.OutputText != c.text || (c.tool != "" && (len(s.OutputTools) == 0 || s.OutputTools[0].Function.Name != c.tool)) {
			t.Errorf("%s: %+v ok=%v", c.name, s, ok)
		}
	}
	for _, none := range []string{``, `null`, `{}`, `{"role":"assistant","content":""}`} {
		if _, ok := ProductionSample(record.Record{Output: json.RawMessage(none)}); ok {
			t.Errorf("%q has no response", none)
		}
	}
	s := SampleFromMessage(msg("assistant", `{"a": 1}`))
	if o, ok := s.OutputJSON.(*object); !ok || pyStr(o) != `{"a":1}` {
		t.Errorf("output_json %#v", s.OutputJSON)
	}
}

func TestValidateNamesTheProblem(t *testing.T) {
	ok := Component{Name: "a", Kind: KindStringCheck, Weight: 1, Input: "{{sample.output_text}}", Reference: "x", Operation: "eq"}
	cases := []struct {
		name string
		g    Grader
		want string
	}{
		{"no components", Grader{}, "at least one component"},
		{"weights", Grader{Components: []Component{ok, {Name: "b", Kind: KindScript, Weight: 0.2, Source: "def grade(s, i):\n    return 1"}}}, "weights sum to 1.2"},
		{"duplicate names", Grader{Components: []Component{ok, func() Component { c := ok; c.Weight = 0; return c }()}}, "two components have this name"},
		{"bad name", Grader{Components: []Component{func() Component { c := ok; c.Name = "my judge"; return c }()}}, "letters, digits"},
		{"unknown operation", Grader{Components: []Component{func() Component { c := ok; c.Operation = "neq"; return c }()}}, `operation "neq"`},
		{"unknown metric", Grader{Components: []Component{{Name: "s", Kind: KindTextSimilarity, Weight: 1, Input: "x", Metric: "meteor"}}}, `metric "meteor"`},
		{"judge without prompt", Grader{Components: []Component{{Name: "j", Kind: KindJudge, Weight: 1}}}, "needs a prompt"},
		{"judge schema without score", Grader{Components: []Component{{Name: "j", Kind: KindJudge, Weight: 1, Prompt: "x", Schema: json.RawMessage(`{"type":"object","properties":{"grade":{}}}`)}}}, `"score" property`},
		{"script without grade", Grader{Components: []Component{{Name: "s", Kind: KindScript, Weight: 1, Source: "x = 1"}}}, "defines no function grade"},
		{"tool match without field", Grader{Components: []Component{{Name: "t", Kind: KindToolCallMatch, Weight: 1}}}, "reference_field"},
	}
	for _, c := range cases {
		err := c.g.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it to say %q", c.name, err, c.want)
		}
	}
	for _, p := range Presets() {
		if err := (Grader{Components: p.Components}).Validate(); err != nil {
			t.Errorf("preset %s: %v", p.ID, err)
		}
	}
}

func TestPickDrawsDistinctIndicesRepeatably(t *testing.T) {
	a := pick(rand.New(rand.NewSource(4)), 1000, 50)
	b := pick(rand.New(rand.NewSource(4)), 1000, 50)
	seen := map[int]bool{}
	for i, x := range a {
		if x != b[i] || x < 0 || x >= 1000 || seen[x] {
			t.Fatalf("draw %v", a)
		}
		seen[x] = true
	}
	if all := pick(rand.New(rand.NewSource(1)), 5, 5); len(all) != 5 {
		t.Fatalf("%v", all)
	}
}
