package train_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tracetune/backend/deploy"
	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

const servedModel = "acme/qwen3-support-grpo"

var questionRE = regexp.MustCompile(`(\w+) question number (\d+),`)

// attachWorld is a dataset with a saved grader, an exported TRL job and
// a vLLM provider "gpu" pointing at the OpenAI-compatible fake, which
// answers every question correctly as the trained model and never as the
// base model.
type attachWorld struct {
	st  *store.Store
	sec *secrets.Store
	ds  int64
	job train.Job
	oa  *testutil.OpenAI
	svc *train.Service
}

func newAttachWorld(t *testing.T) *attachWorld {
	t.Helper()
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := ctxT(t)
	w := &attachWorld{st: testutil.OpenStore(t), sec: secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})}
	w.ds = seedDataset(t, w.st, 0)
	g := grader.Grader{Components: []grader.Component{{Name: "exact", Kind: grader.KindStringCheck, Weight: 1,
		Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"}}}
	if _, err := grader.Save(ctx, w.st, w.ds, g); err != nil {
		t.Fatal(err)
	}
	w.oa = testutil.StartOpenAI(t)
	w.oa.SetModels(servedModel, "Qwen/Qwen3-1.7B")
	w.oa.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		m := questionRE.FindStringSubmatch(r.LastUser())
		if m == nil {
			return testutil.ChatReply{Content: "OK"}
		}
		if r.Model == servedModel {
			return testutil.ChatReply{Content: fmt.Sprintf("answer %s about %s", m[2], m[1])}
		}
		return testutil.ChatReply{Content: "Please contact support."}
	})
	m := &llm.Manager{Store: w.st, Secrets: w.sec}
	if _, err := m.Add(ctx, llm.ProviderInput{Name: "gpu", Kind: llm.KindVLLM, BaseURL: w.oa.URL}); err != nil {
		t.Fatal(err)
	}
	w.svc = &train.Service{Store: w.st, Providers: m}
	reward, err := grader.ExportTRL(g)
	if err != nil {
		t.Fatal(err)
	}
	w.job, err = w.svc.Start(ctx, w.ds, train.Options{Trainer: "trl", OutDir: filepath.Join(t.TempDir(), "bundle"), NoZip: true},
		train.Inputs{GraderVersion: g.Version(), RewardPy: reward, DryRunID: 1, DryRunVerdict: "GO"})
	if err != nil {
		t.Fatal(err)
	}
	if w.job.Status != train.StatusExported {
		t.Fatalf("the TRL job is %s", w.job.Status)
	}
	return w
}

func (w *attachWorld) chats(model string) int {
	n := 0
	for _, r := range w.oa.Requests() {
		if strings.HasSuffix(r.Path, "/chat/completions") && strings.Contains(string(r.Body), fmt.Sprintf("%q", model)) {
			n++
		}
	}
	return n
}

