package app

import (
	"fmt"

	"tracetune/backend/dryrun"
	"tracetune/backend/pipeline"
)

// DryRun serves step 5: the preview, running (or resuming) and re-grading
// dry runs in the background, reports, samples, history and comparison.
type DryRun struct{ *Deps }

// dryrunSeed keeps the window's sample the same from run to run, so Run
// again resumes a stopped run and compares like with like.
const dryrunSeed = 1

func (s *DryRun) dataset(id int64) error {
	if _, err := s.Store.Dataset(s.ctx(), id); err != nil {
		return fmt.Errorf("dataset %d: %w", id, err)
	}
	return nil
}

// Preview estimates a run of n samples (0: the default 300) with the base
// model ("base") or the production responses ("production"): sample size,
// model, tokens, cost and time. Nothing is spent.
func (s *DryRun) Preview(datasetID int64, n int, responses string) (dryrun.Preview, error) {
	return s.PreviewModel(datasetID, n, responses, "", "")
}

// PreviewModel is Preview with another model answering (provider and model
// "": the model Step 6 trains). The preview says whether the run would
// count for the Train gate.
func (s *DryRun) PreviewModel(datasetID int64, n int, responses, provider, model string) (dryrun.Preview, error) {
	return dryrun.MakePreview(s.ctx(), s.Store, datasetID, dryrun.Options{N: n, Seed: dryrunSeed, Responses: responses,
		Provider: provider, Model: model})
}

// Answers says who answers a new base-model run (provider and model "": the
// model Step 6 trains, its training target) and whether such a run counts
// for the Train gate. Nothing is spent.
func (s *DryRun) Answers(datasetID int64, provider, model string) (dryrun.Answering, error) {
	if err := s.dataset(datasetID); err != nil {
		return dryrun.Answering{}, err
	}
	return dryrun.Who(s.ctx(), s.Store, datasetID, dryrun.Options{Provider: provider, Model: model})
}

// PreviewRegrade estimates re-grading a run's stored answers (no calls).
func (s *DryRun) PreviewRegrade(datasetID, runID int64) (dryrun.Preview, error) {
	return dryrun.MakePreview(s.ctx(), s.Store, datasetID, dryrun.Options{Regrade: runID})
}

// Run starts (or resumes) a dry run in the background and returns the job id.
func (s *DryRun) Run(datasetID int64, n int, responses string) (int64, error) {
	return s.RunModel(datasetID, n, responses, "", "")
}

// RunModel is Run with another model answering (provider and model "": the
// model Step 6 trains). A run of a model Step 6 does not train does not
// count for the Train gate.
func (s *DryRun) RunModel(datasetID int64, n int, responses, provider, model string) (int64, error) {
	opt := dryrun.Options{N: n, Seed: dryrunSeed, Responses: responses, Provider: provider, Model: model}
	if err := opt.Validate(); err != nil {
		return 0, err
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.DryRunWork(s.Store, datasetID, opt))
}

// Regrade grades a run's stored answers with the current grader as a new
// run, in the background, with no base-model calls. It returns the job id.
func (s *DryRun) Regrade(datasetID, runID int64) (int64, error) {
	opt := dryrun.Options{Regrade: runID}
	if err := opt.Validate(); err != nil {
		return 0, err
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.DryRunWork(s.Store, datasetID, opt))
}

// Report returns a run's report (runID 0: the newest).
func (s *DryRun) Report(datasetID, runID int64) (dryrun.Report, error) {
	return dryrun.Show(s.ctx(), s.Store, datasetID, runID)
}

// Samples returns every sample of a run with its answer, score and reasoning.
func (s *DryRun) Samples(datasetID, runID int64) ([]dryrun.Sample, error) {
	out, err := dryrun.Samples(s.ctx(), s.Store, datasetID, runID)
	if out == nil {
		out = []dryrun.Sample{}
	}
	return out, err
}

// History lists a dataset's runs, newest first.
func (s *DryRun) History(datasetID int64) ([]dryrun.Run, error) {
	out, err := dryrun.List(s.ctx(), s.Store, datasetID)
	if out == nil {
		out = []dryrun.Run{}
	}
	return out, err
}

// Compare puts two runs side by side.
func (s *DryRun) Compare(datasetID, a, b int64) (dryrun.Comparison, error) {
	return dryrun.Compare(s.ctx(), s.Store, datasetID, a, b)
}
