package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"tracetune/backend/llm"
)

// litellmTarget changes a LiteLLM proxy's model table through its model
// management API (the proxy must run with STORE_MODEL_IN_DB=True and the
// source's key must be an admin key). What it relies on, as LiteLLM's
// source has it (litellm/proxy/management_endpoints/
// model_management_endpoints.py, litellm/types/router.py,
// litellm/proxy/common_utils/openai_endpoint_utils.py):
//
//   - GET /model/info → {"data":[{"model_name","litellm_params","model_info":{"id","db_model",…}}]};
//     remove_sensitive_info_from_deployment pops api_key, client_secret,
//     vertex_credentials and the AWS keys, and newer versions mask every
//     other key named like a secret (…_key, …_token, …credential…): those
//     values are never read back nor sent (see hidden);
//   - POST /model/new {"model_name","litellm_params","model_info"}: the row's
//     model_id is model_info.id when given (ModelInfo assigns a uuid only
//     when it is absent), so a half-finished deployment knows what to delete;
//   - POST /model/update {"model_name"?, "litellm_params", "model_info":{"id"}}
//     (update_model) rebuilds the stored litellm_params from the body's keys:
//     a key sent with a value replaces it, a null keeps the stored value,
//     and a key left out keeps its stored value only when updateLiteLLMParams
//     declares it as a field (model, api_base, api_key, rpm, …). Any other
//     key left out, such as weight, is dropped. Bodies therefore carry every
//     readable parameter of the wanted state (see updateBody), so an update
//     both keeps what must stay and removes what a deployment added; model_info
//     and hidden credentials are never touched. (PATCH /model/{id}/update
//     merges and cannot remove a key, so it is not used.) config.yaml models
//     cannot be edited;
//   - POST /model/delete {"id"}.
//
// Routing between deployments of one model name is the router's weighted
// pick (litellm_params.weight; simple-shuffle, the default strategy), which
// reads the weight of the first deployment to decide whether weights apply.
//
// Replace changes litellm_params.model of every deployment of the name to
// the tuned model: their keys and base URLs stay. A/B sets the base
// deployments' weights and adds the tuned deployment with the split as
// weight. Endpoint adds the tuned deployment under its own name. Rollback
// deletes what was created and updates every changed deployment back to
// its recorded before-state (same id, credentials untouched), then reads
// /model/info again and notes any difference that remains.
type litellmTarget struct{}

func (litellmTarget) Name() string { return "litellm" }
func (litellmTarget) Kind() string { return "litellm" }

// proxy is a LiteLLM proxy's management API.
type proxy struct {
	name, base, key string
	h               *http.Client
}

func newProxy(env Env) proxy {
	h := env.HTTP
	if h == nil {
		h = &http.Client{Timeout: 30 * time.Second}
	}
	return proxy{name: env.Source.Name, base: strings.TrimRight(env.Source.URL, "/"), key: env.Key, h: h}
}

