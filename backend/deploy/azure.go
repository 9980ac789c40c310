package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"tracetune/backend/jobs"
	"tracetune/backend/llm"
	"tracetune/backend/store"
)

// Serving on Azure (shared/research/rft-api.md "A deployment is required
// before inference", trainers.md "Deployment of the tuned model"). A model
// fine-tuned on Azure OpenAI answers nothing until it is deployed, and a
// deployment is made through Azure Resource Manager, not the data plane:
// PUT {arm}/subscriptions/{sub}/resourceGroups/{rg}/providers/
// Microsoft.CognitiveServices/accounts/{resource}/deployments/{name}?
// api-version=2024-10-01 with {"sku":{"name":"standard","capacity":N},
// "properties":{"model":{"format":"OpenAI","name":"<fine-tuned model>",
// "version":"1"}}} and an Entra token of the provider's service principal.
// ARM provisions it asynchronously (properties.provisioningState →
// Succeeded, or Failed/Canceled), and even then the data plane may answer
// DeploymentNotReady for a while, so the target sends one tiny chat before
// calling it ready. The model is then called with model = the deployment
// name at the provider's endpoint, which every other part of Step 7 uses.
//
// The deployment is recorded as a created entry (no before-state) before
// the PUT is sent, so Rollback is one DELETE and a wait cut short resumes
// with reads only: the PUT is create-or-update, and a deployment that
// already exists is never PUT again. Hosting bills by the hour whether
// the deployment is used or not, until Rollback deletes it.

// TargetAzure is the target that serves an Azure-fine-tuned model.
const TargetAzure = "azure"

// DefaultAzureCapacity is the capacity (units of 1,000 tokens per minute)
// of a deployment when none is given.
const DefaultAzureCapacity = 1

// AzureCostNote is said before an Azure deployment is created.
const AzureCostNote = "Cost: Azure bills a deployed fine-tuned model's hosting by the hour, whether it is used or not, " +
	"from the moment it is deployed until Rollback deletes it (tokens are billed on top). Capacity is in units of " +
	"1,000 tokens per minute; at capacity 1 Azure allows only about 1 request per minute, so a benchmark crawls: " +
	"raise the capacity if your quota allows."

// azureReadyProbes is how many DeploymentNotReady answers after Succeeded
// count as "still starting" before the wait gives up.
const azureReadyProbes = 30

type azureTarget struct{}

func (azureTarget) Name() string { return TargetAzure }
func (azureTarget) Kind() string { return "" }

// capacity is the options' capacity with its default.
func (o Options) capacity() int {
	if o.Capacity <= 0 {
		return DefaultAzureCapacity
	}
	return o.Capacity
}

// validateAzure checks the options of the azure target: a capacity and a
// job, nothing about gateways or replicas.
func (o Options) validateAzure() error {
	switch {
	case o.Mode != "" && o.Mode != ModeServe:
		return fmt.Errorf("mode %q: the azure target only serves the model (mode serve): %w", o.Mode, ErrInvalid)
	case o.Source != "" || o.Split != 0 || o.ModelName != "" || o.Credential != "":
		return fmt.Errorf("the azure target takes no source, split, model name or credential (it deploys the model on the training provider's resource): %w", ErrInvalid)
	case o.MinReplicas != 0 || o.MaxReplicas != 0:
		return fmt.Errorf("replicas apply to the fireworks target; Azure takes a capacity: %w", ErrInvalid)
	case o.Capacity < 0 || o.Capacity > 1000:
		return fmt.Errorf("capacity %d: give 1–1000 (units of 1,000 tokens per minute): %w", o.Capacity, ErrInvalid)
	}
	return nil
}

// trainedRaw is the model a job produced, before serving renamed it.
func trainedRaw(t Tuned) string {
	if t.raw != "" {
		return t.raw
	}
	return t.Model
}

