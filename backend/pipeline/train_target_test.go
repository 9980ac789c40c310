package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tracetune/backend/dryrun"
	"tracetune/backend/jobs"
	"tracetune/backend/llm"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// TestTheSavedTrainingTargetMovesTheDryRunAndTheGate: the model Step 6's
// form saves (train.Service.SaveTarget, what its binding calls) is the one
// the dry run answers with by default and the one the Train gate expects,
// before any job starts; a dry run of it opens the gate without the
// override; a job started later with other options takes over.
func TestTheSavedTrainingTargetMovesTheDryRunAndTheGate(t *testing.T) {
	fake, chat := trainPlatform(t)
	ctx := context.Background()
	st := testutil.OpenStore(t)
	runner := jobs.New(st, nil)
	svc := &train.Service{Store: st}
	d, err := st.CreateDataset(ctx, "target", "")
	if err != nil {
		t.Fatal(err)
	}
	testutil.InsertRecords(t, st, d.ID, numberedQuestions(30))
	saveGrader(t, st, d.ID, goGrader)
	const newModel = "gpt-5-2025-08-07"
	role := train.Target{Trainer: "openai", Provider: llm.EnvProviderName, Model: "o4-mini"}
	saved := train.Target{Trainer: "openai", Provider: llm.EnvProviderName, Model: newModel}

	t.Run("a dry run of the training role's model opens the gate", func(t *testing.T) {
		if _, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{N: 30})); err != nil {
			t.Fatal(err)
		}
		gate, err := CheckTrain(ctx, st, d.ID, train.Options{})
		if err != nil || !gate.Ready || gate.Target != role {
			t.Fatalf("gate %+v %v", gate, err)
		}
	})

	t.Run("saving another base model changes the dry run's default and the gate's model", func(t *testing.T) {
		got, err := svc.SaveTarget(ctx, d.ID, train.Target{Trainer: "openai", Model: " " + newModel + " "})
		if err != nil || got != saved {
			t.Fatalf("saved %+v %v", got, err)
		}
		if tg, ok, err := svc.ChosenTarget(ctx, d.ID); err != nil || !ok || tg != saved {
			t.Fatalf("chosen %+v %v %v", tg, ok, err)
		}
		c, model, err := dryrun.Answerer(ctx, st, d.ID, dryrun.Options{})
		if err != nil || model != newModel || c.Name() != llm.EnvProviderName {
			t.Fatalf("answerer %q %v", model, err)
		}
		// Step 5 (no options) and Step 6's form (its fields) see one gate
		for _, o := range []train.Options{{}, {Trainer: "openai", Model: newModel}} {
			gate, err := CheckTrain(ctx, st, d.ID, o)
			if err != nil || gate.Ready || gate.Target != saved || len(gate.Issues) != 1 ||
				gate.Issues[0].Reason != OverrideOtherModel || gate.Issues[0].Model != newModel {
				t.Fatalf("gate with %+v: %+v %v", o, gate, err)
			}
		}
		if s := dryrunStep(t, st, d.ID); s.Status != Attention || !strings.Contains(s.Needs, newModel) {
			t.Fatalf("step 5 %+v", s)
		}
	})

	t.Run("the preview prices the target's model and says whether a run counts", func(t *testing.T) {
		for _, p := range []store.Price{{Model: newModel, PromptPerM: 5, CompletionPerM: 20}, {Model: "o4-mini", PromptPerM: 1, CompletionPerM: 4}} {
			if err := st.SetPrice(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		p, err := dryrun.MakePreview(ctx, st, d.ID, dryrun.Options{N: 30, Seed: 7})
		if err != nil || p.Model != newModel || !p.ForGate || p.Target != saved || p.Cost == nil {
			t.Fatalf("preview %+v %v", p, err)
		}
		want, _ := llm.Cost([]store.Price{{Model: newModel, PromptPerM: 5, CompletionPerM: 20}}, newModel, p.PromptTokens, p.CompletionTokens)
		if *p.Cost != want || want == 0 {
			t.Fatalf("cost %v, want %v at %s's prices", *p.Cost, want, newModel)
		}
		other, err := dryrun.MakePreview(ctx, st, d.ID, dryrun.Options{N: 30, Seed: 7, Model: "o4-mini"})
		if err != nil || other.Model != "o4-mini" || other.ForGate || *other.Cost >= *p.Cost ||
			!strings.Contains(strings.Join(other.Notes, " "), "will not count for the Train gate") {
			t.Fatalf("preview of another model %+v %v", other, err)
		}
	})

	t.Run("a dry run with the new target opens the gate without the override", func(t *testing.T) {
		_, before := chat.count()
		p, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{N: 30}))
		if err != nil {
			t.Fatal(err)
		}
		rep := p.Result.(dryrun.Report)
		asked, after := chat.count()
		if rep.Model != newModel || rep.Verdict != dryrun.GO || asked[newModel] != 30 || after-before != 30 {
			t.Fatalf("run %d %s %s, asked %v", rep.ID, rep.Model, rep.Verdict, asked)
		}
		o := train.Options{Trainer: "openai", Model: newModel}
		gate, err := CheckTrain(ctx, st, d.ID, o)
		if err != nil || !gate.Ready || gate.NeedsOverride || gate.DryRunID != rep.ID {
			t.Fatalf("gate %+v %v", gate, err)
		}
		res, err := runner.Run(ctx, TrainWork(st, d.ID, o))
		if err != nil {
			t.Fatal(err)
		}
		j := res.Result.(TrainStarted)
		if j.BaseModel != newModel || j.OverrideNoGo || j.OverrideReason != "" || j.DryRunID != rep.ID || fake.JobsCreated() != 1 {
			t.Fatalf("job %+v", j.Job)
		}
	})

	t.Run("a job started after the target with other options becomes what the dataset trains", func(t *testing.T) {
		time.Sleep(5 * time.Millisecond) // the job is newer than the saved target
		if _, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: d.ID, Trainer: "openai", Provider: llm.EnvProviderName,
			BaseModel: "o4-mini", Status: train.StatusFailed}, nil); err != nil {
			t.Fatal(err)
		}
		if tg, _, err := svc.ChosenTarget(ctx, d.ID); err != nil || tg != role {
			t.Fatalf("after a newer job: %+v %v", tg, err)
		}
		time.Sleep(5 * time.Millisecond)
		if _, err := svc.SaveTarget(ctx, d.ID, saved); err != nil {
			t.Fatal(err)
		}
		if tg, _, err := svc.ChosenTarget(ctx, d.ID); err != nil || tg != saved {
			t.Fatalf("saved again: %+v %v", tg, err)
		}
	})

	t.Run("a choice that cannot train is refused and changes nothing", func(t *testing.T) {
		for _, bad := range []train.Target{
			{Trainer: "azure"}, // the training role's provider is not Azure
			{Trainer: "openai", Provider: "nowhere"},
			{Trainer: "sagemaker"},
		} {
			if _, err := svc.SaveTarget(ctx, d.ID, bad); err == nil {
				t.Errorf("%+v was saved", bad)
			}
		}
		if _, err := svc.SaveTarget(ctx, d.ID, train.Target{Trainer: "azure"}); !errors.Is(err, train.ErrInvalid) {
			t.Errorf("azure without an Azure provider: %v", err)
		}
		if _, err := svc.SaveTarget(ctx, 9999, saved); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a missing dataset: %v", err)
		}
		if tg, _, err := svc.ChosenTarget(ctx, d.ID); err != nil || tg != saved {
			t.Fatalf("after refusals: %+v %v", tg, err)
		}
	})

	t.Run("a TRL target answers through the base role with the bundle's model", func(t *testing.T) {
		got, err := svc.SaveTarget(ctx, d.ID, train.Target{Trainer: "trl", Provider: "ignored", Model: "Qwen/Qwen3-4B"})
		if err != nil || got != (train.Target{Trainer: "trl", Model: "Qwen/Qwen3-4B"}) {
			t.Fatalf("trl target %+v %v", got, err)
		}
		if err := st.SetRole(ctx, store.RoleAssignment{Role: llm.RoleBase, Provider: llm.EnvProviderName, Model: "gpt-4o"}); err != nil {
			t.Fatal(err)
		}
		if _, model, err := dryrun.Answerer(ctx, st, d.ID, dryrun.Options{}); err != nil || model != "Qwen/Qwen3-4B" {
			t.Fatalf("answerer %q %v", model, err)
		}
	})
}
