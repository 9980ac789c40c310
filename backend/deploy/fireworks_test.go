package deploy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tracetune/backend/deploy"
	"tracetune/backend/gateway"
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
	fwKey     = "fw-key-0123456789"
	fwBase    = "accounts/fireworks/models/qwen3-0p6b"
	fwLoRA    = "support-rft-1-model"
	fwTunedID = "accounts/fake-acct/models/" + fwLoRA
)

// fwWorld is a dataset whose latest training job ran on Fireworks: its
// LoRA is READY on the fake's account and, as on Fireworks, answers only
// through a deployment. The fake's chat gives the reference answer from
// the tuned model and from the base model for every third question.
type fwWorld struct {
	ctx   context.Context
	st    *store.Store
	sec   *secrets.Store
	svc   *deploy.Service
	ds    int64
	job   int64
	valid []int64
	fake  *testutil.Fireworks
}

func newFWWorld(t *testing.T, st *store.Store, sec *secrets.Store, fake *testutil.Fireworks) *fwWorld {
	t.Helper()
	w := &fwWorld{ctx: context.Background(), st: st, sec: sec, fake: fake}
	d, err := st.CreateDataset(w.ctx, "support-fw", "answer support questions")
	must(t, err)
	w.ds = d.ID
	var recs []record.Record
	for n := 1; n <= 12; n++ {
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
	mgr := &llm.Manager{Store: st, Secrets: sec}
	_, err = mgr.Add(w.ctx, llm.ProviderInput{Name: "fw", Kind: llm.KindFireworks, BaseURL: fake.URL, Account: fake.Account, APIKey: fwKey})
	must(t, err)
	var split []store.SplitRow
	for i, r := range recs {
		part := "train"
		if i%3 == 0 {
			part = "validation"
			w.valid = append(w.valid, r.ID)
		}
		split = append(split, store.SplitRow{RecordID: r.ID, Part: part})
	}
	g, _, err := grader.Load(w.ctx, st, w.ds)
	must(t, err)
	job, err := st.CreateTrainJob(w.ctx, store.TrainJob{DatasetID: w.ds, Trainer: "fireworks", Provider: "fw", BaseModel: fwBase,
		GraderVersion: g.Version(), Status: "running", TrainCount: len(recs) - len(w.valid), ValidCount: len(w.valid)}, split)
	must(t, err)
	job.Status, job.FineTunedModel = "succeeded", fwTunedID
	must(t, st.UpdateTrainJob(w.ctx, job))
	w.job = job.ID
	w.svc = deploy.New(st, sec)
	w.svc.ServePoll = 2 * time.Millisecond
	return w
}

// startFireworks is the fake with the LoRA READY and chat behind it.
func startFireworks(t *testing.T) *testutil.Fireworks {
	fake := testutil.StartFireworks(t)
	fake.RequireKey(fwKey)
	fake.AddModel(fwLoRA)
	chat := testutil.NewOpenAI()
	chat.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		m := numberRE.FindStringSubmatch(r.LastUser())
		if m == nil {
			return testutil.ChatReply{Content: "I cannot help with that."}
		}
		var n int
		fmt.Sscan(m[1], &n)
		if strings.HasPrefix(r.Model, fwTunedID+"#") || n%3 == 0 {
			return testutil.ChatReply{Content: fmt.Sprintf("answer %d about %s", n, m[2])}
		}
		return testutil.ChatReply{Content: "Please contact support."}
	})
	fake.Chat = chat.Handler()
	return fake
}

// chatModels counts the fake's chat requests by model.
func chatModels(t *testing.T, fake *testutil.Fireworks) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range fake.Requests() {
		if strings.HasPrefix(r.Path, "/inference/") {
			var body struct {
				Model string `json:"model"`
			}
			must(t, json.Unmarshal(r.Body, &body))
			out[body.Model]++
		}
	}
	return out
}

// progressLog collects a job's progress messages.
type progressLog struct {
	mu   sync.Mutex
	msgs []string
}

func (p *progressLog) report(_, _ int64, msg string) {
	p.mu.Lock()
	p.msgs = append(p.msgs, msg)
	p.mu.Unlock()
}

func (p *progressLog) all() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.msgs, "\n")
}

