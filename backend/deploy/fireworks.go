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
	"strings"

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

type fireworksTarget struct{}

func (fireworksTarget) Name() string { return TargetFireworks }

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

// remove deletes one deployment. One that is already gone (deleted by
// hand, or by Fireworks after 7 idle days) counts as deleted, with a note.
func (fireworksTarget) remove(ctx context.Context, env Env, ch Change) (string, error) {
	c, err := fireworksClient(ctx, env.LLM, env.HTTP, str(ch.After.Params, "provider"))
	if err != nil {
		return "", err
	}
	err = c.do(ctx, http.MethodDelete, "/deployments/"+url.PathEscape(lastPart(ch.ID)), nil, nil)
	var fe *fwAPIError
	switch {
	case errors.As(err, &fe) && fe.HTTP == http.StatusNotFound:
		return fmt.Sprintf("%s was already gone on Fireworks", ch.ID), nil
	case err != nil:
		return "", c.explain("deleting "+ch.ID, err)
	}
	return "", nil
}

// Serve makes (or resumes) the dataset's Fireworks deployment and waits
// until it is READY, reporting the state on the way. One Fireworks
// deployment of a dataset is in effect at a time: an unfinished one is
// resumed, never duplicated; a READY one must be rolled back first.
func (s *Service) Serve(ctx context.Context, datasetID int64, o Options, progress Progress) (Deployment, error) {
	return s.serve(ctx, fireworksTarget{}, datasetID, o, progress)
}

func (fireworksTarget) servesAs(Deployment) string { return "on Fireworks" }

// intent: the planned request goes in the record's message; the create is
// recorded once Fireworks made it (Rollback plans its delete without).
func (fireworksTarget) intent(p Plan) ([]Change, string) {
	b, _ := json.Marshal(p.ops[0].body)
	return nil, "creating: " + string(b)
}

func (fireworksTarget) open(ctx context.Context, s *Service, d Deployment) (servingSession, error) {
	c, err := fireworksClient(ctx, s.LLM, s.HTTP, d.Source)
	if err != nil {
		return nil, err
	}
	_, pinned, _ := strings.Cut(d.ModelName, "#")
	return fwServing{c: c, d: d, id: lastPart(pinned)}, nil
}

// fwServing is one applying Fireworks deployment.
type fwServing struct {
	c  fwClient
	d  Deployment
	id string
}

func (f fwServing) words() servingWords {
	name := f.c.deployment(f.id)
	return servingWords{label: "Fireworks", steps: 3, name: name, what: name, ready: "READY", waiting: "waiting for it to be READY",
		creating: name + " is still being created on Fireworks and bills GPU time once a replica runs",
		resume:   "deploy to fireworks again to resume the wait, or Rollback to delete it", bill: "bill", failed: errServeFailed}
}

// create POSTs the deployment unless the record has it already.
func (f fwServing) create(ctx context.Context, done []Change, record func(Change) error, progress Progress) error {
	if len(done) > 0 {
		return nil
	}
	lo, hi := f.d.replicasFromMessage()
	name := f.c.deployment(f.id)
	p := Plan{Tuned: f.d.TunedModel, ops: []op{{change: Change{Op: "create", ID: name}, body: deployBody(f.d.TunedModel, lo, hi)}}}
	progress(0, 3, "creating the Fireworks deployment "+name)
	_, err := f.c.create(ctx, p, f.d.Source, record)
	return err
}

func (f fwServing) read(ctx context.Context) (remote, error) {
	var dep fwDeployment
	err := f.c.do(ctx, http.MethodGet, "/deployments/"+url.PathEscape(f.id), nil, &dep)
	name := f.c.deployment(f.id)
	r := remote{state: dep.State, ready: dep.State == "READY", moving: dep.State != "READY" && dep.State != "FAILED",
		detail: fmt.Sprintf(" (replicas %d–%d)", dep.MinReplicaCount, dep.MaxReplicaCount)}
	var fe *fwAPIError
	r.absent = errors.As(err, &fe) && fe.HTTP == http.StatusNotFound
	if err != nil {
		return r, f.c.explain("reading "+name, err)
	}
	switch dep.State {
	case "FAILED", "DELETING", "DELETED":
		reason := dep.Status.Message
		if reason == "" {
			reason = "no reason given"
		}
		r.failure = fmt.Errorf("Fireworks could not create %s: it is %s (%s: %s): %w", name, dep.State, dep.Status.Code, reason, errServeFailed)
	}
	return r, nil
}

// answer: a READY deployment answers.
func (f fwServing) answer(_ context.Context, r remote, _ pace, _ Progress) (string, error) {
	return fmt.Sprintf("READY: call %s at %s%s", f.d.ModelName, f.c.inference, r.detail), nil
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
	return s.servingCheck(ctx, fireworksTarget{}, datasetID)
}

// PendingServes lists the datasets with a Fireworks deployment still being
// waited for, so the app can resume the waits when it starts.
func PendingServes(ctx context.Context, st *store.Store) ([]int64, error) {
	return pendingWaits(ctx, st, TargetFireworks)
}

func (fireworksTarget) trainer() string { return llm.KindFireworks }

func (fireworksTarget) unserved(model string) string {
	return fmt.Sprintf("the tuned model %s is a Fireworks LoRA, which Fireworks serves only on an on-demand deployment: serve it first (Deploy → fireworks, or tracetune deploy --target fireworks)", model)
}

func (fireworksTarget) notReady(model string, r store.DeploymentRow) string {
	return fmt.Sprintf("the Fireworks deployment of %s (deployment %d) is not READY yet (%s): wait for it, or roll it back", model, r.ID, r.State)
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
	if d.Target != TargetFireworks || len(d.Changes) > 0 {
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
