package pipeline

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"tracetune/backend/dryrun"
	"tracetune/backend/jobs"
	"tracetune/backend/llm"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

func trainStep(t *testing.T, st *store.Store, ds int64) Step {
	t.Helper()
	return ruleStep(t, st, ds, StepTrain, trainRule)
}

// Graders of the Train tests: one that scores nothing (NO-GO), one that
// spreads the scores by the record's number (GO).
const (
	zeroGrader = "def grade(sample, item):\n    return 0.0"
	goGrader   = "def grade(sample, item):\n    return 0.9 if item['n'] % 2 == 0 else 0.5"
)

// chatModels is a fake chat endpoint that counts the models asked.
type chatModels struct {
	mu     sync.Mutex
	models map[string]int
}

func (c *chatModels) responder(r testutil.ChatRequest) testutil.ChatReply {
	c.mu.Lock()
	c.models[r.Model]++
	c.mu.Unlock()
	return testutil.ChatReply{Content: "an answer"}
}

func (c *chatModels) count() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, n := map[string]int{}, 0
	for m, k := range c.models {
		out[m] = k
		n += k
	}
	return out, n
}

// trainPlatform starts the fake fine-tuning platform, chatting too, as the
// environment provider: the training role is then environment/o4-mini.
func trainPlatform(t *testing.T) (*testutil.FineTune, *chatModels) {
	t.Helper()
	fake := testutil.StartFineTune(t)
	chat := testutil.NewOpenAI()
	models := &chatModels{models: map[string]int{}}
	chat.SetResponder(models.responder)
	fake.Chat = chat.Handler()
	fake.RequireKey("sk-pipeline-train")
	t.Setenv("OPENAI_API_KEY", "sk-pipeline-train")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	return fake, models
}

// refused checks that Start is refused for the issue's reason, with the
// next step, both by the gate and by the work, and that nothing started.
func refused(t *testing.T, st *store.Store, runner *jobs.Runner, fake *testutil.FineTune, ds int64, reason, next string) TrainGate {
	t.Helper()
	ctx := context.Background()
	before := fake.JobsCreated()
	gate, err := CheckTrain(ctx, st, ds, train.Options{Trainer: "openai"})
	if err != nil || gate.Ready || !gate.NeedsOverride || len(gate.Issues) != 1 || gate.Issues[0].Reason != reason ||
		gate.Issues[0].Next != next || len(gate.Reasons) != 1 || !strings.HasSuffix(gate.Reasons[0], "Next: "+next) {
		t.Fatalf("gate %+v %v", gate, err)
	}
	if gate.Target != (train.Target{Trainer: "openai", Provider: llm.EnvProviderName, Model: "o4-mini"}) {
		t.Errorf("target %+v", gate.Target)
	}
	p, err := runner.Run(ctx, TrainWork(st, ds, train.Options{Trainer: "openai"}))
	if err == nil || !strings.Contains(err.Error(), next) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("error %v", err)
	}
	if res, _ := p.Result.(TrainStarted); res.Gate.Issues[0].Reason != reason {
		t.Errorf("the refusal does not carry the gate: %+v", res)
	}
	if fake.JobsCreated() != before {
		t.Fatal("a refused start created a job")
	}
	if states, _ := st.StepStates(ctx, ds); states[StepTrain].State == "failed" {
		t.Fatal("a refused start marked the node failed")
	}
	return gate
}

// overridden starts with the override and checks the job keeps it with
// the reason it went past.
func overridden(t *testing.T, st *store.Store, runner *jobs.Runner, ds int64, reason string) TrainStarted {
	t.Helper()
	ctx := context.Background()
	o := train.Options{Trainer: "openai", OverrideNoGo: true}
	gate, err := CheckTrain(ctx, st, ds, o)
	if err != nil || !gate.Ready || gate.OverrideReason != reason {
		t.Fatalf("gate with the override %+v %v", gate, err)
	}
	p, err := runner.Run(ctx, TrainWork(st, ds, o))
	if err != nil {
		t.Fatal(err)
	}
	res := p.Result.(TrainStarted)
	stored, err := st.TrainJob(ctx, res.ID)
	if err != nil || !stored.OverrideNoGo || stored.OverrideReason != reason || res.OverrideReason != reason || res.RemoteID == "" {
		t.Fatalf("job %+v stored %+v %v", res.Job, stored, err)
	}
	if !strings.Contains(strings.Join(res.Notes, " "), "override") {
		t.Errorf("notes %q", res.Notes)
	}
	return res
}

