package pipeline

import (
	"context"
	"errors"
	"fmt"

	"tracetune/backend/grader"
	"tracetune/backend/jobs"
	"tracetune/backend/store"
)

// Step 4 (Grader): Test Sample as a job, and the step's status rule.

// KindGraderTest is the job kind of a Test Sample.
const KindGraderTest jobs.Kind = "grader_test"

// GraderTestWork grades a few random valid records with the dataset's
// current grader; the result is a grader.TestResult.
func GraderTestWork(st *store.Store, datasetID int64, opts grader.TestOptions) jobs.Job {
	return jobs.Job{DatasetID: datasetID, Kind: KindGraderTest, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
		var res grader.TestResult
		_, err := RunStep(ctx, st, datasetID, StepGrader, func(ctx context.Context) (string, error) {
			report(0, int64(max(opts.N, 0)), "grading sample records")
			var err error
			res, err = grader.TestSample(ctx, st, datasetID, opts)
			if err != nil {
				return "", err
			}
			report(int64(len(res.Samples)), int64(len(res.Samples)), "")
			return testSummary(res), nil
		})
		return res, err
	}}
}

func testSummary(r grader.TestResult) string {
	bad := 0
	for _, s := range r.Samples {
		if len(s.Errors) > 0 {
			bad++
		}
	}
	msg := fmt.Sprintf("Test Sample: mean %.3f over %d records", r.Mean, len(r.Samples))
	if bad > 0 {
		msg += fmt.Sprintf(", %d with errors", bad)
	}
	return msg
}

// graderRule: Waiting without a grader; Complete once a Test Sample ran on
// the current version with no component error; Attention when the current
// version is untested or its test had errors.
func graderRule(ctx context.Context, st *store.Store, datasetID int64, _ Facts, s *Step) error {
	g, ok, err := grader.Load(ctx, st, datasetID)
	if err != nil {
		return err
	}
	if !ok {
		s.Status, s.Needs = Waiting, "a grader: pick a preset, or add an LLM judge, a script or a built-in check"
		return nil
	}
	v := g.Version()
	s.Figure = fmt.Sprintf("%s, version %s", components(len(g.Components)), v)
	t, err := st.LastGraderTest(ctx, datasetID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && t.Version != v):
		s.Status, s.Needs = Attention, "run Test Sample on the current grader"
		return nil
	case err != nil:
		return err
	case t.Errors > 0:
		s.Status = Attention
		s.Needs = fmt.Sprintf("Test Sample: %d of %d records had component errors; fix the grader and test again", t.Errors, t.Samples)
		return nil
	}
	s.Status = Complete
	if last, ok, err := grader.LastTest(ctx, st, datasetID); err == nil && ok {
		mean := last.Mean
		s.Score = &mean
		s.Figure = fmt.Sprintf("%s, test mean %.2f", components(len(g.Components)), mean)
	}
	return nil
}

// components counts a grader's components in words ("1 component").
func components(n int) string {
	if n == 1 {
		return "1 component"
	}
	return fmt.Sprintf("%d components", n)
}
