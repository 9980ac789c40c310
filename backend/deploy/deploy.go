// Package deploy is Step 7: it gives the evidence that a tuned model is
// better (benchmarks on the held-out split, a side-by-side playground, a live
// report on real traffic after an A/B deployment) and then changes the
// gateway the traces came from, reversibly: every deployment records the
// before-state of each gateway entry it touched, so Rollback restores the
// previous routing and a deployment failing midway undoes itself. A model
// trained on Fireworks or Azure is first served on a deployment of its own
// (serve.go's one flow; fireworks.go, azure.go), which the gateways then
// route to.
package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"tracetune/backend/llm"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
)

// Mode is how traffic reaches the tuned model.
type Mode string

// The deployment modes, in the order the panel offers them.
const (
	ModeReplace  Mode = "replace"  // the production model name routes to the tuned model
	ModeEndpoint Mode = "endpoint" // the tuned model under a model name of its own
	ModeAB       Mode = "ab"       // base and tuned under the production name, weighted
)

// Modes lists every mode.
var Modes = []Mode{ModeReplace, ModeEndpoint, ModeAB}

// DefaultSplit is the share of traffic (percent) an A/B deployment sends to
// the tuned model when none is given.
const DefaultSplit = 10

// Options say where and how to deploy.
type Options struct {
	Target string `json:"target"` // litellm, vllora, snippet, fireworks or azure
	// Source is the gateway source to change (litellm, vllora); "" picks
	// the dataset's source of the target's kind.
	Source string `json:"source"`
	Mode   Mode   `json:"mode"`
	// Split is the percentage of traffic the tuned model gets in A/B (1–99).
	Split int `json:"split"`
	// ModelName is the production model name (replace, A/B; default: the
	// job's base model) or the new endpoint's name (default: the tuned id).
	ModelName string `json:"model_name"`
	// Credential is how a new LiteLLM deployment authenticates:
	// "os.environ/NAME" or the name of a credential stored in the proxy.
	// "" reuses the base deployment's credential name, else the proxy's
	// environment key for the provider. Never a key itself.
	Credential string `json:"credential"`
	JobID      int64  `json:"job_id"` // 0 = the latest finished training job
	// MinReplicas and MaxReplicas size a Fireworks deployment (fireworks
	// target only): 0 and 0 mean 0 (scale to zero) and DefaultMaxReplicas.
	MinReplicas int `json:"min_replicas"`
	MaxReplicas int `json:"max_replicas"`
	// Capacity sizes an Azure deployment (azure target only), in units of
	// 1,000 tokens per minute: 0 means DefaultAzureCapacity.
	Capacity int `json:"capacity"`
}

// Validate checks the options, naming the bad field.
func (o Options) Validate() error {
	if _, err := targetByName(o.Target); err != nil {
		return err
	}
	if strings.EqualFold(o.Target, TargetAzure) {
		return o.validateAzure()
	}
	if o.Capacity != 0 {
		return fmt.Errorf("capacity applies to the azure target only: %w", ErrInvalid)
	}
	if strings.EqualFold(o.Target, TargetFireworks) {
		return o.validateServe()
	}
	if o.MinReplicas != 0 || o.MaxReplicas != 0 {
		return fmt.Errorf("replicas apply to the fireworks target only: %w", ErrInvalid)
	}
	switch o.Mode {
	case ModeReplace, ModeEndpoint, ModeAB:
	default:
		return fmt.Errorf("mode %q: want replace, endpoint or ab: %w", o.Mode, ErrInvalid)
	}
	if o.Mode == ModeAB && (o.Split < 0 || o.Split > 99) {
		return fmt.Errorf("split %d: the tuned model's share must be 1–99 %%: %w", o.Split, ErrInvalid)
	}
	if o.Mode != ModeAB && o.Split != 0 {
		return fmt.Errorf("split applies to A/B deployments only: %w", ErrInvalid)
	}
	if strings.ContainsAny(o.ModelName, "\n\r\t") {
		return fmt.Errorf("model name %q: no control characters: %w", o.ModelName, ErrInvalid)
	}
	if c := o.Credential; c != "" && (strings.HasPrefix(c, "sk-") || strings.ContainsAny(c, " \n")) {
		return fmt.Errorf("credential: give an os.environ/NAME reference or a proxy credential name, never a key: %w", ErrInvalid)
	}
	return nil
}