// azureDeploymentName names a new deployment after the model, ending in
// tail (see serveTail; Azure allows 2–64 letters, digits, -, _ and .).
func azureDeploymentName(model, tail string) string {
	var b strings.Builder
	base, ft, _ := strings.Cut(model, ".ft-")
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 40 {
		name = strings.Trim(name[:40], "-")
	}
	if len(ft) >= 6 {
		name += "-ft" + strings.ToLower(ft[:6])
	}
	return "tt-" + name + "-" + tail
}

func (azureTarget) Plan(ctx context.Context, env Env, o Options) (Plan, error) {
	t := env.Tuned
	raw := trainedRaw(t)
	p := Plan{Target: TargetAzure, Source: t.Provider, Mode: ModeServe, BaseModel: t.BaseModel, Tuned: raw}
	if t.ProviderKind != llm.KindAzure {
		p.Reason = fmt.Sprintf("training job %d's model %s is served by provider %s (%s), not Azure OpenAI: only a model fine-tuned on Azure is deployed there; use a gateway target", t.JobID, raw, t.Provider, t.ProviderKind)
		p.Summary = p.Reason
		return p, nil
	}
	c, err := azureARM(ctx, env.LLM, env.HTTP, t.Provider)
	if err != nil {
		return p, err
	}
	tail, err := serveTail(ctx, env, raw)
	if err != nil {
		return p, err
	}
	name := azureDeploymentName(raw, tail)
	capacity := o.capacity()
	p.ModelName = name
	// Signing in and reading where the deployment would go says which
	// setting is wrong (tenant, client, subscription, resource group,
	// resource, role) before anything is made.
	if _, found, err := c.get(ctx, name); err != nil {
		p.Reason = c.explain("checking provider "+t.Provider+"'s access to Azure", err).Error()
	} else if found {
		p.Reason = fmt.Sprintf("a deployment named %s already exists on resource %s, made outside this dataset's deployments: delete it in the Azure portal, then try again", name, c.cfg.Resource)
	}
	p.Supported = p.Reason == ""
	endpoint := strings.TrimRight(t.BaseURL, "/")
	p.Summary = fmt.Sprintf("Creates the deployment %s on Azure OpenAI resource %s (subscription %s, resource group %s) serving %s, "+
		"sku standard, capacity %d (%d,000 tokens per minute). Once Azure reports it Succeeded and it answers a test request, "+
		"benchmarks, the playground and gateways call it as model %q at %s. Rollback deletes the deployment. %s",
		name, c.cfg.Resource, c.cfg.Subscription, c.cfg.ResourceGroup, raw, capacity, capacity, name, endpoint, AzureCostNote)
	if !p.Supported {
		p.Summary = p.Reason
	}
	body, _ := json.Marshal(azureBody(raw, capacity))
	p.Steps = []string{
		fmt.Sprintf("PUT %s %s", strings.TrimPrefix(c.deploymentURL(name), strings.TrimRight(c.cfg.ARMURL, "/")), body),
		"GET the same URL until properties.provisioningState is Succeeded (Failed or Canceled deletes it)",
		fmt.Sprintf("POST %s/openai/deployments/%s/chat/completions with one tiny message until it answers (DeploymentNotReady means still starting)", endpoint, name),
	}
	served := t
	served.Model = name
	p.Snippet = snippetFor(served, ModeEndpoint, name, 0, nil)
	after := Entry{ID: name, ModelName: name, Params: map[string]any{"provider": t.Provider, "subscription": c.cfg.Subscription,
		"resource_group": c.cfg.ResourceGroup, "resource": c.cfg.Resource, "model": raw, "sku": "standard", "capacity": capacity}}
	p.ops = []op{{change: Change{Op: "create", ID: name, After: after}, body: azureBody(raw, capacity)}}
	return p, nil
}

