package train_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

func lines(b []byte) [][]byte {
	return bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
}

func TestAJobOnTheFakePlatformTrainsOnAStratifiedSplitAndSucceeds(t *testing.T) {
	st, ds, fake, svc := setup(t)
	ctx := ctxT(t)
	var job train.Job

	t.Run("start uploads both files and creates the job", func(t *testing.T) {
		var err error
		job, err = svc.Start(ctx, ds, train.Options{Trainer: "openai", Provider: "oa", Suffix: "support",
			Hyper: train.Hyperparameters{Epochs: 2, ReasoningEffort: "medium", EvalInterval: 2}}, goInputs())
		if err != nil {
			t.Fatal(err)
		}
		if job.RemoteID == "" || job.Status != train.StatusValidating || job.BaseModel != "o4-mini-2025-04-16" || job.Provider != "oa" {
			t.Fatalf("job after start: %+v", job)
		}
		if job.TrainCount != 90 || job.ValidCount != 10 || job.GraderVersion != "abc123" || job.DryRunID != 7 || job.SplitSeed != train.DefaultSeed {
			t.Fatalf("job record: %+v", job)
		}
		if fake.JobsCreated() != 1 {
			t.Fatalf("fake holds %d jobs", fake.JobsCreated())
		}
	})

	t.Run("the files have one line per record of each part, in the RFT format", func(t *testing.T) {
		files := fake.Files()
		if len(files) != 2 || files[0].ID != job.TrainFile || files[1].ID != job.ValidFile {
			t.Fatalf("uploaded files %+v, job files %s %s", files, job.TrainFile, job.ValidFile)
		}
		for _, f := range files {
			if f.Purpose != "fine-tune" || !strings.HasSuffix(f.Filename, ".jsonl") {
				t.Errorf("file %s: purpose %q name %q", f.ID, f.Purpose, f.Filename)
			}
		}
		tr, va := lines(files[0].Content), lines(files[1].Content)
		if len(tr) != 90 || len(va) != 10 {
			t.Fatalf("train %d lines, validation %d lines", len(tr), len(va))
		}
		// the validation file holds exactly the validation records
		vids, err := train.ValidationRecordIDs(ctx, st, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, id := range vids {
			r, err := st.Record(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var f struct {
				Case string `json:"case_id"`
			}
			_ = json.Unmarshal(r.Fields, &f)
			want[f.Case] = true
		}
		for _, l := range va {
			var line struct {
				Messages []struct {
					Role string `json:"role"`
				} `json:"messages"`
				Reference string `json:"reference_answer"`
				Case      string `json:"case_id"`
			}
			if err := json.Unmarshal(l, &line); err != nil {
				t.Fatalf("line %s: %v", l, err)
			}
			if !want[line.Case] || line.Reference == "" {
				t.Errorf("validation line %s is not a validation record with its grader fields", l)
			}
			if n := len(line.Messages); n != 2 || line.Messages[0].Role != "developer" || line.Messages[n-1].Role != "user" {
				t.Errorf("messages of %s: want developer then user last", l)
			}
		}
	})

	t.Run("each topic's validation share is within one record of its share overall", func(t *testing.T) {
		d, err := train.GetDetail(ctx, st, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Split) != 3 {
			t.Fatalf("split per topic: %+v", d.Split)
		}
		for _, s := range d.Split {
			n := topicSizes[s.Topic]
			ideal := float64(job.ValidCount) * float64(n) / 100
			if s.Train+s.Validation != n || math.Abs(float64(s.Validation)-ideal) > 1 {
				t.Errorf("topic %s: %d train + %d validation of %d (ideal validation %.1f)", s.Topic, s.Train, s.Validation, n, ideal)
			}
		}
	})

	t.Run("the job carries the grader as raw JSON and the hyperparameters", func(t *testing.T) {
		var req struct {
			Model    string            `json:"model"`
			Suffix   string            `json:"suffix"`
			Metadata map[string]string `json:"metadata"`
			Method   struct {
				Type          string `json:"type"`
				Reinforcement struct {
					Grader          json.RawMessage `json:"grader"`
					Hyperparameters map[string]any  `json:"hyperparameters"`
				} `json:"reinforcement"`
			} `json:"method"`
		}
		if err := json.Unmarshal(fake.CreateRequest(job.RemoteID), &req); err != nil {
			t.Fatal(err)
		}
		var a, b bytes.Buffer
		_ = json.Compact(&a, req.Method.Reinforcement.Grader)
		_ = json.Compact(&b, stringCheck)
		if req.Method.Type != "reinforcement" || a.String() != b.String() || req.Suffix != "support" || req.Model != "o4-mini-2025-04-16" {
			t.Fatalf("create request: %+v", req)
		}
		hp := req.Method.Reinforcement.Hyperparameters
		if hp["n_epochs"] != 2.0 || hp["reasoning_effort"] != "medium" || hp["eval_interval"] != 2.0 || len(hp) != 3 {
			t.Errorf("hyperparameters sent: %v (unset ones stay auto)", hp)
		}
		if req.Metadata["tracetune_job"] == "" {
			t.Errorf("metadata %v: the job's token is missing", req.Metadata)
		}
	})

	t.Run("watching follows it to succeeded with metrics, checkpoints and the model id", func(t *testing.T) {
		var updates atomic.Int32
		final, err := svc.Watch(ctx, job.ID, func(train.Job) { updates.Add(1) })
		if err != nil {
			t.Fatal(err)
		}
		if final.Status != train.StatusSucceeded || !final.Final || !strings.HasPrefix(final.FineTunedModel, "ft:o4-mini-2025-04-16:fake-org:support:") {
			t.Fatalf("final job: %+v", final)
		}
		if updates.Load() < 5 {
			t.Errorf("notify called %d times", updates.Load())
		}
		d, err := train.GetDetail(ctx, st, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Metrics) != 6 {
			t.Fatalf("metrics %+v", d.Metrics)
		}
		for i, m := range d.Metrics {
			wt, wv, evaluated := fake.FakeRewards(i + 1)
			if m.Step != i+1 || m.TrainRewardMean == nil || math.Abs(*m.TrainRewardMean-wt) > 1e-12 {
				t.Errorf("step %d: %+v, want train %v", i+1, m, wt)
			}
			if evaluated != (m.ValidRewardMean != nil) || evaluated && math.Abs(*m.ValidRewardMean-wv) > 1e-12 {
				t.Errorf("step %d validation reward %v, want %v (evaluated %v)", i+1, m.ValidRewardMean, wv, evaluated)
			}
		}
		if len(d.Checkpoints) != 3 || d.Checkpoints[2].Step != 6 || !strings.HasSuffix(d.Checkpoints[2].Model, ":ckpt-step-6") {
			t.Errorf("checkpoints %+v", d.Checkpoints)
		}
		evs, err := train.Events(ctx, st, job.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) < 10 || !strings.HasPrefix(evs[0].Message, "Validating training file") || evs[len(evs)-1].Message != "The job has successfully completed" {
			t.Errorf("events oldest first: first %q, last %q (%d)", evs[0].Message, evs[len(evs)-1].Message, len(evs))
		}
		again, err := svc.Sync(ctx, job.ID)
		if err != nil || again.Status != train.StatusSucceeded {
			t.Errorf("sync of a final job: %+v %v", again, err)
		}
	})
}

func TestCancelStopsTheRemoteJob(t *testing.T) {
	_, ds, fake, svc := setup(t)
	ctx := ctxT(t)
	job, err := svc.Start(ctx, ds, train.Options{Trainer: "openai", Provider: "oa"}, goInputs())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // validating → queued → running → step 1
		if job, err = svc.Sync(ctx, job.ID); err != nil {
			t.Fatal(err)
		}
	}
	if job.Status != train.StatusRunning {
		t.Fatalf("status before cancel %s", job.Status)
	}
	job, err = svc.Cancel(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != train.StatusCancelled || !job.Final || job.FinishedAt.IsZero() {
		t.Fatalf("after cancel: %+v", job)
	}
	if got := fake.Jobs()[0].Status; got != "cancelled" {
		t.Errorf("fake job status %s", got)
	}
	if _, err := svc.Cancel(ctx, job.ID); !errors.Is(err, train.ErrFinal) {
		t.Errorf("second cancel: %v, want ErrFinal", err)
	}
}

func TestPauseAndResumeGoThroughThePlatform(t *testing.T) {
	_, ds, fake, svc := setup(t)
	ctx := ctxT(t)
	job, err := svc.Start(ctx, ds, train.Options{Trainer: "openai", Provider: "oa"}, goInputs())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Pause(ctx, job.ID); err == nil {
		t.Fatal("pausing a job that has not trained a step should be refused by the platform")
	}
	for i := 0; i < 3; i++ {
		if _, err := svc.Sync(ctx, job.ID); err != nil {
			t.Fatal(err)
		}
	}
	if job, err = svc.Pause(ctx, job.ID); err != nil || job.Status != train.StatusPaused {
		t.Fatalf("pause: %+v %v", job, err)
	}
	if job, err = svc.ResumeJob(ctx, job.ID); err != nil || job.Status == train.StatusPaused {
		t.Fatalf("resume: %+v %v", job, err)
	}
	if job, err = svc.Watch(ctx, job.ID, nil); err != nil || job.Status != train.StatusSucceeded {
		t.Fatalf("after resume: %+v %v", job, err)
	}
	if fake.JobsCreated() != 1 {
		t.Errorf("%d jobs created", fake.JobsCreated())
	}
}

// TestPollingResumesAfterTheAppIsKilled drops the process's context and
// store mid-poll, opens the same database again and resumes: the job
// completes and the platform saw one job created.
func TestPollingResumesAfterTheAppIsKilled(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	path := filepath.Join(t.TempDir(), "tracetune.db")
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	fake := testutil.StartFineTune(t)
	fake.RequireKey(testKey)
	fake.SetSteps(8, 2)

	st1, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ds := seedDataset(t, st1, 0)
	m1 := &llm.Manager{Store: st1, Secrets: sec}
	if _, err := m1.Add(context.Background(), llm.ProviderInput{Name: "oa", Kind: llm.KindOpenAI, BaseURL: fake.URL, APIKey: testKey}); err != nil {
		t.Fatal(err)
	}
	if err := m1.SetRole(context.Background(), llm.RoleTraining, "oa", "o4-mini-2025-04-16"); err != nil {
		t.Fatal(err)
	}
	svc1 := &train.Service{Store: st1, Providers: m1, PollMin: 2 * time.Millisecond, PollMax: 5 * time.Millisecond}
	killThenResume(t, path, sec, st1, svc1, func(ctx context.Context) (train.Job, error) {
		return svc1.Start(ctx, ds, train.Options{Trainer: "openai"}, goInputs())
	}, func(t *testing.T, ctx context.Context, st2 *store.Store, jobID int64, j train.Job) {
		if j.Status != train.StatusSucceeded || j.FineTunedModel == "" {
			t.Fatalf("resumed job: %+v", j)
		}
		if fake.JobsCreated() != 1 {
			t.Errorf("the platform saw %d jobs created, want 1", fake.JobsCreated())
		}
		d, err := train.GetDetail(ctx, st2, jobID)
		if err != nil || len(d.Metrics) != 8 {
			t.Errorf("metrics after resume: %d steps (%v)", len(d.Metrics), err)
		}
	})
}

func TestARefusalSaysWhatToDoAndLeavesNothingHalfCreated(t *testing.T) {
	tests := []struct {
		name    string
		refuse  *testutil.Failure
		model   string
		advice  string
		message string
	}{
		{name: "an account that cannot fine-tune", refuse: &testutil.Failure{},
			message: "fine-tuning is not available for this account", advice: "Azure OpenAI"},
		{name: "a model not enabled for RFT", model: "gpt-4o-2024-08-06",
			message: "is not available for reinforcement fine-tuning", advice: "base model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, ds, fake, svc := setup(t)
			ctx := ctxT(t)
			fake.Refuse(tc.refuse)
			_, err := svc.Start(ctx, ds, train.Options{Trainer: "openai", Provider: "oa", Model: tc.model}, goInputs())
			if !errors.Is(err, train.ErrRefused) {
				t.Fatalf("error %v, want a refusal", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.message) || !strings.Contains(msg, "What to do") || !strings.Contains(msg, tc.advice) || strings.Contains(msg, testKey) {
				t.Errorf("message %q", msg)
			}
			t.Logf("the user reads: %s", msg)
			if fake.JobsCreated() != 0 {
				t.Errorf("%d remote jobs", fake.JobsCreated())
			}
			files := fake.Files()
			if len(files) != 2 {
				t.Fatalf("%d files uploaded", len(files))
			}
			for _, f := range files {
				if !f.Deleted {
					t.Errorf("file %s was left on the platform", f.ID)
				}
			}
			j, ok, err := train.Latest(ctx, st, ds)
			if err != nil || !ok || j.Status != train.StatusFailed || !j.Final || j.Error != msg || j.RemoteID != "" {
				t.Errorf("job record: %+v %v", j, err)
			}
		})
	}
}

func TestStartRefusesBeforeUploadingWhatCannotWork(t *testing.T) {
	tests := []struct {
		name string
		opts train.Options
		in   func(train.Inputs) train.Inputs
		want string
	}{
		{name: "a NO-GO dry run without override", opts: train.Options{Trainer: "openai", Provider: "oa"},
			in: func(in train.Inputs) train.Inputs { in.DryRunVerdict = "NO-GO"; return in }, want: "NO-GO"},
		{name: "no grader export", opts: train.Options{Trainer: "openai", Provider: "oa"},
			in: func(in train.Inputs) train.Inputs { in.Grader = nil; return in }, want: "Step 4"},
		{name: "an unknown provider", opts: train.Options{Trainer: "openai", Provider: "nope"},
			in: func(in train.Inputs) train.Inputs { return in }, want: "not configured"},
		{name: "the azure trainer on an OpenAI provider", opts: train.Options{Trainer: "azure", Provider: "oa"},
			in: func(in train.Inputs) train.Inputs { return in }, want: "needs an Azure OpenAI provider"},
		{name: "epochs out of range", opts: train.Options{Trainer: "openai", Provider: "oa", Hyper: train.Hyperparameters{Epochs: 51}},
			in: func(in train.Inputs) train.Inputs { return in }, want: "epochs must be 1–50"},
		{name: "no provider at all", opts: train.Options{Trainer: "openai"},
			in: func(in train.Inputs) train.Inputs { return in }, want: "training role"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, ds, fake, svc := setup(t)
			_, err := svc.Start(ctxT(t), ds, tc.opts, tc.in(goInputs()))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
			if len(fake.Files()) != 0 {
				t.Errorf("files were uploaded")
			}
			if _, ok, _ := train.Latest(context.Background(), st, ds); ok {
				t.Errorf("a job record was made")
			}
		})
	}
}

func TestANoGoOverrideIsKeptWithTheJob(t *testing.T) {
	_, ds, _, svc := setup(t)
	in := goInputs()
	in.DryRunVerdict = "NO-GO"
	job, err := svc.Start(ctxT(t), ds, train.Options{Trainer: "openai", Provider: "oa", OverrideNoGo: true}, in)
	if err != nil {
		t.Fatal(err)
	}
	if !job.OverrideNoGo || job.DryRunVerdict != "NO-GO" || !strings.Contains(strings.Join(job.Notes, " "), "override") {
		t.Errorf("job %+v", job)
	}
}

func TestAzureJobsUseTheV1PathAndTheApiKeyHeader(t *testing.T) {
	st, ds, fake, _ := setup(t)
	ctx := ctxT(t)
	m := &llm.Manager{Store: st, Secrets: secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})}
	base := strings.TrimSuffix(fake.URL, "/v1") // the resource endpoint
	if _, err := m.Add(ctx, llm.ProviderInput{Name: "az", Kind: llm.KindAzure, BaseURL: base, APIKey: testKey}); err != nil {
		t.Fatal(err)
	}
	svc := &train.Service{Store: st, Providers: m, PollMin: time.Millisecond, PollMax: 5 * time.Millisecond}
	job, err := svc.Start(ctx, ds, train.Options{Trainer: "azure", Provider: "az"}, goInputs())
	if err != nil {
		t.Fatal(err)
	}
	if job, err = svc.Watch(ctx, job.ID, nil); err != nil || job.Status != train.StatusSucceeded {
		t.Fatalf("azure job: %+v %v", job, err)
	}
	reqs := fake.Requests()
	if len(reqs) == 0 {
		t.Fatal("no requests")
	}
	for _, r := range reqs {
		if r.Header.Get("api-key") != testKey || r.Header.Get("Authorization") != "" {
			t.Fatalf("%s %s: api-key %q, Authorization %q", r.Method, r.Path, r.Header.Get("api-key"), r.Header.Get("Authorization"))
		}
	}
}

