package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"tracetune/backend/llm"
)

// snippetTarget changes nothing: it gives the configuration to paste into
// any gateway (LiteLLM config.yaml entries, and the OpenAI-compatible model
// id and base URL).
type snippetTarget struct{}

func (snippetTarget) Name() string { return "snippet" }
func (snippetTarget) Kind() string { return "" }

func (snippetTarget) Plan(_ context.Context, env Env, o Options) (Plan, error) {
	t := env.Tuned
	p := Plan{Target: "snippet", Mode: o.Mode, BaseModel: t.BaseModel, Tuned: t.Model, Split: o.split(), Supported: true, ModelName: o.ModelName}
	if p.ModelName == "" {
		p.ModelName = t.BaseModel
		if o.Mode == ModeEndpoint {
			p.ModelName = t.Model
		}
	}
	p.Snippet = snippetFor(t, o.Mode, p.ModelName, p.Split, nil)
	p.Summary = "Nothing in a gateway changes: paste the snippet into your gateway's configuration (LiteLLM config.yaml shown), or call the tuned model directly with the OpenAI-compatible settings below it."
	return p, nil
}

func (snippetTarget) Apply(context.Context, Env, Plan, func(Change) error) error { return nil }

func (snippetTarget) Revert(context.Context, Env, []Change) ([]string, error) {
	return []string{"a snippet changes nothing in a gateway: remove the pasted entries by hand"}, nil
}

// snippetFor writes the LiteLLM config.yaml model_list entries of a mode
// and the OpenAI-compatible settings of the tuned model. base, when known,
// are the current deployments of the model name (their model strings are
// reused; credentials are never in a snippet, only os.environ references).
func snippetFor(t Tuned, mode Mode, name string, split int, base []Entry) string {
	fam := litellmProvider(t.ProviderKind)
	envVar := "OPENAI_API_KEY"
	switch fam {
	case "azure":
		envVar = "AZURE_API_KEY"
	case litellmFireworks:
		envVar = "FIREWORKS_API_KEY"
	}
	apiBase := ""
	if b := normURL(t.BaseURL); b != "" && b != openAIBase && !(fam == litellmFireworks && b == normURL(llm.DefaultBaseURL(llm.KindFireworks))) {
		apiBase = strings.TrimRight(t.BaseURL, "/")
	}
	baseModel := fam + "/" + t.BaseModel
	if len(base) > 0 && str(base[0].Params, "model") != "" {
		baseModel = str(base[0].Params, "model")
	}
	entry := func(model string, weight int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "  - model_name: %s\n    litellm_params:\n      model: %s\n", strconv.Quote(name), strconv.Quote(model))
		if apiBase != "" {
			fmt.Fprintf(&b, "      api_base: %s\n", strconv.Quote(apiBase))
		}
		fmt.Fprintf(&b, "      api_key: %s\n", strconv.Quote("os.environ/"+envVar))
		if weight > 0 {
			fmt.Fprintf(&b, "      weight: %d\n", weight)
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString("# LiteLLM config.yaml")
	switch mode {
	case ModeReplace:
		fmt.Fprintf(&b, ": replace the model_list entries of %q with\nmodel_list:\n", name)
		b.WriteString(entry(fam+"/"+t.Model, 0))
	case ModeAB:
		fmt.Fprintf(&b, ": A/B test on %q, %d %% to the tuned model\nmodel_list:\n", name, split)
		b.WriteString(entry(baseModel, 100-split))
		b.WriteString(entry(fam+"/"+t.Model, split))
		b.WriteString("# weights need the default routing_strategy (simple-shuffle)\n")
	default:
		fmt.Fprintf(&b, ": add the tuned model as %q\nmodel_list:\n", name)
		b.WriteString(entry(fam+"/"+t.Model, 0))
	}
	url := strings.TrimRight(t.BaseURL, "/")
	if url == "" {
		url = openAIBase + "/v1"
	}
	fmt.Fprintf(&b, "\n# Any OpenAI-compatible client, directly:\n#   base URL: %s\n#   model:    %s\n", url, t.Model)
	return b.String()
}
