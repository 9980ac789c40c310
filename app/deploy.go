package app

import (
	"fmt"

	"tracetune/backend/deploy"
	"tracetune/backend/grader"
	"tracetune/backend/pipeline"
	"tracetune/backend/record"
)

// Deploy serves step 7: benchmarks (in the background), the playground,
// deployment previews, deployments, status with the live report, Rollback
// and history.
type Deploy struct{ *Deps }

func (s *Deploy) svc() *deploy.Service { return deploy.New(s.Store, s.Deps.Secrets) }

func (s *Deploy) dataset(id int64) error {
	if _, err := s.Store.Dataset(s.ctx(), id); err != nil {
		return fmt.Errorf("dataset %d: %w", id, err)
	}
	return nil
}

// Overview returns the tuned model, the latest benchmark, the current
// deployment and the targets.
func (s *Deploy) Overview(datasetID int64) (deploy.Overview, error) {
	return s.svc().Overview(s.ctx(), datasetID)
}

// RunBenchmark starts (or resumes) a benchmark in the background and
// returns the job id; the job's result is the report.
func (s *Deploy) RunBenchmark(datasetID int64, opts deploy.BenchmarkOptions) (int64, error) {
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.BenchmarkWork(s.Store, s.Deps.Secrets, datasetID, opts))
}

// Benchmarks lists the dataset's benchmarks with their reports.
func (s *Deploy) Benchmarks(datasetID int64) ([]deploy.BenchmarkRun, error) {
	out, err := s.svc().Benchmarks(s.ctx(), datasetID)
	if out == nil {
		out = []deploy.BenchmarkRun{}
	}
	return out, err
}

// Playground sends one prompt to both models and returns both answers.
func (s *Deploy) Playground(datasetID int64, in deploy.PlaygroundInput) (deploy.PlaygroundResult, error) {
	return s.svc().Playground(s.ctx(), datasetID, in)
}

// GradeAnswer grades one playground answer on demand.
func (s *Deploy) GradeAnswer(datasetID int64, in deploy.PlaygroundInput, answer record.Message) (grader.Result, error) {
	return s.svc().GradeAnswer(s.ctx(), datasetID, in, answer)
}

// Preview says in plain words what a deployment would change, changing
// nothing.
func (s *Deploy) Preview(datasetID int64, opts deploy.Options) (deploy.Plan, error) {
	return s.svc().Preview(s.ctx(), datasetID, opts)
}

// Start makes a deployment in the background and returns the job id; the
// job's result is the deployment (a failure midway is rolled back).
func (s *Deploy) Start(datasetID int64, opts deploy.Options) (int64, error) {
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.DeployWork(s.Store, s.Deps.Secrets, datasetID, opts))
}

// Rollback restores the routing the current deployment changed, in the
// background; it returns the job id.
func (s *Deploy) Rollback(datasetID int64) (int64, error) {
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.RollbackWork(s.Store, s.Deps.Secrets, datasetID))
}

// History lists the dataset's deployments, newest first.
func (s *Deploy) History(datasetID int64) ([]deploy.Deployment, error) {
	out, err := s.svc().History(s.ctx(), datasetID)
	if out == nil {
		out = []deploy.Deployment{}
	}
	return out, err
}

// Live returns the live report of the latest A/B deployment.
func (s *Deploy) Live(datasetID int64) (deploy.LiveReport, error) {
	return s.svc().Live(s.ctx(), datasetID)
}