func (o Options) split() int {
	if o.Mode == ModeAB && o.Split == 0 {
		return DefaultSplit
	}
	return o.Split
}

// Error kinds the UI can branch on.
var (
	ErrInvalid     = errors.New("invalid")
	ErrConflict    = errors.New("conflict")
	ErrUnsupported = errors.New("unsupported")
	ErrNotFound    = store.ErrNotFound
)

// Tuned is the trained model a deployment routes to and how Tracetune
// reaches it.
type Tuned struct {
	JobID         int64  `json:"job_id"`
	Provider      string `json:"provider"`      // Tracetune provider serving both models
	ProviderKind  string `json:"provider_kind"` // openai, azure, …
	BaseURL       string `json:"base_url"`      // OpenAI-compatible base URL of the provider
	BaseModel     string `json:"base_model"`
	Model         string `json:"model"` // the fine-tuned model id (with #deployment once served on Fireworks)
	GraderVersion string `json:"grader_version"`
	// Deployment is the Fireworks or Azure deployment serving Model (""
	// otherwise).
	Deployment string `json:"deployment,omitempty"`
	pending    string // why Model cannot be called yet ("" when it can)
	raw        string // the model the job produced, when serving renamed Model (Azure)
}

// Service runs Step 7 on one store.
type Service struct {
	Store   *store.Store
	Secrets *secrets.Store
	LLM     *llm.Manager
	HTTP    *http.Client
	// TunedFor finds the training job a deployment uses (jobID 0: the
	// latest finished one of the dataset).
	TunedFor func(ctx context.Context, datasetID, jobID int64) (Tuned, error)
	// ValidationIDs lists the records a job held out.
	ValidationIDs func(ctx context.Context, jobID int64) ([]int64, error)
	Now           func() time.Time
	// ServePoll and ServeTimeout pace the wait for a Fireworks or Azure
	// deployment (0: every TRACETUNE_SERVE_POLL_MS when set, else 10 s;
	// for up to 2 h).
	ServePoll, ServeTimeout time.Duration
}

// New returns the service with its links to training and grading.
func New(st *store.Store, sec *secrets.Store) *Service {
	if sec == nil {
		sec = secrets.Default()
	}
	s := &Service{Store: st, Secrets: sec, LLM: &llm.Manager{Store: st, Secrets: sec},
		HTTP: &http.Client{Timeout: 30 * time.Second}, Now: time.Now}
	linkTraining(s)
	return s
}

// linkers wire training and grading into New; see links.go.
var linkTraining = func(*Service) {}

// tuned is the model to call: a Fireworks LoRA only once a deployment
// serves it.
func (s *Service) tuned(ctx context.Context, datasetID, jobID int64) (Tuned, error) {
	t, err := s.trained(ctx, datasetID, jobID)
	if err != nil {
		return t, err
	}
	return t, t.callable()
}

// trained is the model a training job produced, served or not.
func (s *Service) trained(ctx context.Context, datasetID, jobID int64) (Tuned, error) {
	if s.TunedFor == nil {
		return Tuned{}, fmt.Errorf("no training job to deploy: train a model first (step 6): %w", ErrNotFound)
	}
	return s.TunedFor(ctx, datasetID, jobID)
}

// Entry is one deployment of a gateway's model table as its API shows it.
type Entry struct {
	ID        string         `json:"id"`
	ModelName string         `json:"model_name"`
	Params    map[string]any `json:"litellm_params"`
	Info      map[string]any `json:"model_info,omitempty"`
}

// Change is one gateway entry a deployment created or updated, with its
// exact state before (nil for a created entry) and after.
type Change struct {
	Op     string `json:"op"` // create or update
	ID     string `json:"id"`
	Before *Entry `json:"before,omitempty"`
	After  Entry  `json:"after"`
}

