package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"tracetune/backend/deploy"
	"tracetune/backend/jobs"
	"tracetune/backend/llm"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestAFireworksWaitLeftByTheAppIsResumedAtStart: the node asks to serve a
// Fireworks model, says an unfinished deployment is not READY, and the
// job ResumeServeWork gives at app start finishes the wait without a
// second deployment; the node is then complete with the served name.
func TestAFireworksWaitLeftByTheAppIsResumedAtStart(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	fake := testutil.StartFireworks(t)
	fake.RequireKey("fw-key-0123456789")
	fake.AddModel("lora-1")
	fake.SetDeploymentReads(1 << 20)
	d, err := st.CreateDataset(ctx, "fwdep", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&llm.Manager{Store: st, Secrets: sec}).Add(ctx, llm.ProviderInput{Name: "fw", Kind: llm.KindFireworks, BaseURL: fake.URL,
		Account: fake.Account, APIKey: "fw-key-0123456789"}); err != nil {
		t.Fatal(err)
	}
	j, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: d.ID, Trainer: "fireworks", Provider: "fw", BaseModel: "accounts/fireworks/models/qwen3-0p6b", Status: "running"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Status, j.FineTunedModel = "succeeded", "accounts/fake-acct/models/lora-1"
	if err := st.UpdateTrainJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	status := func() Step {
		t.Helper()
		return ruleStep(t, st, d.ID, StepDeploy, deployRule)
	}
	t.Run("a Fireworks model not served yet: the node says to serve it", func(t *testing.T) {
		if s := status(); s.Status != NotStarted || !strings.Contains(s.Needs, "serve the Fireworks model") {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("a wait cut short leaves the node saying it is not READY", func(t *testing.T) {
		svc := deploy.New(st, sec)
		svc.ServePoll = time.Millisecond
		wctx, stop := context.WithCancel(ctx)
		_, err := svc.Serve(wctx, d.ID, deploy.Options{Target: deploy.TargetFireworks}, func(_, _ int64, msg string) {
			if strings.Contains(msg, "CREATING") {
				stop()
			}
		})
		if err == nil || fake.DeploymentsCreated() != 1 {
			t.Fatalf("err = %v, %d created", err, fake.DeploymentsCreated())
		}
		if s := status(); s.Status != Attention || !strings.Contains(s.Needs, "not READY yet") {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("at start the wait is resumed as a job and the node completes", func(t *testing.T) {
		fake.SetDeploymentReads(0)
		work, err := ResumeServeWork(ctx, st, sec)
		if err != nil || len(work) != 1 || work[0].DatasetID != d.ID || work[0].Kind != KindDeploy {
			t.Fatalf("resume work = %+v, %v", work, err)
		}
		p, err := jobs.New(st, nil).Run(ctx, work[0])
		if err != nil {
			t.Fatal(err)
		}
		dep, _ := p.Result.(deploy.Deployment)
		if dep.State != store.DeployActive || fake.DeploymentsCreated() != 1 || !strings.HasPrefix(p.Message, "READY: call accounts/fake-acct/models/lora-1#") {
			t.Fatalf("job %+v; %d created", p, fake.DeploymentsCreated())
		}
		if s := status(); s.Status != Complete || s.Figure != "served on Fireworks as "+dep.ModelName {
			t.Fatalf("%+v", s)
		}
		if again, _ := ResumeServeWork(ctx, st, sec); len(again) != 0 {
			t.Fatalf("%d waits left", len(again))
		}
	})
}
