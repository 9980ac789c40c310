package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"tracetune/backend/jobs"
	"tracetune/backend/store"
)

// Serving a tuned model where its platform requires it before anything can
// call it: Fireworks (an on-demand deployment, fireworks.go) and Azure (an
// ARM deployment, azure.go). The flow is the same on both and written once
// here. One serve of a dataset per platform is in effect at a time: an
// unfinished one is resumed, never duplicated. The deployment goes in the
// record before the create is sent, so a crash between the two still
// knows what to look for. The wait reports progress; cut short (app
// closed, job stopped, platform not answering) it leaves the record
// applying, and serving again resumes it. A deployment that can never
// become ready is deleted at once.

// servingPlatform is what a platform that serves tuned models provides to
// the shared flow (as a deploy target, a servingTarget).
type servingPlatform interface {
	Name() string
	Plan(ctx context.Context, env Env, o Options) (Plan, error)
	// remove deletes the deployment a change created; one already gone
	// makes a note instead.
	remove(ctx context.Context, env Env, ch Change) (note string, err error)
	// servesAs names where an existing serve runs, for a conflict.
	servesAs(d Deployment) string
	// intent is what the record holds before the create is sent: the
	// changes it already names and the state message.
	intent(p Plan) (changes []Change, message string)
	// trainer is the provider kind whose tuned models it serves.
	trainer() string
	// unserved says why a model of that kind cannot be called before it
	// is served; notReady, while the serve r is not ready yet.
	unserved(model string) string
	notReady(model string, r store.DeploymentRow) string
	// open reaches the platform for an applying deployment.
	open(ctx context.Context, s *Service, d Deployment) (servingSession, error)
}

// servingSession is one applying deployment on its platform.
type servingSession interface {
	words() servingWords
	// create makes the remote deployment unless it exists (done, the
	// changes recorded so far, may say so), calling record with what it
	// made. It may return *stillApplying or *foreignDeployment.
	create(ctx context.Context, done []Change, record func(Change) error, progress Progress) error
	// read reads the remote deployment once; its error is explained.
	read(ctx context.Context) (remote, error)
	// answer takes a deployment the platform reports ready to one that
	// answers, and returns the ready message. It may return *stillApplying.
	answer(ctx context.Context, r remote, w pace, progress Progress) (string, error)
}

// servingWords name a deployment in the flow's messages.
type servingWords struct {
	label    string // the platform: "Fireworks"
	steps    int64  // the progress total of a serve
	name     string // the deployment in progress lines: "accounts/a/deployments/tt-x"
	what     string // the deployment in a sentence: "the deployment tt-x"
	ready    string // its ready state: "READY"
	waiting  string // what the wait after the create waits for
	creating string // what a stopped wait leaves behind, billing included
	resume   string // how to resume the wait or undo it
	bill     string // how a deployment left behind bills: "bill"
	failed   error  // what a failure wraps (errServeFailed)
}

// remote is a platform's deployment as one read found it.
type remote struct {
	absent  bool   // the platform has none by that name
	state   string // in the platform's words: CREATING, Succeeded, …
	ready   bool   // the platform reports it ready
	moving  bool   // still being created: a status check leaves it be
	failure error  // why it can never become ready (nil while it may)
	detail  string // after the state in progress lines: " (replicas 0–1)"
}

// pace is a wait's timing.
type pace struct {
	start       time.Time
	poll, limit time.Duration
}

var errServeFailed = errors.New("deployment failed")

// stillApplying is an outcome after which the deployment may still become
// ready: the record stays applying, msg says how to resume.
type stillApplying struct {
	msg string
	err error
}

func (e *stillApplying) Error() string { return e.msg }
func (e *stillApplying) Unwrap() error { return e.err }

// foreignDeployment is a deployment of the recorded name that this serve
// did not make: it is forgotten, never deleted.
type foreignDeployment struct{ msg string }

func (e *foreignDeployment) Error() string { return e.msg }

// serveError is a serve's failure as the job shows it.
type serveError struct {
	label, msg string
	err        error
}

func (e *serveError) Error() string { return "serve on " + e.label + ": " + e.msg }
func (e *serveError) Unwrap() error { return e.err }

// Default pacing of the wait for a ready deployment.
const (
	defaultServePoll    = 10 * time.Second
	defaultServeTimeout = 2 * time.Hour
)

// servePoll is how often a serve's wait reads the deployment: ServePoll,
// else TRACETUNE_SERVE_POLL_MS (the e2e suite's fakes), else every 10 s.
func (s *Service) servePoll() time.Duration {
	if s.ServePoll > 0 {
		return s.ServePoll
	}
	if ms, _ := strconv.Atoi(os.Getenv("TRACETUNE_SERVE_POLL_MS")); ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return defaultServePoll
}

