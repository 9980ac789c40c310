package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"tracetune/backend/grader"
	"tracetune/backend/jobs"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func graderStep(t *testing.T, st *store.Store, ds int64) Step {
	t.Helper()
	return ruleStep(t, st, ds, StepGrader, graderRule)
}

// TestGraderNodeCompletesAfterACleanTestSample: Waiting without a grader,
// Attention until Test Sample ran on the current version, Complete after a
// run with no component error, Attention again after an edit or a failing
// component.
func TestGraderNodeCompletesAfterACleanTestSample(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := context.Background()
	st := testutil.OpenStore(t)
	var lines []string
	for i := 0; i < 6; i++ {
		lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"Question number %d, please answer"},{"role":"assistant","content":"answer %d"}]}`, i, i))
	}
	d, work, err := CreateFromFile(ctx, st, "graded", "", writeJSONL(t, lines...))
	if err != nil {
		t.Fatal(err)
	}
	runner := jobs.New(st, nil)
	if _, err := runner.Run(ctx, work); err != nil {
		t.Fatal(err)
	}
	if s := graderStep(t, st, d.ID); s.Status != Waiting || !strings.Contains(s.Needs, "preset") {
		t.Fatalf("without a grader: %+v", s)
	}
	saveGrader(t, st, d.ID, "def grade(sample, item):\n    return 1.0 if sample['output_text'].startswith('answer') else 0.0")
	if s := graderStep(t, st, d.ID); s.Status != Attention || !strings.Contains(s.Needs, "Test Sample") {
		t.Fatalf("untested: %+v", s)
	}
	t.Run("a clean Test Sample completes the node", func(t *testing.T) {
		p, err := runner.Run(ctx, GraderTestWork(st, d.ID, grader.TestOptions{N: 5, Seed: 2}))
		if err != nil {
			t.Fatal(err)
		}
		res := p.Result.(grader.TestResult)
		if len(res.Samples) != 5 || res.Mean != 1 || p.Kind != KindGraderTest {
			t.Fatalf("%+v", p)
		}
		s := graderStep(t, st, d.ID)
		if s.Status != Complete || s.Score == nil || *s.Score != 1 {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("an edited grader needs a new test", func(t *testing.T) {
		saveGrader(t, st, d.ID, "def grade(sample, item):\n    return 0.5")
		if s := graderStep(t, st, d.ID); s.Status != Attention {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("a component error keeps the node in Attention", func(t *testing.T) {
		saveGrader(t, st, d.ID, "def grade(sample, item):\n    return item['missing']")
		if _, err := runner.Run(ctx, GraderTestWork(st, d.ID, grader.TestOptions{N: 3})); err != nil {
			t.Fatal(err)
		}
		if s := graderStep(t, st, d.ID); s.Status != Attention || !strings.Contains(s.Needs, "3 of 3 records had component errors") {
			t.Fatalf("%+v", s)
		}
	})
}