// Plan is what a deployment will do, said before it is done.
type Plan struct {
	Target    string `json:"target"`
	Source    string `json:"source"`
	Mode      Mode   `json:"mode"`
	ModelName string `json:"model_name"`
	BaseModel string `json:"base_model"`
	Tuned     string `json:"tuned_model"`
	Split     int    `json:"split"`
	// Supported is false when the target cannot make this change (Reason
	// says why; Snippet is the manual alternative).
	Supported bool     `json:"supported"`
	Reason    string   `json:"reason,omitempty"`
	Summary   string   `json:"summary"` // the change in plain words
	Steps     []string `json:"steps"`   // one line per gateway call
	Snippet   string   `json:"snippet"` // LiteLLM config.yaml and OpenAI-compatible settings
	ops       []op
}

// op is one gateway call a plan makes.
type op struct {
	change Change
	body   map[string]any
}

// Env is what a target works with: the gateway source and its key, and the
// tuned model.
type Env struct {
	DatasetID int64
	Source    store.SourceRow
	Key       string // never stored, never logged
	Tuned     Tuned
	HTTP      *http.Client
	LLM       *llm.Manager // reaches the training provider (Fireworks' control plane)
}

// Target is one place a tuned model can be deployed.
type Target interface {
	Name() string
	// Kind is the gateway source kind the target changes ("" for none).
	Kind() string
	Plan(ctx context.Context, env Env, o Options) (Plan, error)
	// Apply makes the plan's changes, calling record after each one.
	Apply(ctx context.Context, env Env, p Plan, record func(Change) error) error
	// Revert undoes changes (given in the order they were made) and returns
	// notes on anything restored by equivalence rather than byte for byte.
	Revert(ctx context.Context, env Env, changes []Change) (notes []string, err error)
}

// Targets are the deploy targets, in the order the panel offers them.
var Targets = []Target{litellmTarget{}, vlloraTarget{}, snippetTarget{}, servingTarget{fireworksTarget{}}, servingTarget{azureTarget{}}}

func targetByName(name string) (Target, error) {
	for _, t := range Targets {
		if strings.EqualFold(t.Name(), name) {
			return t, nil
		}
	}
	return nil, fmt.Errorf("target %q: want litellm, vllora, snippet, fireworks or azure: %w", name, ErrInvalid)
}

// Deployment is a deployment as the panel and the CLI show it.
type Deployment struct {
	store.DeploymentRow
	Changes []Change `json:"changes"`
	Notes   []string `json:"notes,omitempty"`
}

func toDeployment(r store.DeploymentRow) Deployment {
	d := Deployment{DeploymentRow: r, Changes: []Change{}}
	_ = json.Unmarshal([]byte(r.Changes), &d.Changes)
	return d
}

// env resolves the tuned model and the gateway source of a target.
func (s *Service) env(ctx context.Context, datasetID int64, t Target, o Options) (Env, error) {
	get := s.tuned
	if _, ok := t.(servingTarget); ok {
		get = s.trained // it is what makes the model callable
	}
	tuned, err := get(ctx, datasetID, o.JobID)
	if err != nil {
		return Env{}, err
	}
	env := Env{DatasetID: datasetID, Tuned: tuned, HTTP: s.HTTP, LLM: s.LLM}
	if t.Kind() == "" {
		return env, nil
	}
	row, err := s.source(ctx, datasetID, t.Kind(), o.Source)
	if err != nil {
		return Env{}, err
	}
	env.Source = row
	env.Key, err = s.key(row)
	return env, err
}

// key reads a source's key from the keyring. The entry name follows
// backend/gateway's layout (source/NAME/key).
func (s *Service) key(row store.SourceRow) (string, error) {
	key, err := s.Secrets.Get("source/" + strings.ToLower(row.Name) + "/key")
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return "", fmt.Errorf("source %q: reading its key: %w", row.Name, err)
	}
	return key, nil
}