func TestServingAFireworksModelMakesItCallableAndRollbackDeletesIt(t *testing.T) {
	fake := startFireworks(t)
	w := newFWWorld(t, testutil.OpenStore(t), secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()}), fake)
	serve := deploy.Options{Target: deploy.TargetFireworks}
	var served, previewed string

	t.Run("before serving, benchmarks and the playground refuse and say to serve it first", func(t *testing.T) {
		_, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{}, nil)
		if !errors.Is(err, deploy.ErrNotFound) || !strings.Contains(err.Error(), "on-demand deployment") {
			t.Fatalf("benchmark err = %v", err)
		}
		_, err = w.svc.Playground(w.ctx, w.ds, deploy.PlaygroundInput{Prompt: "question number 3 about billing"})
		if err == nil || !strings.Contains(err.Error(), "--target fireworks") {
			t.Fatalf("playground err = %v", err)
		}
		if n := len(chatModels(t, fake)); n != 0 {
			t.Fatalf("%d models were called before serving", n)
		}
	})
	t.Run("the preview states the cost and the replicas and creates nothing", func(t *testing.T) {
		p, err := w.svc.Preview(w.ctx, w.ds, serve)
		must(t, err)
		for _, want := range []string{"per GPU-second", "scales to zero when idle", "0–1 replicas", "Rollback deletes the deployment"} {
			if !strings.Contains(p.Summary, want) {
				t.Errorf("summary lacks %q: %s", want, p.Summary)
			}
		}
		if !p.Supported || p.Mode != deploy.ModeServe || !strings.HasPrefix(p.ModelName, fwTunedID+"#accounts/fake-acct/deployments/tt-support-rft-1-model-") {
			t.Fatalf("plan = %+v", p)
		}
		if len(p.Steps) != 2 || !strings.Contains(p.Steps[0], `{"baseModel":"`+fwTunedID+`","maxReplicaCount":1,"minReplicaCount":0}`) {
			t.Fatalf("steps = %q", p.Steps)
		}
		if fake.DeploymentsCreated() != 0 {
			t.Fatal("a preview created a deployment")
		}
		previewed = p.ModelName
	})
	t.Run("serving creates one deployment and waits from CREATING to READY with progress", func(t *testing.T) {
		var log progressLog
		d, err := w.svc.Serve(w.ctx, w.ds, serve, log.report)
		must(t, err)
		deps := fake.Deployments()
		if d.State != store.DeployActive || len(d.Changes) != 1 || d.Changes[0].Op != "create" || d.Changes[0].Before != nil || len(deps) != 1 {
			t.Fatalf("deployment = %+v, fake has %+v", d, deps)
		}
		if deps[0].State != "READY" || deps[0].BaseModel != fwTunedID || deps[0].MinReplicas != 0 || deps[0].MaxReplicas != 1 {
			t.Fatalf("fake deployment = %+v", deps[0])
		}
		served = d.ModelName
		if served != previewed {
			t.Fatalf("served as %s, but the preview the user confirmed named %s", served, previewed)
		}
		if served != fwTunedID+"#accounts/fake-acct/deployments/"+deps[0].ID || d.TunedModel != fwTunedID {
			t.Fatalf("served as %q (tuned %q)", served, d.TunedModel)
		}
		if got := log.all(); !strings.Contains(got, ": CREATING for") || !strings.Contains(got, "READY: call "+served) {
			t.Fatalf("progress:\n%s", got)
		}
		var post *testutil.Request
		for _, r := range fake.Requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/deployments") {
				post = &r
			}
		}
		q, _ := url.ParseQuery(post.Query)
		if q.Get("deploymentId") != deps[0].ID || string(post.Body) != `{"baseModel":"`+fwTunedID+`","maxReplicaCount":1,"minReplicaCount":0}` {
			t.Fatalf("create request %s %s", post.Query, post.Body)
		}
	})
	t.Run("a second serve is refused while this one is in effect", func(t *testing.T) {
		if _, err := w.svc.Serve(w.ctx, w.ds, serve, nil); !errors.Is(err, deploy.ErrConflict) || fake.DeploymentsCreated() != 1 {
			t.Fatalf("err = %v, %d created", err, fake.DeploymentsCreated())
		}
	})
	t.Run("the benchmark calls the deployed model by its pinned name", func(t *testing.T) {
		rep, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{Seed: 1}, nil)
		must(t, err)
		models := chatModels(t, fake)
		if rep.Tuned.Model != served || models[served] != len(w.valid) || models[fwBase] != len(w.valid) || len(models) != 2 {
			t.Fatalf("tuned side %q; chat requests by model %v (want %d each)", rep.Tuned.Model, models, len(w.valid))
		}
		if rep.Tuned.Mean != 1 || rep.Tuned.Failed != 0 || rep.Base.Mean >= rep.Tuned.Mean {
			t.Fatalf("base %.3f → tuned %.3f (failed %d)", rep.Base.Mean, rep.Tuned.Mean, rep.Tuned.Failed)
		}
	})
	t.Run("the playground answers from the deployment", func(t *testing.T) {
		res, err := w.svc.Playground(w.ctx, w.ds, deploy.PlaygroundInput{Prompt: "question number 4 about billing"})
		must(t, err)
		if res.Tuned.Model != served || res.Tuned.Error != "" || res.Tuned.Text != "answer 4 about billing" {
			t.Fatalf("tuned answer = %+v", res.Tuned)
		}
	})
	t.Run("the snippet routes through LiteLLM's fireworks_ai provider", func(t *testing.T) {
		p, err := w.svc.Preview(w.ctx, w.ds, deploy.Options{Target: "snippet", Mode: deploy.ModeEndpoint})
		must(t, err)
		for _, want := range []string{`model: "fireworks_ai/` + served + `"`, `api_base: "` + fake.URL + `/inference/v1"`, `api_key: "os.environ/FIREWORKS_API_KEY"`, "model:    " + served} {
			if !strings.Contains(p.Snippet, want) {
				t.Errorf("snippet lacks %s:\n%s", want, p.Snippet)
			}
		}
	})
	proxy := testutil.StartLiteLLM(t, masterKey)
	_, err := gateway.Save(w.ctx, w.st, w.sec, gateway.Config{Name: "prod", Kind: gateway.KindLiteLLM, URL: proxy.URL, Key: masterKey}, false)
	must(t, err)
	t.Run("a LiteLLM endpoint on top routes to the served model at Fireworks", func(t *testing.T) {
		d, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeEndpoint, ModelName: "support-tuned", Credential: "os.environ/FIREWORKS_API_KEY"})
		must(t, err)
		if d.State != store.DeployActive || d.TunedModel != served {
			t.Fatalf("deployment = %+v", d)
		}
		var found bool
		for _, e := range proxy.Models.Table() {
			if e.ModelName == "support-tuned" {
				found = true
				m, _ := e.LiteLLMParams["model"].(string)
				if !strings.HasSuffix(m, "/"+served) || e.LiteLLMParams["api_base"] != fake.URL+"/inference/v1" || e.LiteLLMParams["api_key"] != "os.environ/FIREWORKS_API_KEY" {
					t.Fatalf("proxy entry = %+v", e.LiteLLMParams)
				}
			}
		}
		if !found {
			t.Fatal("no support-tuned entry in the proxy")
		}
	})
	t.Run("rollback undoes the gateway first, then deletes the deployment", func(t *testing.T) {
		d, err := w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if d.Target != "litellm" || d.State != store.DeployRolledBack || len(fake.Deployments()) != 1 {
			t.Fatalf("first rollback = %+v; fake has %d deployments", d, len(fake.Deployments()))
		}
		id := fake.Deployments()[0].ID
		d, err = w.svc.Rollback(w.ctx, w.ds)
		must(t, err)
		if d.Target != deploy.TargetFireworks || d.State != store.DeployRolledBack || len(fake.Deployments()) != 0 {
			t.Fatalf("second rollback = %+v; fake has %+v", d, fake.Deployments())
		}
		if del := fake.DeletedDeployments(); len(del) != 1 || del[0] != id {
			t.Fatalf("deleted %v, want [%s]", del, id)
		}
		if _, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{Seed: 2}, nil); !errors.Is(err, deploy.ErrNotFound) {
			t.Fatalf("benchmark after rollback: %v", err)
		}
		if _, err := w.svc.Rollback(w.ctx, w.ds); !errors.Is(err, deploy.ErrNotFound) {
			t.Fatalf("a third rollback: %v", err)
		}
	})
	t.Run("serving again names a new deployment, the one its preview named", func(t *testing.T) {
		p, err := w.svc.Preview(w.ctx, w.ds, serve)
		must(t, err)
		if p.ModelName == served {
			t.Fatalf("the new deployment reuses the deleted one's id: %s", p.ModelName)
		}
		d, err := w.svc.Serve(w.ctx, w.ds, serve, nil)
		must(t, err)
		if d.ModelName != p.ModelName {
			t.Fatalf("served as %s, previewed %s", d.ModelName, p.ModelName)
		}
	})
}

