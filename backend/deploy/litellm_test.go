package deploy_test

import (
	"bytes"
	"encoding/json"
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

// proxyPost makes a management call as someone else (the proxy's admin).
func proxyPost(t *testing.T, w *world, path string, body map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, w.proxy.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+masterKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		out, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: HTTP %d: %s", path, resp.StatusCode, out)
	}
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
	t.Run("rollback leaves /model/info byte-identical: no weight, same id, key kept", func(t *testing.T) {
		r, err := w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if r.State != store.DeployRolledBack || len(r.Notes) != 0 {
			t.Fatalf("state %s, notes %v", r.State, r.Notes)
		}
		if after := modelInfo(t, w); !bytes.Equal(before, after) {
			t.Fatalf("table changed:\nbefore %s\nafter  %s", before, after)
		}
		// /model/info hides the key: the stored row must still have it.
		base := w.proxy.Models.Table()[0]
		if base.ModelInfo["id"] != w.baseIDs[0] || base.LiteLLMParams["api_key"] != "sk-prod-secret" {
			t.Fatalf("base after rollback = %+v", base)
		}
	})
}

func TestAFailureOnTheSecondCallRollsTheFirstBack(t *testing.T) {
	w := newWorld(t, 4)
	before := modelInfo(t, w)
	w.proxy.Models.FailCall(2, http.StatusInternalServerError)

	d, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeAB, Split: 25})
	t.Run("the deployment fails and says what happened", func(t *testing.T) {
		if err == nil {
			t.Fatal("deploy succeeded despite the failure")
		}
		for _, want := range []string{"failed at change 2 of 2", "HTTP 500", "rolled back"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if d.State != store.DeployFailed || len(d.Changes) != 2 { // the failing create is recorded before it is sent
			t.Fatalf("deployment = %+v", d)
		}
	})
	t.Run("the first change was undone exactly", func(t *testing.T) {
		if after := modelInfo(t, w); !bytes.Equal(before, after) {
			t.Fatalf("table changed:\nbefore %s\nafter  %s", before, after)
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

// A proxy can apply a write and still answer with an error (a timeout
// after the database write): the change was recorded before it was sent,
// so the failed deployment undoes it and the table reads as before.
func TestAWriteAppliedButAnsweredWithAnErrorIsUndone(t *testing.T) {
	w := newWorld(t, 2)
	before := modelInfo(t, w)
	w.proxy.Models.LoseAnswer(1, http.StatusBadGateway)
	d, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeReplace})
	if err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("deploy: %v", err)
	}
	if d.State != store.DeployFailed || len(d.Changes) != 1 {
		t.Fatalf("deployment = %+v", d)
	}
	if after := modelInfo(t, w); !bytes.Equal(before, after) {
		t.Fatalf("the applied update was not undone:\nbefore %s\nafter  %s", before, after)
	}
	if w.proxy.Models.Writes() != 2 { // the lost update, the restoring one
		t.Fatalf("writes = %d", w.proxy.Models.Writes())
	}
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
		{"a parameter the proxy hides and would drop on update cannot be put back", func(t *testing.T, w *world) {
			w.proxy.Models.AddDBModel("support-bot", map[string]any{"model": "openai/" + baseModel, "api_base": w.oa.URL, "x_private_token": "t0k3n"}, nil)
		}, deploy.Options{Target: "litellm", Mode: deploy.ModeReplace, ModelName: "support-bot"}, "litellm_params.x_private_token"},
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
			if c.setup != nil {
				c.setup(t, w)
			}
			before := modelInfo(t, w)
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
	before := modelInfo(t, w)
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
	t.Run("rollback deletes it and leaves /model/info byte-identical", func(t *testing.T) {
		r, err := w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if got := w.proxy.Models.Weights("support-tuned"); len(got) != 0 || len(r.Notes) != 0 {
			t.Fatalf("still routes to %v; notes %v", got, r.Notes)
		}
		if after := modelInfo(t, w); !bytes.Equal(before, after) {
			t.Fatalf("table changed:\nbefore %s\nafter  %s", before, after)
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

func TestARollbackFailingMidwayCanBeRetriedToTheExactTable(t *testing.T) {
	cases := []struct {
		name string
		opts deploy.Options
		// fail is the rollback's write that fails: its second call where
		// it makes two (A/B: delete, restore; replace of two deployments:
		// two restores), the only one of an endpoint.
		fail int
	}{
		{"A/B 90/10", deploy.Options{Target: "litellm", Mode: deploy.ModeAB, Split: 10}, 2},
		{"replace of two deployments", deploy.Options{Target: "litellm", Mode: deploy.ModeReplace}, 2},
		{"new endpoint", deploy.Options{Target: "litellm", Mode: deploy.ModeEndpoint, ModelName: "support-tuned"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 2)
			w.proxy.Models.AddDBModel(baseModel, map[string]any{"model": "openai/" + baseModel, "api_base": w.oa.URL, "api_key": "sk-second", "order": 2.0}, map[string]any{"description": "second region"})
			before := modelInfo(t, w)
			d, err := w.svc.Deploy(w.ctx, w.ds, c.opts)
			must(t, err)
			deployed := modelInfo(t, w)

			w.proxy.Models.FailCall(c.fail, http.StatusServiceUnavailable)
			t.Run("the failed rollback says it can be retried", func(t *testing.T) {
				if _, err := w.svc.Rollback(w.ctx, w.ds); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
					t.Fatalf("err = %v", err)
				}
				cur, ok, err := w.svc.Current(w.ctx, w.ds)
				must(t, err)
				if !ok || cur.ID != d.ID || cur.State != store.DeployStuck || !strings.Contains(cur.Message, "retry Rollback") {
					t.Fatalf("deployment = %+v", cur.DeploymentRow)
				}
				if now := modelInfo(t, w); bytes.Equal(now, before) || (c.fail == 2 && bytes.Equal(now, deployed)) {
					t.Fatalf("the injected failure did not stop the rollback midway:\n%s", now)
				}
			})
			t.Run("a second rollback completes exactly", func(t *testing.T) {
				r, err := w.svc.Rollback(w.ctx, w.ds)
				must(t, err)
				if r.State != store.DeployRolledBack || len(r.Notes) != 0 {
					t.Fatalf("state %s, notes %v", r.State, r.Notes)
				}
				if after := modelInfo(t, w); !bytes.Equal(before, after) {
					t.Fatalf("table changed:\nbefore %s\nafter  %s", before, after)
				}
				for _, e := range w.proxy.Models.Table() {
					if e.ModelName == baseModel && e.LiteLLMParams["api_key"] == nil {
						t.Fatalf("a deployment lost its key: %+v", e)
					}
				}
			})
		})
	}
}

func TestParametersTheDeploymentDidNotTouchSurviveIt(t *testing.T) {
	// The proxy's /model/update drops an undeclared parameter a body leaves
	// out: a base deployment's own weight and order must live through both
	// the deployment and its rollback.
	w := newWorld(t, 2)
	w.proxy.Models.AddDBModel(baseModel, map[string]any{"model": "openai/" + baseModel, "api_base": w.oa.URL, "api_key": "sk-second", "weight": 3.0, "order": 1.0}, nil)
	before := modelInfo(t, w)
	opts := deploy.Options{Target: "litellm", Mode: deploy.ModeReplace}
	_, err := w.svc.Deploy(w.ctx, w.ds, opts)
	must(t, err)
	t.Run("replace keeps the second deployment's weight and order", func(t *testing.T) {
		tab := w.proxy.Models.Table()
		last := tab[len(tab)-1]
		if last.LiteLLMParams["model"] != "openai/"+tunedID || last.LiteLLMParams["weight"] != 3.0 || last.LiteLLMParams["order"] != 1.0 {
			t.Fatalf("second deployment = %+v", last)
		}
	})
	t.Run("rollback leaves the table byte-identical", func(t *testing.T) {
		_, err := w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if after := modelInfo(t, w); !bytes.Equal(before, after) {
			t.Fatalf("table changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestARollbackSaysPreciselyWhatItCouldNotRestore(t *testing.T) {
	w := newWorld(t, 2)
	_, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeAB, Split: 10})
	must(t, err)
	// Someone attaches a proxy credential to the base deployment meanwhile:
	// its value may be masked in /model/info, so a rollback never sends it.
	proxyPost(t, w, "/model/update", map[string]any{"model_info": map[string]any{"id": w.baseIDs[0]},
		"litellm_params": map[string]any{"model": "openai/" + baseModel, "rpm": 600, "weight": 90, "litellm_credential_name": "ops-openai"}})
	r, err := w.svc.Rollback(w.ctx, w.ds)
	must(t, err)
	if r.State != store.DeployRolledBack || len(r.Notes) != 2 {
		t.Fatalf("state %s, notes %q", r.State, r.Notes)
	}
	for _, want := range []string{"changed by someone else", "litellm_params.litellm_credential_name changed (its value is not shown)"} {
		if !strings.Contains(strings.Join(r.Notes, "\n"), want) {
			t.Errorf("notes %q do not say %q", r.Notes, want)
		}
	}
	if strings.Contains(r.Message, "weight") || w.proxy.Models.Weights(baseModel)["openai/"+baseModel] != 0 {
		t.Fatalf("the weight was not removed: %s %v", r.Message, w.proxy.Models.Table()[0])
	}
}