func TestStep4sMultiGraderExportIsAcceptedByThePlatform(t *testing.T) {
	_, ds, fake, svc := setup(t)
	ctx := ctxT(t)
	for _, azure := range []bool{false, true} {
		g, err := grader.ExportOpenAI(bundleGrader, azure)
		if err != nil {
			t.Fatal(err)
		}
		in := goInputs()
		in.Grader = g
		job, err := svc.Start(ctx, ds, train.Options{Trainer: "openai", Provider: "oa"}, in)
		if err != nil {
			t.Fatalf("azure=%v: %v", azure, err)
		}
		var req struct {
			Method struct {
				Reinforcement struct {
					Grader struct {
						Type    string                     `json:"type"`
						Graders map[string]json.RawMessage `json:"graders"`
					} `json:"grader"`
				} `json:"reinforcement"`
			} `json:"method"`
		}
		if err := json.Unmarshal(fake.CreateRequest(job.RemoteID), &req); err != nil {
			t.Fatal(err)
		}
		if g := req.Method.Reinforcement.Grader; g.Type != "multi" || len(g.Graders) != 3 {
			t.Errorf("grader sent: %+v", g)
		}
	}
}

func TestThePreviewShowsWhatStartWouldUploadAndStoresNothing(t *testing.T) {
	st, ds, fake, svc := setup(t)
	ctx := ctxT(t)
	o := train.Options{Trainer: "openai", Provider: "oa"}
	p, err := train.MakePreview(ctx, st, ds, o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Train != 90 || p.Validation != 10 || len(p.Topics) != 3 || p.Topics[0].Topic != "billing" || p.PromptTokens < 100*10 || p.Estimated {
		t.Fatalf("preview %+v", p)
	}
	if _, ok, _ := train.Latest(ctx, st, ds); ok || len(fake.Files()) != 0 {
		t.Fatal("the preview stored or uploaded something")
	}
	job, err := svc.Start(ctx, ds, o, goInputs())
	if err != nil {
		t.Fatal(err)
	}
	d, err := train.GetDetail(ctx, st, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Split {
		for _, x := range p.Topics {
			if x.TopicID == s.TopicID && (x.Train != s.Train || x.Validation != s.Validation) {
				t.Errorf("topic %s: preview %d/%d, job %d/%d", s.Topic, x.Train, x.Validation, s.Train, s.Validation)
			}
		}
	}
}

func TestAnOutageShowsOnTheJobAndPollingGoesOn(t *testing.T) {
	_, ds, fake, svc := setup(t)
	ctx := ctxT(t)
	job, err := svc.Start(ctx, ds, train.Options{Trainer: "openai", Provider: "oa"}, goInputs())
	if err != nil {
		t.Fatal(err)
	}
	fake.SetOutage(true)
	sawTrouble := make(chan struct{})
	var once atomic.Bool
	done := make(chan train.Job, 1)
	go func() {
		j, _ := svc.Watch(ctx, job.ID, func(j train.Job) {
			if strings.Contains(j.Error, "could not reach the platform") && strings.Contains(j.Error, "overloaded") && once.CompareAndSwap(false, true) {
				close(sawTrouble)
			}
		})
		done <- j
	}()
	select {
	case <-sawTrouble:
	case <-ctx.Done():
		t.Fatal("the outage never showed on the job")
	}
	fake.SetOutage(false)
	j := <-done
	if j.Status != train.StatusSucceeded || j.Error != "" {
		t.Fatalf("after the outage: %+v", j)
	}
}

// TestAJobLeftPreparingIsAdoptedOrFailed: a process that died after the
// platform created the job but before its id was stored leaves the job
// "preparing"; the next poll finds it by its token (no second job), and
// one that died before that is marked failed with what to do.
func TestAJobLeftPreparingIsAdoptedOrFailed(t *testing.T) {
	st, ds, fake, svc := setup(t)
	ctx := ctxT(t)
	svc.StaleAfter = time.Millisecond
	job, err := svc.Start(ctx, ds, train.Options{Trainer: "openai", Provider: "oa"}, goInputs())
	if err != nil {
		t.Fatal(err)
	}
	remote := job.RemoteID
	row, err := st.TrainJob(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	row.RemoteID, row.Status = "", train.StatusPreparing
	if err := st.UpdateTrainJob(ctx, row); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	j, err := svc.Sync(ctx, job.ID)
	if err != nil || j.RemoteID != remote || j.Final {
		t.Fatalf("adopted: %+v %v", j, err)
	}
	if j, err = svc.Watch(ctx, job.ID, nil); err != nil || j.Status != train.StatusSucceeded || fake.JobsCreated() != 1 {
		t.Fatalf("after adoption: %+v %v (%d jobs)", j, err, fake.JobsCreated())
	}

	lost, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: ds, Trainer: "openai", Provider: "oa", Status: train.StatusPreparing}, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	j, err = svc.Sync(ctx, lost.ID)
	if !j.Final || j.Status != train.StatusFailed || !strings.Contains(j.Error, "start it again") {
		t.Fatalf("lost job: %+v %v", j, err)
	}
}
