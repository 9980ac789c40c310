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
	raw := trainedModel(t)
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

// remove deletes one deployment. One that is already gone counts as
// deleted, with a note.
func (azureTarget) remove(ctx context.Context, env Env, ch Change) (string, error) {
	c, err := azureARM(ctx, env.LLM, env.HTTP, str(ch.After.Params, "provider"))
	if err != nil {
		return "", err
	}
	gone, err := c.remove(ctx, ch.ID)
	switch {
	case err != nil:
		return "", c.explain("deleting the deployment "+ch.ID, err)
	case gone:
		return fmt.Sprintf("the deployment %s was already gone on Azure", ch.ID), nil
	}
	return "", nil
}

// errAzureFailed is an Azure deployment that can never become ready.
var errAzureFailed = fmt.Errorf("azure %w", errServeFailed)

// ServeAzure makes (or resumes) the dataset's Azure deployment and waits
// until it answers, reporting its state on the way. One Azure deployment
// of a dataset is in effect at a time: an unfinished one is resumed,
// never duplicated; a ready one must be rolled back first.
func (s *Service) ServeAzure(ctx context.Context, datasetID int64, o Options, progress Progress) (Deployment, error) {
	return s.serve(ctx, azureTarget{}, datasetID, o, progress)
}

func (azureTarget) servesAs(d Deployment) string { return "on Azure as " + d.ModelName }

// intent: the deployment goes in the record before the PUT is sent
// (Rollback's DELETE of one never made is harmless).
func (azureTarget) intent(p Plan) ([]Change, string) {
	return []Change{p.ops[0].change}, "creating " + p.ModelName
}

func (azureTarget) open(ctx context.Context, s *Service, d Deployment) (servingSession, error) {
	if len(d.Changes) == 0 {
		return nil, fmt.Errorf("deployment %d records no Azure deployment: roll it back: %w", d.ID, ErrInvalid)
	}
	ch := d.Changes[0]
	a := azServing{s: s, d: d, name: ch.ID, model: str(ch.After.Params, "model"), capacity: DefaultAzureCapacity}
	if n, ok := ch.After.Params["capacity"].(float64); ok && n > 0 {
		a.capacity = int(n)
	} else if n, ok := ch.After.Params["capacity"].(int); ok && n > 0 {
		a.capacity = n
	}
	var err error
	if a.c, err = azureARM(ctx, s.LLM, s.HTTP, d.Source); err != nil {
		return nil, err
	}
	return a, nil
}

// azServing is one applying Azure deployment.
type azServing struct {
	s           *Service
	c           *armClient
	d           Deployment
	name, model string
	capacity    int
}

func (a azServing) words() servingWords {
	return servingWords{label: "Azure", steps: 4, name: a.name, what: "the deployment " + a.name, ready: "ready", waiting: "waiting for Azure to provision it",
		creating: a.name + " is being provisioned on Azure and bills by the hour once deployed",
		resume:   fmt.Sprintf("deploy to azure again to resume the wait (nothing is created twice), or Rollback to delete %s", a.name),
		bill:     "bill by the hour", failed: errAzureFailed}
}

// create PUTs the deployment unless Azure already has it: the record
// names it before it exists, so Azure is asked.
func (a azServing) create(ctx context.Context, _ []Change, _ func(Change) error, progress Progress) error {
	resume := a.words().resume
	progress(0, 4, "checking for the Azure deployment "+a.name)
	dep, found, err := a.c.get(ctx, a.name)
	if err != nil {
		if ctx.Err() != nil {
			return &stillApplying{msg: "stopped before the deployment was created; " + resume, err: ctx.Err()}
		}
		return &stillApplying{msg: a.c.explain("reading the deployment "+a.name, err).Error() + "; " + resume, err: err}
	}
	if found && dep.Properties.Model.Name != a.model {
		return &foreignDeployment{msg: fmt.Sprintf("a deployment named %s already exists on resource %s serving %s, not %s; nothing was created", a.name, a.c.cfg.Resource, dep.Properties.Model.Name, a.model)}
	}
	if found {
		return nil
	}
	progress(0, 4, fmt.Sprintf("creating the Azure deployment %s (capacity %d)", a.name, a.capacity))
	if _, err := a.c.do(ctx, http.MethodPut, a.name, azureBody(a.model, a.capacity), nil); err != nil {
		return a.c.explain("creating the deployment "+a.name, err)
	}
	return nil
}

