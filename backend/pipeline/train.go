package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tracetune/backend/dryrun"
	"tracetune/backend/grader"
	"tracetune/backend/jobs"
	"tracetune/backend/llm"
	"tracetune/backend/store"
	"tracetune/backend/train"
)

// Step 6 (Train): starting a job, the gates before it, and the status rule.

// KindTrain is the job kind of starting a training job (splitting,
// uploading, creating the remote job or writing the TRL bundle). Following
// the remote job afterwards is train.Service.Watch / train.Resume.
const KindTrain jobs.Kind = "train"

// Override reasons: what the one explicit override of the Train gate goes
// past, in the words the job keeps (train.Job.OverrideReason).
const (
	OverrideNoDryRun    = "no dry run"
	OverrideGraderMoved = "grader changed"
	OverrideOtherModel  = "other model"
	OverrideProduction  = "production answers"
	OverrideNoGo        = "NO-GO"
)

// What a gate issue's button does.
const (
	FixRegrade = "regrade" // re-grade GateIssue.RunID's stored answers (no model calls)
	FixDryRun  = "dryrun"  // run a dry run with the target model (Step 5)
	FixNone    = ""        // NO-GO: change the grader or the data (the diagnosis says what)
)

// GateIssue is what the dry run lacks for training to optimize the score
// it showed. Each refuses Start unless the explicit override is given.
type GateIssue struct {
	Reason string `json:"reason"` // an Override* word, kept with the job when overridden
	Text   string `json:"text"`   // what is wrong, in the user's words
	Next   string `json:"next"`   // the next step, in the user's words
	Fix    string `json:"fix"`    // a Fix* value: what the panel's button does
	RunID  int64  `json:"run_id"` // the run to re-grade (FixRegrade)
	Model  string `json:"model"`  // the model a new dry run must use (FixDryRun)
}

// TrainGate is what the earlier steps say about training now: the
// reasons Start is refused, warnings it goes on with, the grader, the
// model training would fine-tune and the dry run the gate is based on.
type TrainGate struct {
	Ready          bool         `json:"ready"`
	Reasons        []string     `json:"reasons"`         // Start is refused
	Warnings       []string     `json:"warnings"`        // Start goes on
	Issues         []GateIssue  `json:"issues"`          // the dry run's gaps; the override goes past them
	NeedsOverride  bool         `json:"needs_override"`  // Issues refuse Start without the override
	OverrideReason string       `json:"override_reason"` // with the override given: what it goes past
	GraderVersion  string       `json:"grader_version"`
	Target         train.Target `json:"target"`  // what training would fine-tune (model "" when no trainer is chosen)
	DryRun         dryrun.Run   `json:"dry_run"` // the run the gate is based on (id 0: none)
	DryRunID       int64        `json:"dry_run_id"`
	DryRunVerdict  string       `json:"dry_run_verdict"`
}

// CheckTrain reads the grader, the model training would fine-tune and the
// dry runs. The grader must exist and be valid. Start needs a finished dry
// run on the current grader version whose answers came from that model
// (not production answers); without one, or when that run says NO-GO,
// Start is refused with the next step unless opts.OverrideNoGo (the one
// override, kept with the job with the reason it went past). CAUTION goes
// on with a warning, and so does a run whose records changed since it
// started (run it again; not refused). opts.Trainer "" checks against the dataset's chosen
// trainer (train.Service.ChosenTarget) and skips the model when there is
// none.
func CheckTrain(ctx context.Context, st *store.Store, datasetID int64, opts train.Options) (TrainGate, error) {
	return checkTrain(ctx, &train.Service{Store: st}, datasetID, opts)
}

