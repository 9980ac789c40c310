package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/deploy"
	"tracetune/backend/grader"
	"tracetune/backend/ingest"
	"tracetune/backend/jobs"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

const (
	azKey     = "az-data-plane-key-0123456789"
	azBase    = "o4-mini-2025-04-16"
	azTunedID = "o4-mini-2025-04-16.ft-0123456789abcdef0123456789abcdef"
)

// azWorld is a dataset whose latest training job ran on Azure OpenAI: its
// fine-tuned model exists on the fake resource and, as on Azure, answers
// only through a deployment made with ARM. The chat gives the reference
// answer from a deployment of the tuned model and from the base model for
// every third question.
type azWorld struct {
	ctx  context.Context
	st   *store.Store
	sec  *secrets.Store
	svc  *deploy.Service
	mgr  *llm.Manager
	ds   int64
	fake *testutil.AzureARM
	chat *testutil.OpenAI
}

func startAzure(t *testing.T) (*testutil.AzureARM, *testutil.OpenAI) {
	chat := testutil.NewOpenAI()
	chat.RequireKey(azKey)
	chat.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		m := numberRE.FindStringSubmatch(r.LastUser())
		if m == nil {
			return testutil.ChatReply{Content: "OK"}
		}
		var n int
		fmt.Sscan(m[1], &n)
		if strings.HasPrefix(r.Model, "tt-") || n%3 == 0 {
			return testutil.ChatReply{Content: fmt.Sprintf("answer %d about %s", n, m[2])}
		}
		return testutil.ChatReply{Content: "Please contact support."}
	})
	fake := testutil.StartAzureARM(t, chat)
	fake.AddModel(azTunedID)
	fake.SetNotReadyChats(2)
	return fake, chat
}

// armInput is the fake's settings as a user enters them.
func armInput(f *testutil.AzureARM) *llm.AzureARMInput {
	return &llm.AzureARMInput{Subscription: f.Subscription, ResourceGroup: f.ResourceGroup, Resource: f.Resource,
		Tenant: f.Tenant, ClientID: f.ClientID, ClientSecret: f.ClientSecret, ARMURL: f.URL, LoginURL: f.URL}
}