// do sends one call and decodes the answer; errors name the call and carry
// the proxy's message, never the key.
func (p proxy) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return fmt.Errorf("litellm source %q: %w", p.name, err)
	}
	req.Header.Set("Authorization", "Bearer "+p.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.h.Do(req)
	if err != nil {
		return fmt.Errorf("litellm source %q: %s %s: %w", p.name, method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("litellm source %q refused its key (HTTP 401): check it in Settings → Sources", p.name)
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("litellm source %q: %s %s: HTTP 403: managing models needs the proxy's master key or an admin key (%s)", p.name, method, path, proxyMessage(data))
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("litellm source %q: %s %s: HTTP %d: %s", p.name, method, path, resp.StatusCode, proxyMessage(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("litellm source %q: %s %s: unreadable answer: %w", p.name, method, path, err)
		}
	}
	return nil
}

// proxyMessage extracts the message of LiteLLM's error envelopes
// ({"error":{"message"}} or FastAPI's {"detail"}).
func proxyMessage(data []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(data, &e) == nil {
		if e.Error.Message != "" {
			return e.Error.Message
		}
		if len(e.Detail) > 0 {
			return string(e.Detail)
		}
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// info reads the model table.
func (p proxy) info(ctx context.Context) ([]Entry, error) {
	var ans struct {
		Data []struct {
			ModelName string         `json:"model_name"`
			Params    map[string]any `json:"litellm_params"`
			Info      map[string]any `json:"model_info"`
		} `json:"data"`
	}
	if err := p.do(ctx, http.MethodGet, "/model/info", nil, &ans); err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(ans.Data))
	for _, d := range ans.Data {
		id, _ := d.Info["id"].(string)
		if d.Params == nil {
			d.Params = map[string]any{}
		}
		out = append(out, Entry{ID: id, ModelName: d.ModelName, Params: d.Params, Info: d.Info})
	}
	return out, nil
}

func byName(table []Entry, name string) []Entry {
	var out []Entry
	for _, e := range table {
		if e.ModelName == name {
			out = append(out, e)
		}
	}
	return out
}

func str(m map[string]any, k string) string { v, _ := m[k].(string); return v }

// family is the LiteLLM provider a model string routes to.
func family(model string) string {
	if i := strings.Index(model, "/"); i > 0 {
		return model[:i]
	}
	return "openai" // bare names of OpenAI models (ft:… included)
}

// kindFamily is the LiteLLM provider of a Tracetune provider kind; every
// kind but Azure speaks the OpenAI API.
func kindFamily(kind string) string {
	if kind == "azure" {
		return "azure"
	}
	return "openai"
}

func normURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	return strings.TrimSuffix(u, "/v1")
}

const openAIBase = "https://api.openai.com"

// litellmModel is the tuned model's litellm_params.model, written like the
// base deployment's (same provider prefix or none).
func litellmModel(t Tuned, like string) string {
	if like != "" {
		if i := strings.Index(like, "/"); i > 0 {
			return like[:i+1] + t.Model
		}
		return t.Model
	}
	return litellmProvider(t.ProviderKind) + "/" + t.Model
}

// defaultBase is the endpoint a LiteLLM provider route calls when a
// deployment names no api_base ("" when it has none).
func defaultBase(fam string) string {
	switch fam {
	case "openai":
		return openAIBase
	case litellmFireworks:
		return normURL(llm.DefaultBaseURL(llm.KindFireworks))
	}
	return ""
}

// servesTuned says whether a base deployment's credentials can serve the
// tuned model: same provider and same endpoint.
func servesTuned(e Entry, t Tuned) error {
	model := str(e.Params, "model")
	fam := litellmProvider(t.ProviderKind)
	if f := family(model); f != fam {
		return fmt.Errorf("deployment %s serves %q through %s, but the tuned model is served by %s (provider %s)", e.ID, model, f, fam, t.Provider)
	}
	base := normURL(str(e.Params, "api_base"))
	if base == "" {
		base = defaultBase(fam)
	}
	want := normURL(t.BaseURL)
	if want == "" {
		want = defaultBase(fam)
	}
	if base != want {
		return fmt.Errorf("deployment %s calls %s, but the tuned model is served at %s", e.ID, base, want)
	}
	return nil
}

// newParams are the litellm_params of a new tuned deployment.
func newParams(t Tuned, o Options, base []Entry) map[string]any {
	like := ""
	if len(base) > 0 && servesTuned(base[0], t) == nil {
		like = str(base[0].Params, "model")
	}
	p := map[string]any{"model": litellmModel(t, like)}
	if b := normURL(t.BaseURL); b != "" && b != defaultBase(litellmProvider(t.ProviderKind)) {
		p["api_base"] = strings.TrimRight(t.BaseURL, "/")
	}
	switch {
	case strings.HasPrefix(o.Credential, "os.environ/"):
		p["api_key"] = o.Credential
	case o.Credential != "":
		p["litellm_credential_name"] = o.Credential
	case len(base) > 0 && str(base[0].Params, "litellm_credential_name") != "":
		p["litellm_credential_name"] = str(base[0].Params, "litellm_credential_name")
	}
	return p
}

func credentialWords(p map[string]any) string {
	switch {
	case str(p, "litellm_credential_name") != "":
		return "the proxy credential " + strconv.Quote(str(p, "litellm_credential_name"))
	case str(p, "api_key") != "":
		return "the key in the proxy's " + strings.TrimPrefix(str(p, "api_key"), "os.environ/") + " variable"
	}
	return "the proxy's own key for " + family(str(p, "model"))
}

func newID(datasetID int64, mode Mode) string {
	return fmt.Sprintf("tracetune-%d-%s-%s", datasetID, mode, strconv.FormatInt(time.Now().UnixNano(), 36))
}

func (litellmTarget) Plan(ctx context.Context, env Env, o Options) (Plan, error) {
	t := env.Tuned
	p := Plan{Target: "litellm", Source: env.Source.Name, Mode: o.Mode, BaseModel: t.BaseModel, Tuned: t.Model, Split: o.split(), Supported: true}
	table, err := newProxy(env).info(ctx)
	if err != nil {
		return p, err
	}
	p.ModelName = o.ModelName
	if p.ModelName == "" {
		p.ModelName = t.BaseModel
		if o.Mode == ModeEndpoint {
			p.ModelName = t.Model
		}
	}
	base := byName(table, p.ModelName)
	p.Snippet = snippetFor(t, o.Mode, p.ModelName, p.Split, base)
	where := fmt.Sprintf("LiteLLM source %q (%s)", env.Source.Name, env.Source.URL)
	desc := fmt.Sprintf("Tracetune: %s, fine-tuned from %s (dataset %d, job %d)", t.Model, t.BaseModel, env.DatasetID, t.JobID)
	unsupported := func(reason string) (Plan, error) {
		p.Supported, p.Reason = false, reason+"; paste the snippet into the proxy's config.yaml instead"
		return p, nil
	}
	if o.Mode != ModeEndpoint {
		if len(base) == 0 {
			return p, fmt.Errorf("%s has no deployment named %q: pass the production model name with --model-name: %w", where, p.ModelName, ErrNotFound)
		}
		for _, e := range base {
			if db, _ := e.Info["db_model"].(bool); !db {
				return unsupported(fmt.Sprintf("deployment %s of %q is defined in the proxy's config.yaml, which its API cannot change", e.ID, p.ModelName))
			}
			if _, team := e.Info["team_id"]; team {
				return unsupported(fmt.Sprintf("deployment %s of %q belongs to a team", e.ID, p.ModelName))
			}
			if strings.Contains(str(e.Params, "model"), t.Model) {
				return p, fmt.Errorf("%q on %s already routes to the tuned model (deployment %s): %w", p.ModelName, where, e.ID, ErrConflict)
			}
			if k := unkeepable(e); k != "" {
				return unsupported(fmt.Sprintf("deployment %s of %q has litellm_params.%s, whose value the proxy hides and its /model/update would drop, so it could not be put back", e.ID, p.ModelName, k))
			}
		}
	}
	switch o.Mode {
	case ModeReplace:
		for _, e := range base {
			if err := servesTuned(e, t); err != nil {
				return unsupported(err.Error() + ": replacing would call the tuned model with the wrong credentials; use A/B at 99 % or a new endpoint")
			}
			after := cloneEntry(e)
			after.Params["model"] = litellmModel(t, str(e.Params, "model"))
			p.ops = append(p.ops, op{change: Change{Op: "update", ID: e.ID, Before: ptr(cloneEntry(e)), After: after}, body: updateBody(e, after)})
			p.Steps = append(p.Steps, fmt.Sprintf("POST /model/update %s: litellm_params.model %s → %s", e.ID, str(e.Params, "model"), after.Params["model"]))
		}
		p.Summary = fmt.Sprintf("Every request for %q on %s will be answered by the tuned model %s instead of %s (%d deployment(s) change their model; their keys, base URLs and limits stay). Rollback puts %s back exactly as it was.",
			p.ModelName, where, t.Model, str(base[0].Params, "model"), len(base), str(base[0].Params, "model"))
	case ModeAB:
		baseShare := float64(100-p.Split) / float64(len(base))
		for _, e := range base {
			after := cloneEntry(e)
			after.Params["weight"] = baseShare
			p.ops = append(p.ops, op{change: Change{Op: "update", ID: e.ID, Before: ptr(cloneEntry(e)), After: after}, body: updateBody(e, after)})
			p.Steps = append(p.Steps, fmt.Sprintf("POST /model/update %s: litellm_params.weight → %g", e.ID, baseShare))
		}
		params := newParams(t, o, base)
		params["weight"] = float64(p.Split)
		created := Entry{ID: newID(env.DatasetID, o.Mode), ModelName: p.ModelName, Params: params, Info: map[string]any{"description": desc}}
		p.addCreate(created)
		p.Summary = fmt.Sprintf("Requests for %q on %s will be split: %d %% to the tuned model %s (a new deployment using %s), %d %% to the %d existing deployment(s) of %s. Rollback removes the tuned deployment and restores the existing deployments exactly as they were (no weight if they had none).",
			p.ModelName, where, p.Split, t.Model, credentialWords(params), 100-p.Split, len(base), str(base[0].Params, "model"))
	case ModeEndpoint:
		if len(base) > 0 {
			return p, fmt.Errorf("%s already has a model named %q: pick another with --model-name: %w", where, p.ModelName, ErrConflict)
		}
		params := newParams(t, o, byName(table, t.BaseModel))
		created := Entry{ID: newID(env.DatasetID, o.Mode), ModelName: p.ModelName, Params: params, Info: map[string]any{"description": desc}}
		p.addCreate(created)
		p.Summary = fmt.Sprintf("A new model %q on %s will answer with the tuned model %s (using %s); existing traffic is untouched. Tracetune also registers %s with provider %s. Rollback removes the new model.",
			p.ModelName, where, t.Model, credentialWords(params), t.Model, t.Provider)
	}
	return p, nil
}

func (p *Plan) addCreate(e Entry) {
	p.ops = append(p.ops, op{change: Change{Op: "create", ID: e.ID, After: e},
		body: map[string]any{"model_name": e.ModelName, "litellm_params": e.Params, "model_info": map[string]any{"id": e.ID, "description": e.Info["description"]}}})
	p.Steps = append(p.Steps, fmt.Sprintf("POST /model/new %s: %q → %s", e.ID, e.ModelName, str(e.Params, "model")))
}

func ptr[T any](v T) *T { return &v }

func cloneEntry(e Entry) Entry {
	b, _ := json.Marshal(e)
	var out Entry
	_ = json.Unmarshal(b, &out)
	if out.Params == nil {
		out.Params = map[string]any{}
	}
	return out
}

func (litellmTarget) Apply(ctx context.Context, env Env, p Plan, record func(Change) error) error {
	px := newProxy(env)
	for i, o := range p.ops {
		path := "/model/update"
		if o.change.Op == "create" {
			path = "/model/new"
		}
		// Recorded before it is sent: a proxy can apply a write and still
		// fail its answer (a timeout, a reload error), and the app can stop
		// between the two; Revert skips an entry that is already as before
		// and a created one that is not there.
		if err := record(o.change); err != nil {
			return fmt.Errorf("step %d: recording the change: %w", i+1, err)
		}
		if err := px.do(ctx, http.MethodPost, path, o.body, nil); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, p.Steps[i], err)
		}
	}
	// The proxy answers 200 to writes it does not fully apply (an older
	// version ignoring a field); what counts is the table afterwards.
	table, err := px.info(ctx)
	if err != nil {
		return fmt.Errorf("checking the result: %w", err)
	}
	for _, o := range p.ops {
		if err := matches(table, o.change.After); err != nil {
			return fmt.Errorf("the proxy accepted the change but does not route as planned: %w", err)
		}
	}
	return nil
}

