package main

import (
	"net/http"
	"os"
	"strconv"

	"tracetune/backend/testutil"
)

// The fake Fireworks control plane (datasets, evaluators, secrets, RFT
// jobs, models, on-demand deployments) for account FAKE_FIREWORKS_ACCOUNT
// (default fake-acct), with chat under /inference/v1 like the openai fake.
// A job advances one stage each time it is read; a deployment stays
// CREATING for 2 reads, then READY. FAKE_FIREWORKS_KEY makes it require
// that key; FAKE_FIREWORKS_STEPS sets the training steps (default 6). The
// printed URL is the root: a provider of kind fireworks takes it as is.
//
// Test controls, under the root:
//
//	POST /fake/deployment-reads {"n":N}      reads a new deployment stays CREATING
//	POST /fake/fail-deployments {"message":M} new deployments end FAILED with M ("": READY)
//	GET  /fake/deployments                   the deployments that exist
//	GET  /fake/requests                      the chat requests: [{"method","path","model"}]
func init() {
	register("fireworks", "", func() http.Handler {
		f := testutil.NewFireworks()
		f.Chat = testutil.NewOpenAI().Handler()
		if a := os.Getenv("FAKE_FIREWORKS_ACCOUNT"); a != "" {
			f.Account = a
		}
		if k := os.Getenv("FAKE_FIREWORKS_KEY"); k != "" {
			f.RequireKey(k)
		}
		if n, _ := strconv.Atoi(os.Getenv("FAKE_FIREWORKS_STEPS")); n > 0 {
			f.SetSteps(n, 2)
		}
		h := withControls(f.Handler(), map[string]http.HandlerFunc{
			"deployment-reads": post(func(c count) { f.SetDeploymentReads(c.N) }),
			"fail-deployments": post(func(m struct {
				Message string `json:"message"`
			}) {
				f.FailDeployments(m.Message)
			}),
			"deployments": get(func() any { return f.Deployments() }),
			"requests":    get(func() any { return chatCalls(f.Requests()) }),
		})
		// Signed upload and metrics URLs point back at the fake: learn its
		// address (mount point included) from the first request.
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f.SetURLOnce("http://" + r.Host + "/fireworks")
			h.ServeHTTP(w, r)
		})
	})
}
