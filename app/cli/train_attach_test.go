package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

// TestTrainAttachAndExport drives the end of a TRL job from the command
// line: the bundle is attached as the model a vLLM server serves (a model
// id the server refuses changes nothing), Step 7's benchmark then asks that
// server, detach undoes it; and export writes the split files Start would
// send.
func TestTrainAttachAndExport(t *testing.T) {
	const tuned = "refund-grpo"
	invoice := regexp.MustCompile(`invoice (\d+)`)
	fake := testutil.StartOpenAI(t)
	fake.SetModels(tuned, "Qwen/Qwen3-1.7B")
	fake.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		if m := invoice.FindStringSubmatch(r.LastUser()); m != nil && r.Model == tuned {
			return testutil.ChatReply{Content: "refund " + m[1]}
		}
		return testutil.DefaultResponder(r) // Create & Start names topics
	})
	t.Setenv("OPENAI_API_KEY", "sk-cli-attach-000000")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	dir := t.TempDir()
	createRefundDataset(t, dir, "cli")
	if _, errs, code := runIn(t, dir, "providers", "add", "--name", "gpu", "--kind", "vllm", "--url", fake.URL); code != 0 {
		t.Fatalf("providers add: %s", errs)
	}
	bundle := filepath.Join(t.TempDir(), "bundle")
	if _, errs, code := runIn(t, dir, "train", "start", "--dataset", "cli", "--trainer", "trl", "--out", bundle, "--no-zip",
		"--override-nogo"); code != 0 {
		t.Fatalf("train start: %s", errs)
	}

	type job struct {
		Job      int64  `json:"job"`
		Status   string `json:"status"`
		Provider string `json:"provider"`
		Model    string `json:"fine_tuned_model"`
		Attached bool   `json:"attached"`
		OutDir   string `json:"out_dir"`
		Valid    int    `json:"validation_count"`
	}
	var j job
	t.Run("a model id the server refuses is not attached", func(t *testing.T) {
		fake.Fail("chat", testutil.Failure{Status: 404, Code: "model_not_found", Message: "The model `refund-typo` does not exist."})
		_, errs, code := runIn(t, dir, "train", "attach", "--dataset", "cli", "--provider", "gpu", "--model", "refund-typo", "--json")
		if code != 1 || !strings.Contains(errs, "nothing was attached") || !strings.Contains(errs, tuned) {
			t.Fatalf("exit %d: %s", code, errs)
		}
		out, _, _ := runIn(t, dir, "train", "status", "--dataset", "cli", "--json")
		if err := json.Unmarshal([]byte(out), &j); err != nil || j.Status != "exported" || j.Model != "" {
			t.Fatalf("status after a refused attach: %s", out)
		}
	})
	t.Run("attach makes the job succeeded with the served model", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "train", "attach", "--dataset", "cli", "--provider", "gpu", "--model", tuned, "--json")
		if code != 0 {
			t.Fatalf("attach: %s", errs)
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil || j.Status != "succeeded" || j.Model != tuned || j.Provider != "gpu" ||
			!j.Attached || j.OutDir != bundle {
			t.Fatalf("attach output %s", out)
		}
	})
	t.Run("Step 7's benchmark asks the attached provider for the tuned side", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "benchmark", "--dataset", "cli", "--json")
		if code != 0 {
			t.Fatalf("benchmark: %s", errs)
		}
		var rep struct {
			Job   int64 `json:"job_id"`
			Tuned struct {
				Provider string  `json:"provider"`
				Model    string  `json:"model"`
				Mean     float64 `json:"mean"`
				N        int     `json:"n"`
			} `json:"tuned"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Job != j.Job || rep.Tuned.Provider != "gpu" ||
			rep.Tuned.Model != tuned || rep.Tuned.N != j.Valid || rep.Tuned.Mean != 1 {
			t.Fatalf("benchmark %s", out)
		}
	})
	t.Run("detach makes it a bundle again", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "train", "detach", "--dataset", "cli", "--json")
		if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.Status != "exported" || j.Model != "" || j.Attached {
			t.Fatalf("detach %d %s %s", code, out, errs)
		}
	})
	t.Run("export writes the split files of each trainer with the JSON shape of the help", func(t *testing.T) {
		for _, trainer := range []string{"openai", "trl"} {
			outDir := filepath.Join(t.TempDir(), trainer)
			out, errs, code := runIn(t, dir, "train", "export", "--dataset", "cli", "--trainer", trainer, "--out", outDir, "--json")
			if code != 0 {
				t.Fatalf("export %s: %s", trainer, errs)
			}
			var ex struct {
				Dir   string `json:"dir"`
				Train int    `json:"train_count"`
				Valid int    `json:"validation_count"`
				Seed  int64  `json:"split_seed"`
				Files []struct {
					Name  string `json:"name"`
					Bytes int    `json:"bytes"`
					Lines int    `json:"lines"`
				} `json:"files"`
				Notes []string `json:"notes"`
			}
			if err := json.Unmarshal([]byte(out), &ex); err != nil || ex.Dir != outDir || ex.Train != 27 || ex.Valid != 3 || ex.Seed != 42 ||
				ex.Notes == nil {
				t.Fatalf("export %s output %s", trainer, out)
			}
			for _, f := range ex.Files {
				b, err := os.ReadFile(filepath.Join(outDir, filepath.FromSlash(f.Name)))
				if err != nil || len(b) != f.Bytes {
					t.Errorf("%s: %d bytes on disk, %d said (%v)", f.Name, len(b), f.Bytes, err)
				}
				if strings.Contains(string(b), "sk-cli-attach") {
					t.Errorf("%s holds the key", f.Name)
				}
			}
		}
	})
	t.Run("bad usage exits 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"train", "attach", "--dataset", "cli", "--provider", "gpu"},
			{"train", "export", "--dataset", "cli", "--trainer", "openai"},
			{"train", "export", "--dataset", "cli", "--out", t.TempDir()},
		} {
			if _, errs, code := runIn(t, dir, args...); code != 2 {
				t.Errorf("%v: exit %d %s", args, code, errs)
			}
		}
	})
}
