package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"tracetune/backend/deploy"
	"tracetune/backend/gateway"
	"tracetune/backend/store"
)

// modelInfo is the proxy's /model/info answer, byte for byte.
func modelInfo(t *testing.T, w *world) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, w.proxy.URL+"/model/info", nil)
	req.Header.Set("Authorization", "Bearer "+masterKey)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != 200 {
		t.Fatalf("/model/info: HTTP %d: %s", resp.StatusCode, b)
	}
	return b
}

func TestReplaceThenRollbackLeavesTheModelTableByteIdentical(t *testing.T) {
	w := newWorld(t, 4)
	before := modelInfo(t, w)
	opts := deploy.Options{Target: "litellm", Mode: deploy.ModeReplace}

	t.Run("the preview says what will change and changes nothing", func(t *testing.T) {
		p, err := w.svc.Preview(w.ctx, w.ds, opts)
		must(t, err)
		if !p.Supported || !strings.Contains(p.Summary, tunedID) || !strings.Contains(p.Summary, "openai/"+baseModel) || len(p.Steps) != 1 {
			t.Fatalf("plan = %+v", p)
		}
		if !bytes.Equal(before, modelInfo(t, w)) || w.proxy.Models.Writes() != 0 {
			t.Fatal("a preview changed the proxy")
		}
	})
	t.Run("replace routes the production name to the tuned model, keys kept", func(t *testing.T) {
		d, err := w.svc.Deploy(w.ctx, w.ds, opts)
		must(t, err)
		if d.State != store.DeployActive || len(d.Changes) != 1 || d.Changes[0].Before == nil {
			t.Fatalf("deployment = %+v", d)
		}
		if d.Changes[0].Before.Params["model"] != "openai/"+baseModel {
			t.Fatalf("recorded before-state = %+v", d.Changes[0].Before)
		}
		for _, e := range w.proxy.Models.Table() {
			if e.ModelName == baseModel {
				if e.LiteLLMParams["model"] != "openai/"+tunedID || e.LiteLLMParams["api_key"] != "sk-prod-secret" {
					t.Fatalf("deployment after replace = %+v", e)
				}
			}
		}
	})
	t.Run("a second deployment waits for a rollback", func(t *testing.T) {
		_, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeEndpoint})
		if !errors.Is(err, deploy.ErrConflict) {
			t.Fatalf("err = %v, want a conflict", err)
		}
	})
	t.Run("rollback restores /model/info byte for byte", func(t *testing.T) {
		d, err := w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if d.State != store.DeployRolledBack {
			t.Fatalf("state = %s", d.State)
		}
		if after := modelInfo(t, w); !bytes.Equal(before, after) {
			t.Fatalf("table changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestABDeploymentCreatesTwoWeightedDeployments(t *testing.T) {
	w := newWorld(t, 4)
	before := modelInfo(t, w)
	d, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeAB, Split: 10})
	must(t, err)

	t.Run("the production name has the base at 90 and the tuned model at 10", func(t *testing.T) {
		got := w.proxy.Models.Weights(baseModel)
		want := map[string]float64{"openai/" + baseModel: 90, "openai/" + tunedID: 10}
		if len(got) != 2 || got["openai/"+baseModel] != want["openai/"+baseModel] || got["openai/"+tunedID] != want["openai/"+tunedID] {
			t.Fatalf("weights = %v, want %v", got, want)
		}
		if len(d.Changes) != 2 || d.Changes[0].Op != "update" || d.Changes[1].Op != "create" {
			t.Fatalf("changes = %+v", d.Changes)
		}
	})
	t.Run("the tuned deployment reaches the tuned model's provider", func(t *testing.T) {
		for _, e := range w.proxy.Models.Table() {
			if e.LiteLLMParams["model"] == "openai/"+tunedID && e.LiteLLMParams["api_base"] != w.oa.URL {
				t.Fatalf("tuned deployment = %+v", e)
			}
		}
	})
	t.Run("rollback removes the tuned deployment and routes as before", func(t *testing.T) {
		r, err := w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if got := w.proxy.Models.Weights(baseModel); len(got) != 1 {
			t.Fatalf("after rollback the name routes to %v", got)
		}
		// LiteLLM cannot remove the weight it had no value for: the base
		// keeps weight = its rpm, which routes as the rpm-weighted pick did.
		for _, e := range w.proxy.Models.Table() {
			if e.ModelName == baseModel && e.LiteLLMParams["weight"] != 600.0 {
				t.Fatalf("base after rollback = %+v", e)
			}
		}
		if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "cannot remove") {
			t.Fatalf("notes = %v", r.Notes)
		}
		if bytes.Equal(before, modelInfo(t, w)) {
			t.Fatal("the table cannot be byte-identical here (a weight was added); the test setup is wrong")
		}
	})
}

