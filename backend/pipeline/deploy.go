package pipeline

import (
	"context"
	"fmt"
	"tracetune/backend/train"

	"tracetune/backend/deploy"
	"tracetune/backend/jobs"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
)

// Step 7 (Deploy): benchmarks and deployments as jobs, and the status rule.

// Job kinds of Step 7.
const (
	KindBenchmark jobs.Kind = "benchmark"
	KindDeploy    jobs.Kind = "deploy"
	KindRollback  jobs.Kind = "rollback"
)

// BenchmarkWork runs (or resumes) a benchmark; the result is its report.
func BenchmarkWork(st *store.Store, sec *secrets.Store, datasetID int64, opts deploy.BenchmarkOptions) jobs.Job {
	return jobs.Job{DatasetID: datasetID, Kind: KindBenchmark, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
		var rep deploy.Report
		_, err := RunStep(ctx, st, datasetID, StepDeploy, func(ctx context.Context) (string, error) {
			var err error
			rep, err = deploy.New(st, sec).Benchmark(ctx, datasetID, opts, deploy.Progress(report))
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("benchmark: %.2f → %.2f (%+.2f, 95 %% CI %+.2f to %+.2f)", rep.Base.Mean, rep.Tuned.Mean, rep.Diff, rep.CI95[0], rep.CI95[1]), nil
		})
		return rep, err
	}}
}

// DeployWork makes a deployment; a failure midway has already been rolled
// back when the job fails, and the error says so. For the fireworks target
// it creates the on-demand deployment and reports its state until READY,
// or resumes the wait for one left unfinished.
func DeployWork(st *store.Store, sec *secrets.Store, datasetID int64, opts deploy.Options) jobs.Job {
	return jobs.Job{DatasetID: datasetID, Kind: KindDeploy, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
		var d deploy.Deployment
		_, err := RunStep(ctx, st, datasetID, StepDeploy, func(ctx context.Context) (string, error) {
			report(0, 1, "deploying to "+opts.Target)
			var err error
			if opts.Target == deploy.TargetFireworks {
				d, err = deploy.New(st, sec).Serve(ctx, datasetID, opts, deploy.Progress(report))
				if err != nil {
					return "", err
				}
				return "served on Fireworks: " + d.Message, nil
			}
			if opts.Target == deploy.TargetAzure {
				d, err = deploy.New(st, sec).ServeAzure(ctx, datasetID, opts, deploy.Progress(report))
				if err != nil {
					return "", err
				}
				return "served on Azure: " + d.Message, nil
			}
			d, err = deploy.New(st, sec).Deploy(ctx, datasetID, opts)
			if err != nil {
				return "", err
			}
			report(1, 1, d.Summary)
			return "deployed: " + d.Summary, nil
		})
		return d, err
	}}
}

// ResumeServeWork lists, for app start, one job per dataset whose
// Fireworks deployment was still being waited for when the app closed:
// each resumes the wait without creating another deployment.
func ResumeServeWork(ctx context.Context, st *store.Store, sec *secrets.Store) ([]jobs.Job, error) {
	ids, err := deploy.PendingServes(ctx, st)
	if err != nil {
		return nil, err
	}
	out := make([]jobs.Job, 0, len(ids))
	for _, id := range ids {
		out = append(out, DeployWork(st, sec, id, deploy.Options{Target: deploy.TargetFireworks, Mode: deploy.ModeServe}))
	}
	// Azure waits too: resuming reads the deployment, never PUTs it again.
	az, err := deploy.PendingAzureServes(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, id := range az {
		out = append(out, DeployWork(st, sec, id, deploy.Options{Target: deploy.TargetAzure, Mode: deploy.ModeServe}))
	}
	return out, nil
}

// RollbackWork restores the routing the current deployment changed.
func RollbackWork(st *store.Store, sec *secrets.Store, datasetID int64) jobs.Job {
	return jobs.Job{DatasetID: datasetID, Kind: KindRollback, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		var d deploy.Deployment
		_, err := RunStep(ctx, st, datasetID, StepDeploy, func(ctx context.Context) (string, error) {
			var err error
			d, err = deploy.New(st, sec).Rollback(ctx, datasetID)
			if err != nil {
				return "", err
			}
			return d.Message, nil
		})
		return d, err
	}}
}