// Apply creates and waits without progress or resuming: Deploy sends the
// azure target to ServeAzure, which does both.
func (azureTarget) Apply(ctx context.Context, env Env, p Plan, record func(Change) error) error {
	if err := record(p.ops[0].change); err != nil {
		return err
	}
	c, err := azureARM(ctx, env.LLM, env.HTTP, env.Tuned.Provider)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, http.MethodPut, p.ModelName, p.ops[0].body, nil); err != nil {
		return c.explain("creating the deployment "+p.ModelName, err)
	}
	_, err = c.waitProvisioned(ctx, p.ModelName, defaultServePoll, defaultServeTimeout, nil)
	return err
}

// Revert deletes the deployments a serve created, newest first. One that
// is already gone counts as deleted, with a note.
func (azureTarget) Revert(ctx context.Context, env Env, changes []Change) ([]string, error) {
	var notes []string
	for i := len(changes) - 1; i >= 0; i-- {
		ch := changes[i]
		if ch.Op != "create" {
			continue
		}
		c, err := azureARM(ctx, env.LLM, env.HTTP, str(ch.After.Params, "provider"))
		if err != nil {
			return notes, err
		}
		gone, err := c.remove(ctx, ch.ID)
		switch {
		case err != nil:
			return notes, c.explain("deleting the deployment "+ch.ID, err)
		case gone:
			notes = append(notes, fmt.Sprintf("the deployment %s was already gone on Azure", ch.ID))
		}
	}
	return notes, nil
}

var errAzureFailed = errors.New("azure deployment failed")

// waitProvisioned reads the deployment until ARM says Succeeded; Failed,
// Canceled or a deployment that vanished wrap errAzureFailed.
func (c *armClient) waitProvisioned(ctx context.Context, name string, every, limit time.Duration, seen func(armDeployment)) (armDeployment, error) {
	deadline := time.Now().Add(limit)
	for {
		dep, found, err := c.get(ctx, name)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return dep, ctx.Err()
			}
			return dep, c.explain("reading the deployment "+name, err)
		case !found:
			return dep, fmt.Errorf("the deployment %s disappeared on Azure while being created: %w", name, errAzureFailed)
		}
		if seen != nil {
			seen(dep)
		}
		switch st := dep.Properties.ProvisioningState; {
		case strings.EqualFold(st, "Succeeded"):
			return dep, nil
		case strings.EqualFold(st, "Failed"), strings.EqualFold(st, "Canceled"), strings.EqualFold(st, "Deleting"):
			return dep, fmt.Errorf("Azure could not create the deployment %s of %s: its provisioning state is %s (quota, region or model support are the usual causes; the Azure portal's activity log of resource %s has the details): %w",
				name, dep.Properties.Model.Name, st, c.cfg.Resource, errAzureFailed)
		}
		if time.Now().After(deadline) {
			return dep, fmt.Errorf("the deployment %s is still %s after %s", name, dep.Properties.ProvisioningState, limit)
		}
		select {
		case <-ctx.Done():
			return dep, ctx.Err()
		case <-time.After(every):
		}
	}
}

// isAzureServe says whether a deployment is an Azure serve (its own
// layer, like a Fireworks one: gateways route to what it serves).
func isAzureServe(d Deployment) bool { return d.Target == TargetAzure }

// isAnyServe is a serve on either platform.
func isAnyServe(d Deployment) bool { return isServing(d) || isAzureServe(d) }

