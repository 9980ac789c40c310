package pipeline

import (
	"context"
	"fmt"
	"strings"

	"tracetune/backend/dryrun"
	"tracetune/backend/grader"
	"tracetune/backend/jobs"
	"tracetune/backend/store"
	"tracetune/backend/train"
)

// Step 6 (Train): starting a job, the gates before it, and the status rule.

// KindTrain is the job kind of starting a training job (splitting,
// uploading, creating the remote job or writing the TRL bundle). Following
// the remote job afterwards is train.Service.Watch / train.Resume.
const KindTrain jobs.Kind = "train"

// TrainGate is what the earlier steps say about training now: the
// reasons Start is refused, warnings it goes on with, and the grader and
// dry run the job would record.
type TrainGate struct {
	Ready         bool     `json:"ready"`
	Reasons       []string `json:"reasons"`        // Start is refused
	Warnings      []string `json:"warnings"`       // Start goes on
	NeedsOverride bool     `json:"needs_override"` // the last dry run is NO-GO
	GraderVersion string   `json:"grader_version"`
	DryRunID      int64    `json:"dry_run_id"`
	DryRunVerdict string   `json:"dry_run_verdict"`
}

// CheckTrain reads the grader and the latest dry run. The grader must exist
// and be valid. A NO-GO dry run on the current grader version needs the
// override; with no dry run on the current version (none, or one graded
// with an older grader) Start warns and goes on.
func CheckTrain(ctx context.Context, st *store.Store, datasetID int64, override bool) (TrainGate, error) {
	gate := TrainGate{Reasons: []string{}, Warnings: []string{}}
	g, ok, err := grader.Load(ctx, st, datasetID)
	if err != nil {
		return gate, err
	}
	switch {
	case !ok:
		gate.Reasons = append(gate.Reasons, "the dataset has no grader: configure one in Step 4 (Grader)")
	default:
		if err := g.Validate(); err != nil {
			gate.Reasons = append(gate.Reasons, "the grader is not ready: "+err.Error())
		}
		gate.GraderVersion = g.Version()
	}
	run, ok, err := dryrun.Latest(ctx, st, datasetID)
	if err != nil {
		return gate, err
	}
	switch {
	case !ok || (gate.GraderVersion != "" && run.GraderVersion != gate.GraderVersion):
		gate.Warnings = append(gate.Warnings, "no dry run on the current grader version: training goes on without one (Step 5 shows whether the grader can teach the model)")
	case run.Verdict == dryrun.NOGO:
		gate.NeedsOverride = true
		gate.DryRunID, gate.DryRunVerdict = run.ID, run.Verdict
		if !override {
			gate.Reasons = append(gate.Reasons, fmt.Sprintf("the last dry run (%d) says NO-GO: fix what its diagnosis names and run it again, or start with the NO-GO override (kept with the job)", run.ID))
		}
	default:
		gate.DryRunID, gate.DryRunVerdict = run.ID, run.Verdict
		if run.Verdict == dryrun.CAUTION {
			gate.Warnings = append(gate.Warnings, fmt.Sprintf("the last dry run (%d) says CAUTION: read its diagnosis before spending on training", run.ID))
		}
	}
	gate.Ready = len(gate.Reasons) == 0
	return gate, nil
}

// trainInputs exports the grader for the trainer and names the dry run.
func trainInputs(ctx context.Context, st *store.Store, datasetID int64, trainer string, gate TrainGate) (train.Inputs, error) {
	in := train.Inputs{GraderVersion: gate.GraderVersion, DryRunID: gate.DryRunID, DryRunVerdict: gate.DryRunVerdict}
	g, _, err := grader.Load(ctx, st, datasetID)
	if err != nil {
		return in, err
	}
	switch trainer {
	case "trl":
		if in.RewardPy, err = grader.ExportTRL(g); err != nil {
			return in, fmt.Errorf("export the grader as reward.py: %w", err)
		}
		if in.GraderJSON, err = g.Canonical(); err != nil {
			return in, err
		}
	case "fireworks":
		if in.Evaluator, err = grader.ExportFireworks(g); err != nil {
			return in, fmt.Errorf("export the grader as a Fireworks evaluator: %w", err)
		}
		if in.Grader, err = g.Canonical(); err != nil {
			return in, err
		}
	default:
		if in.Grader, err = grader.ExportOpenAI(g, trainer == "azure"); err != nil {
			return in, fmt.Errorf("export the grader for %s: %w", trainer, err)
		}
	}
	return in, nil
}