func checkTrain(ctx context.Context, svc *train.Service, datasetID int64, opts train.Options) (TrainGate, error) {
	st := svc.Store
	gate := TrainGate{Reasons: []string{}, Warnings: []string{}, Issues: []GateIssue{}}
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
	if opts.Trainer == "" {
		if gate.Target, _, err = svc.ChosenTarget(ctx, datasetID); err != nil {
			return gate, err
		}
	} else if gate.Target, err = svc.Target(ctx, opts); err != nil {
		if !errors.Is(err, train.ErrInvalid) && !errors.Is(err, llm.ErrNoProvider) {
			return gate, err
		}
		gate.Reasons = append(gate.Reasons, err.Error())
	}
	runs, err := dryrun.List(ctx, st, datasetID)
	if err != nil {
		return gate, err
	}
	issue := dryRunIssue(&gate, runs)
	if gate.DryRun.ID != 0 {
		gate.DryRunID, gate.DryRunVerdict = gate.DryRun.ID, gate.DryRun.Verdict
	}
	// Records that changed since the run (a pull of production traces, an
	// edit) warn rather than refuse: refusing after every pull would stop
	// the work for what is most often a small change.
	if gate.DryRun.RecordsChanged {
		gate.Warnings = append(gate.Warnings, RecordsChangedWarning(gate.DryRun.ID))
	}
	if issue != nil {
		gate.Issues = append(gate.Issues, *issue)
		gate.NeedsOverride = true
		if opts.OverrideNoGo {
			gate.OverrideReason = issue.Reason
			gate.Warnings = append(gate.Warnings, fmt.Sprintf("%s: training goes on by explicit override (%s), kept with the job", issue.Text, issue.Reason))
		} else {
			gate.Reasons = append(gate.Reasons, issue.Text+". Next: "+issue.Next)
		}
	}
	gate.Ready = len(gate.Reasons) == 0
	return gate, nil
}

// RecordsChangedWarning is the gate's warning when the records changed
// since the dry run it is based on.
func RecordsChangedWarning(runID int64) string {
	return fmt.Sprintf("the records changed since dry run %d: its verdict measured other data. Next: Run the dry run again", runID)
}

// answeredBy says whether a run's answers came from model (any model when
// model is ""): production answers never do.
func answeredBy(r dryrun.Run, model string) bool {
	return r.Responses != dryrun.ResponsesProduction && (model == "" || train.SameModel(r.Model, model))
}

// dryRunIssue picks the run the gate is based on and says what it lacks
// (nil: nothing). It prefers the newest finished run on the current grader
// answered by the target model; then the newest answered by it on an older
// grader (a re-grade fixes that for nothing); then the newest finished run.
func dryRunIssue(gate *TrainGate, runs []dryrun.Run) *GateIssue {
	model := gate.Target.Model
	var done []dryrun.Run
	for _, r := range runs {
		if r.State == store.DryRunDone {
			done = append(done, r)
		}
	}
	who := model
	if who == "" {
		who = "the model you will train"
	}
	fresh := GateIssue{Fix: FixDryRun, Model: model, Next: "Run a dry run with " + who}
	for _, r := range done {
		if r.GraderVersion == gate.GraderVersion && answeredBy(r, model) {
			gate.DryRun = r
			switch r.Verdict {
			case dryrun.NOGO:
				return &GateIssue{Reason: OverrideNoGo, Fix: FixNone,
					Text: fmt.Sprintf("dry run %d says NO-GO: the grader cannot teach %s as it stands", r.ID, r.Model),
					Next: "Fix what its diagnosis names (Step 5) and run it again"}
			case dryrun.CAUTION:
				gate.Warnings = append(gate.Warnings, fmt.Sprintf("dry run %d says CAUTION: read its diagnosis before spending on training", r.ID))
			}
			return nil
		}
	}
	for i, r := range done {
		if answeredBy(r, model) {
			gate.DryRun = r
			next := "Re-grade the last run with the current grader — no model calls"
			if i > 0 {
				next = fmt.Sprintf("Re-grade dry run %d with the current grader — no model calls", r.ID)
			}
			return &GateIssue{Reason: OverrideGraderMoved, Fix: FixRegrade, RunID: r.ID,
				Text: fmt.Sprintf("the grader changed since dry run %d: its score is not the score training will optimize", r.ID), Next: next}
		}
	}
	if len(done) == 0 {
		fresh.Reason, fresh.Text = OverrideNoDryRun, "no dry run has measured this grader on "+who
		return &fresh
	}
	r := done[0]
	gate.DryRun = r
	if r.Responses == dryrun.ResponsesProduction {
		fresh.Reason = OverrideProduction
		fresh.Text = fmt.Sprintf("dry run %d graded the stored production answers, not answers of %s: it does not show where training starts", r.ID, who)
		return &fresh
	}
	fresh.Reason = OverrideOtherModel
	fresh.Text = fmt.Sprintf("dry run %d measured %s, but training fine-tunes %s", r.ID, r.Model, who)
	return &fresh
}