// ServeAzure makes (or resumes) the dataset's Azure deployment and waits
// until it answers, reporting its state on the way. One Azure deployment
// of a dataset is in effect at a time: an unfinished one is resumed,
// never duplicated; a ready one must be rolled back first.
func (s *Service) ServeAzure(ctx context.Context, datasetID int64, o Options, progress Progress) (Deployment, error) {
	o.Target = TargetAzure
	if o.Mode == "" {
		o.Mode = ModeServe
	}
	if err := o.Validate(); err != nil {
		return Deployment{}, err
	}
	if progress == nil {
		progress = func(int64, int64, string) {}
	}
	cur, ok, err := s.inEffect(ctx, datasetID, isAzureServe)
	if err != nil {
		return Deployment{}, err
	}
	if ok {
		if cur.State == store.DeployApplying {
			return s.finishAzure(ctx, cur, progress)
		}
		return cur, fmt.Errorf("deployment %d already serves %s on Azure as %s (%s): roll it back first: %w", cur.ID, cur.TunedModel, cur.ModelName, cur.State, ErrConflict)
	}
	tuned, err := s.trained(ctx, datasetID, o.JobID)
	if err != nil {
		return Deployment{}, err
	}
	env := Env{DatasetID: datasetID, Tuned: tuned, HTTP: s.HTTP, LLM: s.LLM}
	p, err := azureTarget{}.Plan(ctx, env, o)
	if err != nil {
		return Deployment{}, err
	}
	if !p.Supported {
		return Deployment{}, fmt.Errorf("%s: %s: %w", TargetAzure, p.Reason, ErrUnsupported)
	}
	row, err := s.Store.CreateDeployment(ctx, store.DeploymentRow{DatasetID: datasetID, Target: TargetAzure, Mode: string(ModeServe),
		Source: tuned.Provider, ModelName: p.ModelName, BaseModel: tuned.BaseModel, TunedModel: p.Tuned, Summary: p.Summary, Snippet: p.Snippet})
	if err != nil {
		return Deployment{}, err
	}
	// The deployment goes in the record before the PUT is sent, so a
	// crash between the two still knows which one to look for (and
	// Rollback's DELETE of one never made is harmless).
	b, _ := json.Marshal([]Change{p.ops[0].change})
	if err := s.Store.SaveDeploymentChanges(ctx, row.ID, string(b)); err != nil {
		return Deployment{}, err
	}
	if err := s.Store.SetDeploymentState(ctx, row.ID, store.DeployApplying, "creating "+p.ModelName); err != nil {
		return Deployment{}, err
	}
	row, err = s.Store.Deployment(ctx, row.ID)
	if err != nil {
		return Deployment{}, err
	}
	return s.finishAzure(ctx, toDeployment(row), progress)
}

