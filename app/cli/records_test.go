package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tracegenFile writes a tracegen file and its truth file with the generator
// of ../shared beside the repository (as in CI).
func tracegenFile(t *testing.T, args ...string) (data, truth string) {
	t.Helper()
	wd, _ := os.Getwd()
	src := filepath.Join(wd, "..", "..", "..", "shared", "tools", "tracegen", "main.go")
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("tracegen source missing: %s must sit beside the repository: %v", src, err)
	}
	dir := t.TempDir()
	data, truth = filepath.Join(dir, "t.jsonl"), filepath.Join(dir, "truth.jsonl")
	cmd := exec.Command("go", append([]string{"run", src, "-out", data, "-truth", truth}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tracegen: %v\n%s", err, out)
	}
	return data, truth
}

// TestImportRecordsHealthExportJSON drives the headless commands the way
// the acceptance of issue 3 reads: import a tracegen file, then records
// --json gives every line's code as the truth file says, health --json
// gives the truth counts, and a valid-only RFT export re-imports 100 % valid.
func TestImportRecordsHealthExportJSON(t *testing.T) {
	dir := t.TempDir()
	data, truthPath := tracegenFile(t, "-n", "3000", "-seed", "7")
	if _, errs, code := runIn(t, dir, "create", "--name", "gen"); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	out, errs, code := runIn(t, dir, "import", "--dataset", "gen", "--file", data, "--json")
	if code != 0 {
		t.Fatalf("import: code %d: %s", code, errs)
	}
	var imp struct {
		Total, Lines int
		ByCode       map[string]int `json:"by_code"`
	}
	if err := json.Unmarshal([]byte(out), &imp); err != nil || imp.Total != 3000 || imp.Lines != 3000 {
		t.Fatalf("import output %q (%v)", out, err)
	}

	want := map[int]string{}
	counts := map[string]int{}
	f, _ := os.Open(truthPath)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var tl struct {
			Line int
			Code string
		}
		json.Unmarshal(sc.Bytes(), &tl)
		want[tl.Line] = tl.Code
		if tl.Code != "" {
			counts[tl.Code]++
		}
	}
	f.Close()

	out, errs, code = runIn(t, dir, "records", "--dataset", "gen", "--json")
	if code != 0 {
		t.Fatalf("records: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3000 {
		t.Fatalf("records --json printed %d lines", len(lines))
	}
	for _, l := range lines {
		var r recordRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if want[r.Line] != r.Code {
			t.Fatalf("line %d: code %q, truth %q", r.Line, r.Code, want[r.Line])
		}
	}
	out, _, _ = runIn(t, dir, "health", "--dataset", "gen", "--json")
	var h struct {
		Total, Valid, Invalid int
		ByCode                map[string]int `json:"by_code"`
	}
	if err := json.Unmarshal([]byte(out), &h); err != nil || h.Total != 3000 || len(h.ByCode) != len(counts) {
		t.Fatalf("health %q: %v", out, err)
	}
	for c, n := range counts {
		if h.ByCode[c] != n {
			t.Errorf("health %s = %d, truth %d", c, h.ByCode[c], n)
		}
	}
	out, _, code = runIn(t, dir, "records", "--dataset", "gen", "--code", "orphan_tool_result", "--limit", "2", "--json")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"code":"orphan_tool_result"`) {
		t.Fatalf("filtered records: %q", out)
	}

	rft := filepath.Join(t.TempDir(), "rft.jsonl")
	out, errs, code = runIn(t, dir, "export", "--dataset", "gen", "--out", rft, "--valid-only", "--format", "rft", "--json")
	if code != 0 {
		t.Fatalf("export: %s", errs)
	}
	runIn(t, dir, "create", "--name", "again")
	out, _, code = runIn(t, dir, "import", "--dataset", "again", "--file", rft, "--json")
	var again struct{ Total, Valid, Invalid int }
	json.Unmarshal([]byte(out), &again)
	if code != 0 || again.Total != h.Valid || again.Valid != h.Valid {
		t.Fatalf("re-import of the RFT export: %q, want %d valid", out, h.Valid)
	}

	// bad usage exits 2 and names the problem
	if _, errs, code := runIn(t, dir, "import", "--dataset", "gen", "--file", data, "--mode", "merge"); code != 2 || !strings.Contains(errs, "append or replace") {
		t.Fatalf("bad mode: code %d, %s", code, errs)
	}
}
