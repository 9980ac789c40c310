package pipeline

import (
	"context"
	"strings"
	"testing"

	"tracetune/backend/dryrun"
	"tracetune/backend/grader"
	"tracetune/backend/jobs"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// dryrunStep reads the Dry Run node through its rule.
func dryrunStep(t *testing.T, st *store.Store, ds int64) Step {
	t.Helper()
	return ruleStep(t, st, ds, StepDryRun, dryrunRule)
}

func saveGrader(t *testing.T, st *store.Store, ds int64, src string) {
	t.Helper()
	if _, err := grader.Save(context.Background(), st, ds, grader.Grader{Components: []grader.Component{{Name: "q", Kind: grader.KindScript, Weight: 1, Source: src}}}); err != nil {
		t.Fatal(err)
	}
}

// TestDryRunNodeFollowsTheVerdict: production responses are graded (no
// provider needed); the node is Waiting without a grader or a run, then
// Complete on GO, Attention when stale or CAUTION, Failed on NO-GO.
func TestDryRunNodeFollowsTheVerdict(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "dry", "")
	if err != nil {
		t.Fatal(err)
	}
	testutil.InsertRecords(t, st, d.ID, numberedQuestions(40))
	runner := jobs.New(st, nil)
	prod := dryrun.Options{Responses: dryrun.ResponsesProduction}

	t.Run("without a grader the node waits for one", func(t *testing.T) {
		s := dryrunStep(t, st, d.ID)
		if s.Status != Waiting || !strings.Contains(s.Needs, "grader") {
			t.Fatalf("%+v", s)
		}
	})
	saveGrader(t, st, d.ID, "def grade(sample, item):\n    return 0.9 if item['n'] % 2 == 0 else 0.5")
	t.Run("with a grader it waits for a dry run", func(t *testing.T) {
		s := dryrunStep(t, st, d.ID)
		if s.Status != Waiting || !strings.Contains(s.Needs, "a dry run") {
			t.Fatalf("%+v", s)
		}
	})
	var goRun dryrun.Report
	t.Run("a GO run through the job is Complete", func(t *testing.T) {
		p, err := runner.Run(ctx, DryRunWork(st, d.ID, prod))
		if err != nil {
			t.Fatal(err)
		}
		goRun, _ = p.Result.(dryrun.Report)
		if p.Kind != KindDryRun || p.Done != 40 || p.Total != 40 || !strings.Contains(p.Message, "running mean 0.700") || goRun.Verdict != dryrun.GO {
			t.Fatalf("progress %+v", p)
		}
		s := dryrunStep(t, st, d.ID)
		if s.Status != Complete || s.Score == nil || !strings.Contains(s.Figure, "GO") {
			t.Fatalf("%+v", s)
		}
	})
	saveGrader(t, st, d.ID, "def grade(sample, item):\n    return 0.4 if item['n'] % 2 == 0 else 0.0")
	t.Run("a changed grader makes the run stale", func(t *testing.T) {
		s := dryrunStep(t, st, d.ID)
		if s.Status != Attention || !strings.Contains(s.Needs, "re-grade") {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("a CAUTION re-grade is Attention", func(t *testing.T) {
		if _, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{Regrade: goRun.ID})); err != nil {
			t.Fatal(err)
		}
		s := dryrunStep(t, st, d.ID)
		if s.Status != Attention || !strings.Contains(s.Figure, "CAUTION") {
			t.Fatalf("%+v", s)
		}
	})
	saveGrader(t, st, d.ID, "def grade(sample, item):\n    return 0.0")
	t.Run("a NO-GO re-grade is Failed", func(t *testing.T) {
		if _, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{Regrade: goRun.ID})); err != nil {
			t.Fatal(err)
		}
		s := dryrunStep(t, st, d.ID)
		if s.Status != Failed || !strings.Contains(s.Needs, "NO-GO") {
			t.Fatalf("%+v", s)
		}
	})
}
