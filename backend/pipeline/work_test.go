package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/ingest"
	"tracetune/backend/jobs"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/topics"
)

// Each step's work function marks its node exactly as the window and the
// commands rely on: Processing while it runs, then done (with a message) or
// failed, and its job carries its kind.

func runJob(t *testing.T, st *store.Store, j jobs.Job) (jobs.Progress, error) {
	t.Helper()
	return jobs.New(st, nil).Run(context.Background(), j)
}

func stepState(t *testing.T, st *store.Store, datasetID int64, step int) store.StepState {
	t.Helper()
	states, err := st.StepStates(context.Background(), datasetID)
	if err != nil {
		t.Fatal(err)
	}
	return states[step]
}

func TestImportWorkMarksExtract(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	d, _ := st.CreateDataset(ctx, "imp", "")
	j := ImportWork(st, d.ID, writeJSONL(t, `{"messages":[{"role":"user","content":"How do I reset my password?"}]}`, `not json`), ingest.Append)
	if j.Kind != KindImport || j.DatasetID != d.ID {
		t.Fatalf("job %+v", j)
	}
	p, err := runJob(t, st, j)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := p.Result.(ImportResult); !ok || r.Total != 2 || r.Valid != 1 {
		t.Fatalf("result %#v", p.Result)
	}
	if s := stepState(t, st, d.ID, StepExtract); s.State != "done" || s.Message != "2 imported, 1 valid" {
		t.Fatalf("extract state %+v", s)
	}
	// A missing file fails the node with the reason.
	if _, err := runJob(t, st, ImportWork(st, d.ID, "/nonexistent/x.jsonl", ingest.Append)); err == nil {
		t.Fatal("import of a missing file succeeded")
	}
	if s := stepState(t, st, d.ID, StepExtract); s.State != "failed" || !strings.Contains(s.Message, "x.jsonl") {
		t.Fatalf("extract state after a failed import %+v", s)
	}
}