// servingPlatforms are the targets that serve a model.
var servingPlatforms = []servingPlatform{fireworksTarget{}, azureTarget{}}

// isAnyServe is a serve on any platform (its own layer: gateway
// deployments route to what it serves).
func isAnyServe(d Deployment) bool {
	for _, pf := range servingPlatforms {
		if d.Target == pf.Name() {
			return true
		}
	}
	return false
}

func isGateway(d Deployment) bool { return !isAnyServe(d) }

func servesOn(pf servingPlatform) func(Deployment) bool {
	return func(d Deployment) bool { return d.Target == pf.Name() }
}

// serve makes (or resumes) the dataset's deployment on pf and waits until
// it answers, reporting its state on the way. A ready one must be rolled
// back first.
func (s *Service) serve(ctx context.Context, pf servingPlatform, datasetID int64, o Options, progress Progress) (Deployment, error) {
	o.Target = pf.Name()
	if o.Mode == "" {
		o.Mode = ModeServe
	}
	if err := o.Validate(); err != nil {
		return Deployment{}, err
	}
	cur, ok, err := s.inEffect(ctx, datasetID, servesOn(pf))
	if err != nil {
		return Deployment{}, err
	}
	if ok {
		if cur.State == store.DeployApplying {
			return s.finishServing(ctx, pf, cur, progress)
		}
		return cur, fmt.Errorf("deployment %d already serves %s %s (%s): roll it back first: %w", cur.ID, cur.TunedModel, pf.servesAs(cur), cur.State, ErrConflict)
	}
	tuned, err := s.trained(ctx, datasetID, o.JobID)
	if err != nil {
		return Deployment{}, err
	}
	env := Env{DatasetID: datasetID, Tuned: tuned, HTTP: s.HTTP, LLM: s.LLM}
	p, err := pf.Plan(ctx, env, o)
	if err != nil {
		return Deployment{}, err
	}
	if !p.Supported {
		return Deployment{}, fmt.Errorf("%s: %s: %w", pf.Name(), p.Reason, ErrUnsupported)
	}
	row, err := s.Store.CreateDeployment(ctx, store.DeploymentRow{DatasetID: datasetID, Target: pf.Name(), Mode: string(ModeServe),
		Source: tuned.Provider, ModelName: p.ModelName, BaseModel: tuned.BaseModel, TunedModel: p.Tuned, Summary: p.Summary, Snippet: p.Snippet})
	if err != nil {
		return Deployment{}, err
	}
	// What will be created goes in the record before it is sent, so a
	// crash between the two still knows which deployment to look for.
	changes, msg := pf.intent(p)
	if len(changes) > 0 {
		b, _ := json.Marshal(changes)
		if err := s.Store.SaveDeploymentChanges(ctx, row.ID, string(b)); err != nil {
			return Deployment{}, err
		}
	}
	if err := s.Store.SetDeploymentState(ctx, row.ID, store.DeployApplying, msg); err != nil {
		return Deployment{}, err
	}
	row, err = s.Store.Deployment(ctx, row.ID)
	if err != nil {
		return Deployment{}, err
	}
	return s.finishServing(ctx, pf, toDeployment(row), progress)
}

