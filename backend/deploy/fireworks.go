package deploy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"tracetune/backend/jobs"
	"tracetune/backend/llm"
	"tracetune/backend/store"
)

// Serving on Fireworks (shared/research/trainers.md §1.4). A model trained
// with Fireworks RFT is a LoRA, which Fireworks serves only on an on-demand
// deployment, never serverless, so until one serves it no benchmark,
// playground or gateway can call it. The fireworks target creates that
// deployment with live merge — POST /v1/accounts/{acct}/deployments?
// deploymentId=ID with {"baseModel":"accounts/{acct}/models/{lora}",
// "minReplicaCount":0,"maxReplicaCount":1} (passing the LoRA as baseModel is
// firectl's "deployment create <lora>" in REST form, UNVERIFIED without a
// live account) — and waits for it to go CREATING → READY. The model is
// then called as "accounts/{acct}/models/{lora}#accounts/{acct}/deployments/
// {ID}" at the provider's /inference/v1 (the suffix pins the deployment;
// LiteLLM's docs use the same form), which every other part of Step 7
// uses as the tuned model. The deployment is recorded as a created entry
// (no before-state), so Rollback is one DELETE; a FAILED deployment is
// deleted at once. A wait cut short (app closed, job stopped) leaves the
// deployment and the record "applying": deploying to fireworks again
// resumes the wait, never creating a second one.

// TargetFireworks is the target that serves a Fireworks-trained model.
const TargetFireworks = "fireworks"

// ModeServe is the fireworks target's one mode: serve the tuned model on
// an on-demand deployment of its own.
const ModeServe Mode = "serve"

// DefaultMaxReplicas is the replicas a Fireworks deployment may scale up
// to when none is given; the minimum defaults to 0 (scale to zero).
const DefaultMaxReplicas = 1

// FireworksCostNote is said before a Fireworks deployment is created.
const FireworksCostNote = "Cost: Fireworks bills an on-demand deployment per GPU-second while a replica runs, not per token " +
	"(benchmarks and playground calls wake it up). With min replicas 0 (the default) it scales to zero after 1 h without " +
	"traffic and costs nothing at zero; the next request then waits for a cold start of up to a few minutes, and Fireworks " +
	"deletes it after 7 days without traffic. With min replicas 1 or more it bills around the clock until Rollback deletes it."

// Default pacing of the wait for READY.
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

type fireworksTarget struct{}

func (fireworksTarget) Name() string { return TargetFireworks }
func (fireworksTarget) Kind() string { return "" }

// trainedModel is the model a job produced, without a deployment suffix.
func trainedModel(t Tuned) string {
	m, _, _ := strings.Cut(t.Model, "#")
	return m
}

// replicas are the options' replica counts with their defaults.
func (o Options) replicas() (lo, hi int) {
	hi = o.MaxReplicas
	if hi == 0 {
		hi = max(DefaultMaxReplicas, o.MinReplicas)
	}
	return o.MinReplicas, hi
}

func (fireworksTarget) Plan(ctx context.Context, env Env, o Options) (Plan, error) {
	t := env.Tuned
	raw := trainedModel(t)
	p := Plan{Target: TargetFireworks, Source: t.Provider, Mode: ModeServe, BaseModel: t.BaseModel, Tuned: raw}
	if t.ProviderKind != llm.KindFireworks {
		p.Reason = fmt.Sprintf("training job %d's model %s is served by provider %s (%s), not Fireworks: only a model trained on Fireworks is served there; use a gateway target", t.JobID, raw, t.Provider, t.ProviderKind)
		p.Summary = p.Reason
		return p, nil
	}
	c, err := fireworksClient(ctx, env.LLM, env.HTTP, t.Provider)
	if err != nil {
		return p, err
	}
	tail, err := serveTail(ctx, env, raw)
	if err != nil {
		return p, err
	}
	id := deploymentID(raw, tail)
	lo, hi := o.replicas()
	p.ModelName = raw + "#" + c.deployment(id)
	var m struct {
		State string `json:"state"`
	}
	if err := c.do(ctx, http.MethodGet, "/models/"+url.PathEscape(lastPart(raw)), nil, &m); err != nil {
		p.Reason = c.explain("reading the tuned model "+raw, err).Error()
	} else if m.State != "READY" {
		p.Reason = fmt.Sprintf("the tuned model %s is %s on Fireworks, not READY yet: wait for training to finish writing it", raw, m.State)
	}
	p.Supported = p.Reason == ""
	scale := "scales to zero when idle"
	if lo > 0 {
		scale = fmt.Sprintf("keeps %d replica(s) running", lo)
	}
	p.Summary = fmt.Sprintf("Creates the on-demand deployment %s on Fireworks account %s serving %s (live merge of the LoRA), %d–%d replicas: it %s. "+
		"Once READY, benchmarks, the playground and gateways call it as %q at %s. Rollback deletes the deployment. %s",
		c.deployment(id), c.account, raw, lo, hi, scale, p.ModelName, strings.TrimRight(t.BaseURL, "/"), FireworksCostNote)
	if !p.Supported {
		p.Summary = p.Reason
	}
	body, _ := json.Marshal(deployBody(raw, lo, hi))
	p.Steps = []string{
		fmt.Sprintf("POST /v1/accounts/%s/deployments?deploymentId=%s %s", c.account, id, body),
		fmt.Sprintf("GET /v1/accounts/%s/deployments/%s until its state is READY (CREATING takes minutes; FAILED deletes it)", c.account, id),
	}
	served := t
	served.Model = p.ModelName
	p.Snippet = snippetFor(served, ModeEndpoint, p.ModelName, 0, nil)
	p.ops = []op{{change: Change{Op: "create", ID: c.deployment(id)}, body: deployBody(raw, lo, hi)}}
	return p, nil
}