func TestAFailureOnTheSecondCallRollsTheFirstBack(t *testing.T) {
	w := newWorld(t, 4)
	w.proxy.Models.FailCall(2, http.StatusInternalServerError)

	d, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeAB, Split: 25})
	t.Run("the deployment fails and says what happened", func(t *testing.T) {
		if err == nil {
			t.Fatal("deploy succeeded despite the failure")
		}
		for _, want := range []string{"failed after 1 of 2 changes", "HTTP 500", "rolled back"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if d.State != store.DeployFailed || len(d.Changes) != 1 {
			t.Fatalf("deployment = %+v", d)
		}
	})
	t.Run("the first change was undone", func(t *testing.T) {
		if got := w.proxy.Models.Weights(baseModel); len(got) != 1 {
			t.Fatalf("routes to %v", got)
		}
		for _, e := range w.proxy.Models.Table() {
			if e.ModelName == baseModel && e.LiteLLMParams["weight"] != 600.0 {
				t.Fatalf("base weight = %v, want the rpm-equivalent 600", e.LiteLLMParams["weight"])
			}
		}
		if w.proxy.Models.Writes() != 3 { // update, failed create, restoring update
			t.Fatalf("writes = %d", w.proxy.Models.Writes())
		}
	})
	t.Run("a replace failing on its second call leaves the table byte-identical", func(t *testing.T) {
		w := newWorld(t, 2)
		w.proxy.Models.AddDBModel(baseModel, map[string]any{"model": "openai/" + baseModel, "api_base": w.oa.URL, "api_key": "sk-other"}, nil)
		before := modelInfo(t, w)
		w.proxy.Models.FailCall(2, http.StatusBadGateway)
		if _, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeReplace}); err == nil {
			t.Fatal("deploy succeeded")
		}
		if after := modelInfo(t, w); !bytes.Equal(before, after) {
			t.Fatalf("table changed:\nbefore %s\nafter  %s", before, after)
		}
		// The dataset can deploy again: the failed one is not active.
		if _, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeReplace}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestProxyRefusalsAreExplained(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, w *world)
		opts  deploy.Options
		want  string
	}{
		{"a model defined in config.yaml cannot be replaced", nil,
			deploy.Options{Target: "litellm", Mode: deploy.ModeReplace, ModelName: "claude-sonnet"}, "config.yaml"},
		{"an unknown production name is named", nil,
			deploy.Options{Target: "litellm", Mode: deploy.ModeAB, ModelName: "gpt-9"}, `no deployment named "gpt-9"`},
		{"a non-admin key is told it needs the master key", func(t *testing.T, w *world) {
			w.proxy.Models.AllowReadKey("sk-virtual-reader")
			must(t, w.sec.Set("source/prod/key", "sk-virtual-reader"))
		}, deploy.Options{Target: "litellm", Mode: deploy.ModeEndpoint}, "master key or an admin key"},
		{"a wrong key is a 401 the user can fix", func(t *testing.T, w *world) { must(t, w.sec.Set("source/prod/key", "sk-wrong")) },
			deploy.Options{Target: "litellm", Mode: deploy.ModeEndpoint}, "refused its key"},
		{"without a vllora source the vllora target says so", nil,
			deploy.Options{Target: "vllora", Mode: deploy.ModeEndpoint}, "no vllora source is configured"},
		{"vllora cannot route a model name: A/B points to the snippet", func(t *testing.T, w *world) {
			_, err := gateway.Save(w.ctx, w.st, w.sec, gateway.Config{Name: "traces", Kind: gateway.KindVllora, URL: "http://127.0.0.1:9"}, false)
			must(t, err)
		}, deploy.Options{Target: "vllora", Mode: deploy.ModeAB}, "cannot route the model name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 2)
			before := modelInfo(t, w)
			if c.setup != nil {
				c.setup(t, w)
			}
			_, err := w.svc.Deploy(w.ctx, w.ds, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if !bytes.Equal(before, modelInfo(t, w)) {
				t.Fatal("a refused deployment changed the table")
			}
		})
	}
}

