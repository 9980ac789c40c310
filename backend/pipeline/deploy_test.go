package pipeline

import (
	"context"
	"testing"

	"tracetune/backend/deploy"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestDeployNodeFollowsTheDeployment: waiting without a tuned model, not
// started with one, complete while a deployment is active, not started
// again after a rollback.
func TestDeployNodeFollowsTheDeployment(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "dep", "")
	if err != nil {
		t.Fatal(err)
	}
	status := func() Step {
		t.Helper()
		return ruleStep(t, st, d.ID, StepDeploy, deployRule)
	}
	t.Run("no training job: waiting", func(t *testing.T) {
		if s := status(); s.Status != Waiting || s.Needs == "" {
			t.Fatalf("%+v", s)
		}
	})
	j, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: d.ID, Trainer: "openai", BaseModel: "gpt-4o-mini", Status: "running"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Status, j.FineTunedModel = "succeeded", "ft:gpt-4o-mini:x::1"
	if err := st.UpdateTrainJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	t.Run("a tuned model: not started", func(t *testing.T) {
		if s := status(); s.Status != NotStarted {
			t.Fatalf("%+v", s)
		}
	})
	svc := deploy.New(st, secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()}))
	t.Run("an active deployment: complete, with what it does", func(t *testing.T) {
		if _, err := svc.Deploy(ctx, d.ID, deploy.Options{Target: "snippet", Mode: deploy.ModeAB, Split: 20}); err != nil {
			t.Fatal(err)
		}
		if s := status(); s.Status != Complete || s.Figure != "A/B 80/20 on snippet" {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("rolled back: not started again", func(t *testing.T) {
		if _, err := svc.Rollback(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if s := status(); s.Status != NotStarted {
			t.Fatalf("%+v", s)
		}
	})
}
