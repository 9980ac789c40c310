package deploy

import (
	"testing"

	"tracetune/backend/llm"
)

// A Fireworks-served model goes through LiteLLM's fireworks_ai route (its
// own key variable, its own default endpoint), never the openai route,
// which would send the OpenAI key to Fireworks.
func TestLiteLLMRoutesFireworksModelsThroughFireworksAI(t *testing.T) {
	served := "accounts/a/models/m#accounts/a/deployments/d"
	tuned := Tuned{Provider: "fw", ProviderKind: llm.KindFireworks, BaseURL: llm.DefaultBaseURL(llm.KindFireworks), Model: served}

	p := newParams(tuned, Options{}, nil)
	if p["model"] != "fireworks_ai/"+served {
		t.Errorf("model = %v, want the fireworks_ai route", p["model"])
	}
	if _, ok := p["api_base"]; ok {
		t.Errorf("api_base %v written for Fireworks' own endpoint", p["api_base"])
	}

	custom := tuned
	custom.BaseURL = "http://127.0.0.1:9/inference/v1"
	if p := newParams(custom, Options{}, nil); p["api_base"] != custom.BaseURL {
		t.Errorf("api_base = %v, want the provider's own %s", p["api_base"], custom.BaseURL)
	}

	same := Entry{ID: "b1", ModelName: "support", Params: map[string]any{"model": "fireworks_ai/accounts/fireworks/models/qwen3-8b"}}
	if err := servesTuned(same, tuned); err != nil {
		t.Errorf("a fireworks_ai base deployment on the default endpoint: %v", err)
	}
	other := Entry{ID: "b2", ModelName: "support", Params: map[string]any{"model": "openai/gpt-4o"}}
	if err := servesTuned(other, tuned); err == nil {
		t.Error("an openai base deployment was taken to serve a Fireworks model")
	}
}