// Apply is Serve's create and wait without progress: Deploy sends the
// fireworks target to Serve, which can resume.
func (fireworksTarget) Apply(ctx context.Context, env Env, p Plan, record func(Change) error) error {
	c, err := fireworksClient(ctx, env.LLM, env.HTTP, env.Tuned.Provider)
	if err != nil {
		return err
	}
	ch, err := c.create(ctx, p, env.Tuned.Provider, record)
	if err != nil {
		return err
	}
	_, err = c.wait(ctx, ch.ID, defaultServePoll, defaultServeTimeout, nil)
	return err
}

// Revert deletes the deployments a serve created, newest first. One that
// is already gone (deleted by hand, or by Fireworks after 7 idle days)
// counts as deleted, with a note.
func (fireworksTarget) Revert(ctx context.Context, env Env, changes []Change) ([]string, error) {
	var notes []string
	for i := len(changes) - 1; i >= 0; i-- {
		ch := changes[i]
		if ch.Op != "create" {
			continue
		}
		c, err := fireworksClient(ctx, env.LLM, env.HTTP, str(ch.After.Params, "provider"))
		if err != nil {
			return notes, err
		}
		err = c.do(ctx, http.MethodDelete, "/deployments/"+url.PathEscape(lastPart(ch.ID)), nil, nil)
		var fe *fwAPIError
		switch {
		case errors.As(err, &fe) && fe.HTTP == http.StatusNotFound:
			notes = append(notes, fmt.Sprintf("%s was already gone on Fireworks", ch.ID))
		case err != nil:
			return notes, c.explain("deleting "+ch.ID, err)
		}
	}
	return notes, nil
}

// Serve makes (or resumes) the dataset's Fireworks deployment and waits
// until it is READY, reporting the state on the way. One Fireworks
// deployment of a dataset is in effect at a time: an unfinished one is
// resumed, never duplicated; a READY one must be rolled back first.
func (s *Service) Serve(ctx context.Context, datasetID int64, o Options, progress Progress) (Deployment, error) {
	o.Target = TargetFireworks
	if o.Mode == "" {
		o.Mode = ModeServe
	}
	if err := o.Validate(); err != nil {
		return Deployment{}, err
	}
	if progress == nil {
		progress = func(int64, int64, string) {}
	}
	cur, ok, err := s.inEffect(ctx, datasetID, isServing)
	if err != nil {
		return Deployment{}, err
	}
	if ok {
		if cur.State == store.DeployApplying {
			return s.finishServe(ctx, cur, progress)
		}
		return cur, fmt.Errorf("deployment %d already serves %s on Fireworks (%s): roll it back first: %w", cur.ID, cur.TunedModel, cur.State, ErrConflict)
	}
	tuned, err := s.trained(ctx, datasetID, o.JobID)
	if err != nil {
		return Deployment{}, err
	}
	env := Env{DatasetID: datasetID, Tuned: tuned, HTTP: s.HTTP, LLM: s.LLM}
	p, err := fireworksTarget{}.Plan(ctx, env, o)
	if err != nil {
		return Deployment{}, err
	}
	if !p.Supported {
		return Deployment{}, fmt.Errorf("%s: %s: %w", TargetFireworks, p.Reason, ErrUnsupported)
	}
	row, err := s.Store.CreateDeployment(ctx, store.DeploymentRow{DatasetID: datasetID, Target: TargetFireworks, Mode: string(ModeServe),
		Source: tuned.Provider, ModelName: p.ModelName, BaseModel: tuned.BaseModel, TunedModel: p.Tuned, Summary: p.Summary, Snippet: p.Snippet})
	if err != nil {
		return Deployment{}, err
	}
	// The planned request goes in the record before it is sent, so a
	// crash between the two still knows which deployment to look for.
	b, _ := json.Marshal(p.ops[0].body)
	if err := s.Store.SetDeploymentState(ctx, row.ID, store.DeployApplying, "creating: "+string(b)); err != nil {
		return Deployment{}, err
	}
	row, err = s.Store.Deployment(ctx, row.ID)
	if err != nil {
		return Deployment{}, err
	}
	return s.finishServe(ctx, toDeployment(row), progress)
}