func newAZWorld(t *testing.T, st *store.Store, sec *secrets.Store, fake *testutil.AzureARM, chat *testutil.OpenAI) *azWorld {
	t.Helper()
	w := &azWorld{ctx: context.Background(), st: st, sec: sec, fake: fake, chat: chat, mgr: &llm.Manager{Store: st, Secrets: sec}}
	d, err := st.CreateDataset(w.ctx, "support-az", "answer support questions")
	must(t, err)
	w.ds = d.ID
	var recs []record.Record
	for n := 1; n <= 9; n++ {
		line := fmt.Sprintf(`{"messages":[{"role":"user","content":"question number %d about billing, please help"}],"reference_answer":"answer %d about billing"}`, n, n)
		recs = append(recs, ingest.Normalize([]byte(line), n))
	}
	tx, err := st.BeginRecords(w.ctx, w.ds)
	must(t, err)
	tx.AssignIDs(recs)
	if err := tx.Insert(recs); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	must(t, tx.Commit())
	_, err = grader.Save(w.ctx, st, w.ds, grader.Grader{Components: []grader.Component{{Name: "exact", Kind: grader.KindStringCheck, Weight: 1,
		Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"}}})
	must(t, err)
	_, err = w.mgr.Add(w.ctx, llm.ProviderInput{Name: "az", Kind: llm.KindAzure, BaseURL: fake.URL, APIKey: azKey, AzureARM: armInput(fake)})
	must(t, err)
	var split []store.SplitRow
	for i, r := range recs {
		part := "train"
		if i%3 == 0 {
			part = "validation"
		}
		split = append(split, store.SplitRow{RecordID: r.ID, Part: part})
	}
	g, _, err := grader.Load(w.ctx, st, w.ds)
	must(t, err)
	job, err := st.CreateTrainJob(w.ctx, store.TrainJob{DatasetID: w.ds, Trainer: "azure", Provider: "az", BaseModel: azBase,
		GraderVersion: g.Version(), Status: "running", TrainCount: 6, ValidCount: 3}, split)
	must(t, err)
	job.Status, job.FineTunedModel = "succeeded", azTunedID
	must(t, st.UpdateTrainJob(w.ctx, job))
	w.svc = deploy.New(st, sec)
	w.svc.ServePoll = 2 * time.Millisecond
	return w
}

// azChatModels counts the data plane's chat requests by model.
func azChatModels(t *testing.T, chat *testutil.OpenAI) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range chat.Requests() {
		if strings.HasSuffix(r.Path, "/chat/completions") {
			var body struct {
				Model string `json:"model"`
			}
			must(t, json.Unmarshal(r.Body, &body))
			if !strings.HasPrefix(r.Path, "/openai/deployments/"+body.Model+"/") {
				t.Fatalf("path %s does not name the deployment %s", r.Path, body.Model)
			}
			out[body.Model]++
		}
	}
	return out
}

func TestServingAnAzureModelDeploysItWaitsUntilItAnswersAndRollbackDeletesIt(t *testing.T) {
	fake, chat := startAzure(t)
	st := testutil.OpenStore(t)
	w := newAZWorld(t, st, secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()}), fake, chat)
	serve := deploy.Options{Target: deploy.TargetAzure, Capacity: 5}
	var name string

	t.Run("before serving, the benchmark refuses and says to deploy it first", func(t *testing.T) {
		_, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{}, nil)
		if !errors.Is(err, deploy.ErrNotFound) || !strings.Contains(err.Error(), "--target azure") {
			t.Fatalf("benchmark err = %v", err)
		}
	})
	t.Run("the preview says what it creates, the hourly cost and the capacity, and creates nothing", func(t *testing.T) {
		p, err := w.svc.Preview(w.ctx, w.ds, serve)
		must(t, err)
		for _, want := range []string{"by the hour, whether it is used or not", "capacity 5", "about 1 request per minute", "resource " + fake.Resource, "Rollback deletes the deployment"} {
			if !strings.Contains(p.Summary, want) {
				t.Errorf("summary lacks %q: %s", want, p.Summary)
			}
		}
		if !p.Supported || !strings.HasPrefix(p.ModelName, "tt-o4-mini-2025-04-16-ft012345-") || len(p.Steps) != 3 {
			t.Fatalf("plan = %+v", p)
		}
		wantBody := `{"properties":{"model":{"format":"OpenAI","name":"` + azTunedID + `","version":"1"}},"sku":{"capacity":5,"name":"standard"}}`
		if !strings.HasPrefix(p.Steps[0], "PUT /subscriptions/"+fake.Subscription+"/resourceGroups/"+fake.ResourceGroup+
			"/providers/Microsoft.CognitiveServices/accounts/"+fake.Resource+"/deployments/"+p.ModelName+"?api-version=2024-10-01 ") || !strings.HasSuffix(p.Steps[0], wantBody) {
			t.Fatalf("step = %s", p.Steps[0])
		}
		if fake.Puts() != 0 || len(fake.Deployments()) != 0 {
			t.Fatal("a preview created a deployment")
		}
		name = p.ModelName
	})
	t.Run("serving PUTs once, waits for Succeeded, then for the test request past DeploymentNotReady", func(t *testing.T) {
		var log progressLog
		d, err := w.svc.ServeAzure(w.ctx, w.ds, serve, log.report)
		must(t, err)
		deps := fake.Deployments()
		if d.State != store.DeployActive || len(d.Changes) != 1 || d.Changes[0].Op != "create" || d.Changes[0].Before != nil || len(deps) != 1 {
			t.Fatalf("deployment = %+v, fake has %+v", d, deps)
		}
		if deps[0].State != "Succeeded" || deps[0].Model != azTunedID || deps[0].Capacity != 5 || deps[0].SKU != "standard" || fake.Puts() != 1 {
			t.Fatalf("fake deployment = %+v, %d PUTs", deps[0], fake.Puts())
		}
		if d.ModelName != name {
			t.Fatalf("deployed as %s, but the preview the user confirmed named %s", d.ModelName, name)
		}
		for _, want := range []string{": Creating for", "still starting (Azure: DeploymentNotReady)", "ready: call model"} {
			if !strings.Contains(log.all(), want) {
				t.Errorf("progress lacks %q:\n%s", want, log.all())
			}
		}
		if n := azChatModels(t, chat)[name]; n != 1 {
			t.Fatalf("%d test requests answered, want 1 (after 2 refused)", n)
		}
	})
	t.Run("the benchmark's tuned side calls the deployment by name", func(t *testing.T) {
		before := azChatModels(t, chat)[name]
		rep, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{}, nil)
		must(t, err)
		calls := azChatModels(t, chat)
		if calls[name]-before != 3 || calls[azTunedID] != 0 || calls[azBase] != 3 {
			t.Fatalf("chat calls by model = %v", calls)
		}
		if rep.Tuned.Mean != 1 || rep.Base.Mean >= 1 {
			t.Fatalf("report: tuned %.2f base %.2f", rep.Tuned.Mean, rep.Base.Mean)
		}
	})
	t.Run("the overview shows the deployment serving the model", func(t *testing.T) {
		o, err := w.svc.Overview(w.ctx, w.ds)
		must(t, err)
		if o.Serving == nil || o.Serving.ModelName != name || o.Trainer != "azure" {
			t.Fatalf("overview = %+v", o)
		}
	})
	t.Run("a second serve is refused while this one is in effect", func(t *testing.T) {
		if _, err := w.svc.ServeAzure(w.ctx, w.ds, serve, nil); !errors.Is(err, deploy.ErrConflict) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("rollback deletes the deployment and the fake has none", func(t *testing.T) {
		d, err := w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if d.State != store.DeployRolledBack || len(fake.Deployments()) != 0 || len(fake.Deleted()) != 1 || fake.Deleted()[0] != name {
			t.Fatalf("after rollback: %+v, fake %+v deleted %v", d, fake.Deployments(), fake.Deleted())
		}
		if _, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{}, nil); err == nil || !strings.Contains(err.Error(), "--target azure") {
			t.Fatalf("benchmark after rollback: %v", err)
		}
	})
	t.Run("the client secret is nowhere in the database files", func(t *testing.T) {
		// The WAL holds what is not checkpointed yet: read every file.
		files, _ := filepath.Glob(st.Path() + "*")
		var all []byte
		for _, f := range files {
			b, err := os.ReadFile(f)
			must(t, err)
			if bytes.Contains(b, []byte(fake.ClientSecret)) || bytes.Contains(b, []byte(azKey)) {
				t.Fatalf("%s holds a secret", f)
			}
			all = append(all, b...)
		}
		if !bytes.Contains(all, []byte(fake.Subscription)) || !bytes.Contains(all, []byte(fake.ClientID)) {
			t.Fatalf("the ARM settings are not in the database files %v at all: the search proves nothing", files)
		}
	})
}

