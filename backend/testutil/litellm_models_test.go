package testutil

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

func TestLiteLLMModelsUpdateAndNewBehaveLikeTheProxy(t *testing.T) {
	f := StartLiteLLM(t, "sk-admin")
	id := f.Models.AddDBModel("gpt", map[string]any{"model": "openai/gpt", "api_key": "sk-x", "rpm": 60.0, "weight": 2.0, "order": 1.0}, nil)
	post := func(t *testing.T, path string, body map[string]any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, f.URL+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer sk-admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: HTTP %d %v", path, resp.StatusCode, out)
		}
		return out
	}
	t.Run("update: values replace, nulls keep, omitted undeclared keys are dropped", func(t *testing.T) {
		post(t, "/model/update", map[string]any{"model_info": map[string]any{"id": id}, "litellm_params": map[string]any{"model": "openai/gpt-2", "order": nil}})
		got := f.Models.Table()[0].LiteLLMParams
		want := map[string]any{"model": "openai/gpt-2", "api_key": "sk-x", "rpm": 60.0, "order": 1.0}
		if !jsonEqual(got, want) {
			t.Fatalf("params = %v, want %v", got, want)
		}
	})
	t.Run("new keeps a given id and assigns one otherwise", func(t *testing.T) {
		a := post(t, "/model/new", map[string]any{"model_name": "m", "litellm_params": map[string]any{"model": "openai/m"}, "model_info": map[string]any{"id": "mine"}})
		b := post(t, "/model/new", map[string]any{"model_name": "m", "litellm_params": map[string]any{"model": "openai/m"}})
		if a["model_id"] != "mine" || b["model_id"] == "" || b["model_id"] == nil || b["model_id"] == "mine" {
			t.Fatalf("ids %v, %v", a["model_id"], b["model_id"])
		}
	})
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