// finishServing takes an applying deployment to ready: it creates the
// remote deployment unless the record or the platform already has it,
// waits for the platform to report it ready, then for it to answer.
func (s *Service) finishServing(ctx context.Context, pf servingPlatform, d Deployment, progress Progress) (Deployment, error) {
	if progress == nil {
		progress = func(int64, int64, string) {}
	}
	bg := context.WithoutCancel(ctx)
	sess, err := pf.open(ctx, s, d)
	if err != nil {
		return d, err
	}
	w := sess.words()
	n := w.steps
	done := d.Changes
	record := func(ch Change) error {
		done = append(done, ch)
		b, _ := json.Marshal(done)
		return s.Store.SaveDeploymentChanges(bg, d.ID, string(b))
	}
	settle := func(state, msg string) Deployment {
		_ = s.Store.SetDeploymentState(bg, d.ID, state, msg)
		out, _ := s.Store.Deployment(bg, d.ID)
		return toDeployment(out)
	}
	fail := func(err error) (Deployment, error) {
		msg := err.Error()
		notes, rerr := revertServing(bg, pf, Env{HTTP: s.HTTP, LLM: s.LLM}, done)
		state := store.DeployFailed
		switch {
		case rerr != nil:
			state = store.DeployStuck
			msg += fmt.Sprintf("; deleting the deployment also failed (%v): it may still exist and %s, use Rollback to retry", rerr, w.bill)
		case len(done) > 0:
			msg += "; the deployment was deleted, nothing is left on " + w.label
		default:
			msg += "; nothing was created"
		}
		res := settle(state, msg)
		res.Notes = notes
		return res, fmt.Errorf("serve on %s: %s", w.label, msg)
	}
	pending := func(msg string, err error) (Deployment, error) {
		out := settle(store.DeployApplying, msg)
		if ctx.Err() != nil {
			return out, &jobs.StopNote{Text: msg, Err: ctx.Err()}
		}
		return out, &serveError{label: w.label, msg: msg, err: err}
	}
	// outcome settles an error of the create or of the answer.
	outcome := func(err error) (Deployment, error) {
		var sa *stillApplying
		var fd *foreignDeployment
		switch {
		case errors.As(err, &sa):
			return pending(sa.msg, sa.err)
		case errors.As(err, &fd):
			// Not ours: forget it rather than delete someone else's.
			_ = s.Store.SaveDeploymentChanges(bg, d.ID, "[]")
			return settle(store.DeployFailed, fd.msg), fmt.Errorf("serve on %s: %s: %w", w.label, fd.msg, ErrConflict)
		}
		return fail(err)
	}
	if err := sess.create(ctx, done, record, progress); err != nil {
		return outcome(err)
	}
	progress(1, n, "created "+w.name+"; "+w.waiting)
	p := pace{start: time.Now(), poll: s.servePoll(), limit: s.ServeTimeout}
	if p.limit <= 0 {
		p.limit = defaultServeTimeout
	}
	r, err := waitReady(ctx, sess, p, func(r remote) {
		progress(2, n, fmt.Sprintf("%s: %s for %s%s", w.name, r.state, time.Since(p.start).Round(time.Second), r.detail))
	})
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return pending(fmt.Sprintf("stopped waiting: %s; %s", w.creating, w.resume), ctx.Err())
	case errors.Is(err, errServeFailed):
		return fail(err)
	default:
		// The platform did not answer: the deployment may well become ready.
		return pending(fmt.Sprintf("%v; %s was created and may still become %s: %s", err, w.name, w.ready, w.resume), err)
	}
	msg, err := sess.answer(ctx, r, p, progress)
	if err != nil {
		return outcome(err)
	}
	if err := s.Store.SetDeploymentState(bg, d.ID, store.DeployActive, msg); err != nil {
		return d, err
	}
	// The served name becomes a model of the training provider in
	// Tracetune, so the playground and dry runs can pick it.
	var jobID int64
	if t, err := s.trained(bg, d.DatasetID, 0); err == nil && trainedModel(t) == d.TunedModel {
		jobID = t.JobID
	}
	if err := s.Store.RegisterTunedModel(bg, store.TunedModelRow{DatasetID: d.DatasetID, Provider: d.Source, Model: d.ModelName,
		BaseModel: d.BaseModel, JobID: jobID, DeploymentID: d.ID}); err != nil {
		return d, err
	}
	progress(n, n, msg)
	out, err := s.Store.Deployment(bg, d.ID)
	return toDeployment(out), err
}

// waitReady reads the deployment until the platform reports it ready; a
// failed or vanished one wraps errServeFailed.
func waitReady(ctx context.Context, sess servingSession, p pace, seen func(remote)) (remote, error) {
	w := sess.words()
	deadline := time.Now().Add(p.limit)
	for {
		r, err := sess.read(ctx)
		switch {
		case r.absent:
			return r, fmt.Errorf("%s disappeared on %s while being created: %w", w.what, w.label, w.failed)
		case err != nil:
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			return r, err
		}
		seen(r)
		switch {
		case r.ready:
			return r, nil
		case r.failure != nil:
			return r, r.failure
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("%s is still %s after %s", w.what, r.state, p.limit)
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(p.poll):
		}
	}
}

// servingTarget is a serving platform as a deploy target. Deploy sends it
// to the flow above, which records, resumes and reports; Apply makes the
// same deployment without a record.
type servingTarget struct{ servingPlatform }

func (servingTarget) Kind() string { return "" }

func (t servingTarget) Apply(ctx context.Context, env Env, p Plan, record func(Change) error) error {
	return applyServing(ctx, t.servingPlatform, env, p, record)
}

func (t servingTarget) Revert(ctx context.Context, env Env, changes []Change) ([]string, error) {
	return revertServing(ctx, t.servingPlatform, env, changes)
}