// finishServe takes an applying Fireworks deployment to READY: it creates
// the remote deployment unless the record or Fireworks already has it,
// then waits.
func (s *Service) finishServe(ctx context.Context, d Deployment, progress Progress) (Deployment, error) {
	bg := context.WithoutCancel(ctx)
	c, err := fireworksClient(ctx, s.LLM, s.HTTP, d.Source)
	if err != nil {
		return d, err
	}
	_, pinned, _ := strings.Cut(d.ModelName, "#")
	id := lastPart(pinned)
	done := d.Changes
	record := func(ch Change) error {
		done = append(done, ch)
		b, _ := json.Marshal(done)
		return s.Store.SaveDeploymentChanges(bg, d.ID, string(b))
	}
	fail := func(err error) (Deployment, error) {
		msg := err.Error()
		notes, rerr := fireworksTarget{}.Revert(bg, Env{HTTP: s.HTTP, LLM: s.LLM}, done)
		state := store.DeployFailed
		switch {
		case rerr != nil:
			state = store.DeployStuck
			msg += fmt.Sprintf("; deleting the deployment also failed (%v): it may still exist and bill, use Rollback to retry", rerr)
		case len(done) > 0:
			msg += "; the deployment was deleted, nothing is left on Fireworks"
		default:
			msg += "; nothing was created"
		}
		_ = s.Store.SetDeploymentState(bg, d.ID, state, msg)
		out, _ := s.Store.Deployment(bg, d.ID)
		res := toDeployment(out)
		res.Notes = notes
		return res, fmt.Errorf("serve on Fireworks: %s", msg)
	}
	if len(done) == 0 {
		lo, hi := d.replicasFromMessage()
		p := Plan{Tuned: d.TunedModel, ops: []op{{change: Change{Op: "create", ID: c.deployment(id)}, body: deployBody(d.TunedModel, lo, hi)}}}
		progress(0, 3, "creating the Fireworks deployment "+c.deployment(id))
		if _, err := c.create(ctx, p, d.Source, record); err != nil {
			return fail(err)
		}
	}
	progress(1, 3, "created "+c.deployment(id)+"; waiting for it to be READY")
	poll, limit := s.servePoll(), s.ServeTimeout
	if limit <= 0 {
		limit = defaultServeTimeout
	}
	start := time.Now()
	dep, err := c.wait(ctx, id, poll, limit, func(dep fwDeployment) {
		progress(2, 3, fmt.Sprintf("%s: %s for %s (replicas %d–%d)", c.deployment(id), dep.State, time.Since(start).Round(time.Second), dep.MinReplicaCount, dep.MaxReplicaCount))
	})
	switch {
	case err == nil:
	case ctx.Err() != nil:
		msg := fmt.Sprintf("stopped waiting: %s is still being created on Fireworks and bills GPU time once a replica runs; deploy to fireworks again to resume the wait, or Rollback to delete it", c.deployment(id))
		_ = s.Store.SetDeploymentState(bg, d.ID, store.DeployApplying, msg)
		out, _ := s.Store.Deployment(bg, d.ID)
		return toDeployment(out), &jobs.StopNote{Text: msg, Err: ctx.Err()}
	case errors.Is(err, errDeploymentFailed):
		return fail(err)
	default:
		// Fireworks did not answer: the deployment may well become READY.
		msg := fmt.Sprintf("%v; %s was created and may still become READY: deploy to fireworks again to resume the wait, or Rollback to delete it", err, c.deployment(id))
		_ = s.Store.SetDeploymentState(bg, d.ID, store.DeployApplying, msg)
		out, _ := s.Store.Deployment(bg, d.ID)
		return toDeployment(out), fmt.Errorf("serve on Fireworks: %s", msg)
	}
	msg := fmt.Sprintf("READY: call %s at %s (replicas %d–%d)", d.ModelName, c.inference, dep.MinReplicaCount, dep.MaxReplicaCount)
	if err := s.Store.SetDeploymentState(bg, d.ID, store.DeployActive, msg); err != nil {
		return d, err
	}
	// The served name becomes a model of the Fireworks provider in
	// Tracetune, so the playground and dry runs can pick it.
	var jobID int64
	if t, err := s.trained(bg, d.DatasetID, 0); err == nil && trainedModel(t) == d.TunedModel {
		jobID = t.JobID
	}
	if err := s.Store.RegisterTunedModel(bg, store.TunedModelRow{DatasetID: d.DatasetID, Provider: d.Source, Model: d.ModelName,
		BaseModel: d.BaseModel, JobID: jobID, DeploymentID: d.ID}); err != nil {
		return d, err
	}
	progress(3, 3, msg)
	out, err := s.Store.Deployment(bg, d.ID)
	return toDeployment(out), err
}

