package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestGraderCommands drives grader presets, set, show, test and export on
// one data directory, offline (no judge), with the JSON shapes.
func TestGraderCommands(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	dir := t.TempDir()
	var lines []string
	for i := 0; i < 8; i++ {
		answer := []string{"Paris", "Parris"}[i%2]
		lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"What is the capital of country number %d?"},{"role":"assistant","content":%q}],"reference_answer":"Paris","reference_tool_calls":[]}`, i, answer))
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "geo", "--file", fixture(t, lines...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	t.Run("presets", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "grader", "presets", "--json")
		var ps []struct {
			ID         string            `json:"id"`
			Components []json.RawMessage `json:"components"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &ps) != nil || len(ps) != 4 {
			t.Fatalf("%d %s %s", code, out, errs)
		}
	})
	t.Run("show before set says what to do", func(t *testing.T) {
		if _, errs, code := runIn(t, dir, "grader", "show", "--dataset", "geo"); code != 1 || !strings.Contains(errs, "grader set") {
			t.Fatalf("%d %s", code, errs)
		}
	})
	spec := `{"components":[{"name":"exact","kind":"string_check","weight":0.5,"input":"{{sample.output_text}}","reference":"{{item.reference_answer}}","operation":"eq"},
{"name":"style","kind":"script","weight":0.3,"source":"def grade(sample, item):\n    return 1.0"},
{"name":"sim","kind":"text_similarity","weight":0.2,"metric":"fuzzy_match","input":"{{sample.output_text}}","reference":"{{item.reference_answer}}"},
{"name":"tools","kind":"tool_call_match","reference_field":"reference_tool_calls"}]}`
	file := filepath.Join(t.TempDir(), "grader.json")
	if err := os.WriteFile(file, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	var version string
	t.Run("set saves and prints the version", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "grader", "set", "--dataset", "geo", "--file", file, "--json")
		var v struct{ Version string }
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v.Version) != 12 {
			t.Fatalf("%d %s %s", code, out, errs)
		}
		version = v.Version
		bad := filepath.Join(t.TempDir(), "bad.json")
		_ = os.WriteFile(bad, []byte(`{"components":[{"name":"x","kind":"script","weight":1,"source":"def grade(sample, item)\n    return 1"}]}`), 0o600)
		if _, errs, code := runIn(t, dir, "grader", "set", "--dataset", "geo", "--file", bad); code != 1 || !strings.Contains(errs, `component "x": script does not compile`) {
			t.Fatalf("bad script: %d %s", code, errs)
		}
	})
	t.Run("test prints the issue's shape", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "grader", "test", "--dataset", "geo", "--n", "100", "--seed", "4", "--json")
		if code != 0 {
			t.Fatalf("%d %s", code, errs)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &top); err != nil || keysOf(top) != "mean,samples,version" {
			t.Fatalf("top keys %s: %s", keysOf(top), out)
		}
		var res struct {
			Version string
			Mean    float64
			Samples []map[string]json.RawMessage
		}
		_ = json.Unmarshal([]byte(out), &res)
		if res.Version != version || len(res.Samples) != 8 {
			t.Fatalf("%s", out)
		}
		for _, s := range res.Samples {
			if keysOf(s) != "components,errors,reasoning,record_id,response,score" {
				t.Fatalf("sample keys %s", keysOf(s))
			}
		}
		// four answers are exactly Paris: 0.5 + 0.3 + 0.2 (tools weighs 0);
		// Parris: 0.3 + 0.2 * fuzzy("Parris", "Paris") = 0.3 + 0.2 * 10/11
		want := (4*(0.5+0.3+0.2) + 4*(0.3+0.2*10.0/11)) / 8
		if d := res.Mean - want; d > 1e-9 || d < -1e-9 {
			t.Fatalf("mean %v, want %v", res.Mean, want)
		}
	})
	t.Run("show prints the set format with version and last test", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "grader", "show", "--dataset", "geo", "--json")
		var v struct {
			Components []map[string]any `json:"components"`
			Version    string           `json:"version"`
			LastTest   *struct {
				Version string `json:"version"`
			} `json:"last_test"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Version != version || len(v.Components) != 4 || v.LastTest == nil || v.LastTest.Version != version {
			t.Fatalf("%d %s %s", code, out, errs)
		}
	})
	t.Run("export for every trainer", func(t *testing.T) {
		out := t.TempDir()
		for _, tr := range []string{"openai", "azure", "trl", "fireworks"} {
			target := filepath.Join(out, tr)
			if tr != "fireworks" {
				target += ".out"
			}
			o, errs, code := runIn(t, dir, "grader", "export", "--dataset", "geo", "--trainer", tr, "--out", target, "--json")
			var res struct {
				Trainer string   `json:"trainer"`
				Files   []string `json:"files"`
			}
			if code != 0 || json.Unmarshal([]byte(o), &res) != nil || res.Trainer != tr || len(res.Files) == 0 {
				t.Fatalf("%s: %d %s %s", tr, code, o, errs)
			}
		}
		data, _ := os.ReadFile(filepath.Join(out, "openai.out"))
		var g struct {
			Type    string                     `json:"type"`
			Graders map[string]json.RawMessage `json:"graders"`
		}
		if json.Unmarshal(data, &g) != nil || g.Type != "multi" || len(g.Graders) != 3 {
			t.Fatalf("openai export %s", data)
		}
		if _, errs, code := runIn(t, dir, "grader", "export", "--dataset", "geo", "--trainer", "gemini", "--out", "x"); code != 2 || !strings.Contains(errs, "--trainer") {
			t.Fatalf("unknown trainer: %d %s", code, errs)
		}
	})
}

func keysOf(m map[string]json.RawMessage) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
