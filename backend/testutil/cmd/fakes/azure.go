package main

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"tracetune/backend/testutil"
)

// The fake Azure (see testutil.AzureARM): Entra ID's token endpoint, ARM
// deployments of one Azure OpenAI resource and its data plane, on one
// root that is the provider's base URL, ARM URL and login URL alike. The
// resource also fine-tunes (Azure's v1 API, /openai/v1/files and
// /openai/v1/fine_tuning/…, a job advancing one stage per read like the
// finetune fake's): the model a job produces becomes deployable when the
// job succeeds. A deployment stays Creating for 2 reads, then Succeeded,
// and its first chat is DeploymentNotReady. FAKE_AZURE_KEY makes the data
// plane require that api-key; FAKE_AZURE_STEPS sets the training steps
// (default 6).
//
// Test controls, under the root:
//
//	GET  /fake/settings                  the ARM settings a provider needs (tenant, client id and secret, …)
//	POST /fake/deployment-reads {"n":N}  reads a new deployment stays Creating
//	POST /fake/not-ready {"n":N}         chats a Succeeded deployment answers DeploymentNotReady first
//	POST /fake/latency {"n":MS}          delay before every chat answer of the data plane (refusals too)
//	POST /fake/end-deployments {"state":S} new deployments end Failed or Canceled ("": Succeeded)
//	GET  /fake/deployments               the deployments that exist
//	GET  /fake/requests                  the data plane's chat requests: [{"method","path","model"}]
func init() {
	register("azure", "", func() http.Handler {
		chat := testutil.NewOpenAI()
		ft := testutil.NewFineTune()
		if k := os.Getenv("FAKE_AZURE_KEY"); k != "" {
			chat.RequireKey(k)
			ft.RequireKey(k)
		}
		if n, _ := strconv.Atoi(os.Getenv("FAKE_AZURE_STEPS")); n > 0 {
			ft.SetSteps(n, 2)
		}
		arm := testutil.NewAzureARM(chat)
		training := ft.Handler()
		azure := arm.Handler()
		var latency atomic.Int64 // before every data-plane chat answer, refusals included
		fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Path
			if !strings.HasPrefix(p, "/openai/v1/files") && !strings.HasPrefix(p, "/openai/v1/fine_tuning/") {
				if d := time.Duration(latency.Load()); d > 0 && strings.HasSuffix(p, "/chat/completions") {
					select {
					case <-r.Context().Done():
						return
					case <-time.After(d):
					}
				}
				azure.ServeHTTP(w, r)
				return
			}
			training.ServeHTTP(w, r)
			// A succeeded job's model is one of the resource's fine-tuned models.
			for _, j := range ft.Jobs() {
				if j.Status == "succeeded" && j.FineTunedModel != "" {
					arm.AddModel(j.FineTunedModel)
				}
			}
		})
		return withControls(fake, map[string]http.HandlerFunc{
			"settings": get(func() any {
				return map[string]string{"tenant": arm.Tenant, "client_id": arm.ClientID, "client_secret": arm.ClientSecret,
					"subscription": arm.Subscription, "resource_group": arm.ResourceGroup, "resource": arm.Resource}
			}),
			"deployment-reads": post(func(c count) { arm.SetDeploymentReads(c.N) }),
			"not-ready":        post(func(c count) { arm.SetNotReadyChats(c.N) }),
			"latency":          post(func(c count) { latency.Store(int64(c.N) * int64(time.Millisecond)) }),
			"end-deployments": post(func(s struct {
				State string `json:"state"`
			}) {
				arm.EndDeployments(s.State)
			}),
			"deployments": get(func() any { return arm.Deployments() }),
			"requests":    get(func() any { return chatCalls(chat.Requests()) }),
		})
	})
}
