package app

import "tracetune/backend/jobs"

// Jobs lets the window follow and stop background work.
type Jobs struct{ *Deps }

// Active lists running jobs of a dataset (all when datasetID is 0).
func (j *Jobs) Active(datasetID int64) []jobs.Progress {
	out := j.Deps.Jobs.Active(datasetID)
	if out == nil {
		out = []jobs.Progress{}
	}
	return out
}

// Status returns one job's progress.
func (j *Jobs) Status(jobID int64) jobs.Progress { return j.Deps.Jobs.Status(jobID) }

// Stop cancels a running job; finished work is kept.
func (j *Jobs) Stop(jobID int64) error { return j.Deps.Jobs.Stop(jobID) }