func TestAFailedFireworksDeploymentIsDeletedAndSaysWhy(t *testing.T) {
	fake := startFireworks(t)
	fake.FailDeployments("not enough NVIDIA_H100_80GB capacity in the region")
	w := newFWWorld(t, testutil.OpenStore(t), secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()}), fake)

	var d deploy.Deployment
	var err error
	t.Run("the serve fails with Fireworks' reason", func(t *testing.T) {
		d, err = w.svc.Serve(w.ctx, w.ds, deploy.Options{Target: deploy.TargetFireworks}, nil)
		if err == nil || !strings.Contains(err.Error(), "FAILED") || !strings.Contains(err.Error(), "not enough NVIDIA_H100_80GB capacity") {
			t.Fatalf("err = %v", err)
		}
		if d.State != store.DeployFailed || !strings.Contains(d.Message, "the deployment was deleted, nothing is left on Fireworks") {
			t.Fatalf("deployment = %+v", d)
		}
	})
	t.Run("nothing is left behind", func(t *testing.T) {
		if len(fake.Deployments()) != 0 || fake.DeploymentsCreated() != 1 || len(fake.DeletedDeployments()) != 1 {
			t.Fatalf("fake: %+v, %d created, deleted %v", fake.Deployments(), fake.DeploymentsCreated(), fake.DeletedDeployments())
		}
		if _, err := w.svc.Rollback(w.ctx, w.ds); !errors.Is(err, deploy.ErrNotFound) {
			t.Fatalf("rollback after a failure: %v", err)
		}
		if _, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{}, nil); !errors.Is(err, deploy.ErrNotFound) {
			t.Fatalf("benchmark after a failed serve: %v", err)
		}
	})
	t.Run("a bad replica range is refused before anything is sent", func(t *testing.T) {
		before := len(fake.Requests())
		_, err := w.svc.Serve(w.ctx, w.ds, deploy.Options{Target: deploy.TargetFireworks, MinReplicas: 3, MaxReplicas: 2}, nil)
		if !errors.Is(err, deploy.ErrInvalid) || len(fake.Requests()) != before {
			t.Fatalf("err = %v, %d requests sent", err, len(fake.Requests())-before)
		}
	})
}