// revertServing deletes the deployments a serve created, newest first.
func revertServing(ctx context.Context, pf servingPlatform, env Env, changes []Change) ([]string, error) {
	var notes []string
	for i := len(changes) - 1; i >= 0; i-- {
		if changes[i].Op != "create" {
			continue
		}
		note, err := pf.remove(ctx, env, changes[i])
		if err != nil {
			return notes, err
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return notes, nil
}

// applyServing creates and waits without progress or record.
func applyServing(ctx context.Context, pf servingPlatform, env Env, p Plan, record func(Change) error) error {
	changes, msg := pf.intent(p)
	for _, ch := range changes {
		if err := record(ch); err != nil {
			return err
		}
	}
	d := Deployment{DeploymentRow: store.DeploymentRow{DatasetID: env.DatasetID, Target: pf.Name(), Source: env.Tuned.Provider,
		ModelName: p.ModelName, TunedModel: p.Tuned, Message: msg}, Changes: changes}
	sess, err := pf.open(ctx, &Service{HTTP: env.HTTP, LLM: env.LLM}, d)
	if err != nil {
		return err
	}
	if err := sess.create(ctx, changes, record, func(int64, int64, string) {}); err != nil {
		return err
	}
	_, err = waitReady(ctx, sess, pace{start: time.Now(), poll: defaultServePoll, limit: defaultServeTimeout}, func(remote) {})
	return err
}

// servingCheck reads the state of the dataset's unfinished deployment on
// pf once, without waiting: one ready or failed goes through the rest of
// the flow. found is false when none is unfinished.
func (s *Service) servingCheck(ctx context.Context, pf servingPlatform, datasetID int64) (Deployment, bool, error) {
	cur, ok, err := s.inEffect(ctx, datasetID, servesOn(pf))
	if err != nil || !ok || cur.State != store.DeployApplying || len(cur.Changes) == 0 {
		return cur, false, err
	}
	sess, err := pf.open(ctx, s, cur)
	if err != nil {
		return cur, true, err
	}
	r, err := sess.read(ctx)
	id, label := cur.Changes[0].ID, sess.words().label
	switch {
	case err != nil:
		return cur, true, err
	case r.absent:
		cur.Notes = append(cur.Notes, fmt.Sprintf("%s does not exist on %s yet: deploy to %s again to create it, or Rollback", id, label, pf.Name()))
		return cur, true, nil
	case r.moving:
		cur.Notes = append(cur.Notes, fmt.Sprintf("%s is %s on %s", id, r.state, label))
		return cur, true, nil
	}
	// One more pass through the flow settles it either way.
	d, err := s.finishServing(ctx, pf, cur, nil)
	return d, true, err
}

// pendingWaits lists the datasets whose deployment to target is still
// being applied (a serve whose wait a restart interrupted).
func pendingWaits(ctx context.Context, st *store.Store, target string) ([]int64, error) {
	dss, err := st.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, ds := range dss {
		rows, err := st.Deployments(ctx, ds.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Target == target && r.State == store.DeployApplying {
				out = append(out, ds.ID)
				break
			}
		}
	}
	return out, nil
}

func inEffectState(state string) bool {
	return state == store.DeployActive || state == store.DeployApplying || state == store.DeployStuck
}

// inEffect is the newest deployment of the dataset that is active,
// applying or half rolled back and that match accepts.
func (s *Service) inEffect(ctx context.Context, datasetID int64, match func(Deployment) bool) (Deployment, bool, error) {
	rows, err := s.Store.Deployments(ctx, datasetID)
	if err != nil {
		return Deployment{}, false, err
	}
	for _, r := range rows {
		if d := toDeployment(r); inEffectState(r.State) && match(d) {
			return d, true, nil
		}
	}
	return Deployment{}, false, nil
}

// trainedModel is the model a job produced, before serving renamed it (a
// Fireworks deployment suffix, an Azure deployment name).
func trainedModel(t Tuned) string {
	if t.raw != "" {
		return t.raw
	}
	m, _, _ := strings.Cut(t.Model, "#")
	return m
}

// served points a tuned model that a platform must serve at the
// deployment serving it, when one is ready; otherwise it notes why the
// model cannot be called yet (callable says so).
func (s *Service) served(ctx context.Context, datasetID int64, t *Tuned) error {
	for _, pf := range servingPlatforms {
		if pf.trainer() != t.ProviderKind || s.Store == nil {
			continue
		}
		rows, err := s.Store.Deployments(ctx, datasetID)
		if err != nil {
			return err
		}
		t.pending = pf.unserved(t.Model)
		for _, r := range rows {
			if r.Target != pf.Name() || r.TunedModel != t.Model || !inEffectState(r.State) {
				continue
			}
			if r.State != store.DeployActive {
				t.pending = pf.notReady(t.Model, r)
				return nil
			}
			dep := r.ModelName
			if _, pinned, ok := strings.Cut(r.ModelName, "#"); ok {
				dep = pinned // a Fireworks model pinned to its deployment
			}
			t.raw, t.Model, t.Deployment, t.pending = t.Model, r.ModelName, dep, ""
			return nil
		}
		return nil
	}
	return nil
}

// callable says why the tuned model cannot be called yet (nil when it can).
func (t Tuned) callable() error {
	if t.pending != "" {
		return fmt.Errorf("%s: %w", t.pending, ErrNotFound)
	}
	return nil
}
