package main

import (
	"net/http"

	"tracetune/backend/testutil"
	"tracetune/backend/tokens"
)

// The fake generation model: the OpenAI-compatible fake answering
// synthetic-prompt requests with support prompts of the request's topic
// (testutil.GenerationResponder), with usage counted with o200k_base like
// a real provider.
func init() {
	register("synth", "/v1", func() http.Handler {
		f := testutil.NewOpenAI()
		f.SetResponder(testutil.GenerationResponder)
		return testutil.TokenUsage(f.Handler(), func(s string) int { n, _ := tokens.Count(s); return n })
	})
}
