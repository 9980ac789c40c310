package main

import (
	"net/http"
	"os"
	"time"

	"tracetune/backend/testutil"
)

// The gateway fakes (Langfuse, LiteLLM, vllora), each seeded with 120
// sample traces spread over the five hours before start, newest a minute
// ago. Keys: FAKE_LANGFUSE_PUBLIC_KEY / FAKE_LANGFUSE_SECRET_KEY (default
// pk-lf-e2e / sk-lf-e2e), FAKE_LITELLM_KEY (sk-litellm-e2e),
// FAKE_VLLORA_KEY (none required unless set).
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func seed(prefix string) []testutil.GatewayTrace {
	start := time.Now().Add(-5 * time.Hour).Truncate(time.Second)
	return testutil.SampleGatewayTraces(prefix, 120, start, (5*time.Hour-time.Minute)/119)
}

func init() {
	register("langfuse", "", func() http.Handler {
		f := testutil.NewLangfuse(env("FAKE_LANGFUSE_PUBLIC_KEY", "pk-lf-e2e"), env("FAKE_LANGFUSE_SECRET_KEY", "sk-lf-e2e"))
		f.Add(seed("lf")...)
		return f.Handler()
	})
}

func init() {
	register("litellm", "", func() http.Handler {
		f := testutil.NewLiteLLM(env("FAKE_LITELLM_KEY", "sk-litellm-e2e"))
		f.Add(seed("ll")...)
		// The proxy's model table (Step 7 deploys into it): the two models
		// the seeded traces used, as /model/new stores them.
		for _, m := range []string{"gpt-4o-mini", "gpt-4o"} {
			f.Models.AddDBModel(m, map[string]any{"model": "openai/" + m, "api_key": "os.environ/OPENAI_API_KEY"}, nil)
		}
		return f.Handler()
	})
}

func init() {
	register("vllora", "", func() http.Handler {
		f := testutil.NewVllora(os.Getenv("FAKE_VLLORA_KEY"))
		f.Add(seed("vl")...)
		return f.Handler()
	})
}