// TestTrainStartsOnlyWhenTheDryRunMeasuredTheGraderOnTheTrainedModel walks
// the gates of Step 6 with the environment provider pointing at the fake
// platform: no grader; no dry run; a NO-GO dry run (answered by the model
// training fine-tunes, o4-mini, by default); a changed grader, fixed by a
// re-grade that asks no model; each with and without the one override,
// and the node following a job to Complete.
func TestTrainStartsOnlyWhenTheDryRunMeasuredTheGraderOnTheTrainedModel(t *testing.T) {
	fake, chat := trainPlatform(t)
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "train", "")
	if err != nil {
		t.Fatal(err)
	}
	testutil.InsertRecords(t, st, d.ID, numberedQuestions(40))
	runner := jobs.New(st, nil)
	openai := train.Options{Trainer: "openai"}

	t.Run("without a grader Start is refused, even with the override", func(t *testing.T) {
		for _, o := range []train.Options{openai, {Trainer: "openai", OverrideNoGo: true}} {
			if _, err := runner.Run(ctx, TrainWork(st, d.ID, o)); err == nil || !strings.Contains(err.Error(), "no grader") {
				t.Fatalf("error %v", err)
			}
		}
		if s := trainStep(t, st, d.ID); s.Status != Waiting || !strings.Contains(s.Needs, "grader") {
			t.Fatalf("%+v", s)
		}
		if fake.JobsCreated() != 0 || len(fake.Files()) != 0 {
			t.Fatal("something reached the platform")
		}
	})
	saveGrader(t, st, d.ID, zeroGrader)
	t.Run("without a dry run Start is refused with the dry run to make", func(t *testing.T) {
		refused(t, st, runner, fake, d.ID, OverrideNoDryRun, "Run a dry run with o4-mini")
		if s := trainStep(t, st, d.ID); s.Status != Waiting || !strings.Contains(s.Needs, "Run a dry run with o4-mini") {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("the override starts it and the job keeps 'no dry run'", func(t *testing.T) {
		if res := overridden(t, st, runner, d.ID, OverrideNoDryRun); res.DryRunID != 0 {
			t.Fatalf("job names dry run %d", res.DryRunID)
		}
	})
	var nogo dryrun.Report
	t.Run("the dry run answers with the model training fine-tunes", func(t *testing.T) {
		p, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{N: 20}))
		if err != nil {
			t.Fatal(err)
		}
		nogo = p.Result.(dryrun.Report)
		models, n := chat.count()
		if nogo.Model != "o4-mini" || nogo.Verdict != dryrun.NOGO || n != 20 || models["o4-mini"] != 20 {
			t.Fatalf("run model %q verdict %s, asked %v", nogo.Model, nogo.Verdict, models)
		}
	})
	t.Run("after a NO-GO dry run Start needs the override", func(t *testing.T) {
		gate := refused(t, st, runner, fake, d.ID, OverrideNoGo, "Fix what its diagnosis names (Step 5) and run it again")
		if gate.DryRun.ID != nogo.ID || gate.DryRunVerdict != dryrun.NOGO || gate.DryRun.Model != "o4-mini" || gate.DryRun.GraderVersion != gate.GraderVersion {
			t.Fatalf("basis %+v", gate.DryRun)
		}
		if s := dryrunStep(t, st, d.ID); s.Status != Failed {
			t.Fatalf("step 5 %+v", s)
		}
	})
	var started TrainStarted
	t.Run("with the override the job starts and keeps 'NO-GO'", func(t *testing.T) {
		started = overridden(t, st, runner, d.ID, OverrideNoGo)
		if started.DryRunID != nogo.ID || started.DryRunVerdict != dryrun.NOGO || started.BaseModel != "o4-mini" {
			t.Fatalf("started %+v", started.Job)
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
	saveGrader(t, st, d.ID, goGrader)
	t.Run("a changed grader refuses Start with the free re-grade", func(t *testing.T) {
		gate := refused(t, st, runner, fake, d.ID, OverrideGraderMoved, "Re-grade the last run with the current grader — no model calls")
		if is := gate.Issues[0]; is.Fix != FixRegrade || is.RunID != nogo.ID || gate.DryRun.ID != nogo.ID {
			t.Fatalf("issue %+v", is)
		}
		if s := dryrunStep(t, st, d.ID); s.Status != Attention || !strings.Contains(s.Needs, "re-grade to update") {
			t.Fatalf("step 5 %+v", s)
		}
	})
	t.Run("the override goes past a changed grader and the job keeps it", func(t *testing.T) {
		overridden(t, st, runner, d.ID, OverrideGraderMoved)
	})
	t.Run("after the re-grade Start goes on without the override", func(t *testing.T) {
		_, asked := chat.count()
		p, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{Regrade: nogo.ID}))
		if err != nil {
			t.Fatal(err)
		}
		rep := p.Result.(dryrun.Report)
		if _, now := chat.count(); now != asked || rep.Verdict != dryrun.GO || rep.Model != "o4-mini" {
			t.Fatalf("re-grade asked %d models, verdict %s, model %q", now-asked, rep.Verdict, rep.Model)
		}
		if s := dryrunStep(t, st, d.ID); s.Status != Complete {
			t.Fatalf("step 5 %+v", s)
		}
		gate, err := CheckTrain(ctx, st, d.ID, openai)
		if err != nil || !gate.Ready || gate.NeedsOverride || len(gate.Issues) != 0 || gate.DryRun.ID != rep.ID || gate.DryRunVerdict != dryrun.GO {
			t.Fatalf("gate %+v %v", gate, err)
		}
		p, err = runner.Run(ctx, TrainWork(st, d.ID, openai))
		if err != nil {
			t.Fatal(err)
		}
		res := p.Result.(TrainStarted)
		if res.OverrideNoGo || res.OverrideReason != "" || res.DryRunID != rep.ID || res.DryRunVerdict != dryrun.GO || len(res.Warnings) != 0 {
			t.Fatalf("started %+v", res)
		}
	})
	t.Run("a refusal by the platform fails the node with its reason", func(t *testing.T) {
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

// TestTrainRefusesDryRunsThatDidNotAnswerWithTheTrainedModel: a GO from
// stored production answers or from another model does not open the gate;
// the override does, and the job keeps why.
func TestTrainRefusesDryRunsThatDidNotAnswerWithTheTrainedModel(t *testing.T) {
	fake, _ := trainPlatform(t)
	ctx := context.Background()
	st := testutil.OpenStore(t)
	runner := jobs.New(st, nil)
	for _, tc := range []struct {
		name   string
		opts   dryrun.Options
		reason string
		step5  Status // the Dry Run node over that run
	}{
		{"production answers", dryrun.Options{Responses: dryrun.ResponsesProduction}, OverrideProduction, Complete},
		{"another model", dryrun.Options{Model: "gpt-4o"}, OverrideOtherModel, Attention},
	} {
		t.Run("a GO from "+tc.name+" is refused, the override keeps "+tc.reason, func(t *testing.T) {
			d, err := st.CreateDataset(ctx, tc.name, "")
			if err != nil {
				t.Fatal(err)
			}
			testutil.InsertRecords(t, st, d.ID, numberedQuestions(30))
			saveGrader(t, st, d.ID, goGrader)
			p, err := runner.Run(ctx, DryRunWork(st, d.ID, tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			rep := p.Result.(dryrun.Report)
			if rep.Verdict != dryrun.GO {
				t.Fatalf("verdict %s", rep.Verdict)
			}
			gate := refused(t, st, runner, fake, d.ID, tc.reason, "Run a dry run with o4-mini")
			if gate.Issues[0].Fix != FixDryRun || gate.Issues[0].Model != "o4-mini" || gate.DryRun.ID != rep.ID {
				t.Fatalf("gate %+v", gate)
			}
			if s := dryrunStep(t, st, d.ID); s.Status != tc.step5 {
				t.Fatalf("step 5 %+v", s)
			}
			res := overridden(t, st, runner, d.ID, tc.reason)
			if res.DryRunID != rep.ID || res.BaseModel != "o4-mini" {
				t.Fatalf("job %+v", res.Job)
			}
		})
	}
}

// TestTheDryRunDefaultsToTheModelTrainingFineTunes: for each trainer, the
// model a dry run asks by default is the base model Start would train.
func TestTheDryRunDefaultsToTheModelTrainingFineTunes(t *testing.T) {
	ctx := context.Background()
	t.Run("openai: the training role's model on its provider", func(t *testing.T) {
		trainPlatform(t)
		st := testutil.OpenStore(t)
		d, _ := st.CreateDataset(ctx, "openai", "")
		want, err := (&train.Service{Store: st}).Target(ctx, train.Options{Trainer: "openai"})
		if err != nil {
			t.Fatal(err)
		}
		c, model, err := dryrun.Answerer(ctx, st, d.ID, dryrun.Options{})
		if err != nil || model != want.Model || c.Name() != want.Provider || model != "o4-mini" {
			t.Fatalf("answerer %v %q %v, target %+v", c, model, err, want)
		}
	})
	t.Run("fireworks: the training role's Fireworks model through Fireworks", func(t *testing.T) {
		t.Setenv("OPENAI_API_KEY", "")
		t.Setenv("OPENAI_BASE_URL", "")
		fw := testutil.StartFireworks(t)
		st := testutil.OpenStore(t)
		d, _ := st.CreateDataset(ctx, "fireworks", "")
		if _, err := st.CreateProvider(ctx, store.Provider{Name: "fwp", Kind: llm.KindFireworks, BaseURL: fw.URL + "/inference/v1", APIVersion: fw.Account}); err != nil {
			t.Fatal(err)
		}
		const base = "accounts/fireworks/models/llama-v3p1-8b-instruct"
		if err := st.SetRole(ctx, store.RoleAssignment{Role: llm.RoleTraining, Provider: "fwp", Model: base}); err != nil {
			t.Fatal(err)
		}
		want, err := (&train.Service{Store: st}).Target(ctx, train.Options{Trainer: "fireworks"})
		if err != nil || want.Model != base {
			t.Fatalf("target %+v %v", want, err)
		}
		c, model, err := dryrun.Answerer(ctx, st, d.ID, dryrun.Options{})
		if err != nil || model != base || c.Name() != "fwp" {
			t.Fatalf("answerer %v %q %v", c, model, err)
		}
		if _, model, _ := dryrun.Answerer(ctx, st, d.ID, dryrun.Options{Model: "accounts/fireworks/models/qwen3-8b"}); model != "accounts/fireworks/models/qwen3-8b" {
			t.Errorf("the model stays changeable: %q", model)
		}
	})
	t.Run("trl: the bundle's base model through the base role's provider", func(t *testing.T) {
		t.Setenv("OPENAI_API_KEY", "")
		t.Setenv("OPENAI_BASE_URL", "")
		vllm := testutil.StartOpenAI(t)
		st := testutil.OpenStore(t)
		d, _ := st.CreateDataset(ctx, "trl", "")
		if _, err := st.CreateProvider(ctx, store.Provider{Name: "vllm", Kind: llm.KindOther, BaseURL: vllm.URL}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetRole(ctx, store.RoleAssignment{Role: llm.RoleBase, Provider: "vllm", Model: "gpt-4o"}); err != nil {
			t.Fatal(err)
		}
		if _, model, err := dryrun.Answerer(ctx, st, d.ID, dryrun.Options{}); err != nil || model != "gpt-4o" {
			t.Fatalf("with no trainer chosen the base role answers: %q %v", model, err)
		}
		want, err := (&train.Service{Store: st}).Target(ctx, train.Options{Trainer: "trl"})
		if err != nil || want.Model != "Qwen/Qwen3-1.7B" {
			t.Fatalf("target %+v %v", want, err)
		}
		if _, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: d.ID, Trainer: "trl", BaseModel: want.Model, Status: train.StatusExported}, nil); err != nil {
			t.Fatal(err)
		}
		c, model, err := dryrun.Answerer(ctx, st, d.ID, dryrun.Options{})
		if err != nil || model != want.Model || c.Name() != "vllm" {
			t.Fatalf("answerer %v %q %v", c, model, err)
		}
	})
}

func TestSameModelTakesASnapshotForItsAlias(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"o4-mini", "o4-mini-2025-04-16", true},
		{"O4-Mini-2025-04-16", "o4-mini-2025-04-16", true},
		{"accounts/fireworks/models/qwen3-8b", "qwen3-8b", true},
		{"gpt-4o", "o4-mini", false},
		{"gpt-4o-mini", "gpt-4o", false},
		{"", "", false},
	} {
		if got := train.SameModel(tc.a, tc.b); got != tc.same {
			t.Errorf("SameModel(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
