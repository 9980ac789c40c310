package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

// TestDryrunShowSaysTheRecordsChanged: after an append, dryrun show and
// list say the run measured other records, and a new run clears it.
func TestDryrunShowSaysTheRecordsChanged(t *testing.T) {
	f := testutil.StartOpenAI(t)
	t.Setenv("OPENAI_API_KEY", "sk-test-0000000000")
	t.Setenv("OPENAI_BASE_URL", f.URL)
	dir := t.TempDir()
	lines := func(from, n int) []string {
		var out []string
		for i := from; i < from+n; i++ {
			out = append(out, fmt.Sprintf(`{"messages":[{"role":"user","content":"Please refund invoice %d"}]}`, i))
		}
		return out
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "st", "--file", fixture(t, lines(0, 12)...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	saveCLIGrader(t, dir, "st", "def grade(sample, item):\n    return 0.7")
	var run struct {
		ID int64 `json:"id"`
	}
	out, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "st", "--n", "10", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &run) != nil || run.ID == 0 {
		t.Fatalf("run %d %s %s", code, out, errs)
	}
	why := fmt.Sprintf("stale: the records changed since dry run %d: run it again to measure the current data", run.ID)

	t.Run("show has no stale line on the records it measured", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "dryrun", "show", "--dataset", "st")
		if code != 0 || strings.Contains(out, "stale") {
			t.Fatalf("show %d %s %s", code, out, errs)
		}
	})
	if _, errs, code := runIn(t, dir, "import", "--dataset", "st", "--file", fixture(t, lines(12, 3)...), "--mode", "append"); code != 0 {
		t.Fatalf("append: %s", errs)
	}
	t.Run("after an append show prints the stale line", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "dryrun", "show", "--dataset", "st")
		if code != 0 || !strings.Contains(out, why) {
			t.Fatalf("show %d %s %s", code, out, errs)
		}
	})
	t.Run("list marks the run and --json says records_changed", func(t *testing.T) {
		out, _, code := runIn(t, dir, "dryrun", "list", "--dataset", "st")
		if code != 0 || !strings.Contains(out, "(stale: records changed)") {
			t.Fatalf("list %d %s", code, out)
		}
		out, _, code = runIn(t, dir, "dryrun", "list", "--dataset", "st", "--json")
		var runs []struct {
			Stale          bool   `json:"stale"`
			RecordsChanged bool   `json:"records_changed"`
			StaleWhy       string `json:"stale_reason"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 1 || !runs[0].Stale || !runs[0].RecordsChanged ||
			"stale: "+runs[0].StaleWhy != why {
			t.Fatalf("list --json %d %s", code, out)
		}
	})
	t.Run("a new run measures the current records", func(t *testing.T) {
		if out, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "st", "--n", "10"); code != 0 {
			t.Fatalf("run %d %s %s", code, out, errs)
		}
		out, errs, code := runIn(t, dir, "dryrun", "show", "--dataset", "st")
		if code != 0 || strings.Contains(out, "stale") {
			t.Fatalf("show %d %s %s", code, out, errs)
		}
	})
}