func TestAFailedAzureDeploymentIsDeletedAndSaysWhy(t *testing.T) {
	for _, end := range []string{"Failed", "Canceled"} {
		t.Run(end, func(t *testing.T) {
			fake, chat := startAzure(t)
			fake.EndDeployments(end)
			w := newAZWorld(t, testutil.OpenStore(t), secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()}), fake, chat)
			d, err := w.svc.ServeAzure(w.ctx, w.ds, deploy.Options{Target: deploy.TargetAzure}, nil)
			if err == nil || !strings.Contains(err.Error(), "provisioning state is "+end) || !strings.Contains(err.Error(), "nothing is left on Azure") {
				t.Fatalf("err = %v", err)
			}
			if d.State != store.DeployFailed || len(fake.Deployments()) != 0 || len(fake.Deleted()) != 1 {
				t.Fatalf("after the failure: %+v; fake %+v deleted %v", d, fake.Deployments(), fake.Deleted())
			}
			if n := len(azChatModels(t, chat)); n != 0 {
				t.Fatalf("a failed deployment was probed: %v", azChatModels(t, chat))
			}
		})
	}
}

func TestAnAzureWaitResumesAfterTheAppIsKilledWithReadsOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tracetune.db")
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	fake, chat := startAzure(t)
	fake.SetDeploymentReads(1 << 20) // Creating until the second app
	st1, err := store.Open(path)
	must(t, err)
	w := newAZWorld(t, st1, sec, fake, chat)

	t.Run("the first app PUTs the deployment and dies while it is Creating", func(t *testing.T) {
		ctx, kill := context.WithCancel(context.Background())
		reads := 0
		d, err := w.svc.ServeAzure(ctx, w.ds, deploy.Options{Target: deploy.TargetAzure, Capacity: 3}, func(_, _ int64, msg string) {
			if strings.Contains(msg, ": Creating for") {
				if reads++; reads == 3 {
					kill()
				}
			}
		})
		var note *jobs.StopNote
		if !errors.As(err, &note) || !errors.Is(err, context.Canceled) || !strings.Contains(note.Text, "deploy to azure again to resume") {
			t.Fatalf("err = %v", err)
		}
		if d.State != store.DeployApplying || len(d.Changes) != 1 || fake.Puts() != 1 {
			t.Fatalf("after the kill: %+v, %d PUTs", d, fake.Puts())
		}
		st1.Close()
	})
	t.Run("a new app resumes the wait with GETs only", func(t *testing.T) {
		st2, err := store.Open(path)
		must(t, err)
		defer st2.Close()
		pending, err := deploy.PendingAzureServes(context.Background(), st2)
		if err != nil || len(pending) != 1 || pending[0] != w.ds {
			t.Fatalf("pending = %v, %v", pending, err)
		}
		svc2 := deploy.New(st2, sec)
		svc2.ServePoll = 2 * time.Millisecond
		if _, err := svc2.Benchmark(context.Background(), w.ds, deploy.BenchmarkOptions{}, nil); err == nil || !strings.Contains(err.Error(), "not ready yet") {
			t.Fatalf("benchmark while Creating: %v", err)
		}
		fake.SetDeploymentReads(0)
		gets := fake.Gets()
		d, err := svc2.ServeAzure(context.Background(), w.ds, deploy.Options{Target: deploy.TargetAzure}, nil)
		must(t, err)
		deps := fake.Deployments()
		if d.State != store.DeployActive || fake.Puts() != 1 || len(deps) != 1 || deps[0].Capacity != 3 || fake.Gets() <= gets {
			t.Fatalf("resumed: %+v; %d PUTs, %+v", d, fake.Puts(), deps)
		}
		if pending, _ = deploy.PendingAzureServes(context.Background(), st2); len(pending) != 0 {
			t.Fatalf("still pending: %v", pending)
		}
	})
}