// deployRule: Waiting until a training job produced a model; then the
// current deployment decides — active Complete (its summary as figure),
// failed or half rolled back Attention, none or rolled back NotStarted with
// the benchmark's before → after as figure.
func deployRule(ctx context.Context, st *store.Store, datasetID int64, _ Facts, s *Step) error {
	// Overview reads only the database: no keyring, no network.
	o, err := (&deploy.Service{Store: st}).Overview(ctx, datasetID)
	if err != nil {
		return err
	}
	if o.JobID == 0 {
		s.Status, s.Needs = Waiting, "a finished training job (step 6) with a tuned model"
		if j, ok, err := train.Latest(ctx, st, datasetID); err == nil && ok && j.Status == train.StatusExported {
			s.Needs = "the model trained with the TRL bundle: serve it, then attach it in step 6"
		}
		return nil
	}
	if b := o.Benchmark; b != nil {
		score := b.Tuned.Mean
		s.Score = &score
		s.Figure = fmt.Sprintf("benchmark %.2f → %.2f", b.Base.Mean, b.Tuned.Mean)
	}
	s.Status = NotStarted
	s.Needs = "run benchmarks, try the playground, then deploy (replace, new endpoint or A/B)"
	if o.Benchmark == nil {
		s.Needs = "benchmarks on the validation split, then a deployment"
	}
	if o.Trainer == deploy.TargetFireworks && (o.Serving == nil || o.Serving.TunedModel != o.TunedModel) {
		s.Needs = "serve the Fireworks model on an on-demand deployment (Deploy → fireworks; billed per GPU-second while it runs), then benchmarks and a gateway deployment"
	}
	if o.Trainer == deploy.TargetAzure && (o.Serving == nil || o.Serving.TunedModel != o.TunedModel) {
		s.Needs = "deploy the Azure fine-tuned model (Deploy → Serve on Azure; hosting billed by the hour), then benchmarks and a gateway deployment"
	}
	cur := o.Current
	if cur == nil {
		return nil
	}
	switch cur.State {
	case store.DeployActive:
		s.Status, s.Needs = Complete, ""
		s.Figure = deployFigure(cur)
	case store.DeployApplying:
		s.Status = Attention
		s.Needs = fmt.Sprintf("deployment %d did not finish cleanly: %s; use Rollback", cur.ID, cur.Message)
		if cur.Target == deploy.TargetFireworks {
			s.Needs = fmt.Sprintf("the Fireworks deployment (deployment %d) is not READY yet: %s", cur.ID, cur.Message)
		}
	case store.DeployStuck:
		s.Status = Attention
		s.Needs = fmt.Sprintf("deployment %d did not finish cleanly: %s; use Rollback", cur.ID, cur.Message)
	case store.DeployFailed:
		s.Status = Attention
		s.Needs = fmt.Sprintf("the last deployment failed: %s", cur.Message)
	case store.DeployRolledBack:
		s.Message = fmt.Sprintf("deployment %d rolled back", cur.ID)
	}
	return nil
}

func deployFigure(d *deploy.Deployment) string {
	where := d.Target
	if d.Source != "" {
		where += ":" + d.Source
	}
	switch deploy.Mode(d.Mode) {
	case deploy.ModeServe:
		if d.Target == deploy.TargetAzure {
			return "served on Azure as " + d.ModelName
		}
		return "served on Fireworks as " + d.ModelName
	case deploy.ModeAB:
		return fmt.Sprintf("A/B %d/%d on %s", 100-d.Split, d.Split, where)
	case deploy.ModeReplace:
		return fmt.Sprintf("replaces %s on %s", d.ModelName, where)
	}
	return fmt.Sprintf("endpoint %s on %s", d.ModelName, where)
}