func TestPullWorkMarksExtractAndCreateFromSourceChains(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st := testutil.OpenStore(t)
	ctx := context.Background()
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	fake := testutil.StartLiteLLM(t, "sk-pipe")
	start := time.Now().UTC().Add(-3 * time.Hour)
	fake.Add(testutil.SampleGatewayTraces("w", 40, start, 2*time.Minute)...)
	if _, err := gateway.Save(ctx, st, sec, gateway.Config{Name: "proxy", Kind: "litellm", URL: fake.URL, Key: "sk-pipe"}, false); err != nil {
		t.Fatal(err)
	}

	var datasetID int64
	t.Run("create from a source runs the chain", func(t *testing.T) {
		d, j, err := CreateFromSource(ctx, st, sec, "from-proxy", "", SourceSelection{Source: "proxy", WindowEnd: start.Add(41 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		datasetID = d.ID
		p, err := runJob(t, st, j)
		if err != nil || j.Kind != KindCreateAndStart {
			t.Fatalf("%v %s", err, j.Kind)
		}
		ran := p.Result.(ChainResult).Ran
		if strings.Join(ran, ",") != "Extract,Topics,Categorize,Coverage" {
			t.Fatalf("ran %v", ran)
		}
		c, _ := st.DatasetCounts(ctx, d.ID)
		if c.Total == 0 || c.Total >= 40 {
			t.Fatalf("the window end should leave out the later traces: %+v", c)
		}
	})
	t.Run("pull new traces adds the rest and marks extract", func(t *testing.T) {
		before, _ := st.DatasetCounts(ctx, datasetID)
		j, err := PullWork(ctx, st, sec, datasetID, "proxy", gateway.PullOptions{})
		if err != nil || j.Kind != KindPull {
			t.Fatalf("%v %s", err, j.Kind)
		}
		p, err := runJob(t, st, j)
		if err != nil {
			t.Fatal(err)
		}
		r := p.Result.(PullResult)
		after, _ := st.DatasetCounts(ctx, datasetID)
		if r.New == 0 || after.Total != before.Total+r.New {
			t.Fatalf("pull %+v: %d → %d", r, before.Total, after.Total)
		}
		if s := stepState(t, st, datasetID, StepExtract); s.State != "done" || !strings.Contains(s.Message, " new, ") {
			t.Fatalf("extract %+v", s)
		}
	})
	t.Run("an unknown source is refused before any job", func(t *testing.T) {
		if _, err := PullWork(ctx, st, sec, datasetID, "nope", gateway.PullOptions{}); err == nil {
			t.Fatal("pull from an unknown source was accepted")
		}
	})
}

func TestGenerateAndCategorizeWorkMarkTopicsAndCoverage(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st := testutil.OpenStore(t)
	ctx := context.Background()
	d, _ := st.CreateDataset(ctx, "gen", "")
	if _, err := runJob(t, st, ImportWork(st, d.ID, tracegenFile(t, 400, 5), ingest.Append)); err != nil {
		t.Fatal(err)
	}
	t.Run("options validate themselves", func(t *testing.T) {
		if err := (topics.GenerateOptions{K: topics.MaxK + 1}).Validate(); err == nil {
			t.Error("k above the maximum accepted")
		}
		if err := (topics.CategorizeOptions{Mode: "some"}).Validate(); err == nil {
			t.Error("an unknown mode accepted")
		}
	})
	t.Run("generate replaces topics, categorizes all, refreshes coverage", func(t *testing.T) {
		j := GenerateTopicsWork(st, d.ID, topics.GenerateOptions{K: 4, Seed: 2, Offline: true})
		p, err := runJob(t, st, j)
		if err != nil || j.Kind != KindTopicsGenerate {
			t.Fatalf("%v %s", err, j.Kind)
		}
		res := p.Result.(TopicsResult)
		c, _ := st.DatasetCounts(ctx, d.ID)
		if res.K != 4 || res.Categorize.Processed != c.Valid {
			t.Fatalf("k %d, categorized %d of %d valid", res.K, res.Categorize.Processed, c.Valid)
		}
		if s := stepState(t, st, d.ID, StepTopics); s.State != "done" || !strings.HasPrefix(s.Message, "4 topics") {
			t.Fatalf("topics %+v", s)
		}
		if s := stepState(t, st, d.ID, StepCoverage); s.State != "done" || !strings.HasPrefix(s.Message, "balance ") {
			t.Fatalf("coverage %+v", s)
		}
	})
	t.Run("categorize unlabeled touches only records without a topic", func(t *testing.T) {
		j := CategorizeWork(st, d.ID, topics.CategorizeOptions{Mode: topics.ModeUnlabeled, Offline: true})
		p, err := runJob(t, st, j)
		if err != nil || j.Kind != KindCategorize {
			t.Fatalf("%v %s", err, j.Kind)
		}
		if r := p.Result.(topics.CategorizeResult); r.Processed != 0 {
			t.Fatalf("recategorized %d records that had a topic", r.Processed)
		}
		if s := stepState(t, st, d.ID, StepTopics); s.State != "done" || !strings.Contains(s.Message, "under 0.7") {
			t.Fatalf("topics %+v", s)
		}
	})
	t.Run("coverage recomputes step 3", func(t *testing.T) {
		rep, err := Coverage(ctx, st, d.ID)
		if err != nil || len(rep.Topics) != 4 {
			t.Fatalf("%+v %v", rep, err)
		}
		if s := stepState(t, st, d.ID, StepCoverage); s.Message != fmt.Sprintf("balance %.2f (%s)", rep.Balance, rep.Rating) {
			t.Fatalf("coverage %+v for %+v", s, rep.Balance)
		}
	})
}

// A file on one subject (Foundry's countdown RFT sample: one arithmetic
// template, 25 records) gets one topic holding every record, nothing to
// review, and coverage that says balance does not apply.
func TestOneSubjectFileGetsOneTopic(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st := testutil.OpenStore(t)
	ctx := context.Background()
	path := filepath.Join(testutil.RepoRoot(t), "..", "shared", "data", "rft", "foundry_countdown_train_25.jsonl")
	d, j, err := CreateFromFile(ctx, st, "countdown", "", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runJob(t, st, j); err != nil {
		t.Fatal(err)
	}
	ts, _ := st.Topics(ctx, d.ID)
	if len(ts) != 1 {
		t.Fatalf("%d topics, want 1: %+v", len(ts), ts)
	}
	if ts[0].Name == "topic" || len(ts[0].Keywords) == 0 {
		t.Errorf("the topic has no name of its own: %+v", ts[0])
	}
	x, _ := topics.New(st).Stats(ctx, d.ID)
	if x.Categorized != 25 || x.LowConfidence != 0 {
		t.Fatalf("stats %+v", x)
	}
	steps, _ := Steps(ctx, st, d.ID)
	if steps[1].Status != Complete || steps[2].Status != Complete || steps[2].Figure != "one topic: balance does not apply" {
		t.Fatalf("topics %s %q, coverage %s %q", steps[1].Status, steps[1].Figure, steps[2].Status, steps[2].Figure)
	}
}

// A stopped replace keeps nothing new, and says so (not "finished work was
// kept").
func TestStoppedReplaceSaysItWasRolledBack(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	d, _ := st.CreateDataset(ctx, "rep", "")
	if _, err := runJob(t, st, ImportWork(st, d.ID, writeJSONL(t, `{"messages":[{"role":"user","content":"How do I reset my password?"}]}`), ingest.Append)); err != nil {
		t.Fatal(err)
	}
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	p, err := jobs.New(st, nil).Run(stopped, ImportWork(st, d.ID, tracegenFile(t, 200, 9), ingest.Replace))
	if err == nil || p.State != jobs.Stopped || !strings.Contains(p.Error, "rolled back") {
		t.Fatalf("state %s, error %q (%v)", p.State, p.Error, err)
	}
	if s := stepState(t, st, d.ID, StepExtract); !strings.Contains(s.Message, "rolled back") {
		t.Errorf("extract message %q", s.Message)
	}
	if c, _ := st.DatasetCounts(ctx, d.ID); c.Total != 1 {
		t.Fatalf("the stopped replace changed the records: %+v", c)
	}
}
