package app

import (
	"fmt"

	"tracetune/backend/pipeline"
	"tracetune/backend/store"
	"tracetune/backend/synth"
)

// Generate serves step 3's Generate modal and its review list: strategies
// and default settings, the preview, the run in the background, and
// accept, reject, edit and regenerate.
type Generate struct{ *Deps }

func (s *Generate) dataset(id int64) error {
	if _, err := s.Store.Dataset(s.ctx(), id); err != nil {
		return fmt.Errorf("dataset %d: %w", id, err)
	}
	return nil
}

// Strategies lists the strategies in the modal's order.
func (s *Generate) Strategies() []synth.StrategyInfo { return synth.Strategies }

// Defaults returns the default settings (3 variations, 0.7, 30 %,
// preserve intent).
func (s *Generate) Defaults() synth.Options { return synth.Defaults() }

// Preview says what a generation would make and spend: records per topic,
// balance before → after, model, tokens and cost. Nothing is spent.
func (s *Generate) Preview(datasetID int64, opts synth.Options) (synth.Preview, error) {
	return synth.MakePreview(s.ctx(), s.Store, datasetID, opts)
}

// Start runs a generation in the background and returns the job id; its
// result is a synth.Result with the run's batch id.
func (s *Generate) Start(datasetID int64, opts synth.Options) (int64, error) {
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.GenerateWork(s.Store, datasetID, opts))
}

// Regenerate makes the given rejected candidates again (none: every
// rejected one) with the default settings, in the background.
func (s *Generate) Regenerate(datasetID int64, ids []int64) (int64, error) {
	o := synth.Defaults()
	o.Regenerate, o.RegenerateAll = ids, len(ids) == 0
	return s.Start(datasetID, o)
}

// Candidates lists a dataset's candidates (batchID 0: every run; status
// "": any).
func (s *Generate) Candidates(datasetID, batchID int64, status string) ([]store.Candidate, error) {
	var st []string
	if status != "" {
		st = []string{status}
	}
	return synth.List(s.ctx(), s.Store, datasetID, batchID, st...)
}

// Accept turns candidates into records and refreshes coverage.
func (s *Generate) Accept(datasetID int64, ids []int64) (synth.AcceptResult, error) {
	res, err := pipeline.AcceptCandidates(s.ctx(), s.Store, datasetID, ids, false, 0)
	if res.Accepted > 0 {
		s.changed(datasetID)
	}
	return res, err
}

// AcceptPassing accepts every passing candidate of a run (0: of every run).
func (s *Generate) AcceptPassing(datasetID, batchID int64) (synth.AcceptResult, error) {
	res, err := pipeline.AcceptCandidates(s.ctx(), s.Store, datasetID, nil, true, batchID)
	if res.Accepted > 0 {
		s.changed(datasetID)
	}
	return res, err
}

// Reject rejects candidates by hand and returns how many changed.
func (s *Generate) Reject(datasetID int64, ids []int64) (int, error) {
	return synth.Reject(s.ctx(), s.Store, datasetID, ids)
}

// Edit replaces a candidate's text and checks it again.
func (s *Generate) Edit(datasetID, id int64, text string) (store.Candidate, error) {
	return synth.Edit(s.ctx(), s.Store, datasetID, id, text)
}