// replicasFromMessage reads back the replica counts the record's
// "creating: {body}" message planned (defaults when it says nothing).
func (d Deployment) replicasFromMessage() (lo, hi int) {
	var b struct {
		Min int `json:"minReplicaCount"`
		Max int `json:"maxReplicaCount"`
	}
	if j, ok := strings.CutPrefix(d.Message, "creating: "); ok && json.Unmarshal([]byte(j), &b) == nil && b.Max > 0 {
		return b.Min, b.Max
	}
	return 0, DefaultMaxReplicas
}

// ServingCheck reads the state of the dataset's unfinished Fireworks
// deployment once, without waiting: READY makes it active, FAILED deletes
// it. found is false when none is unfinished. deploy status uses it.
func (s *Service) ServingCheck(ctx context.Context, datasetID int64) (Deployment, bool, error) {
	cur, ok, err := s.inEffect(ctx, datasetID, isServing)
	if err != nil || !ok || cur.State != store.DeployApplying || len(cur.Changes) == 0 {
		return cur, false, err
	}
	c, err := fireworksClient(ctx, s.LLM, s.HTTP, cur.Source)
	if err != nil {
		return cur, true, err
	}
	var dep fwDeployment
	if err := c.do(ctx, http.MethodGet, "/deployments/"+url.PathEscape(lastPart(cur.Changes[0].ID)), nil, &dep); err != nil {
		return cur, true, c.explain("reading "+cur.Changes[0].ID, err)
	}
	if dep.State == "READY" || dep.State == "FAILED" {
		// One more pass through the wait settles it either way.
		d, err := s.finishServe(ctx, cur, nil)
		return d, true, err
	}
	cur.Notes = append(cur.Notes, fmt.Sprintf("%s is %s on Fireworks", cur.Changes[0].ID, dep.State))
	return cur, true, nil
}

