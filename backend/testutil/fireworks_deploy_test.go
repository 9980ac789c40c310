package testutil

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// chatAs sends a chat completion for model to the fake's inference API.
func chatAs(t *testing.T, f *Fireworks, model string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.URL+"/inference/v1/chat/completions", strings.NewReader(`{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTheFireworksFakeServesALoRAOnlyThroughAReadyDeployment(t *testing.T) {
	f := StartFireworks(t)
	f.RequireKey("k")
	f.Chat = NewOpenAI().Handler()
	f.AddModel("lora-1")
	lora := "accounts/fake-acct/models/lora-1"
	pinned := lora + "#accounts/fake-acct/deployments/dep-1"

	t.Run("before any deployment a chat call to the LoRA is refused, a serverless model answers", func(t *testing.T) {
		if code, body := chatAs(t, f, lora); code != 404 || !strings.Contains(body, "not deployed") {
			t.Fatalf("%d %s", code, body)
		}
		if code, body := chatAs(t, f, "accounts/fireworks/models/qwen3-0p6b"); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
	})
	t.Run("create checks the id, the model and the replicas", func(t *testing.T) {
		for _, c := range []struct {
			query, body string
			code        int
		}{
			{"deploymentId=Bad_Id", `{"baseModel":"` + lora + `"}`, 400},
			{"deploymentId=dep-x", `{"baseModel":"accounts/fake-acct/models/missing"}`, 400},
			{"deploymentId=dep-x", `{"baseModel":"` + lora + `","minReplicaCount":2,"maxReplicaCount":1}`, 400},
			{"deploymentId=dep-x&validateOnly=true", `{"baseModel":"` + lora + `"}`, 200},
		} {
			if code, out := fwCall(t, f, "POST", "fake-acct/deployments?"+c.query, "k", c.body); code != c.code {
				t.Errorf("%s %s: %d %v, want %d", c.query, c.body, code, out, c.code)
			}
		}
		if f.DeploymentsCreated() != 0 {
			t.Fatalf("%d created by refused or validate-only calls", f.DeploymentsCreated())
		}
	})
	t.Run("a deployment goes CREATING, then READY on a later read", func(t *testing.T) {
		code, out := fwCall(t, f, "POST", "fake-acct/deployments?deploymentId=dep-1", "k", `{"baseModel":"`+lora+`","minReplicaCount":0,"maxReplicaCount":1}`)
		if code != 200 || out["state"] != "CREATING" || out["name"] != "accounts/fake-acct/deployments/dep-1" || out["baseModel"] != lora {
			t.Fatalf("%d %v", code, out)
		}
		if code, out := fwCall(t, f, "POST", "fake-acct/deployments?deploymentId=dep-1", "k", `{"baseModel":"`+lora+`"}`); code != 409 || out["code"] != 6.0 {
			t.Fatalf("a second create with the id: %d %v", code, out)
		}
		if code, _ := chatAs(t, f, pinned); code != 404 {
			t.Fatalf("chat while CREATING: %d", code)
		}
		states := []string{}
		for i := 0; i < 3; i++ {
			_, out := fwCall(t, f, "GET", "fake-acct/deployments/dep-1", "k", "")
			states = append(states, out["state"].(string))
		}
		if strings.Join(states, ",") != "CREATING,CREATING,READY" {
			t.Fatalf("states %v", states)
		}
	})
	t.Run("a READY deployment answers by the pinned name or the bare one, not another deployment's", func(t *testing.T) {
		for _, m := range []string{pinned, lora} {
			if code, body := chatAs(t, f, m); code != 200 {
				t.Fatalf("%s: %d %s", m, code, body)
			}
		}
		if code, _ := chatAs(t, f, lora+"#accounts/fake-acct/deployments/other"); code != 404 {
			t.Fatalf("another deployment answered: %d", code)
		}
	})
	t.Run("delete removes it and the LoRA is refused again", func(t *testing.T) {
		if code, _ := fwCall(t, f, "DELETE", "fake-acct/deployments/dep-1", "k", ""); code != 200 {
			t.Fatalf("delete %d", code)
		}
		if code, out := fwCall(t, f, "GET", "fake-acct/deployments/dep-1", "k", ""); code != 404 || out["code"] != 5.0 {
			t.Fatalf("after delete %d %v", code, out)
		}
		if len(f.Deployments()) != 0 || len(f.DeletedDeployments()) != 1 {
			t.Fatalf("deployments %v, deleted %v", f.Deployments(), f.DeletedDeployments())
		}
		if code, _ := chatAs(t, f, lora); code != 404 {
			t.Fatalf("chat after delete: %d", code)
		}
	})
	t.Run("FailDeployments ends new ones FAILED with the reason", func(t *testing.T) {
		f.FailDeployments("no capacity")
		f.SetDeploymentReads(0)
		fwCall(t, f, "POST", "fake-acct/deployments?deploymentId=dep-2", "k", `{"baseModel":"`+lora+`"}`)
		_, out := fwCall(t, f, "GET", "fake-acct/deployments/dep-2", "k", "")
		if st, _ := out["status"].(map[string]any); out["state"] != "FAILED" || st["message"] != "no capacity" {
			t.Fatalf("%v", out)
		}
	})
}
