package app

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"tracetune/backend/jobs"
	"tracetune/backend/llm"
	"tracetune/backend/pipeline"
	"tracetune/backend/train"
)

// Train serves step 6: trainers and defaults, the gates and the preview
// of what Start uploads, starting a job in the background and following
// it, its detail (metrics, checkpoints, split), logs, cancel, pause and
// resume. A job started here or from the command line is followed the same
// way: the window polls every job not over and says "changed" for its
// dataset after each poll that brought news.
type Train struct{ *Deps }

// trainService is the training service on the app's store and keys.
// TRACETUNE_TRAIN_POLL_MS shortens polling (the e2e suite's fake platform).
func (d *Deps) trainService() *train.Service {
	svc := &train.Service{Store: d.Store, Providers: &llm.Manager{Store: d.Store, Secrets: d.Secrets}}
	if ms, _ := strconv.Atoi(os.Getenv("TRACETUNE_TRAIN_POLL_MS")); ms > 0 {
		svc.PollMin, svc.PollMax = time.Duration(ms)*time.Millisecond, 4*time.Duration(ms)*time.Millisecond
	}
	return svc
}

// resumeTraining follows, in the background, every training job not in a
// final state (those of an earlier run of the app, or of the command
// line); startup calls it. ctx ends the polling. A job already followed
// is not followed twice.
func (d *Deps) resumeTraining(ctx context.Context) {
	if _, err := d.trainService().Resume(ctx, func(j train.Job) { d.changed(j.DatasetID) }); err != nil {
		log.Printf("resume training jobs: %v", err)
	}
}

// Trainers lists the trainers in the order the panel offers them.
func (s *Train) Trainers() []train.Info { return train.Trainers }

// Defaults are a trainer's hyperparameters as the panel shows them (zero:
// auto).
func (s *Train) Defaults(trainer string) (train.Hyperparameters, error) {
	if _, err := train.TrainerInfo(trainer); err != nil {
		return train.Hyperparameters{}, err
	}
	return train.DefaultHyperparameters(trainer), nil
}

// Check says whether Start with these options may go now: the dry run it
// is based on, the reasons it is refused with their next steps, the
// warnings it goes on with, and whether the override is needed (and, when
// opts.OverrideNoGo, what it goes past). opts.Trainer "" checks against
// the dataset's chosen trainer and names it in the gate's target.
func (s *Train) Check(datasetID int64, opts train.Options) (pipeline.TrainGate, error) {
	return pipeline.CheckTrain(s.ctx(), s.Store, datasetID, opts)
}

// Preview is what Start would upload: counts per topic, prompt tokens, notes.
func (s *Train) Preview(datasetID int64, opts train.Options) (train.Preview, error) {
	return train.MakePreview(s.ctx(), s.Store, datasetID, opts)
}

// Start starts a training job in the background and returns the runner's
// job id (its progress comes as "job" events; the result is a
// pipeline.TrainStarted). Once the platform accepted the job, the window
// follows it.
func (s *Train) Start(datasetID int64, opts train.Options) (int64, error) {
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	if _, err := s.Store.Dataset(s.ctx(), datasetID); err != nil {
		return 0, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	jb := pipeline.TrainWork(s.Store, datasetID, opts)
	start := jb.Work
	jb.Work = func(ctx context.Context, report jobs.Reporter) (any, error) {
		res, err := start(ctx, report)
		if err == nil {
			go s.resumeTraining(s.ctx()) // follows the new job (and any other not over)
		}
		return res, err
	}
	return s.Jobs.Start(jb)
}

// Latest is the dataset's newest job with its metrics, checkpoints and
// split; Job.ID is 0 when there is none. A job not over that nothing in
// this process follows yet (one started from the command line while the
// window was open) is followed from now on.
func (s *Train) Latest(datasetID int64) (train.Detail, error) {
	j, ok, err := train.Latest(s.ctx(), s.Store, datasetID)
	if err != nil || !ok {
		return train.Detail{Metrics: []train.Metric{}, Checkpoints: []train.Checkpoint{}, Split: []train.TopicSplit{}}, err
	}
	if !j.Final {
		go s.resumeTraining(s.ctx())
	}
	return train.GetDetail(s.ctx(), s.Store, j.ID)
}

// Detail returns a job with its metrics, checkpoints and split.
func (s *Train) Detail(jobID int64) (train.Detail, error) {
	return train.GetDetail(s.ctx(), s.Store, jobID)
}

// List returns a dataset's jobs, newest first.
func (s *Train) List(datasetID int64) ([]train.Job, error) {
	out, err := train.List(s.ctx(), s.Store, datasetID)
	if out == nil {
		out = []train.Job{}
	}
	return out, err
}

// Logs returns a job's events after seq, oldest first.
func (s *Train) Logs(jobID, afterSeq int64) ([]train.Event, error) {
	out, err := train.Events(s.ctx(), s.Store, jobID, afterSeq, 0)
	if out == nil {
		out = []train.Event{}
	}
	return out, err
}

// Refresh polls a job's platform now.
func (s *Train) Refresh(jobID int64) (train.Job, error) {
	j, err := s.trainService().Sync(s.ctx(), jobID)
	if err == nil {
		s.changed(j.DatasetID)
	}
	return j, err
}

// Cancel cancels a job on its platform.
func (s *Train) Cancel(jobID int64) (train.Job, error) {
	return s.control(s.trainService().Cancel, jobID)
}

// Pause pauses a running job (it keeps a checkpoint).
func (s *Train) Pause(jobID int64) (train.Job, error) {
	return s.control(s.trainService().Pause, jobID)
}

// Resume resumes a paused job and follows it again.
func (s *Train) Resume(jobID int64) (train.Job, error) {
	j, err := s.control(s.trainService().ResumeJob, jobID)
	if err == nil {
		go s.resumeTraining(s.ctx())
	}
	return j, err
}

func (s *Train) control(op func(context.Context, int64) (train.Job, error), jobID int64) (train.Job, error) {
	j, err := op(s.ctx(), jobID)
	if j.DatasetID != 0 {
		s.changed(j.DatasetID)
	}
	return j, err
}
