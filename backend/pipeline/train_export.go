package pipeline

import (
	"context"
	"strings"

	"tracetune/backend/jobs"
	"tracetune/backend/train"
)

// Step 6's "Export training files" as a job: writing what Start would
// send to a folder can take a while for a large split, so it runs in the
// background with progress and Stop like the steps' other work.

// KindTrainExport is the job kind of exporting the training files.
const KindTrainExport jobs.Kind = "train_export"

// TrainExportWork is the job that writes to dir what Start would send with
// opts (train.Service.Export: the split's lines in the trainer's format,
// the grader as it takes it, README.txt), without contacting any platform
// or recording a training job. Progress counts the lines of the JSONL
// files and one per other file; an error or Stop leaves dir as it was. The
// result is a train.Exported (Files and Notes never nil).
//
// It is not wrapped in RunStep: an export trains nothing, so Step 6's
// node keeps following the training jobs. svc should carry the process's
// providers (a Fireworks evaluator package names the judge's endpoint).
func TrainExportWork(svc *train.Service, datasetID int64, opts train.Options, dir string) jobs.Job {
	return jobs.Job{DatasetID: datasetID, Kind: KindTrainExport, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		ex := train.Exported{Dir: strings.TrimSpace(dir), Trainer: opts.Trainer, Files: []train.ExportFile{}, Notes: []string{}}
		report(0, 0, "reading the grader")
		in, err := train.GraderInputs(ctx, svc.Store, datasetID, opts.Trainer)
		if err != nil {
			return ex, err
		}
		got, err := svc.ExportReporting(ctx, datasetID, opts, in, dir, train.ExportProgress(report))
		if err != nil {
			return ex, err
		}
		if got.Files == nil {
			got.Files = []train.ExportFile{}
		}
		if got.Notes == nil {
			got.Notes = []string{}
		}
		return got, nil
	}}
}