// trainInputs exports the grader for the trainer and names the dry run.
func trainInputs(ctx context.Context, st *store.Store, datasetID int64, trainer string, gate TrainGate) (train.Inputs, error) {
	in, err := train.GraderInputs(ctx, st, datasetID, trainer)
	in.DryRunID, in.DryRunVerdict, in.OverrideReason = gate.DryRunID, gate.DryRunVerdict, gate.OverrideReason
	return in, err
}

// StartTrain checks the gates, exports the grader and starts the job with
// svc (its store is the dataset's). It returns the job and the warnings.
func StartTrain(ctx context.Context, svc *train.Service, datasetID int64, opts train.Options) (train.Job, []string, error) {
	if err := opts.Validate(); err != nil {
		return train.Job{}, nil, err
	}
	// A trainer named without its model trains what the dataset chose for
	// that trainer (Step 6's form, train target), the model Step 5 measured.
	if opts.Model == "" && opts.Provider == "" {
		if t, ok, err := svc.ChosenTarget(ctx, datasetID); err == nil && ok && t.Trainer == opts.Trainer {
			opts.Provider, opts.Model = t.Provider, t.Model
		}
	}
	gate, err := checkTrain(ctx, svc, datasetID, opts)
	if err != nil {
		return train.Job{}, nil, err
	}
	if !gate.Ready {
		return train.Job{}, gate.Warnings, gate.refusal()
	}
	in, err := trainInputs(ctx, svc.Store, datasetID, opts.Trainer, gate)
	if err != nil {
		return train.Job{}, gate.Warnings, err
	}
	j, err := svc.Start(ctx, datasetID, opts, in)
	return j, gate.Warnings, err
}

// TrainStarted is the result of TrainWork; Gate is set when the gate
// refused Start (the CLI prints its reasons and next steps).
type TrainStarted struct {
	train.Job
	Warnings []string  `json:"warnings"`
	Gate     TrainGate `json:"-"`
}

// ErrTrainRefused marks a Start the gate refused (errors.Is).
var ErrTrainRefused = errors.New("training cannot start")

// refusal is the error of a refused Start: every reason, with the next step.
func (g TrainGate) refusal() error {
	msg := "training cannot start: " + strings.Join(g.Reasons, "; ")
	if g.NeedsOverride && len(g.Issues) > 0 {
		msg += fmt.Sprintf(" (or start with the override, kept with the job as %q)", g.Issues[0].Reason)
	}
	return &refusedError{msg}
}

type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }
func (e *refusedError) Unwrap() error { return ErrTrainRefused }

// TrainWork starts a training job on the dataset: refused with the reason
// when the grader is not ready, or (without the override) when no finished
// dry run on the current grader was answered by the model it trains or
// that run says NO-GO. It
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
		gate, err := checkTrain(ctx, svc, datasetID, opts)
		if err != nil {
			return res, err
		}
		if !gate.Ready {
			return TrainStarted{Warnings: gate.Warnings, Gate: gate}, gate.refusal()
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
		gate, err := CheckTrain(ctx, st, datasetID, train.Options{})
		if err != nil {
			return err
		}
		switch {
		case f.Counts.Valid == 0:
			s.Needs = "valid records (step 1), a grader (step 4) and a dry run (step 5)"
		case !gate.Ready:
			s.Needs = gate.Reasons[0]
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
		// Tracetune's part is done; the model comes back once the user
		// serves what the bundle trained and attaches it.
		s.Status, s.Figure = Complete, "TRL bundle exported"
		s.Needs = "train with the bundle on your GPUs, serve the model, then attach it here (Attach the model you trained) so Step 7 can benchmark and deploy it"
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