func TestAnAttachedTRLModelIsBenchmarkedInStep7OnItsProvider(t *testing.T) {
	w := newAttachWorld(t)
	ctx := ctxT(t)
	dep := deploy.New(w.st, w.sec)

	t.Run("before: Step 7 finds no trained model", func(t *testing.T) {
		o, err := dep.Overview(ctx, w.ds)
		if err != nil || o.JobID != 0 {
			t.Fatalf("overview %+v (%v)", o, err)
		}
	})
	var job train.Job
	t.Run("attach checks the model answers and the job succeeds with it", func(t *testing.T) {
		var err error
		job, err = w.svc.Attach(ctx, w.job.ID, train.Attachment{Provider: "gpu", Model: " " + servedModel + " "})
		if err != nil {
			t.Fatal(err)
		}
		if job.Status != train.StatusSucceeded || !job.Final || job.FineTunedModel != servedModel || job.Provider != "gpu" || !job.Attached {
			t.Fatalf("job %+v", job)
		}
		if job.OutDir != w.job.OutDir {
			t.Errorf("bundle %q, was %q", job.OutDir, w.job.OutDir)
		}
		if _, err := os.Stat(filepath.Join(job.OutDir, "data", "train.jsonl")); err != nil {
			t.Errorf("the bundle is gone: %v", err)
		}
		if n := w.chats(servedModel); n != 1 {
			t.Errorf("the check sent %d chat requests for the model", n)
		}
		if last := job.Notes[len(job.Notes)-1]; !strings.Contains(last, servedModel) || !strings.Contains(last, "gpu") {
			t.Errorf("note %q", last)
		}
	})
	t.Run("Step 7 takes the job as its trained model", func(t *testing.T) {
		o, err := dep.Overview(ctx, w.ds)
		if err != nil || o.JobID != job.ID || o.TunedModel != servedModel || o.Trainer != "trl" {
			t.Fatalf("overview %+v (%v)", o, err)
		}
	})
	t.Run("the benchmark runs on the validation split and asks the attached provider", func(t *testing.T) {
		before := w.chats(servedModel)
		rep, err := dep.Benchmark(ctx, w.ds, deploy.BenchmarkOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.JobID != job.ID || rep.Records != job.ValidCount || rep.Paired != job.ValidCount {
			t.Fatalf("report %+v, job %d validation records", rep, job.ValidCount)
		}
		if rep.Tuned.Provider != "gpu" || rep.Tuned.Model != servedModel || rep.Base.Provider != "gpu" || rep.Base.Model != job.BaseModel {
			t.Errorf("sides %+v / %+v", rep.Base, rep.Tuned)
		}
		if n := w.chats(servedModel) - before; n != job.ValidCount {
			t.Errorf("the tuned model was asked %d times, want %d", n, job.ValidCount)
		}
		if rep.Tuned.Mean != 1 || rep.Base.Mean != 0 || rep.Wins != job.ValidCount {
			t.Errorf("base %.2f tuned %.2f wins %d", rep.Base.Mean, rep.Tuned.Mean, rep.Wins)
		}
	})
	t.Run("the dry run target stays the base model, not the serving provider", func(t *testing.T) {
		tg, ok, err := w.svc.ChosenTarget(ctx, w.ds)
		if err != nil || !ok || tg.Provider != "" || tg.Trainer != "trl" || tg.Model != job.BaseModel {
			t.Errorf("target %+v %v %v", tg, ok, err)
		}
	})
	t.Run("detach makes it a bundle again and Step 7 waits", func(t *testing.T) {
		j, err := w.svc.Detach(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != train.StatusExported || j.FineTunedModel != "" || j.Provider != "" || j.Attached {
			t.Fatalf("job %+v", j)
		}
		o, err := dep.Overview(ctx, w.ds)
		if err != nil || o.JobID != 0 {
			t.Errorf("overview %+v (%v)", o, err)
		}
		if _, err := w.svc.Detach(ctx, job.ID); !errors.Is(err, train.ErrInvalid) {
			t.Errorf("detach twice: %v", err)
		}
	})
}

func TestAModelTheServerRefusesIsNotAttached(t *testing.T) {
	w := newAttachWorld(t)
	ctx := ctxT(t)

	t.Run("a model id the server does not serve says so and lists what it serves", func(t *testing.T) {
		w.oa.Fail("chat", testutil.Failure{Status: 404, Code: "model_not_found", Message: "The model `qwen-typo` does not exist."})
		_, err := w.svc.Attach(ctx, w.job.ID, train.Attachment{Provider: "gpu", Model: "qwen-typo"})
		if !errors.Is(err, train.ErrRefused) {
			t.Fatalf("err %v", err)
		}
		for _, want := range []string{"gpu", `"qwen-typo"`, "nothing was attached", servedModel} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q: %v", want, err)
			}
		}
		j, err := train.Get(ctx, w.st, w.job.ID)
		if err != nil || j.Status != train.StatusExported || j.FineTunedModel != "" || j.Provider != "" || len(j.Notes) != len(w.job.Notes) {
			t.Errorf("job changed: %+v (%v)", j, err)
		}
	})
	t.Run("a failed replace keeps the model attached before", func(t *testing.T) {
		if _, err := w.svc.Attach(ctx, w.job.ID, train.Attachment{Provider: "gpu", Model: servedModel}); err != nil {
			t.Fatal(err)
		}
		w.oa.Fail("chat", testutil.Failure{Status: 404, Code: "model_not_found", Message: "The model `v2` does not exist."})
		if _, err := w.svc.Attach(ctx, w.job.ID, train.Attachment{Provider: "gpu", Model: "v2"}); !errors.Is(err, train.ErrRefused) {
			t.Fatalf("err %v", err)
		}
		j, _ := train.Get(ctx, w.st, w.job.ID)
		if j.FineTunedModel != servedModel || j.Status != train.StatusSucceeded {
			t.Errorf("job %+v", j)
		}
	})
	t.Run("a replace that answers takes the new model", func(t *testing.T) {
		w.oa.SetModels(servedModel, "v3")
		j, err := w.svc.Attach(ctx, w.job.ID, train.Attachment{Provider: "gpu", Model: "v3"})
		if err != nil || j.FineTunedModel != "v3" {
			t.Fatalf("job %+v (%v)", j, err)
		}
	})
	t.Run("a server that is down says to check it", func(t *testing.T) {
		m := &llm.Manager{Store: w.st, Secrets: w.sec}
		if _, err := m.Add(ctx, llm.ProviderInput{Name: "off", Kind: llm.KindOllama, BaseURL: "http://127.0.0.1:1/v1"}); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		_, err := w.svc.Attach(short, w.job.ID, train.Attachment{Provider: "off", Model: "m"})
		if err == nil || !strings.Contains(err.Error(), "cannot reach") {
			t.Errorf("err %v", err)
		}
	})
}

