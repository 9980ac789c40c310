package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

// createRefundDataset creates a dataset of 30 refund requests, each with a
// reference answer, graded by whether the output contains it.
func createRefundDataset(t *testing.T, dir, name string) {
	t.Helper()
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"Please refund the duplicate charge on invoice %d"}],"reference_answer":"refund %d"}`, i, i))
	}
	if _, errs, code := runIn(t, dir, "create", "--name", name, "--file", fixture(t, lines...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	saveCLIGrader(t, dir, name, "def grade(sample, item):\n    return 1.0 if item['reference_answer'] in sample['output_text'] else 0.0")
}

// pollTrainStatus runs `train status --json` (each call polls once) into s
// until done says the job is final or tries run out, and returns the last
// output.
func pollTrainStatus(t *testing.T, dir, dataset string, tries int, s any, done func() bool) string {
	t.Helper()
	var raw string
	for i := 0; i < tries && !done(); i++ {
		out, errs, code := runIn(t, dir, "train", "status", "--dataset", dataset, "--json")
		if code != 0 {
			t.Fatalf("status: %s", errs)
		}
		raw = out
		if err := json.Unmarshal([]byte(out), s); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

// TestTrainCommands drives Step 6 from the command line against the fake
// fine-tuning platform: start (refused without a dry run, then with the
// override kept with the job), status until the job succeeds (each call
// polls once), logs, list, cancel of a second job, and a TRL bundle, with
// the JSON shapes of the issue.
func TestTrainCommands(t *testing.T) {
	fake := testutil.StartFineTune(t)
	fake.Chat = testutil.NewOpenAI().Handler() // Create & Start embeds the prompts
	t.Setenv("OPENAI_API_KEY", "sk-cli-train-000000")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	dir := t.TempDir()
	createRefundDataset(t, dir, "cli")

	var started struct {
		Job        int64    `json:"job"`
		Status     string   `json:"status"`
		RemoteID   string   `json:"remote_id"`
		Train      int      `json:"train_count"`
		Validation int      `json:"validation_count"`
		Warnings   []string `json:"warnings"`
		Override   string   `json:"override_reason"`
	}
	t.Run("without a dry run start needs the override, which the job keeps", func(t *testing.T) {
		if _, errs, code := runIn(t, dir, "train", "start", "--dataset", "cli", "--trainer", "openai", "--json"); code != 1 ||
			!strings.Contains(errs, "no dry run has measured this grader on o4-mini") {
			t.Fatalf("start without a dry run: %d %s", code, errs)
		}
		out, errs, code := runIn(t, dir, "train", "start", "--dataset", "cli", "--trainer", "openai", "--suffix", "cli", "--epochs", "2",
			"--override-nogo", "--json")
		if code != 0 {
			t.Fatalf("train start: %d %s", code, errs)
		}
		if err := json.Unmarshal([]byte(out), &started); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if started.Job == 0 || started.Status != "validating_files" || started.RemoteID == "" || started.Train != 27 || started.Validation != 3 {
			t.Fatalf("start output %s", out)
		}
		if !strings.Contains(errs, "warning: no dry run has measured this grader on o4-mini") || len(started.Warnings) != 1 ||
			started.Override != "no dry run" {
			t.Errorf("stderr %q, warnings %v, override %q", errs, started.Warnings, started.Override)
		}
	})

	type status struct {
		Job     int64  `json:"job"`
		Status  string `json:"status"`
		Model   string `json:"fine_tuned_model"`
		Final   bool   `json:"final"`
		Metrics []struct {
			Step  *int     `json:"step"`
			Train *float64 `json:"train_reward_mean"`
			Valid *float64 `json:"valid_reward_mean"`
		} `json:"metrics"`
	}
	t.Run("status polls the platform until the job succeeds", func(t *testing.T) {
		var s status
		raw := pollTrainStatus(t, dir, "cli", 20, &s, func() bool { return s.Final })
		if s.Status != "succeeded" || s.Job != started.Job || !strings.HasPrefix(s.Model, "ft:o4-mini:fake-org:cli:") || len(s.Metrics) != 6 {
			t.Fatalf("final status %s", raw)
		}
		for _, m := range s.Metrics {
			if m.Step == nil || m.Train == nil {
				t.Errorf("metric without step or train reward: %s", raw)
			}
		}
		if !strings.Contains(raw, `"valid_reward_mean":null`) {
			t.Errorf("steps without evaluation should say null: %s", raw)
		}
	})

	t.Run("logs and list show the job", func(t *testing.T) {
		out, _, code := runIn(t, dir, "train", "logs", "--dataset", "cli", "--json")
		var logs struct {
			Job    int64 `json:"job"`
			Events []struct {
				Seq     int64  `json:"seq"`
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"events"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &logs) != nil || logs.Job != started.Job || len(logs.Events) < 8 ||
			logs.Events[len(logs.Events)-1].Message != "The job has successfully completed" {
			t.Fatalf("logs %s", out)
		}
		out, _, code = runIn(t, dir, "train", "logs", "--dataset", "cli")
		if code != 0 || !strings.Contains(out, "Fine-tuning job started") {
			t.Errorf("text logs %q", out)
		}
		out, _, code = runIn(t, dir, "train", "list", "--dataset", "cli", "--json")
		var list []struct {
			Job    int64  `json:"job"`
			Status string `json:"status"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Status != "succeeded" {
			t.Fatalf("list %s", out)
		}
	})

	t.Run("cancel stops a second job; cancelling it again says why not", func(t *testing.T) {
		if _, errs, code := runIn(t, dir, "train", "start", "--dataset", "cli", "--trainer", "openai", "--override-nogo", "--json"); code != 0 {
			t.Fatalf("start: %s", errs)
		}
		out, errs, code := runIn(t, dir, "train", "cancel", "--dataset", "cli", "--json")
		var j struct {
			Status string `json:"status"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.Status != "cancelled" {
			t.Fatalf("cancel %d %s %s", code, out, errs)
		}
		if _, errs, code := runIn(t, dir, "train", "cancel", "--dataset", "cli"); code != 1 || !strings.Contains(errs, "cancelled") {
			t.Errorf("second cancel %d %q", code, errs)
		}
	})

	t.Run("a TRL bundle is written where asked", func(t *testing.T) {
		outDir := filepath.Join(t.TempDir(), "bundle")
		out, errs, code := runIn(t, dir, "train", "start", "--dataset", "cli", "--trainer", "trl", "--out", outDir, "--override-nogo", "--json")
		var j struct {
			Status string `json:"status"`
			OutDir string `json:"out_dir"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.Status != "exported" || j.OutDir != outDir {
			t.Fatalf("trl %d %s %s", code, out, errs)
		}
		for _, f := range []string{"data/train.jsonl", "data/eval.jsonl", "reward.py", "train.py", "requirements.txt", "config.yaml", "manifest.json", "README.md"} {
			if _, err := os.Stat(filepath.Join(outDir, f)); err != nil {
				t.Errorf("bundle lacks %s", f)
			}
		}
		if _, err := os.Stat(outDir + ".zip"); err != nil {
			t.Error("no zip")
		}
	})

	t.Run("bad usage exits 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"train", "start", "--dataset", "cli"},
			{"train", "start", "--dataset", "cli", "--trainer", "gpu"},
			{"train", "start", "--dataset", "cli", "--trainer", "openai", "--split", "1.5"},
			{"train", "frobnicate"},
		} {
			if _, errs, code := runIn(t, dir, args...); code != 2 {
				t.Errorf("%v: exit %d %s", args, code, errs)
			}
		}
	})
}