func TestEndpointRegistersTheTunedModelWithItsProvider(t *testing.T) {
	w := newWorld(t, 2)
	d, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeEndpoint, ModelName: "support-tuned", Credential: "os.environ/LAB_KEY"})
	must(t, err)
	t.Run("the proxy has the new model under its own name", func(t *testing.T) {
		got := w.proxy.Models.Weights("support-tuned")
		if _, ok := got["openai/"+tunedID]; !ok || len(d.Changes) != 1 {
			t.Fatalf("support-tuned routes to %v", got)
		}
		for _, e := range w.proxy.Models.Table() {
			if e.ModelName == "support-tuned" && e.LiteLLMParams["api_key"] != "os.environ/LAB_KEY" {
				t.Fatalf("entry = %+v", e)
			}
		}
	})
	t.Run("Tracetune knows the tuned model as a model of provider lab", func(t *testing.T) {
		ms, err := w.svc.TunedModels(w.ctx, w.ds)
		must(t, err)
		if len(ms) != 1 || ms[0].Provider != "lab" || ms[0].Model != tunedID || ms[0].DeploymentID != d.ID {
			t.Fatalf("registered = %+v", ms)
		}
	})
	t.Run("rollback deletes it", func(t *testing.T) {
		_, err := w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if got := w.proxy.Models.Weights("support-tuned"); len(got) != 0 {
			t.Fatalf("still routes to %v", got)
		}
	})
}

func TestSnippetGivesPasteableConfigurationAndChangesNothing(t *testing.T) {
	w := newWorld(t, 2)
	before := modelInfo(t, w)
	d, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "snippet", Mode: deploy.ModeAB, Split: 20})
	must(t, err)
	for _, want := range []string{"model_list:", `model_name: "` + baseModel + `"`, `model: "openai/` + tunedID + `"`, "weight: 80", "weight: 20",
		`api_key: "os.environ/OPENAI_API_KEY"`, "base URL: " + w.oa.URL, "model:    " + tunedID} {
		if !strings.Contains(d.Snippet, want) {
			t.Errorf("snippet lacks %q:\n%s", want, d.Snippet)
		}
	}
	if !bytes.Equal(before, modelInfo(t, w)) || w.proxy.Models.Writes() != 0 {
		t.Fatal("a snippet changed the proxy")
	}
}

func TestVlloraEndpointNeedsNoChange(t *testing.T) {
	w := newWorld(t, 2)
	_, err := gateway.Save(w.ctx, w.st, w.sec, gateway.Config{Name: "traces", Kind: gateway.KindVllora, URL: "http://127.0.0.1:9"}, false)
	must(t, err)
	d, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "vllora", Mode: deploy.ModeEndpoint})
	must(t, err)
	if d.ModelName != "openai/"+tunedID || len(d.Changes) != 0 || !strings.Contains(d.Summary, "Nothing in the gateway changes") {
		t.Fatalf("deployment = %+v", d)
	}
}
