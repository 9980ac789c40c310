package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

// TestTrainOnFireworksFromTheCommandLine is the headless flow:
// providers add --kind fireworks --account A --key-stdin, train start
// --trainer fireworks --json, then status until the tuned model shows as
// accounts/A/models/<output model>.
func TestTrainOnFireworksFromTheCommandLine(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TRACETUNE_SECRETS", "file")
	chat := testutil.StartOpenAI(t) // create embeds the prompts
	t.Setenv("OPENAI_API_KEY", "sk-cli-fw-000000")
	t.Setenv("OPENAI_BASE_URL", chat.URL)
	fw := testutil.StartFireworks(t)
	fw.RequireKey("fw-cli-key-123456")
	fw.SetSteps(3, 1)
	dir := t.TempDir()
	createRefundDataset(t, dir, "fwcli")

	t.Run("providers add takes the account and the key from stdin", func(t *testing.T) {
		keyFile := filepath.Join(t.TempDir(), "key")
		if err := os.WriteFile(keyFile, []byte("fw-cli-key-123456\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		in, err := os.Open(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		old := os.Stdin
		os.Stdin = in
		defer func() { os.Stdin = old; in.Close() }()
		out, errs, code := runIn(t, dir, "providers", "add", "--name", "fwp", "--kind", "fireworks", "--account", fw.Account, "--url", fw.URL, "--key-stdin", "--json")
		var p map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p["kind"] != "fireworks" || p["base_url"] != fw.URL+"/inference/v1" || p["has_key"] != true {
			t.Fatalf("add: %d %s %s", code, out, errs)
		}
		if strings.Contains(out, "fw-cli-key") {
			t.Fatal("key printed")
		}
	})
	var started struct {
		Job      int64  `json:"job"`
		Status   string `json:"status"`
		Trainer  string `json:"trainer"`
		Provider string `json:"provider"`
		Base     string `json:"base_model"`
		RemoteID string `json:"remote_id"`
		Train    int    `json:"train_count"`
		Valid    int    `json:"validation_count"`
		Options  struct {
			Hyper map[string]any `json:"hyperparameters"`
		} `json:"options"`
	}
	t.Run("train start creates the job with Fireworks' defaults", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "train", "start", "--dataset", "fwcli", "--trainer", "fireworks", "--provider", "fwp",
			"--model", "accounts/fireworks/models/qwen3-0p6b", "--epochs", "2", "--override-nogo", "--json")
		if code != 0 {
			t.Fatalf("train start: %d %s", code, errs)
		}
		if err := json.Unmarshal([]byte(out), &started); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if started.Job == 0 || started.Trainer != "fireworks" || started.Provider != "fwp" || started.RemoteID == "" || started.Train != 27 || started.Valid != 3 {
			t.Fatalf("start output %s", out)
		}
		if started.Options.Hyper["n_epochs"] != 2.0 || started.Options.Hyper["learning_rate"] != 1e-4 || started.Options.Hyper["lora_r"] != 8.0 {
			t.Errorf("hyperparameters %v", started.Options.Hyper)
		}
		tc := fw.Jobs()[0].Body["trainingConfig"].(map[string]any)
		if tc["epochs"] != 2.0 || tc["loraRank"] != 8.0 {
			t.Errorf("trainingConfig %v", tc)
		}
	})
	t.Run("status reports the tuned model once the job completes", func(t *testing.T) {
		var s struct {
			Status  string `json:"status"`
			Model   string `json:"fine_tuned_model"`
			Final   bool   `json:"final"`
			Metrics []struct {
				Step  int      `json:"step"`
				Train *float64 `json:"train_reward_mean"`
			} `json:"metrics"`
		}
		raw := pollTrainStatus(t, dir, "fwcli", 30, &s, func() bool { return s.Final })
		out := fw.Jobs()[0].Body["trainingConfig"].(map[string]any)["outputModel"].(string)
		if s.Status != "succeeded" || s.Model != "accounts/"+fw.Account+"/models/"+out || len(s.Metrics) != 3 || s.Metrics[0].Train == nil {
			t.Fatalf("status %s", raw)
		}
		if fw.JobsCreated() != 1 {
			t.Errorf("%d jobs created", fw.JobsCreated())
		}
	})
}