// finishAzure takes an applying Azure deployment to ready: it PUTs the
// deployment unless Azure already has it, waits for Succeeded, then for a
// test chat to be answered.
func (s *Service) finishAzure(ctx context.Context, d Deployment, progress Progress) (Deployment, error) {
	bg := context.WithoutCancel(ctx)
	if len(d.Changes) == 0 {
		return d, fmt.Errorf("deployment %d records no Azure deployment: roll it back: %w", d.ID, ErrInvalid)
	}
	ch := d.Changes[0]
	name, model := ch.ID, str(ch.After.Params, "model")
	capacity := DefaultAzureCapacity
	if n, ok := ch.After.Params["capacity"].(float64); ok && n > 0 {
		capacity = int(n)
	} else if n, ok := ch.After.Params["capacity"].(int); ok && n > 0 {
		capacity = n
	}
	c, err := azureARM(ctx, s.LLM, s.HTTP, d.Source)
	if err != nil {
		return d, err
	}
	fail := func(err error) (Deployment, error) {
		msg := err.Error()
		notes, rerr := azureTarget{}.Revert(bg, Env{HTTP: s.HTTP, LLM: s.LLM}, d.Changes)
		state := store.DeployFailed
		if rerr != nil {
			state = store.DeployStuck
			msg += fmt.Sprintf("; deleting the deployment also failed (%v): it may still exist and bill by the hour, use Rollback to retry", rerr)
		} else {
			msg += "; the deployment was deleted, nothing is left on Azure"
		}
		_ = s.Store.SetDeploymentState(bg, d.ID, state, msg)
		out, _ := s.Store.Deployment(bg, d.ID)
		res := toDeployment(out)
		res.Notes = notes
		return res, fmt.Errorf("serve on Azure: %s", msg)
	}
	pending := func(msg string, err error) (Deployment, error) {
		_ = s.Store.SetDeploymentState(bg, d.ID, store.DeployApplying, msg)
		out, _ := s.Store.Deployment(bg, d.ID)
		if ctx.Err() != nil {
			return toDeployment(out), &jobs.StopNote{Text: msg, Err: ctx.Err()}
		}
		return toDeployment(out), fmt.Errorf("serve on Azure: %s: %w", msg, err)
	}
	resume := fmt.Sprintf("deploy to azure again to resume the wait (nothing is created twice), or Rollback to delete %s", name)
	progress(0, 4, "checking for the Azure deployment "+name)
	dep, found, err := c.get(ctx, name)
	if err != nil {
		if ctx.Err() != nil {
			return pending("stopped before the deployment was created; "+resume, ctx.Err())
		}
		return pending(c.explain("reading the deployment "+name, err).Error()+"; "+resume, err)
	}
	if found && dep.Properties.Model.Name != model {
		// Not ours: forget it rather than delete someone else's deployment.
		_ = s.Store.SaveDeploymentChanges(bg, d.ID, "[]")
		msg := fmt.Sprintf("a deployment named %s already exists on resource %s serving %s, not %s; nothing was created", name, c.cfg.Resource, dep.Properties.Model.Name, model)
		_ = s.Store.SetDeploymentState(bg, d.ID, store.DeployFailed, msg)
		out, _ := s.Store.Deployment(bg, d.ID)
		return toDeployment(out), fmt.Errorf("serve on Azure: %s: %w", msg, ErrConflict)
	}
	if !found {
		progress(0, 4, fmt.Sprintf("creating the Azure deployment %s (capacity %d)", name, capacity))
		if _, err := c.do(ctx, http.MethodPut, name, azureBody(model, capacity), nil); err != nil {
			return fail(c.explain("creating the deployment "+name, err))
		}
	}
	progress(1, 4, "created "+name+"; waiting for Azure to provision it")
	poll, limit := s.servePoll(), s.ServeTimeout
	if limit <= 0 {
		limit = defaultServeTimeout
	}
	start := time.Now()
	_, err = c.waitProvisioned(ctx, name, poll, limit, func(dep armDeployment) {
		progress(2, 4, fmt.Sprintf("%s: %s for %s", name, dep.Properties.ProvisioningState, time.Since(start).Round(time.Second)))
	})
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return pending(fmt.Sprintf("stopped waiting: %s is being provisioned on Azure and bills by the hour once deployed; %s", name, resume), ctx.Err())
	case errors.Is(err, errAzureFailed):
		return fail(err)
	default:
		return pending(fmt.Sprintf("%v; %s was created and may still become ready: %s", err, name, resume), err)
	}
	// Succeeded is not yet answering: probe with one tiny chat.
	cl, err := s.LLM.Client(ctx, d.Source)
	if err != nil {
		return pending(fmt.Sprintf("%v; %s", err, resume), err)
	}
	pctx := llm.WithAction(ctx, d.DatasetID, "deploy")
	for i := 1; ; i++ {
		progress(3, 4, fmt.Sprintf("%s: Succeeded; sending a test request (try %d)", name, i))
		_, err = cl.Chat(pctx, openai.ChatCompletionRequest{Model: name, Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Reply with OK."}}})
		var le *llm.Error
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return pending(fmt.Sprintf("stopped waiting: %s is deployed and bills by the hour, but has not answered yet; %s", name, resume), ctx.Err())
		case errors.As(err, &le) && (le.Code == "DeploymentNotReady" || le.Code == "DeploymentNotFound") && i < azureReadyProbes && time.Since(start) < limit:
			progress(3, 4, fmt.Sprintf("%s: Succeeded, still starting (Azure: %s)", name, le.Code))
			select {
			case <-ctx.Done():
				return pending(fmt.Sprintf("stopped waiting: %s is deployed and bills by the hour, but has not answered yet; %s", name, resume), ctx.Err())
			case <-time.After(poll):
			}
			continue
		default:
			return pending(fmt.Sprintf("%s is deployed (and bills by the hour) but the test request failed: %v; fix the provider's endpoint or API key, then %s", name, err, resume), err)
		}
		break
	}
	endpoint := strings.TrimRight(cl.BaseURL(), "/")
	msg := fmt.Sprintf("ready: call model %q at %s (capacity %d; hosting bills by the hour until Rollback deletes it)", name, endpoint, capacity)
	if err := s.Store.SetDeploymentState(bg, d.ID, store.DeployActive, msg); err != nil {
		return d, err
	}
	// The deployment name becomes a model of the Azure provider in
	// Tracetune, so the playground and dry runs can pick it.
	var jobID int64
	if t, err := s.trained(bg, d.DatasetID, 0); err == nil && trainedRaw(t) == d.TunedModel {
		jobID = t.JobID
	}
	if err := s.Store.RegisterTunedModel(bg, store.TunedModelRow{DatasetID: d.DatasetID, Provider: d.Source, Model: name,
		BaseModel: d.BaseModel, JobID: jobID, DeploymentID: d.ID}); err != nil {
		return d, err
	}
	progress(4, 4, msg)
	out, err := s.Store.Deployment(bg, d.ID)
	return toDeployment(out), err
}

