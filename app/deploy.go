package app

import (
	"context"
	"fmt"
	"sync"
	"time"

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

// PlaygroundEvent is the payload of EventPlayground: a piece of one side's
// answer text as it arrives, or (Done) that side's answer, complete or
// stopped. RunID is the caller's id for the request.
type PlaygroundEvent struct {
	DatasetID int64          `json:"dataset_id"`
	RunID     string         `json:"run_id"`
	Side      string         `json:"side"`
	Delta     string         `json:"delta,omitempty"`
	Done      bool           `json:"done,omitempty"`
	Answer    *deploy.Answer `json:"answer,omitempty"`
}

// playgroundRuns holds, by run id, the cancel function of each streaming
// playground request, a stopEarly mark for a Stop that arrived before its
// run (the window's calls run on goroutines of their own, in any order),
// or a runEnded mark; marks are forgotten after a minute.
var playgroundRuns sync.Map

type (
	stopEarly time.Time // stopped before it started
	runEnded  time.Time // over: a Stop now does nothing
)

// PlaygroundStream sends one prompt to both models and streams both
// answers to the window as EventPlayground events tagged with runID (the
// caller's unique id for this request); StopPlayground(runID) stops both.
// It returns both answers once both have ended.
func (s *Deploy) PlaygroundStream(datasetID int64, runID string, in deploy.PlaygroundInput) (deploy.PlaygroundResult, error) {
	if err := need("run id", runID); err != nil {
		return deploy.PlaygroundResult{}, err
	}
	ctx, cancel := context.WithCancel(s.ctx())
	defer cancel()
	done := func(a deploy.Answer) {
		s.emit(EventPlayground, PlaygroundEvent{DatasetID: datasetID, RunID: runID, Side: a.Side, Done: true, Answer: &a})
	}
	for {
		v, dup := playgroundRuns.LoadOrStore(runID, cancel)
		if !dup {
			break
		}
		switch v.(type) {
		case stopEarly: // both answers end at once, stopped, asking nothing
			playgroundRuns.CompareAndSwap(runID, v, runEnded(time.Now()))
			res := deploy.PlaygroundResult{Base: deploy.Answer{Side: deploy.SideBase, Stopped: true},
				Tuned: deploy.Answer{Side: deploy.SideTuned, Stopped: true}}
			done(res.Base)
			done(res.Tuned)
			return res, nil
		case runEnded:
		default:
			return deploy.PlaygroundResult{}, fmt.Errorf("playground run %q is already going", runID)
		}
		if playgroundRuns.CompareAndSwap(runID, v, cancel) {
			break
		}
	}
	defer playgroundRuns.Store(runID, runEnded(time.Now()))
	return s.svc().PlaygroundStream(ctx, datasetID, in,
		func(side, delta string) {
			s.emit(EventPlayground, PlaygroundEvent{DatasetID: datasetID, RunID: runID, Side: side, Delta: delta})
		}, done)
}

// StopPlayground stops both requests of a streaming playground run; each
// answer keeps its text so far. A Stop that arrives before its run starts
// stops the run as it starts; one after the run ended does nothing.
func (s *Deploy) StopPlayground(runID string) {
	v, loaded := playgroundRuns.LoadOrStore(runID, stopEarly(time.Now()))
	if cancel, ok := v.(context.CancelFunc); loaded && ok {
		cancel()
	}
	playgroundRuns.Range(func(k, v any) bool {
		var at time.Time
		switch m := v.(type) {
		case stopEarly:
			at = time.Time(m)
		case runEnded:
			at = time.Time(m)
		default:
			return true
		}
		if time.Since(at) > time.Minute {
			playgroundRuns.CompareAndDelete(k, v)
		}
		return true
	})
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
