package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

// TestTrainStartSaysWhyItIsRefusedAndWhatToDoNext: each refusal of the
// Train gate prints the reason, the next step as a command and the
// override (--override-nogo) with the reason the job would keep; after the
// re-grade the same start goes on without it.
func TestTrainStartSaysWhyItIsRefusedAndWhatToDoNext(t *testing.T) {
	fake := testutil.StartFineTune(t)
	fake.Chat = testutil.NewOpenAI().Handler() // the dry run's answers (an echo of the prompt)
	t.Setenv("OPENAI_API_KEY", "sk-cli-gate-000000")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	dir := t.TempDir()
	createRefundDataset(t, dir, "gate") // dataset 1; its grader scores an echo 0: NO-GO
	start := func(t *testing.T, want ...string) {
		t.Helper()
		_, errs, code := runIn(t, dir, "train", "start", "--dataset", "gate", "--trainer", "openai")
		if code != 1 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		for _, w := range want {
			if !strings.Contains(errs, w) {
				t.Errorf("stderr lacks %q:\n%s", w, errs)
			}
		}
		if fake.JobsCreated() != 0 {
			t.Fatal("a refused start created a job")
		}
	}

	t.Run("no dry run: run one with the model training fine-tunes", func(t *testing.T) {
		start(t, "tracetune train: training cannot start:\n",
			"  - no dry run has measured this grader on o4-mini\n",
			"    next: Run a dry run with o4-mini (tracetune dryrun run --dataset 1)\n",
			"    or start anyway with --override-nogo (the job keeps the override: no dry run)")
	})
	t.Run("NO-GO: fix what the diagnosis names", func(t *testing.T) {
		if _, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "gate", "--n", "20"); code != 0 {
			t.Fatalf("dryrun: %s", errs)
		}
		start(t, "  - dry run 1 says NO-GO: the grader cannot teach o4-mini as it stands\n",
			"    next: Fix what its diagnosis names (Step 5) and run it again\n",
			"(the job keeps the override: NO-GO)")
	})
	t.Run("a changed grader: re-grade the last run, no model calls", func(t *testing.T) {
		saveCLIGrader(t, dir, "gate", "def grade(sample, item):\n    return 0.9 if int(item['reference_answer'].split(' ')[1]) % 2 == 0 else 0.5")
		start(t, "  - the grader changed since dry run 1: its score is not the score training will optimize\n",
			"    next: Re-grade the last run with the current grader — no model calls (tracetune dryrun run --dataset 1 --regrade 1)\n",
			"(the job keeps the override: grader changed)")
	})
	t.Run("after the re-grade start goes on without the override", func(t *testing.T) {
		if _, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "gate", "--regrade", "1"); code != 0 {
			t.Fatalf("re-grade: %s", errs)
		}
		out, errs, code := runIn(t, dir, "train", "start", "--dataset", "gate", "--trainer", "openai", "--json")
		var j struct {
			DryRunID int64  `json:"dry_run_id"`
			Verdict  string `json:"dry_run_verdict"`
			Override bool   `json:"override_nogo"`
			Reason   string `json:"override_reason"`
			Base     string `json:"base_model"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.DryRunID != 2 || j.Verdict != "GO" || j.Override || j.Reason != "" || j.Base != "o4-mini" {
			t.Fatalf("start %d %s %s", code, out, errs)
		}
	})
}