// PendingServes lists the datasets with a Fireworks deployment still being
// waited for, so the app can resume the waits when it starts.
func PendingServes(ctx context.Context, st *store.Store) ([]int64, error) {
	return pendingWaits(ctx, st, TargetFireworks)
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

// isServing says whether a deployment is a Fireworks serve (its own
// layer: gateway deployments route to what it serves).
func isServing(d Deployment) bool { return d.Target == TargetFireworks }

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

func isGateway(d Deployment) bool { return !isServing(d) && !isAzureServe(d) }

// served points a Fireworks-trained model at the deployment that serves
// it, when one is READY; otherwise it notes why the model cannot be
// called yet (callable says so).
func (s *Service) served(ctx context.Context, datasetID int64, t *Tuned) error {
	if t.ProviderKind != llm.KindFireworks || s.Store == nil {
		return nil
	}
	rows, err := s.Store.Deployments(ctx, datasetID)
	if err != nil {
		return err
	}
	t.pending = fmt.Sprintf("the tuned model %s is a Fireworks LoRA, which Fireworks serves only on an on-demand deployment: serve it first (Deploy → fireworks, or tracetune deploy --target fireworks)", t.Model)
	for _, r := range rows {
		if r.Target != TargetFireworks || r.TunedModel != t.Model || !inEffectState(r.State) {
			continue
		}
		if r.State != store.DeployActive {
			t.pending = fmt.Sprintf("the Fireworks deployment of %s (deployment %d) is not READY yet (%s): wait for it, or roll it back", t.Model, r.ID, r.State)
			return nil
		}
		_, dep, _ := strings.Cut(r.ModelName, "#")
		t.Model, t.Deployment, t.pending = r.ModelName, dep, ""
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

func deployBody(model string, lo, hi int) map[string]any {
	return map[string]any{"baseModel": model, "minReplicaCount": lo, "maxReplicaCount": hi}
}

// deploymentID names a new deployment after the model, ending in tail
// (see serveTail).
func deploymentID(model, tail string) string {
	var b strings.Builder
	for _, r := range strings.ToLower("tt-" + lastPart(model)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if len(base) > 55 {
		base = strings.Trim(base[:55], "-")
	}
	return base + "-" + tail
}

// serveTail is the 6 hex digits that end the name of the next deployment
// serving model for the dataset. It is the same for the Preview and the
// Deploy that follows (the name the user confirmed is the one created),
// and new once the dataset has one more deployment (Fireworks may keep a
// deleted deployment's id for a while): a hash of the dataset, the
// training job, the model and the dataset's count of deployments. Random
// without a store.
func serveTail(ctx context.Context, env Env, model string) (string, error) {
	if env.LLM == nil || env.LLM.Store == nil {
		b := make([]byte, 3)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return hex.EncodeToString(b), nil
	}
	ds, err := env.LLM.Store.Dataset(ctx, env.DatasetID)
	if err != nil {
		return "", err
	}
	rows, err := env.LLM.Store.Deployments(ctx, env.DatasetID)
	if err != nil {
		return "", err
	}
	// The dataset's creation time tells apart two databases (a reinstall)
	// serving the same model from their dataset 1.
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d/%d/%d/%d/%s", env.DatasetID, ds.CreatedAt.UnixNano(), env.Tuned.JobID, len(rows), model)))
	return hex.EncodeToString(sum[:3]), nil
}

// validateServe checks the options of the fireworks target, which takes
// replicas and a job, nothing about gateways.
func (o Options) validateServe() error {
	switch {
	case o.Mode != "" && o.Mode != ModeServe:
		return fmt.Errorf("mode %q: the fireworks target only serves the model (mode serve): %w", o.Mode, ErrInvalid)
	case o.Source != "" || o.Split != 0 || o.ModelName != "" || o.Credential != "":
		return fmt.Errorf("the fireworks target takes no source, split, model name or credential (it serves the model on the training provider's account): %w", ErrInvalid)
	case o.MinReplicas < 0 || o.MaxReplicas < 0:
		return fmt.Errorf("replicas: give counts of 0 or more: %w", ErrInvalid)
	case o.MaxReplicas > 0 && o.MinReplicas > o.MaxReplicas:
		return fmt.Errorf("min replicas %d is above max replicas %d: %w", o.MinReplicas, o.MaxReplicas, ErrInvalid)
	case o.MinReplicas > 64 || o.MaxReplicas > 64:
		return fmt.Errorf("replicas: at most 64 (each one bills GPU time): %w", ErrInvalid)
	}
	return nil
}

// revertible are the changes Rollback undoes: for a Fireworks deployment
// that died before its create was recorded, the create it planned (a
// DELETE of a deployment that never came is harmless).
func revertible(d Deployment) []Change {
	if !isServing(d) || len(d.Changes) > 0 {
		return d.Changes
	}
	_, pinned, ok := strings.Cut(d.ModelName, "#")
	if !ok {
		return nil
	}
	return []Change{{Op: "create", ID: pinned, After: Entry{ID: pinned, ModelName: d.ModelName, Params: map[string]any{"provider": d.Source}}}}
}

// litellmFireworks is LiteLLM's provider route for Fireworks: it calls
// https://api.fireworks.ai/inference/v1 and reads FIREWORKS_API_KEY
// (docs.litellm.ai/docs/providers/fireworks_ai, which also shows the
// "model#accounts/…/deployments/…" form).
const litellmFireworks = "fireworks_ai"

// litellmProvider is the LiteLLM provider route of a Tracetune provider
// kind in a snippet.
func litellmProvider(kind string) string {
	if kind == llm.KindFireworks {
		return litellmFireworks
	}
	return kindFamily(kind)
}
