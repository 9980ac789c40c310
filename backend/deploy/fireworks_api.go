package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"tracetune/backend/fireworks"

	"tracetune/backend/llm"
)

// The part of Fireworks' control plane the fireworks target uses: one
// account's deployments (and its models, read before serving one), with
// gRPC-gateway errors turned into what a person can act on.

func lastPart(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// fwClient talks to one Fireworks account's control plane.
type fwClient struct {
	provider, account, root, inference, key string
	hc                                      *http.Client
}

// fireworksClient reaches the control plane of a Fireworks provider: its
// host with /v1/accounts/{account}; chat stays at /inference/v1.
func fireworksClient(ctx context.Context, m *llm.Manager, hc *http.Client, provider string) (fwClient, error) {
	if m == nil {
		return fwClient{}, fmt.Errorf("no provider manager to reach Fireworks: %w", ErrInvalid)
	}
	cfg, err := m.Endpoint(ctx, provider)
	if err != nil {
		return fwClient{}, fmt.Errorf("Fireworks provider %q: %w", provider, err)
	}
	if cfg.Kind != llm.KindFireworks {
		return fwClient{}, fmt.Errorf("provider %q is a %s provider, not Fireworks: %w", provider, cfg.Kind, ErrInvalid)
	}
	if cfg.Account == "" {
		return fwClient{}, fmt.Errorf("Fireworks provider %q has no account id: set it in Settings → Providers: %w", provider, ErrInvalid)
	}
	inference := strings.TrimRight(cfg.BaseURL, "/")
	if inference == "" {
		inference = llm.DefaultBaseURL(llm.KindFireworks)
	}
	base := inference
	for _, suf := range []string{"/inference/v1", "/inference", "/v1"} {
		base = strings.TrimSuffix(base, suf)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return fwClient{provider: provider, account: cfg.Account, root: base + "/v1/accounts/" + url.PathEscape(cfg.Account),
		inference: inference, key: cfg.APIKey, hc: hc}, nil
}

func (c fwClient) deployment(id string) string { return "accounts/" + c.account + "/deployments/" + id }

// fwDeployment is the part of a Deployment resource Tracetune reads.
type fwDeployment struct {
	Name            string  `json:"name"`
	BaseModel       string  `json:"baseModel"`
	State           string  `json:"state"`
	MinReplicaCount flexInt `json:"minReplicaCount"`
	MaxReplicaCount flexInt `json:"maxReplicaCount"`
	Status          struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"status"`
}

// flexInt reads a count written as a number or, as proto int64 fields
// are, a string.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.Atoi(s)
	*n = flexInt(v)
	return err
}

// fwAPIError is an error answer of the control plane.
type fwAPIError = fireworks.APIError

// do sends one JSON request to the account's control plane (see
// fireworks.Client.Do: reads are retried, writes are not).
func (c fwClient) do(ctx context.Context, method, path string, body, out any) error {
	return fireworks.Client{Root: c.root, Key: c.key, HC: c.hc}.Do(ctx, method, path, body, out)
}

// explain turns a control-plane error into what a person can act on.
func (c fwClient) explain(what string, err error) error {
	var fe *fwAPIError
	if !errors.As(err, &fe) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalid) {
			return fmt.Errorf("%s: %w", what, err)
		}
		return fmt.Errorf("%s: Fireworks could not be reached (%v); check the provider's base URL and your network", what, err)
	}
	lower := strings.ToLower(fe.Message)
	advice := "fix what Fireworks names and try again"
	switch {
	case fe.HTTP == http.StatusUnauthorized || fe.Code == "UNAUTHENTICATED":
		advice = "the API key was not accepted: check the Fireworks provider's key in Settings"
	case fe.HTTP == http.StatusForbidden || fe.Code == "PERMISSION_DENIED":
		advice = "the key cannot act on account " + c.account + ": check the provider's account id"
	case fe.HTTP == http.StatusTooManyRequests || fe.Code == "RESOURCE_EXHAUSTED" || strings.Contains(lower, "quota"):
		advice = "the account is out of GPU quota or hit a rate limit: delete another deployment or ask Fireworks for more quota"
	case fe.HTTP >= 500:
		advice = "Fireworks had an internal error: try again in a few minutes"
	case fe.HTTP == http.StatusNotFound:
		advice = "it does not exist on account " + c.account
	}
	return fmt.Errorf("%s: Fireworks said: %q. What to do: %s", what, fe.Message, advice)
}

// create sends a plan's POST, adopting a deployment of ours that already
// exists under the id (a create whose answer was lost), and records it.
func (c fwClient) create(ctx context.Context, p Plan, provider string, record func(Change) error) (Change, error) {
	o := p.ops[0]
	id := lastPart(o.change.ID)
	var dep fwDeployment
	err := c.do(ctx, http.MethodPost, "/deployments?deploymentId="+url.QueryEscape(id), o.body, &dep)
	var fe *fwAPIError
	if errors.As(err, &fe) && (fe.HTTP == http.StatusConflict || fe.Code == "ALREADY_EXISTS") {
		if err = c.do(ctx, http.MethodGet, "/deployments/"+url.PathEscape(id), nil, &dep); err == nil && dep.BaseModel != p.Tuned {
			return Change{}, fmt.Errorf("creating %s: a deployment of %s already has that id: %w", o.change.ID, dep.BaseModel, ErrConflict)
		}
	}
	if err != nil {
		return Change{}, c.explain("creating the deployment "+o.change.ID, err)
	}
	ch := o.change
	ch.After = Entry{ID: o.change.ID, ModelName: p.Tuned + "#" + o.change.ID, Params: map[string]any{"provider": provider, "account": c.account,
		"baseModel": o.body["baseModel"], "minReplicaCount": o.body["minReplicaCount"], "maxReplicaCount": o.body["maxReplicaCount"]}}
	return ch, record(ch)
}