func (a azServing) read(ctx context.Context) (remote, error) {
	dep, found, err := a.c.get(ctx, a.name)
	st := dep.Properties.ProvisioningState
	r := remote{absent: err == nil && !found, state: st, ready: strings.EqualFold(st, "Succeeded"),
		moving: strings.EqualFold(st, "Creating") || strings.EqualFold(st, "Accepted") || strings.EqualFold(st, "Updating")}
	if err != nil {
		return r, a.c.explain("reading the deployment "+a.name, err)
	}
	if strings.EqualFold(st, "Failed") || strings.EqualFold(st, "Canceled") || strings.EqualFold(st, "Deleting") {
		r.failure = fmt.Errorf("Azure could not create the deployment %s of %s: its provisioning state is %s (quota, region or model support are the usual causes; the Azure portal's activity log of resource %s has the details): %w",
			a.name, dep.Properties.Model.Name, st, a.c.cfg.Resource, errAzureFailed)
	}
	return r, nil
}

// answer waits for a Succeeded deployment to answer (Azure may say
// DeploymentNotReady for a while): it sends one tiny chat until it does.
func (a azServing) answer(ctx context.Context, _ remote, w pace, progress Progress) (string, error) {
	resume := a.words().resume
	cl, err := a.s.LLM.Client(ctx, a.d.Source)
	if err != nil {
		return "", &stillApplying{msg: fmt.Sprintf("%v; %s", err, resume), err: err}
	}
	stopped := func() error {
		return &stillApplying{msg: fmt.Sprintf("stopped waiting: %s is deployed and bills by the hour, but has not answered yet; %s", a.name, resume), err: ctx.Err()}
	}
	pctx := llm.WithAction(ctx, a.d.DatasetID, "deploy")
	for i := 1; ; i++ {
		progress(3, 4, fmt.Sprintf("%s: Succeeded; sending a test request (try %d)", a.name, i))
		_, err = cl.Chat(pctx, openai.ChatCompletionRequest{Model: a.name, Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Reply with OK."}}})
		var le *llm.Error
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return "", stopped()
		case errors.As(err, &le) && (le.Code == "DeploymentNotReady" || le.Code == "DeploymentNotFound") && i < azureReadyProbes && time.Since(w.start) < w.limit:
			progress(3, 4, fmt.Sprintf("%s: Succeeded, still starting (Azure: %s)", a.name, le.Code))
			select {
			case <-ctx.Done():
				return "", stopped()
			case <-time.After(w.poll):
			}
			continue
		default:
			return "", &stillApplying{msg: fmt.Sprintf("%s is deployed (and bills by the hour) but the test request failed: %v; fix the provider's endpoint or API key, then %s", a.name, err, resume), err: err}
		}
		break
	}
	endpoint := strings.TrimRight(cl.BaseURL(), "/")
	return fmt.Sprintf("ready: call model %q at %s (capacity %d; hosting bills by the hour until Rollback deletes it)", a.name, endpoint, a.capacity), nil
}

// AzureServingCheck reads the state of the dataset's unfinished Azure
// deployment once, without waiting: Succeeded goes on to the test request,
// Failed or Canceled deletes it. found is false when none is unfinished.
func (s *Service) AzureServingCheck(ctx context.Context, datasetID int64) (Deployment, bool, error) {
	return s.servingCheck(ctx, azureTarget{}, datasetID)
}

// PendingAzureServes lists the datasets with an Azure deployment still
// being waited for, so the app can resume the waits when it starts.
func PendingAzureServes(ctx context.Context, st *store.Store) ([]int64, error) {
	return pendingWaits(ctx, st, TargetAzure)
}

func (azureTarget) trainer() string { return llm.KindAzure }

func (azureTarget) unserved(model string) string {
	return fmt.Sprintf("the tuned model %s was fine-tuned on Azure OpenAI, which answers only once it is deployed: serve it first (Deploy → Serve on Azure, or tracetune deploy --target azure)", model)
}

func (azureTarget) notReady(model string, r store.DeploymentRow) string {
	return fmt.Sprintf("the Azure deployment of %s (deployment %d, %s) is not ready yet (%s): wait for it, or roll it back", model, r.ID, r.ModelName, r.State)
}
