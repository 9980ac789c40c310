package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

const cliAzTuned = "o4-mini-2025-04-16.ft-feedfacefeedfacefeedfacefeedface"

// seedAzureTrained adds a finished Azure training job of provider to a
// dataset, holding every other record out for validation.
func seedAzureTrained(t *testing.T, dir, dataset, provider string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.FindDataset(ctx, dataset)
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.RecordPage(ctx, d.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var split []store.SplitRow
	for _, r := range page {
		part := "train"
		if r.ID%2 == 0 {
			part = "validation"
		}
		split = append(split, store.SplitRow{RecordID: r.ID, Part: part})
	}
	j, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: d.ID, Trainer: "azure", Provider: provider, BaseModel: "o4-mini-2025-04-16", Status: "running"}, split)
	if err != nil {
		t.Fatal(err)
	}
	j.Status, j.FineTunedModel = "succeeded", cliAzTuned
	if err := st.UpdateTrainJob(ctx, j); err != nil {
		t.Fatal(err)
	}
}

// withStdin runs fn with standard input reading text.
func withStdin(t *testing.T, text string, fn func()) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	old := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = old }()
	fn()
}

// TestServeAnAzureModelFromTheCommandLine: providers add takes the ARM
// settings with the client secret from the environment, deploy --target
// azure serves the fine-tuned model, the benchmark calls it by the
// deployment's name, and deploy rollback deletes it; the secret is in
// no database file.
func TestServeAnAzureModelFromTheCommandLine(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TRACETUNE_SECRETS", "file")
	embed := testutil.StartOpenAI(t) // create embeds the prompts
	t.Setenv("OPENAI_API_KEY", "sk-cli-az-000000")
	t.Setenv("OPENAI_BASE_URL", embed.URL)
	chat := testutil.NewOpenAI()
	chat.RequireKey("az-cli-key-123456")
	chat.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		if strings.HasPrefix(r.Model, "tt-") {
			return testutil.ChatReply{Content: "refund " + strings.TrimPrefix(r.LastUser(), "Please refund the duplicate charge on invoice ")}
		}
		return testutil.ChatReply{Content: "Please contact billing."}
	})
	fake := testutil.StartAzureARM(t, chat)
	fake.AddModel(cliAzTuned)
	fake.SetDeploymentReads(0)
	fake.SetNotReadyChats(0)
	dir := t.TempDir()
	createRefundDataset(t, dir, "azserve")
	armFlags := []string{"--subscription", fake.Subscription, "--resource-group", fake.ResourceGroup, "--resource", fake.Resource,
		"--tenant", fake.Tenant, "--client-id", fake.ClientID, "--arm-url", fake.URL, "--login-url", fake.URL}
	add := append([]string{"providers", "add", "--name", "azp", "--kind", "azure", "--url", fake.URL, "--key-stdin"}, armFlags...)

	t.Run("without the client secret, providers add says where it is read from", func(t *testing.T) {
		t.Setenv("AZURE_CLIENT_SECRET", "")
		var errs string
		var code int
		withStdin(t, "az-cli-key-123456\n", func() { _, errs, code = runIn(t, dir, add...) })
		if code == 0 || !strings.Contains(errs, "AZURE_CLIENT_SECRET") || !strings.Contains(errs, "--client-secret-stdin") {
			t.Fatalf("add: %d %s", code, errs)
		}
		if _, errs, code := runIn(t, dir, append(add, "--client-secret", fake.ClientSecret)...); code == 0 || strings.Contains(errs, fake.ClientSecret) {
			t.Fatalf("a --client-secret flag was taken or echoed: %d %s", code, errs)
		}
	})
	t.Run("providers add stores the ARM settings, the secret read from the environment", func(t *testing.T) {
		t.Setenv("AZURE_CLIENT_SECRET", fake.ClientSecret)
		var out, errs string
		var code int
		withStdin(t, "az-cli-key-123456\n", func() { out, errs, code = runIn(t, dir, append(add, "--json")...) })
		if code != 0 {
			t.Fatalf("add: %s", errs)
		}
		var p struct {
			HasKey bool `json:"has_key"`
			ARM    *struct {
				Subscription string `json:"subscription"`
				ClientID     string `json:"client_id"`
				HasSecret    bool   `json:"has_secret"`
			} `json:"azure_arm"`
		}
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		if !p.HasKey || p.ARM == nil || p.ARM.Subscription != fake.Subscription || p.ARM.ClientID != fake.ClientID || !p.ARM.HasSecret || strings.Contains(out, fake.ClientSecret) {
			t.Fatalf("added: %s", out)
		}
	})
	seedAzureTrained(t, dir, "azserve", "azp")

	var dep struct {
		State     string `json:"state"`
		Target    string `json:"target"`
		ModelName string `json:"model_name"`
		Tuned     string `json:"tuned_model"`
	}
	t.Run("deploy --target azure states the hourly cost, then serves the model", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "deploy", "--dataset", "azserve", "--target", "azure", "--capacity", "2", "--json")
		if code != 0 {
			t.Fatalf("deploy: %s", errs)
		}
		if !strings.Contains(errs, "by the hour, whether it is used or not") {
			t.Fatalf("no cost note: %s", errs)
		}
		if err := json.Unmarshal([]byte(out), &dep); err != nil {
			t.Fatal(err)
		}
		deps := fake.Deployments()
		if dep.State != "active" || dep.Target != "azure" || dep.Tuned != cliAzTuned || len(deps) != 1 || deps[0].Name != dep.ModelName || deps[0].Capacity != 2 {
			t.Fatalf("deployment %+v, fake %+v", dep, deps)
		}
	})
	t.Run("the benchmark's tuned requests carry the deployment name", func(t *testing.T) {
		if _, errs, code := runIn(t, dir, "benchmark", "--dataset", "azserve", "--json"); code != 0 {
			t.Fatalf("benchmark: %s", errs)
		}
		byModel := map[string]int{}
		for _, r := range chat.Requests() {
			var b struct {
				Model string `json:"model"`
			}
			if json.Unmarshal(r.Body, &b) == nil && strings.HasSuffix(r.Path, "/chat/completions") {
				if !strings.HasPrefix(r.Path, "/openai/deployments/"+b.Model+"/") {
					t.Fatalf("path %s, model %s", r.Path, b.Model)
				}
				byModel[b.Model]++
			}
		}
		if byModel[dep.ModelName] < 2 || byModel[cliAzTuned] != 0 {
			t.Fatalf("chat requests by model: %v", byModel)
		}
	})
	t.Run("deploy rollback deletes the deployment", func(t *testing.T) {
		if _, errs, code := runIn(t, dir, "deploy", "rollback", "--dataset", "azserve", "--json"); code != 0 {
			t.Fatalf("rollback: %s", errs)
		}
		if len(fake.Deployments()) != 0 || len(fake.Deleted()) != 1 {
			t.Fatalf("fake still has %+v", fake.Deployments())
		}
	})
	t.Run("the client secret is in no database file", func(t *testing.T) {
		files, _ := filepath.Glob(DBPath(dir) + "*")
		var all []byte
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(fake.ClientSecret)) {
				t.Fatalf("%s holds the client secret", f)
			}
			all = append(all, b...)
		}
		if !bytes.Contains(all, []byte(fake.ClientID)) {
			t.Fatal("the ARM settings are not in the database files: the search proves nothing")
		}
	})
}
