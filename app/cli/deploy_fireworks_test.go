package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

// TestServeAFireworksModelFromTheCommandLine: a model trained on Fireworks
// cannot be benchmarked until deploy --target fireworks serves it; then the
// benchmark calls it by its pinned name, and deploy rollback deletes the
// deployment.
func TestServeAFireworksModelFromTheCommandLine(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TRACETUNE_SECRETS", "file")
	chat := testutil.StartOpenAI(t) // create embeds the prompts
	t.Setenv("OPENAI_API_KEY", "sk-cli-fw-000000")
	t.Setenv("OPENAI_BASE_URL", chat.URL)
	fw := testutil.StartFireworks(t)
	fw.RequireKey("fw-cli-key-123456")
	fw.SetSteps(2, 1)
	fw.SetDeploymentReads(0) // READY on the first read: no wait between polls here
	fw.Chat = testutil.NewOpenAI().Handler()
	dir := t.TempDir()
	createRefundDataset(t, dir, "fwserve")

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
	_, errs, code := runIn(t, dir, "providers", "add", "--name", "fwp", "--kind", "fireworks", "--account", fw.Account, "--url", fw.URL, "--key-stdin")
	os.Stdin = old
	in.Close()
	if code != 0 {
		t.Fatalf("providers add: %s", errs)
	}
	if _, errs, code := runIn(t, dir, "train", "start", "--dataset", "fwserve", "--trainer", "fireworks", "--provider", "fwp",
		"--model", "accounts/fireworks/models/qwen3-0p6b", "--override-nogo", "--json"); code != 0 {
		t.Fatalf("train start: %s", errs)
	}
	var s struct {
		Model string `json:"fine_tuned_model"`
		Final bool   `json:"final"`
	}
	pollTrainStatus(t, dir, "fwserve", 30, &s, func() bool { return s.Final })
	if !strings.HasPrefix(s.Model, "accounts/"+fw.Account+"/models/") {
		t.Fatalf("trained model %q", s.Model)
	}

	t.Run("a benchmark before serving says to serve the model first", func(t *testing.T) {
		_, errs, code := runIn(t, dir, "benchmark", "--dataset", "fwserve")
		if code == 0 || !strings.Contains(errs, "--target fireworks") {
			t.Fatalf("benchmark: %d %s", code, errs)
		}
	})
	var dep struct {
		ID        int64  `json:"id"`
		Target    string `json:"target"`
		Mode      string `json:"mode"`
		State     string `json:"state"`
		ModelName string `json:"model_name"`
		Tuned     string `json:"tuned_model"`
		Changes   []struct {
			Op string `json:"op"`
			ID string `json:"id"`
		} `json:"changes"`
	}
	t.Run("deploy --target fireworks says the cost, then serves the model", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "deploy", "--dataset", "fwserve", "--target", "fireworks", "--json")
		if code != 0 {
			t.Fatalf("deploy: %d %s", code, errs)
		}
		if !strings.Contains(errs, "per GPU-second") || !strings.Contains(errs, "min replicas 0 (the default)") {
			t.Errorf("no cost note before creating: %q", errs)
		}
		if err := json.Unmarshal([]byte(out), &dep); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		deps := fw.Deployments()
		if dep.Target != "fireworks" || dep.Mode != "serve" || dep.State != "active" || dep.Tuned != s.Model || len(dep.Changes) != 1 ||
			len(deps) != 1 || dep.ModelName != s.Model+"#accounts/"+fw.Account+"/deployments/"+deps[0].ID || deps[0].MinReplicas != 0 || deps[0].MaxReplicas != 1 {
			t.Fatalf("deploy output %s; fake %+v", out, deps)
		}
	})
	t.Run("deploy status shows the Fireworks deployment as current", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "deploy", "status", "--dataset", "fwserve", "--json")
		var st struct {
			Current struct {
				ID     int64  `json:"id"`
				Target string `json:"target"`
				State  string `json:"state"`
			} `json:"current"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Current.ID != dep.ID || st.Current.State != "active" {
			t.Fatalf("status: %d %s %s", code, out, errs)
		}
	})
	t.Run("the benchmark then calls the served model", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "benchmark", "--dataset", "fwserve", "--json")
		var rep struct {
			Tuned struct {
				Model string `json:"model"`
				N     int    `json:"n"`
			} `json:"tuned"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Tuned.Model != dep.ModelName || rep.Tuned.N == 0 {
			t.Fatalf("benchmark: %d %s %s", code, out, errs)
		}
	})
	t.Run("deploy rollback deletes the deployment", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "deploy", "rollback", "--dataset", "fwserve", "--json")
		if code != 0 || !strings.Contains(out, `"state":"rolled_back"`) || len(fw.Deployments()) != 0 || len(fw.DeletedDeployments()) != 1 {
			t.Fatalf("rollback: %d %s %s; fake %+v", code, out, errs, fw.Deployments())
		}
	})
}