// AzureServingCheck reads the state of the dataset's unfinished Azure
// deployment once, without waiting: Succeeded goes on to the test request,
// Failed or Canceled deletes it. found is false when none is unfinished.
func (s *Service) AzureServingCheck(ctx context.Context, datasetID int64) (Deployment, bool, error) {
	cur, ok, err := s.inEffect(ctx, datasetID, isAzureServe)
	if err != nil || !ok || cur.State != store.DeployApplying || len(cur.Changes) == 0 {
		return cur, false, err
	}
	c, err := azureARM(ctx, s.LLM, s.HTTP, cur.Source)
	if err != nil {
		return cur, true, err
	}
	name := cur.Changes[0].ID
	dep, found, err := c.get(ctx, name)
	if err != nil {
		return cur, true, c.explain("reading the deployment "+name, err)
	}
	if !found {
		cur.Notes = append(cur.Notes, fmt.Sprintf("%s does not exist on Azure yet: deploy to azure again to create it, or Rollback", name))
		return cur, true, nil
	}
	if st := dep.Properties.ProvisioningState; strings.EqualFold(st, "Creating") || strings.EqualFold(st, "Accepted") || strings.EqualFold(st, "Updating") {
		cur.Notes = append(cur.Notes, fmt.Sprintf("%s is %s on Azure", name, st))
		return cur, true, nil
	}
	d, err := s.finishAzure(ctx, cur, nil)
	return d, true, err
}

// PendingAzureServes lists the datasets with an Azure deployment still
// being waited for, so the app can resume the waits when it starts.
func PendingAzureServes(ctx context.Context, st *store.Store) ([]int64, error) {
	return pendingWaits(ctx, st, TargetAzure)
}

// servedAzure points an Azure-fine-tuned model at the deployment that
// serves it, when one is ready; otherwise it notes why the model cannot
// be called yet.
func (s *Service) servedAzure(ctx context.Context, datasetID int64, t *Tuned) error {
	if t.ProviderKind != llm.KindAzure || s.Store == nil {
		return nil
	}
	rows, err := s.Store.Deployments(ctx, datasetID)
	if err != nil {
		return err
	}
	t.pending = fmt.Sprintf("the tuned model %s was fine-tuned on Azure OpenAI, which answers only once it is deployed: serve it first (Deploy → Serve on Azure, or tracetune deploy --target azure)", t.Model)
	for _, r := range rows {
		if r.Target != TargetAzure || r.TunedModel != t.Model || !inEffectState(r.State) {
			continue
		}
		if r.State != store.DeployActive {
			t.pending = fmt.Sprintf("the Azure deployment of %s (deployment %d, %s) is not ready yet (%s): wait for it, or roll it back", t.Model, r.ID, r.ModelName, r.State)
			return nil
		}
		t.raw, t.Model, t.Deployment, t.pending = t.Model, r.ModelName, r.ModelName, ""
		return nil
	}
	return nil
}