func TestBadAzureCredentialsNameTheSettingToFix(t *testing.T) {
	fake, chat := startAzure(t)
	w := newAZWorld(t, testutil.OpenStore(t), secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()}), fake, chat)
	good := *armInput(fake)
	cases := []struct {
		name   string
		change func(*llm.AzureARMInput)
		want   string
	}{
		{"a wrong client secret", func(in *llm.AzureARMInput) { in.ClientSecret = "Wr0ng~secret-value-000000000000000000" }, "client secret was not accepted"},
		{"an unknown client id", func(in *llm.AzureARMInput) { in.ClientID = "99999999-9999-4999-8999-999999999999" }, "fix the client id of provider az"},
		{"an unknown tenant", func(in *llm.AzureARMInput) { in.Tenant = "77777777-7777-4777-8777-777777777777" }, "fix the tenant id of provider az"},
		{"a wrong subscription", func(in *llm.AzureARMInput) { in.Subscription = "12345678-1234-4234-8234-123456789012" }, "fix the subscription id of provider az"},
		{"a wrong resource group", func(in *llm.AzureARMInput) { in.ResourceGroup = "rg-other" }, "fix the resource group of provider az"},
		{"a wrong resource", func(in *llm.AzureARMInput) { in.Resource = "other-aoai" }, "fix the resource name of provider az"},
	}
	p, err := w.mgr.Get(w.ctx, "az")
	must(t, err)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good
			c.change(&in)
			_, err := w.mgr.Update(w.ctx, p.ID, llm.ProviderInput{Name: "az", Kind: llm.KindAzure, BaseURL: fake.URL, AzureARM: &in})
			must(t, err)
			puts := fake.Puts()
			_, err = w.svc.ServeAzure(w.ctx, w.ds, deploy.Options{Target: deploy.TargetAzure}, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), in.ClientSecret) || strings.Contains(err.Error(), good.ClientSecret) {
				t.Fatalf("the error shows the client secret: %v", err)
			}
			if fake.Puts() != puts {
				t.Fatal("a deployment was attempted with bad settings")
			}
			// Rolling back the failed attempt leaves nothing to roll back.
			if cur, ok, _ := w.svc.Current(w.ctx, w.ds); ok && cur.State == store.DeployApplying {
				t.Fatalf("a deployment is left applying: %+v", cur)
			}
		})
	}
	t.Run("a provider without ARM settings says what to set", func(t *testing.T) {
		_, err := w.mgr.Update(w.ctx, p.ID, llm.ProviderInput{Name: "az", Kind: llm.KindAzure, BaseURL: fake.URL, AzureARM: &llm.AzureARMInput{}})
		must(t, err)
		_, err = w.svc.Preview(w.ctx, w.ds, deploy.Options{Target: deploy.TargetAzure})
		if err == nil || !strings.Contains(err.Error(), "--subscription S --resource-group G --resource R --tenant T --client-id C") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("malformed settings are refused when entered, naming the field", func(t *testing.T) {
		in := good
		in.Subscription = "my-subscription"
		_, err := w.mgr.Update(w.ctx, p.ID, llm.ProviderInput{Name: "az", Kind: llm.KindAzure, BaseURL: fake.URL, AzureARM: &in})
		if err == nil || !strings.Contains(err.Error(), "subscription id") {
			t.Fatalf("err = %v", err)
		}
	})
}