func TestAFireworksWaitResumesAfterTheAppIsKilled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tracetune.db")
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	fake := startFireworks(t)
	fake.SetDeploymentReads(1 << 20) // CREATING until the second app
	st1, err := store.Open(path)
	must(t, err)
	w := newFWWorld(t, st1, sec, fake)

	t.Run("the first app creates the deployment and dies while it is CREATING", func(t *testing.T) {
		ctx, kill := context.WithCancel(context.Background())
		var log progressLog
		reads := 0
		d, err := w.svc.Serve(ctx, w.ds, deploy.Options{Target: deploy.TargetFireworks, MaxReplicas: 2}, func(done, total int64, msg string) {
			log.report(done, total, msg)
			if strings.Contains(msg, ": CREATING for") {
				if reads++; reads == 3 {
					kill()
				}
			}
		})
		var note *jobs.StopNote
		if !errors.As(err, &note) || !errors.Is(err, context.Canceled) || !strings.Contains(note.Text, "deploy to fireworks again to resume") {
			t.Fatalf("err = %v", err)
		}
		if d.State != store.DeployApplying || len(d.Changes) != 1 || fake.DeploymentsCreated() != 1 {
			t.Fatalf("after the kill: %+v, %d created", d, fake.DeploymentsCreated())
		}
		st1.Close()
	})
	t.Run("a new app finds the wait and resumes it without a second deployment", func(t *testing.T) {
		st2, err := store.Open(path)
		must(t, err)
		defer st2.Close()
		pending, err := deploy.PendingServes(context.Background(), st2)
		if err != nil || len(pending) != 1 || pending[0] != w.ds {
			t.Fatalf("pending = %v, %v", pending, err)
		}
		svc2 := deploy.New(st2, sec)
		svc2.ServePoll = 2 * time.Millisecond
		if _, err := svc2.Benchmark(context.Background(), w.ds, deploy.BenchmarkOptions{}, nil); err == nil || !strings.Contains(err.Error(), "not READY yet") {
			t.Fatalf("benchmark while CREATING: %v", err)
		}
		fake.SetDeploymentReads(0)
		d, err := svc2.Serve(context.Background(), w.ds, deploy.Options{Target: deploy.TargetFireworks}, nil)
		must(t, err)
		deps := fake.Deployments()
		if d.State != store.DeployActive || fake.DeploymentsCreated() != 1 || len(deps) != 1 || deps[0].State != "READY" || deps[0].MaxReplicas != 2 {
			t.Fatalf("resumed: %+v; fake %d created, %+v", d, fake.DeploymentsCreated(), deps)
		}
		posts := 0
		for _, r := range fake.Requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/deployments") {
				posts++
			}
		}
		if posts != 1 {
			t.Fatalf("%d create requests, want 1", posts)
		}
		pending, _ = deploy.PendingServes(context.Background(), st2)
		if len(pending) != 0 {
			t.Fatalf("still pending: %v", pending)
		}
	})
}
