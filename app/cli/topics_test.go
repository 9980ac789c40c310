package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTopicsCategorizeCoverageCommands drives the headless topic commands
// end to end on one data directory, offline.
func TestTopicsCategorizeCoverageCommands(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	dir := t.TempDir()
	var lines []string
	for i := 0; i < 60; i++ {
		switch i % 3 {
		case 0:
			lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"Please refund the duplicate charge on invoice %d, I was charged twice"}]}`, i))
		case 1:
			lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"Find a cheap nonstop flight to Lisbon for %d people on Friday"}]}`, i))
		default:
			lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"Write a SQL query joining orders and customers, limit %d rows"}]}`, i))
		}
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "cli", "--file", fixture(t, lines...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	// Create & Start already ran the chain; regenerate with a given k.
	out, errs, code := runIn(t, dir, "topics", "generate", "--dataset", "cli", "--offline", "--k", "3", "--seed", "7", "--json")
	if code != 0 {
		t.Fatalf("topics generate: %d %s", code, errs)
	}
	if !strings.Contains(errs, "clears 60 existing assignments") {
		t.Errorf("regenerate should warn with the count, stderr %q", errs)
	}
	var g struct {
		K       int    `json:"k"`
		Vectors string `json:"vectors"`
		Cleared int    `json:"cleared"`
		Topics  []struct {
			Name string `json:"name"`
		} `json:"topics"`
	}
	if err := json.Unmarshal([]byte(out), &g); err != nil || g.K != 3 || len(g.Topics) != 3 || g.Vectors != "tfidf" || g.Cleared != 60 {
		t.Fatalf("generate output %s (%v)", out, err)
	}
	out, errs, code = runIn(t, dir, "categorize", "--dataset", "cli", "--mode", "all", "--json")
	if code != 0 {
		t.Fatalf("categorize: %s", errs)
	}
	var c struct {
		Processed int            `json:"processed"`
		ByMethod  map[string]int `json:"by_method"`
	}
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.Processed != 60 {
		t.Fatalf("categorize output %s", out)
	}
	out, _, code = runIn(t, dir, "coverage", "--dataset", "cli", "--json")
	var cov struct {
		Balance      float64 `json:"balance"`
		Distribution map[string]struct {
			Count   int     `json:"count"`
			Percent float64 `json:"percent"`
			Target  float64 `json:"target"`
			Gap     float64 `json:"gap"`
			Status  string  `json:"status"`
		} `json:"distribution"`
		Uncategorized   *int     `json:"uncategorized"`
		Recommendations []string `json:"recommendations"`
	}
	if err := json.Unmarshal([]byte(out), &cov); code != 0 || err != nil || len(cov.Distribution) != 3 || cov.Uncategorized == nil || *cov.Uncategorized != 0 || cov.Balance != 1 {
		t.Fatalf("coverage output %s (%v)", out, err)
	}
	for name, s := range cov.Distribution {
		if s.Count != 20 || s.Status != "ok" {
			t.Errorf("%s: %+v", name, s)
		}
	}
	name := g.Topics[0].Name
	out, _, code = runIn(t, dir, "coverage", "--dataset", "cli", "--target", name+"=60", "--json")
	if code != 0 || !strings.Contains(out, `"needed"`) || !strings.Contains(out, "needs") {
		t.Errorf("coverage with a target: %s", out)
	}
	if _, errs, code := runIn(t, dir, "coverage", "--dataset", "cli", "--target", "nope=5"); code != 1 || !strings.Contains(errs, "nope") {
		t.Errorf("unknown target topic: %d %s", code, errs)
	}

	// Export, edit, import with keep and clear.
	f := filepath.Join(t.TempDir(), "topics.json")
	if _, errs, code := runIn(t, dir, "topics", "export", "--dataset", "cli", "--out", f); code != 0 {
		t.Fatalf("export: %s", errs)
	}
	var h struct {
		Version int              `json:"version"`
		Topics  []map[string]any `json:"topics"`
	}
	b, _ := os.ReadFile(f)
	if err := json.Unmarshal(b, &h); err != nil || h.Version != 1 || len(h.Topics) != 3 {
		t.Fatalf("exported %s", b)
	}
	h.Topics = h.Topics[:2]
	b, _ = json.Marshal(h)
	os.WriteFile(f, b, 0o600)
	// An import replaces the tree, then categorizes the records it left
	// without a topic, as the window does.
	out, errs, code = runIn(t, dir, "topics", "import", "--dataset", "cli", "--file", f, "--keep", "--json")
	if code != 0 || !strings.Contains(out, `"cleared":20`) || !strings.Contains(out, `"processed":20`) {
		t.Fatalf("import --keep: %d %s %s", code, out, errs)
	}
	out, _, _ = runIn(t, dir, "topics", "import", "--dataset", "cli", "--file", f, "--clear", "--json")
	if !strings.Contains(out, `"cleared":60`) || !strings.Contains(out, `"processed":60`) {
		t.Fatalf("import --clear: %s", out)
	}
	out, _, _ = runIn(t, dir, "topics", "list", "--dataset", "cli")
	if !strings.Contains(out, h.Topics[0]["name"].(string)) {
		t.Errorf("list: %s", out)
	}
	out, _, _ = runIn(t, dir, "categorize", "--dataset", "cli")
	if !strings.Contains(out, "categorized 0 records") {
		t.Errorf("categorize unlabeled after an import has nothing left to do: %s", out)
	}
	for _, bad := range [][]string{
		{"topics"}, {"topics", "frob"}, {"topics", "import", "--dataset", "cli", "--file", f, "--keep", "--clear"},
		{"categorize", "--dataset", "cli", "--mode", "some"}, {"topics", "generate", "--dataset", "cli", "--k", "-1"},
	} {
		if _, _, code := runIn(t, dir, bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", bad, code)
		}
	}
}
