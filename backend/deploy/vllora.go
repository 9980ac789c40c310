package deploy

import (
	"context"
	"fmt"
)

// vlloraTarget is a vllora gateway. Its HTTP API (handlers for models,
// providers, projects and per-project model restrictions) can list models
// and allow or deny them, but has no way to make a model name route to
// another model or to split traffic, so replace and A/B cannot be done
// through it. What it allows: it routes provider-qualified names itself, so
// the tuned model is reachable as "openai/<tuned id>" as soon as the
// provider's credentials are set, with no change at all.
type vlloraTarget struct{}

func (vlloraTarget) Name() string { return "vllora" }
func (vlloraTarget) Kind() string { return "vllora" }

func (vlloraTarget) Plan(_ context.Context, env Env, o Options) (Plan, error) {
	t := env.Tuned
	p := Plan{Target: "vllora", Source: env.Source.Name, Mode: o.Mode, BaseModel: t.BaseModel, Tuned: t.Model, Split: o.split(), ModelName: o.ModelName}
	if p.ModelName == "" {
		p.ModelName = t.BaseModel
		if o.Mode == ModeEndpoint {
			p.ModelName = t.Model
		}
	}
	p.Snippet = snippetFor(t, o.Mode, p.ModelName, p.Split, nil)
	qualified := kindFamily(t.ProviderKind) + "/" + t.Model
	if o.Mode == ModeEndpoint {
		p.Supported = true
		p.ModelName = qualified
		p.Summary = fmt.Sprintf("vllora source %q (%s) already routes provider-qualified names: call model %q through it (the %s provider's credentials must be set in vllora). Nothing in the gateway changes; Tracetune registers %s with provider %s.",
			env.Source.Name, env.Source.URL, qualified, kindFamily(t.ProviderKind), t.Model, t.Provider)
		return p, nil
	}
	p.Reason = fmt.Sprintf("vllora's API cannot route the model name %q to another model or split its traffic; call %q directly, or put a LiteLLM proxy in front with the snippet", p.ModelName, qualified)
	p.Summary = p.Reason
	return p, nil
}

func (vlloraTarget) Apply(context.Context, Env, Plan, func(Change) error) error { return nil }

func (vlloraTarget) Revert(context.Context, Env, []Change) ([]string, error) { return nil, nil }
