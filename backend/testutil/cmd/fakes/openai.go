package main

import (
	"net/http"
	"os"
	"strconv"
	"time"

	"tracetune/backend/testutil"
)

// The fake OpenAI-compatible API. FAKE_OPENAI_LATENCY_MS adds latency;
// FAKE_OPENAI_KEY makes it require that key.
func init() {
	register("openai", "/v1", func() http.Handler {
		f := testutil.NewOpenAI()
		if ms, _ := strconv.Atoi(os.Getenv("FAKE_OPENAI_LATENCY_MS")); ms > 0 {
			f.SetLatency(time.Duration(ms) * time.Millisecond)
		}
		if k := os.Getenv("FAKE_OPENAI_KEY"); k != "" {
			f.RequireKey(k)
		}
		return f.Handler()
	})
}
