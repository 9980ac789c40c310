package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"tracetune/backend/dryrun"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

func trainStep(t *testing.T, st *store.Store, ds int64) Step {
	t.Helper()
	counts, err := st.DatasetCounts(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	s := Step{Number: StepTrain}
	if err := trainRule(context.Background(), st, ds, Facts{Counts: counts}, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTrainStartsOnlyWhenTheGraderAndTheDryRunAllowIt walks the gates of
// Step 6 with the environment provider pointing at the fake platform, and
// the node following the job to Complete.
func TestTrainStartsOnlyWhenTheGraderAndTheDryRunAllowIt(t *testing.T) {
	fake := testutil.StartFineTune(t)
	fake.RequireKey("sk-pipeline-train")
	t.Setenv("OPENAI_API_KEY", "sk-pipeline-train")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "train", "")
	if err != nil {
		t.Fatal(err)
	}
	var recs []record.Record
	for i := 0; i < 40; i++ {
		m, _ := json.Marshal([]map[string]any{{"role": "user", "content": fmt.Sprintf("question number %d about my order", i)}})
		recs = append(recs, record.Record{Line: i + 1, Shape: record.ShapeGateway, Messages: m,
			Output: json.RawMessage(`{"role":"assistant","content":"an answer"}`), Fields: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
	}
	testutil.InsertRecords(t, st, d.ID, recs)
	runner := jobs.New(st, nil)
	openai := train.Options{Trainer: "openai"}

	t.Run("without a grader Start is refused and the node says why", func(t *testing.T) {
		if _, err := runner.Run(ctx, TrainWork(st, d.ID, openai)); err == nil || !strings.Contains(err.Error(), "no grader") {
			t.Fatalf("error %v", err)
		}
		if s := trainStep(t, st, d.ID); s.Status != Waiting || !strings.Contains(s.Needs, "grader") {
			t.Fatalf("%+v", s)
		}
		if fake.JobsCreated() != 0 || len(fake.Files()) != 0 {
			t.Fatal("something reached the platform")
		}
	})
	saveGrader(t, st, d.ID, "def grade(sample, item):\n    return 0.0")
	t.Run("after a NO-GO dry run Start needs the override", func(t *testing.T) {
		if _, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{Responses: dryrun.ResponsesProduction})); err != nil {
			t.Fatal(err)
		}
		gate, err := CheckTrain(ctx, st, d.ID, false)
		if err != nil || gate.Ready || !gate.NeedsOverride {
			t.Fatalf("gate %+v %v", gate, err)
		}
		if _, err := runner.Run(ctx, TrainWork(st, d.ID, openai)); err == nil || !strings.Contains(err.Error(), "NO-GO") {
			t.Fatalf("error %v", err)
		}
		if fake.JobsCreated() != 0 {
			t.Fatal("a job was created")
		}
		if s := trainStep(t, st, d.ID); s.Status != Waiting || !strings.Contains(s.Needs, "NO-GO") {
			t.Fatalf("%+v", s)
		}
		if states, _ := st.StepStates(ctx, d.ID); states[StepTrain].State == "failed" {
			t.Fatal("a refused start marked the node failed")
		}
	})
	var started TrainStarted
	t.Run("with the override the job starts and keeps the override", func(t *testing.T) {
		o := openai
		o.OverrideNoGo = true
		p, err := runner.Run(ctx, TrainWork(st, d.ID, o))
		if err != nil {
			t.Fatal(err)
		}
		started = p.Result.(TrainStarted)
		if p.Kind != KindTrain || !started.OverrideNoGo || started.DryRunVerdict != dryrun.NOGO || started.RemoteID == "" || fake.JobsCreated() != 1 {
			t.Fatalf("started %+v", started)
		}
		if s := trainStep(t, st, d.ID); s.Status != Processing {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("the node follows the job to Complete with the model", func(t *testing.T) {
		svc := &train.Service{Store: st, PollMin: time.Millisecond, PollMax: 5 * time.Millisecond}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		j, err := svc.Watch(wctx, started.ID, nil)
		if err != nil || j.Status != train.StatusSucceeded {
			t.Fatalf("%+v %v", j, err)
		}
		if s := trainStep(t, st, d.ID); s.Status != Complete || s.Figure != j.FineTunedModel {
			t.Fatalf("%+v", s)
		}
	})
	saveGrader(t, st, d.ID, "def grade(sample, item):\n    return 0.9 if item['n'] % 2 == 0 else 0.5")
	t.Run("a new grader without a dry run warns and goes on", func(t *testing.T) {
		p, err := runner.Run(ctx, TrainWork(st, d.ID, openai))
		if err != nil {
			t.Fatal(err)
		}
		res := p.Result.(TrainStarted)
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "no dry run on the current grader") || res.DryRunID != 0 {
			t.Fatalf("result %+v", res)
		}
		if !strings.Contains(strings.Join(res.Notes, " "), "no dry run") {
			t.Errorf("notes %q", res.Notes)
		}
	})
	t.Run("a refusal fails the node with the platform's reason", func(t *testing.T) {
		fake.Refuse(&testutil.Failure{})
		if _, err := runner.Run(ctx, TrainWork(st, d.ID, openai)); err == nil {
			t.Fatal("no error")
		}
		steps, err := Steps(ctx, st, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		s := steps[StepTrain-1]
		if s.Status != Failed || !strings.Contains(s.Message+s.Needs, "fine-tuning is not available for this account") {
			t.Fatalf("%+v", s)
		}
	})
}
