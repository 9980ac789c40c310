package pipeline

import (
	"context"
	"fmt"

	"tracetune/backend/jobs"
	"tracetune/backend/store"
)

// AutoStep is one automatic step after Extract. Its Run reports progress and
// returns a short message for the node ("8 topics, 96 % categorized").
type AutoStep struct {
	Step int
	Name string
	Run  func(ctx context.Context, st *store.Store, datasetID int64, report jobs.Reporter) (string, error)
}

// autoSteps are the automatic steps after Extract, in the order they run.
var autoSteps = []AutoStep{
	{Step: StepTopics, Name: "Topics", Run: runTopics},
	{Step: StepTopics, Name: "Categorize", Run: runCategorize},
	{Step: StepCoverage, Name: "Coverage", Run: runCoverage},
}

// ChainResult is what Create & Start reports when it ends.
type ChainResult struct {
	Extract any      `json:"extract"`
	Ran     []string `json:"ran"`
}

// Chain returns the work of Create & Start: extract (the caller's import or
// pull), then every automatic step in order. Each step is marked processing
// while it runs and failed if it fails; the chain stops at the first failure
// and keeps everything finished before it.
func Chain(st *store.Store, datasetID int64, extract jobs.Work) jobs.Work {
	return func(ctx context.Context, report jobs.Reporter) (any, error) {
		var res ChainResult
		_, err := RunStep(ctx, st, datasetID, StepExtract, func(ctx context.Context) (string, error) {
			r, err := extract(ctx, report)
			res.Extract = r
			return "", err
		})
		if err != nil {
			return res, err
		}
		res.Ran = append(res.Ran, Name(StepExtract))
		return res, RunAuto(ctx, st, datasetID, report, &res)
	}
}

// RunAuto runs the automatic steps after Extract (used by Chain and by
// "re-run from here" actions).
func RunAuto(ctx context.Context, st *store.Store, datasetID int64, report jobs.Reporter, res *ChainResult) error {
	for _, a := range autoSteps {
		a := a
		if _, err := RunStep(ctx, st, datasetID, a.Step, func(ctx context.Context) (string, error) {
			return a.Run(ctx, st, datasetID, func(done, total int64, msg string) {
				report(done, total, a.Name+": "+msg)
			})
		}); err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		if res != nil {
			res.Ran = append(res.Ran, a.Name)
		}
	}
	return nil
}

// RunStep marks a step processing, runs fn, and records done or failed.
func RunStep(ctx context.Context, st *store.Store, datasetID int64, step int, fn func(ctx context.Context) (string, error)) (string, error) {
	bg := context.Background() // the marks must be written even when ctx is cancelled
	if err := st.SetStepState(bg, datasetID, step, "processing", ""); err != nil {
		return "", err
	}
	msg, err := fn(ctx)
	state := "done"
	if err != nil {
		state, msg = "failed", err.Error()
		if ctx.Err() != nil {
			state, msg = "", jobs.StopMessage(err)
		}
	}
	_ = st.SetStepState(bg, datasetID, step, state, msg)
	_ = st.Touch(bg, datasetID)
	return msg, err
}
