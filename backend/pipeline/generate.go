package pipeline

import (
	"context"
	"fmt"

	"tracetune/backend/jobs"
	"tracetune/backend/store"
	"tracetune/backend/synth"
)

// Step 3's Generate: synthetic prompts for under-served topics, made as a
// job and reviewed before they count. The step's status stays coverage's
// rule: accepted candidates are records, and coverage follows them.

// KindGenerate is the job kind of a generation run.
const KindGenerate jobs.Kind = "generate"

// GenerateWork generates candidates for a dataset (fill gaps, chosen
// records, a topic, or regenerate rejected ones) as step 3's work; the
// result is a synth.Result. Stop keeps the candidates made so far. With
// AcceptPassing the passing ones become records and coverage is refreshed.
func GenerateWork(st *store.Store, datasetID int64, opts synth.Options) jobs.Job {
	return jobs.Job{DatasetID: datasetID, Kind: KindGenerate, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
		var res synth.Result
		_, err := RunStep(ctx, st, datasetID, StepCoverage, func(ctx context.Context) (string, error) {
			var err error
			res, err = synth.Run(ctx, st, datasetID, opts, report)
			if err != nil {
				return "", err
			}
			msg := fmt.Sprintf("generated %d candidates: %d passing, %d rejected", res.Passing+res.Rejected, res.Passing, res.Rejected)
			if res.Accepted > 0 {
				msg += fmt.Sprintf(", %d accepted", res.Accepted)
			}
			return msg, nil
		})
		if err != nil {
			return res, err
		}
		if res.Accepted > 0 {
			return res, RefreshCoverage(ctx, st, datasetID)
		}
		return res, nil
	}}
}

// AcceptCandidates turns reviewed candidates into records (all passing
// ones of a run with all set; batchID 0: of every run) and refreshes
// coverage so the chart and the canvas follow.
func AcceptCandidates(ctx context.Context, st *store.Store, datasetID int64, ids []int64, all bool, batchID int64) (synth.AcceptResult, error) {
	var res synth.AcceptResult
	var err error
	if all {
		res, err = synth.AcceptPassing(ctx, st, datasetID, batchID)
	} else {
		res, err = synth.Accept(ctx, st, datasetID, ids)
	}
	if err != nil {
		return res, err
	}
	if res.Accepted > 0 {
		return res, RefreshCoverage(ctx, st, datasetID)
	}
	return res, nil
}
