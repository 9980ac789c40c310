package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

// TestTrainTargetAndDryrunModel: `train target` shows and sets what the
// dataset trains; the dry run answers with it by default and says whether
// a run counts for the Train gate; `dryrun run --model` measures another
// model without counting; a dry run of the target lets `train start` go
// on without the override.
func TestTrainTargetAndDryrunModel(t *testing.T) {
	fake := testutil.StartFineTune(t)
	chat := testutil.NewOpenAI()
	fake.Chat = chat.Handler()
	t.Setenv("OPENAI_API_KEY", "sk-cli-target-0000")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	dir := t.TempDir()
	createRefundDataset(t, dir, "tgt")
	saveCLIGrader(t, dir, "tgt", "def grade(sample, item):\n    return 0.9 if int(item['reference_answer'].split(' ')[1]) % 2 == 0 else 0.5")
	const target = "gpt-5-2025-08-07"
	target3 := func(t *testing.T, args ...string) map[string]string {
		t.Helper()
		out, errs, code := runIn(t, dir, append([]string{"train", "target", "--dataset", "tgt", "--json"}, args...)...)
		var got map[string]string
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 3 {
			t.Fatalf("train target %v: %d %s %s", args, code, out, errs)
		}
		return got
	}

	t.Run("show: with no target saved, the training role's model", func(t *testing.T) {
		got := target3(t)
		if got["trainer"] != "openai" || got["model"] != "o4-mini" || got["provider"] == "" {
			t.Fatalf("target %v", got)
		}
	})
	t.Run("set the base model: trainer and provider stay", func(t *testing.T) {
		before := target3(t)
		got := target3(t, "--model", target)
		if got["trainer"] != "openai" || got["model"] != target || got["provider"] != before["provider"] {
			t.Fatalf("target %v", got)
		}
		out, errs, code := runIn(t, dir, "train", "target", "--dataset", "tgt")
		if code != 0 || !strings.Contains(out, `"tgt" trains `+target+" with openai on ") || !strings.Contains(out, "Train gate") {
			t.Fatalf("text %d %s %s", code, out, errs)
		}
	})
	t.Run("a target that cannot train is refused and nothing changes", func(t *testing.T) {
		if _, errs, code := runIn(t, dir, "train", "target", "--dataset", "tgt", "--trainer", "sagemaker"); code != 2 || !strings.Contains(errs, "sagemaker") {
			t.Fatalf("unknown trainer: %d %s", code, errs)
		}
		if _, errs, code := runIn(t, dir, "train", "target", "--dataset", "tgt", "--trainer", "azure"); code != 1 || !strings.Contains(errs, "Azure") {
			t.Fatalf("azure without an Azure provider: %d %s", code, errs)
		}
		if got := target3(t); got["model"] != target {
			t.Fatalf("after refusals %v", got)
		}
	})
	t.Run("the preview names the target's model and says the run counts", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "tgt", "--n", "20", "--preview")
		if code != 0 || !strings.Contains(out, target+" (base)") || !strings.Contains(out, "this run counts for the Train gate") {
			t.Fatalf("preview %d %s %s", code, out, errs)
		}
		out, errs, code = runIn(t, dir, "dryrun", "run", "--dataset", "tgt", "--n", "20", "--preview", "--model", "o4-mini", "--json")
		var p struct {
			Model   string            `json:"model"`
			ForGate bool              `json:"for_gate"`
			Target  map[string]string `json:"target"`
			Notes   []string          `json:"notes"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.Model != "o4-mini" || p.ForGate || p.Target["model"] != target ||
			!strings.Contains(strings.Join(p.Notes, " "), "will not count for the Train gate") {
			t.Fatalf("preview of another model %d %s %s", code, out, errs)
		}
	})
	t.Run("dryrun run --model measures another model and says it does not count", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "tgt", "--n", "20", "--model", "o4-mini")
		if code != 0 || !strings.Contains(out, "model o4-mini") ||
			!strings.Contains(out, "o4-mini is not the model Step 6 trains ("+target+"): this run does not count for the Train gate") {
			t.Fatalf("run %d %s %s", code, out, errs)
		}
		if _, errs, code := runIn(t, dir, "train", "start", "--dataset", "tgt", "--trainer", "openai", "--model", target); code != 1 ||
			!strings.Contains(errs, "dry run 1 measured o4-mini, but training fine-tunes "+target) {
			t.Fatalf("start after a run of another model: %d %s", code, errs)
		}
		if _, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "tgt", "--regrade", "1", "--model", "o4-mini"); code != 2 {
			t.Fatalf("a re-grade asks no model: %d %s", code, errs)
		}
	})
	t.Run("a dry run of the target opens the gate without the override", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "tgt", "--n", "20")
		if code != 0 || !strings.Contains(out, "model "+target) || strings.Contains(out, "does not count") {
			t.Fatalf("run %d %s %s", code, out, errs)
		}
		out, errs, code = runIn(t, dir, "train", "start", "--dataset", "tgt", "--trainer", "openai", "--model", target, "--json")
		var j struct {
			Override bool   `json:"override_nogo"`
			Base     string `json:"base_model"`
			DryRunID int64  `json:"dry_run_id"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.Override || j.Base != target || j.DryRunID != 2 {
			t.Fatalf("start %d %s %s", code, out, errs)
		}
	})
}