// matches checks that the table holds an entry as wanted (credentials,
// which the proxy hides, are not compared).
func matches(table []Entry, want Entry) error {
	for _, e := range table {
		if e.ID != want.ID {
			continue
		}
		if e.ModelName != want.ModelName {
			return fmt.Errorf("deployment %s is named %q, not %q", e.ID, e.ModelName, want.ModelName)
		}
		for k, v := range want.Params {
			if hidden(k) {
				continue
			}
			if !sameValue(e.Params[k], v) {
				return fmt.Errorf("deployment %s has %s=%v, not %v", e.ID, k, e.Params[k], v)
			}
		}
		return nil
	}
	return fmt.Errorf("deployment %s is not in the model table", want.ID)
}

// hidden says whether /model/info may not show a parameter's real value:
// remove_sensitive_info_from_deployment pops api_key, client_secret,
// vertex_credentials and the AWS keys, and newer proxies mask every key
// with a segment SensitiveDataMasker deems secret (litellm/litellm_core_utils/
// sensitive_data_masker.py; a "cost" segment overrides). Such a value is
// never sent back, since it may be a mask.
func hidden(k string) bool {
	segs := strings.Split(strings.ReplaceAll(strings.ToLower(k), "-", "_"), "_")
	secret := false
	for _, s := range segs {
		switch s {
		case "cost":
			return false
		case "password", "secret", "key", "token", "auth", "authorization", "credential", "credentials",
			"secrets", "passwords", "access", "private", "certificate", "certificates", "fingerprint", "tenancy":
			secret = true
		}
	}
	return secret
}

