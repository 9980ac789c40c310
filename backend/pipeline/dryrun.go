package pipeline

import (
	"context"
	"fmt"

	"tracetune/backend/dryrun"
	"tracetune/backend/grader"
	"tracetune/backend/jobs"
	"tracetune/backend/store"
	"tracetune/backend/train"
)

// Step 5 (Dry Run): its work as a job and its status rule.

// KindDryRun is the job kind of a dry run (new, resumed or re-grade).
const KindDryRun jobs.Kind = "dryrun"

// DryRunWork runs (or resumes) a dry run of a dataset; progress is the
// samples graded of the sample with the running mean in the message, the
// result the run's report.
func DryRunWork(st *store.Store, datasetID int64, opts dryrun.Options) jobs.Job {
	return jobs.Job{DatasetID: datasetID, Kind: KindDryRun, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
		var rep dryrun.Report
		_, err := RunStep(ctx, st, datasetID, StepDryRun, func(ctx context.Context) (string, error) {
			var err error
			rep, err = dryrun.Execute(ctx, st, datasetID, opts, dryrun.Progress(report))
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s: mean %.3f over %d samples", rep.Verdict, rep.Mean, rep.N), nil
		})
		return rep, err
	}}
}

// dryrunRule: the newest finished run's verdict — GO Complete, CAUTION
// Attention, NO-GO Failed; a run measured on records that changed since is
// Attention (run it again), a run graded with an older grader is Attention
// (stale: re-grade to update), and so is one answered by another model
// than training would fine-tune; no run yet waits for what it needs.
func dryrunRule(ctx context.Context, st *store.Store, datasetID int64, f Facts, s *Step) error {
	run, ok, err := dryrun.Latest(ctx, st, datasetID)
	if err != nil {
		return err
	}
	if !ok {
		s.Status = Waiting
		_, hasGrader, err := grader.Load(ctx, st, datasetID)
		if err != nil {
			return err
		}
		switch {
		case f.Counts.Valid == 0:
			s.Needs = "valid records (step 1), a grader (step 4), then a dry run"
		case !hasGrader:
			s.Needs = "a configured grader (step 4), then a dry run: the base model answers a sample and the grader scores it"
		default:
			s.Needs = "a dry run: the base model answers a sample of the prompts and the grader scores them"
		}
		if runs, err := dryrun.List(ctx, st, datasetID); err == nil && len(runs) > 0 && runs[0].State != store.DryRunDone {
			s.Needs = fmt.Sprintf("dry run %d was stopped before the end: run again to resume it (finished samples are kept)", runs[0].ID)
		}
		return nil
	}
	rep, err := dryrun.Show(ctx, st, datasetID, run.ID)
	if err != nil {
		return err
	}
	mean := rep.Mean
	s.Score = &mean
	s.Figure = fmt.Sprintf("%s · mean %.2f · %d samples", run.Verdict, rep.Mean, rep.N)
	switch run.Verdict {
	case dryrun.GO:
		s.Status = Complete
	case dryrun.CAUTION:
		s.Status = Attention
		s.Needs = "a CAUTION verdict: read the diagnosis before training"
	default:
		s.Status = Failed
		s.Needs = "a NO-GO verdict: adjust the grader or the data (see the diagnosis), then re-run"
	}
	if run.RecordsChanged {
		// a GO measured on records since appended, replaced, deleted or
		// edited no longer says where training starts
		s.Status = Attention
		s.Needs = run.StaleWhy
		s.Figure += " · stale"
		return nil
	}
	if run.Stale {
		s.Status = Attention
		s.Needs = "the grader changed since this dry run: re-grade to update (its stored answers, no model calls)"
		s.Figure += " · stale"
		return nil
	}
	// A run answered by another model than training would fine-tune does
	// not gate training (Step 6 says the same).
	t, chosen, err := (&train.Service{Store: st}).ChosenTarget(ctx, datasetID)
	if err != nil {
		return err
	}
	if chosen && run.Responses != dryrun.ResponsesProduction && !train.SameModel(run.Model, t.Model) {
		s.Status = Attention
		s.Needs = fmt.Sprintf("this dry run measured %s, but training fine-tunes %s: run a dry run with %s", run.Model, t.Model, t.Model)
	}
	return nil
}