// StartTrain checks the gates, exports the grader and starts the job with
// svc (its store is the dataset's). It returns the job and the warnings.
func StartTrain(ctx context.Context, svc *train.Service, datasetID int64, opts train.Options) (train.Job, []string, error) {
	if err := opts.Validate(); err != nil {
		return train.Job{}, nil, err
	}
	gate, err := CheckTrain(ctx, svc.Store, datasetID, opts.OverrideNoGo)
	if err != nil {
		return train.Job{}, nil, err
	}
	if !gate.Ready {
		return train.Job{}, gate.Warnings, fmt.Errorf("training cannot start: %s", strings.Join(gate.Reasons, "; "))
	}
	in, err := trainInputs(ctx, svc.Store, datasetID, opts.Trainer, gate)
	if err != nil {
		return train.Job{}, gate.Warnings, err
	}
	j, err := svc.Start(ctx, datasetID, opts, in)
	return j, gate.Warnings, err
}

// TrainStarted is the result of TrainWork.
type TrainStarted struct {
	train.Job
	Warnings []string `json:"warnings"`
}

// TrainWork starts a training job on the dataset: refused with the reason
// when the grader is not ready or the last dry run is NO-GO without the
// override, with a warning when no dry run ran on the current grader. It
// returns once the platform accepted the job (or the bundle is written);
// the result is a TrainStarted. Providers and keys are the process's
// (StartTrain takes a configured train.Service).
func TrainWork(st *store.Store, datasetID int64, opts train.Options) jobs.Job {
	svc := &train.Service{Store: st}
	return jobs.Job{DatasetID: datasetID, Kind: KindTrain, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		var res TrainStarted
		// A start the gates refuse changes nothing: the node keeps showing
		// the last job (its rule already says what training needs).
		if err := opts.Validate(); err != nil {
			return res, err
		}
		gate, err := CheckTrain(ctx, st, datasetID, opts.OverrideNoGo)
		if err != nil {
			return res, err
		}
		if !gate.Ready {
			return TrainStarted{Warnings: gate.Warnings}, fmt.Errorf("training cannot start: %s", strings.Join(gate.Reasons, "; "))
		}
		_, err = RunStep(ctx, st, datasetID, StepTrain, func(ctx context.Context) (string, error) {
			report(0, 1, "checking the grader and the dry run")
			j, warnings, err := StartTrain(ctx, svc, datasetID, opts)
			res = TrainStarted{Job: j, Warnings: warnings}
			if err != nil {
				return "", err
			}
			report(1, 1, "")
			if j.Trainer == "trl" {
				return fmt.Sprintf("TRL bundle written to %s (%d train, %d validation rows)", j.OutDir, j.TrainCount, j.ValidCount), nil
			}
			return fmt.Sprintf("job %d started on %s (%s): %d train, %d validation lines", j.ID, j.Provider, j.RemoteID, j.TrainCount, j.ValidCount), nil
		})
		return res, err
	}}
}

// trainRule: the node follows the latest job. Running, queued or
// validating: Processing with the step and rewards; paused, cancelled:
// Attention; failed: Failed with the platform's reason; succeeded (or a
// bundle exported): Complete with the model. Without a job it waits for
// what training needs.
func trainRule(ctx context.Context, st *store.Store, datasetID int64, f Facts, s *Step) error {
	j, ok, err := train.Latest(ctx, st, datasetID)
	if err != nil {
		return err
	}
	if !ok {
		s.Status = Waiting
		gate, err := CheckTrain(ctx, st, datasetID, false)
		if err != nil {
			return err
		}
		switch {
		case f.Counts.Valid == 0:
			s.Needs = "valid records (step 1), a grader (step 4) and a dry run (step 5)"
		case !gate.Ready:
			s.Needs = gate.Reasons[0]
		case gate.DryRunID == 0:
			s.Needs = "a dry run on the current grader (recommended), then Start training"
		default:
			s.Needs = "Start training: pick a trainer and a base model"
		}
		return nil
	}
	s.Figure = fmt.Sprintf("job %d · %s · %s", j.ID, j.Trainer, j.Status)
	switch j.Status {
	case train.StatusSucceeded:
		s.Status, s.Figure = Complete, j.FineTunedModel
	case train.StatusExported:
		s.Status, s.Figure = Complete, "TRL bundle exported"
	case train.StatusFailed:
		s.Status, s.Needs = Failed, j.Error
	case train.StatusCancelled:
		s.Status, s.Needs = Attention, "the last job was cancelled: start a new one"
	case train.StatusPaused:
		s.Status, s.Needs = Attention, "the job is paused: resume or cancel it"
	default:
		s.Status = Processing
		if d, err := train.GetDetail(ctx, st, j.ID); err == nil && len(d.Metrics) > 0 {
			m := d.Metrics[len(d.Metrics)-1]
			step := fmt.Sprintf("step %d", m.Step)
			if m.TotalSteps > 0 {
				step = fmt.Sprintf("step %d/%d", m.Step, m.TotalSteps)
			}
			s.Figure += " · " + step
			if m.TrainRewardMean != nil {
				r := *m.TrainRewardMean
				s.Score = &r
				s.Figure += fmt.Sprintf(" · reward %.2f", r)
			}
		}
	}
	return nil
}