// declared are litellm_params that updateLiteLLMParams declares as fields
// (litellm/types/router.py: model, CredentialLiteLLMParams,
// GenericLiteLLMParams), so /model/update keeps their stored value when a
// body leaves them out. Only the ones this file needs to know are listed:
// destinations, which are left out when unchanged (recent versions run an
// SSRF check on every URL a body carries, which may refuse the internal
// address the stored row already has), and the secret-looking ones, which
// are never sent.
var declared = map[string]bool{
	"api_base": true, "custom_llm_provider": true, "aws_bedrock_runtime_endpoint": true, "aws_sts_endpoint": true,
	"api_key": true, "client_secret": true, "vertex_credentials": true, "aws_access_key_id": true,
	"aws_secret_access_key": true, "aws_session_token": true, "azure_ad_token": true, "azure_password": true,
	"aws_web_identity_token": true, "litellm_credential_name": true, "s3_access_key_id": true, "s3_secret_access_key": true,
	"s3_encryption_key_id": true, "valkey_password": true, "configurable_clientside_auth_params": true,
	"default_api_key_tpm_limit": true, "default_api_key_rpm_limit": true,
}

// unkeepable names a parameter of e that an update could neither resend
// (its value is hidden) nor keep by leaving it out (it is not declared).
func unkeepable(e Entry) string {
	for _, k := range sortedKeys(e.Params) {
		if hidden(k) && !declared[k] {
			return k
		}
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// updateBody is the /model/update body that turns the deployment cur (as
// /model/info shows it now) into want. It carries every readable parameter
// of want, because update_model drops an undeclared key the body leaves out
// (that is how a weight the deployment did not have goes away) and keeps a
// declared one; hidden values are left out and so kept as stored, and so
// are destinations that do not change.
func updateBody(cur, want Entry) map[string]any {
	params := map[string]any{}
	for k, v := range want.Params {
		if hidden(k) {
			continue
		}
		if declared[k] && sameValue(cur.Params[k], v) {
			continue
		}
		params[k] = v
	}
	body := map[string]any{"model_info": map[string]any{"id": want.ID}, "litellm_params": params}
	if cur.ModelName != want.ModelName {
		body["model_name"] = want.ModelName
	}
	return body
}

func sameValue(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}

func (litellmTarget) Revert(ctx context.Context, env Env, changes []Change) ([]string, error) {
	px := newProxy(env)
	table, err := px.info(ctx)
	if err != nil {
		return nil, err
	}
	var notes []string
	undone := 0
	fail := func(what string, err error) ([]string, error) {
		return notes, fmt.Errorf("undid %d of %d change(s), then %s failed: %w", undone, len(changes), what, err)
	}
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		cur, ok := find(table, c.ID)
		switch c.Op {
		case "create":
			if !ok {
				undone++ // already gone (a retried rollback, or removed by hand)
				continue
			}
			if matches(table, c.After) != nil {
				notes = append(notes, fmt.Sprintf("deployment %s was changed by someone else since; removed anyway", c.ID))
			}
			if err := px.do(ctx, http.MethodPost, "/model/delete", map[string]any{"id": c.ID}, nil); err != nil {
				return fail("removing deployment "+c.ID, err)
			}
		case "update":
			if c.Before == nil {
				continue
			}
			if !ok {
				notes = append(notes, fmt.Sprintf("deployment %s was deleted from the proxy since; nothing to restore", c.ID))
				continue
			}
			if sameState(cur, *c.Before) {
				undone++ // restored by an earlier, interrupted rollback
				continue
			}
			if !sameState(cur, c.After) {
				notes = append(notes, fmt.Sprintf("deployment %s was changed by someone else since; restored to its state before the deployment anyway", c.ID))
			}
			if err := px.do(ctx, http.MethodPost, "/model/update", updateBody(cur, *c.Before), nil); err != nil {
				return fail("restoring deployment "+c.ID, err)
			}
		}
		undone++
	}
	// What counts is the table afterwards: every deployment as before.
	table, err = px.info(ctx)
	if err != nil {
		return fail("checking the restored table", err)
	}
	for _, c := range changes {
		cur, ok := find(table, c.ID)
		switch {
		case c.Op == "create" && ok:
			return fail("checking the restored table", fmt.Errorf("deployment %s is still in the model table after its deletion was accepted", c.ID))
		case c.Op != "update" || c.Before == nil || !ok:
			continue
		}
		before := *c.Before
		diffs := entryDiff(before, cur)
		if len(diffs) == 0 {
			continue
		}
		notes = append(notes, fmt.Sprintf("deployment %s differs from its state before the deployment: %s", c.ID, strings.Join(diffs, "; ")))
	}
	return notes, nil
}

func find(table []Entry, id string) (Entry, bool) {
	for _, e := range table {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// sameState says whether a deployment routes as recorded: same name and
// litellm_params.
func sameState(e, want Entry) bool {
	return e.ModelName == want.ModelName && sameValue(e.Params, want.Params)
}

// entryDiff lists, key by key, how now differs from before in /model/info.
func entryDiff(before, now Entry) []string {
	var out []string
	if before.ModelName != now.ModelName {
		out = append(out, fmt.Sprintf("model_name was %q, is %q", before.ModelName, now.ModelName))
	}
	diff := func(section string, b, n map[string]any) {
		keys := map[string]any{}
		for k := range b {
			keys[k] = nil
		}
		for k := range n {
			keys[k] = nil
		}
		for _, k := range sortedKeys(keys) {
			bv, hadB := b[k]
			nv, hasN := n[k]
			switch {
			case hidden(k) && (hadB != hasN || !sameValue(bv, nv)):
				out = append(out, fmt.Sprintf("%s.%s changed (its value is not shown)", section, k))
			case hadB && hasN && !sameValue(bv, nv):
				out = append(out, fmt.Sprintf("%s.%s was %s, is %s", section, k, jsonText(bv), jsonText(nv)))
			case hadB && !hasN:
				out = append(out, fmt.Sprintf("%s.%s (%s) is gone", section, k, jsonText(bv)))
			case !hadB && hasN:
				out = append(out, fmt.Sprintf("%s.%s = %s was added", section, k, jsonText(nv)))
			}
		}
	}
	diff("litellm_params", before.Params, now.Params)
	diff("model_info", before.Info, now.Info)
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
