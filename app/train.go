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
	"tracetune/backend/topics"
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

// Target is what the dataset trains: the target saved from the form (or
// `train target`), else the newest job's, else the training role's; the
// model is "" when nothing names one. Step 5's dry run answers with it by
// default and the Train gate expects it.
func (s *Train) Target(datasetID int64) (train.Target, error) {
	t, _, err := s.trainService().ChosenTarget(s.ctx(), datasetID)
	return t, err
}

// SetTarget saves the trainer, provider and base model the form shows
// ("" provider or model: the default) as the dataset's training target,
// so Step 5 dry-runs the model Step 6 will train. It returns the target
// resolved; a choice that cannot train is refused and nothing is saved.
func (s *Train) SetTarget(datasetID int64, t train.Target) (train.Target, error) {
	t, err := s.trainService().SaveTarget(s.ctx(), datasetID, t)
	if err == nil {
		s.changed(datasetID) // Step 5's default model and the Train node follow
	}
	return t, err
}

// Attach records the model a TRL job trained, as a provider (Settings →
// Providers: vLLM, Ollama, LM Studio, any OpenAI-compatible server) serves
// it: one short chat request must come back from it, or nothing changes.
// The job is then succeeded with that model and Step 7 uses it. Attaching
// again replaces the model.
func (s *Train) Attach(jobID int64, provider, model string) (train.Job, error) {
	return s.control(func(ctx context.Context, id int64) (train.Job, error) {
		return s.trainService().Attach(ctx, id, train.Attachment{Provider: provider, Model: model})
	}, jobID)
}

// Detach forgets a TRL job's attached model: it is an exported bundle again.
func (s *Train) Detach(jobID int64) (train.Job, error) {
	return s.control(s.trainService().Detach, jobID)
}

// PickExportFolder opens the native save dialog for the folder the
// training files go to (created by Export); "" if cancelled.
func (s *Train) PickExportFolder(datasetID int64, trainer string) (string, error) {
	if _, err := train.TrainerInfo(trainer); err != nil {
		return "", err
	}
	d, err := s.Store.Dataset(s.ctx(), datasetID)
	if err != nil {
		return "", fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	return s.pickSave("Export training files for "+trainer, topics.Slug(d.Name)+"-"+trainer+"-training")
}

// Export starts, in the background, writing to dir what Start would send
// with these options (the split's files in the trainer's format, the
// grader as it takes it, a README.txt), without contacting any platform or
// recording a training job. It returns the runner's job id: progress comes
// as "job" events, Stop leaves dir as it was, the result is a
// train.Exported.
func (s *Train) Export(datasetID int64, opts train.Options, dir string) (int64, error) {
	if err := need("folder", dir); err != nil {
		return 0, err
	}
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	if _, err := s.Store.Dataset(s.ctx(), datasetID); err != nil {
		return 0, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	return s.Jobs.Start(pipeline.TrainExportWork(s.trainService(), datasetID, opts, dir))
}
