package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGraderTestSaysWhereFieldsCameFrom: a record whose reference comes
// from the file's trajectory says so under its sample; a record that
// carries its own reference (an Alpaca-like line without tools) does not.
func TestGraderTestSaysWhereFieldsCameFrom(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	dir := t.TempDir()
	const tools = `[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]`
	var lines []string
	for i := 0; i < 3; i++ {
		lines = append(lines,
			fmt.Sprintf(`{"messages":[{"role":"user","content":"What is the weather in city number %d today?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c%d","type":"function","function":{"name":"weather","arguments":"{\"city\":\"%d\"}"}}]},{"role":"tool","tool_call_id":"c%d","content":"18C"},{"role":"assistant","content":"It is 18 degrees."}],"tools":%s}`, i, i, i, i, tools),
			fmt.Sprintf(`{"messages":[{"role":"user","content":"What is the capital of country number %d?"},{"role":"assistant","content":"Paris"}],"reference_answer":"Paris"}`, i))
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "mixed", "--file", fixture(t, lines...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	file := filepath.Join(t.TempDir(), "grader.json")
	spec := `{"components":[{"name":"exact","kind":"string_check","weight":1,"input":"{{sample.output_text}}","reference":"{{item.reference_answer}}","operation":"eq"}]}`
	if err := os.WriteFile(file, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runIn(t, dir, "grader", "set", "--dataset", "mixed", "--file", file); code != 0 {
		t.Fatalf("set: %s", errs)
	}
	out, errs, code := runIn(t, dir, "grader", "test", "--dataset", "mixed", "--n", "100", "--seed", "2")
	if code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	blocks := strings.Split(out, "\nrecord ")[1:]
	if len(blocks) != 6 {
		t.Fatalf("%d samples in:\n%s", len(blocks), out)
	}
	const said = "\n  fields from the file's trajectory: reference_answer, reference_tool_calls\n"
	derived := 0
	for _, b := range blocks {
		own := strings.Contains(b, "response: Paris")
		if got := strings.Count(b+"\n", said); (own && got != 0) || (!own && got != 1) {
			t.Fatalf("sample says where its fields came from %d times (own reference %v):\n%s", got, own, b)
		}
		if !own {
			derived++
		}
	}
	if derived != 3 {
		t.Errorf("%d samples with derived fields, want 3:\n%s", derived, out)
	}
}