// source picks the named source, else the one of that kind the dataset
// pulls from, else the only one of that kind.
func (s *Service) source(ctx context.Context, datasetID int64, kind, name string) (store.SourceRow, error) {
	if name != "" {
		row, err := s.Store.Source(ctx, name)
		if err != nil {
			return row, err
		}
		if row.Kind != kind {
			return row, fmt.Errorf("source %q is a %s source; this target needs a %s one: %w", name, row.Kind, kind, ErrInvalid)
		}
		return row, nil
	}
	cursors, err := s.Store.PullCursors(ctx, datasetID)
	if err != nil {
		return store.SourceRow{}, err
	}
	for _, c := range cursors {
		if c.SourceKind == kind {
			return s.Store.SourceByID(ctx, c.SourceID)
		}
	}
	rows, err := s.Store.Sources(ctx)
	if err != nil {
		return store.SourceRow{}, err
	}
	var found []store.SourceRow
	for _, r := range rows {
		if r.Kind == kind {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return store.SourceRow{}, fmt.Errorf("no %s source is configured: add it in Settings → Sources: %w", kind, ErrNotFound)
	}
	return store.SourceRow{}, fmt.Errorf("%d %s sources are configured: pick one with --source: %w", len(found), kind, ErrInvalid)
}

// Preview plans a deployment without changing anything: the panel's plain
// summary before the user confirms.
func (s *Service) Preview(ctx context.Context, datasetID int64, o Options) (Plan, error) {
	if err := o.Validate(); err != nil {
		return Plan{}, err
	}
	t, _ := targetByName(o.Target)
	env, err := s.env(ctx, datasetID, t, o)
	if err != nil {
		return Plan{}, err
	}
	return t.Plan(ctx, env, o)
}

// Deploy makes a deployment. Each gateway change is recorded as soon as it
// is made; if one fails, the changes before it are rolled back and the
// error says what happened. Only one deployment of a dataset is active at a
// time: roll the current one back first.
func (s *Service) Deploy(ctx context.Context, datasetID int64, o Options) (Deployment, error) {
	if err := o.Validate(); err != nil {
		return Deployment{}, err
	}
	for _, pf := range servingPlatforms {
		if strings.EqualFold(o.Target, pf.Name()) {
			return s.serve(ctx, pf, datasetID, o, nil)
		}
	}
	// A Fireworks deployment is a layer below: gateways route to it.
	if cur, ok, err := s.inEffect(ctx, datasetID, isGateway); err != nil {
		return Deployment{}, err
	} else if ok && (cur.State == store.DeployActive || cur.State == store.DeployApplying || cur.State == store.DeployStuck) {
		return Deployment{}, fmt.Errorf("deployment %d (%s, %s) is still %s: roll it back first: %w", cur.ID, cur.Target, cur.Mode, cur.State, ErrConflict)
	}
	t, _ := targetByName(o.Target)
	env, err := s.env(ctx, datasetID, t, o)
	if err != nil {
		return Deployment{}, err
	}
	p, err := t.Plan(ctx, env, o)
	if err != nil {
		return Deployment{}, err
	}
	if !p.Supported {
		return Deployment{}, fmt.Errorf("%s: %s: %w", t.Name(), p.Reason, ErrUnsupported)
	}
	row, err := s.Store.CreateDeployment(ctx, store.DeploymentRow{DatasetID: datasetID, Target: t.Name(), Mode: string(o.Mode),
		Source: env.Source.Name, ModelName: p.ModelName, BaseModel: env.Tuned.BaseModel, TunedModel: env.Tuned.Model,
		Split: p.Split, Summary: p.Summary, Snippet: p.Snippet})
	if err != nil {
		return Deployment{}, err
	}
	bg := context.WithoutCancel(ctx) // the record must be written even when ctx ends
	var done []Change
	record := func(c Change) error {
		done = append(done, c)
		b, _ := json.Marshal(done)
		return s.Store.SaveDeploymentChanges(bg, row.ID, string(b))
	}
	if err := t.Apply(ctx, env, p, record); err != nil {
		// done holds every change sent, the failing one included (a target
		// records a change before it sends it).
		msg := fmt.Sprintf("failed at change %d of %d: %v", len(done), len(p.ops), err)
		notes, rerr := t.Revert(bg, env, done)
		state := store.DeployFailed
		switch {
		case rerr != nil:
			state = store.DeployStuck
			msg += fmt.Sprintf("; rolling back the changes made also failed (%v): the gateway may be half changed, use Rollback to retry", rerr)
		case len(done) > 0:
			msg += "; what it had changed was rolled back, the gateway routes as before"
		default:
			msg += "; nothing had changed"
		}
		_ = s.Store.SetDeploymentState(bg, row.ID, state, msg)
		out, _ := s.Store.Deployment(bg, row.ID)
		d := toDeployment(out)
		d.Notes = notes
		return d, fmt.Errorf("deploy to %s: %s", t.Name(), msg)
	}
	if err := s.Store.SetDeploymentState(bg, row.ID, store.DeployActive, ""); err != nil {
		return Deployment{}, err
	}
	if o.Mode == ModeEndpoint && env.Tuned.Provider != "" {
		// The tuned model becomes a model of the training provider in
		// Tracetune, so playground, benchmarks and dry runs can pick it.
		if err := s.Store.RegisterTunedModel(bg, store.TunedModelRow{DatasetID: datasetID, Provider: env.Tuned.Provider,
			Model: env.Tuned.Model, BaseModel: env.Tuned.BaseModel, JobID: env.Tuned.JobID, DeploymentID: row.ID}); err != nil {
			return Deployment{}, err
		}
	}
	out, err := s.Store.Deployment(bg, row.ID)
	return toDeployment(out), err
}

// Current returns the dataset's newest deployment still in effect, else
// its latest one (found false when none). A gateway deployment over a
// Fireworks one is newer, so Rollback undoes the gateway first.
func (s *Service) Current(ctx context.Context, datasetID int64) (Deployment, bool, error) {
	rows, err := s.Store.Deployments(ctx, datasetID)
	if err != nil || len(rows) == 0 {
		return Deployment{}, false, err
	}
	for _, r := range rows {
		if inEffectState(r.State) {
			return toDeployment(r), true, nil
		}
	}
	return toDeployment(rows[0]), true, nil
}

// History lists a dataset's deployments, newest first.
func (s *Service) History(ctx context.Context, datasetID int64) ([]Deployment, error) {
	rows, err := s.Store.Deployments(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	out := make([]Deployment, 0, len(rows))
	for _, r := range rows {
		out = append(out, toDeployment(r))
	}
	return out, nil
}

// Rollback restores the routing the current deployment changed.
func (s *Service) Rollback(ctx context.Context, datasetID int64) (Deployment, error) {
	cur, ok, err := s.Current(ctx, datasetID)
	if err != nil {
		return Deployment{}, err
	}
	if !ok || (cur.State != store.DeployActive && cur.State != store.DeployApplying && cur.State != store.DeployStuck) {
		return Deployment{}, fmt.Errorf("nothing to roll back: no active deployment: %w", ErrNotFound)
	}
	t, err := targetByName(cur.Target)
	if err != nil {
		return Deployment{}, err
	}
	env := Env{DatasetID: datasetID, HTTP: s.HTTP, LLM: s.LLM}
	if t.Kind() != "" {
		row, err := s.source(ctx, datasetID, t.Kind(), cur.Source)
		if err != nil {
			return Deployment{}, fmt.Errorf("roll back deployment %d: %w", cur.ID, err)
		}
		if env.Key, err = s.key(row); err != nil {
			return Deployment{}, err
		}
		env.Source = row
	}
	notes, err := t.Revert(ctx, env, revertible(cur))
	if err != nil {
		msg := fmt.Sprintf("rollback failed: %v; retry Rollback once the gateway answers", err)
		_ = s.Store.SetDeploymentState(context.WithoutCancel(ctx), cur.ID, store.DeployStuck, msg)
		return cur, fmt.Errorf("roll back deployment %d: %w", cur.ID, err)
	}
	msg := fmt.Sprintf("rolled back %d change(s)", len(cur.Changes))
	if len(notes) > 0 {
		msg += "; " + strings.Join(notes, "; ")
	}
	if err := s.Store.SetDeploymentState(ctx, cur.ID, store.DeployRolledBack, msg); err != nil {
		return Deployment{}, err
	}
	row, err := s.Store.Deployment(ctx, cur.ID)
	d := toDeployment(row)
	d.Notes = notes
	return d, err
}