func TestAttachRefusesWhatCannotTakeAModel(t *testing.T) {
	w := newAttachWorld(t)
	ctx := ctxT(t)
	remote, err := w.st.CreateTrainJob(ctx, store.TrainJob{DatasetID: w.ds, Trainer: "openai", Provider: "gpu", BaseModel: "o4-mini",
		Status: train.StatusSucceeded}, nil)
	if err != nil {
		t.Fatal(err)
	}
	preparing, err := w.st.CreateTrainJob(ctx, store.TrainJob{DatasetID: w.ds, Trainer: "trl", BaseModel: "Qwen/Qwen3-1.7B",
		Status: train.StatusPreparing}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		job  int64
		a    train.Attachment
		want string
	}{
		{"no provider named", w.job.ID, train.Attachment{Model: servedModel}, "name the provider"},
		{"no model named", w.job.ID, train.Attachment{Provider: "gpu"}, "model id"},
		{"a model id with spaces", w.job.ID, train.Attachment{Provider: "gpu", Model: "my model"}, "spaces"},
		{"a provider that does not exist", w.job.ID, train.Attachment{Provider: "nope", Model: servedModel}, "Settings → Providers"},
		{"a job a platform trained", remote.ID, train.Attachment{Provider: "gpu", Model: servedModel}, "TRL bundle"},
		{"a bundle not written yet", preparing.ID, train.Attachment{Provider: "gpu", Model: servedModel}, "preparing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(w.oa.Requests())
			_, err := w.svc.Attach(ctx, c.job, c.a)
			if !errors.Is(err, train.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want it to say %q", err, c.want)
			}
			if len(w.oa.Requests()) != before {
				t.Errorf("a refused attach asked the server")
			}
		})
	}
}

func TestStep7SaysToAttachAgainWhenTheServingProviderIsGone(t *testing.T) {
	w := newAttachWorld(t)
	ctx := ctxT(t)
	if _, err := w.svc.Attach(ctx, w.job.ID, train.Attachment{Provider: "gpu", Model: servedModel}); err != nil {
		t.Fatal(err)
	}
	m := &llm.Manager{Store: w.st, Secrets: w.sec}
	p, err := m.Get(ctx, "gpu")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Remove(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	before := len(w.oa.Requests())
	_, err = deploy.New(w.st, w.sec).Benchmark(ctx, w.ds, deploy.BenchmarkOptions{}, nil)
	if err == nil || !strings.Contains(err.Error(), "attach it again") || !strings.Contains(err.Error(), servedModel) {
		t.Fatalf("benchmark without the provider: %v", err)
	}
	if len(w.oa.Requests()) != before {
		t.Errorf("the benchmark asked a server")
	}
}
