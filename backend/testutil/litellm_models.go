package testutil

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// LiteLLMModels fakes a LiteLLM proxy's model table and its management API
// as the proxy shapes it (STORE_MODEL_IN_DB=True):
//
//   - GET /model/info and GET /v1/model/info (optional ?litellm_model_id=):
//     {"data":[{"model_name","litellm_params","model_info"}]} in table
//     order, with credentials (api_key, …) removed from litellm_params and
//     model_info carrying "id" and "db_model";
//   - POST /model/new {"model_name","litellm_params","model_info"}: the
//     created row {"model_id","model_name","litellm_params" (encrypted),
//     "model_info","created_at","created_by","updated_at","updated_by"};
//   - POST /model/new assigns model_info.id (a uuid) only when the body has
//     none, as ModelInfo does; a taken id answers 400 (unique constraint);
//   - POST /model/update {"model_name"?, "litellm_params", "model_info":{"id"}}:
//     litellm_params rebuilt from the body's keys as update_model does
//     (litellm/proxy/management_endpoints/model_management_endpoints.py): a
//     value replaces, a null keeps the stored value, a key left out keeps it
//     only when updateLiteLLMParams declares it (liteDeclared) and is dropped
//     otherwise (weight, order, …); model_name renames, model_info is kept;
//     config.yaml models answer 400 "Can't edit model. Model in config…";
//   - POST /model/delete {"id"}: {"message":"Model: ID deleted successfully"},
//     400 "Model with id=… not found in db" for config.yaml models.
//
// Writes need the admin (master) key; other accepted keys may only read.
// Errors use the proxy's envelope {"error":{"message","type","param","code"}}.
type LiteLLMModels struct {
	mu       sync.Mutex
	admin    string
	readers  map[string]bool
	table    []*liteDeployment
	seq      int
	writes   int
	failures map[int]int // write call number → HTTP status
	lost     map[int]int // write call number → status answered after applying it
}

type liteDeployment struct {
	name   string
	params map[string]any
	info   map[string]any
	db     bool
}

// NewLiteLLMModels returns an empty model table managed with adminKey.
func NewLiteLLMModels(adminKey string) *LiteLLMModels {
	return &LiteLLMModels{admin: adminKey, readers: map[string]bool{}, failures: map[int]int{}, lost: map[int]int{}}
}

// AllowReadKey accepts a (non-admin) virtual key for reads.
func (m *LiteLLMModels) AllowReadKey(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.readers[key] = true
}

// AddConfigModel adds a deployment as config.yaml defines it (not editable
// through the API) and returns its id.
func (m *LiteLLMModels) AddConfigModel(name string, params map[string]any) string {
	return m.add(name, params, nil, false)
}

// AddDBModel adds a deployment as /model/new would have stored it and
// returns its id.
func (m *LiteLLMModels) AddDBModel(name string, params, info map[string]any) string {
	return m.add(name, params, info, true)
}

func (m *LiteLLMModels) add(name string, params, info map[string]any, db bool) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.insert(name, params, info, db)
}

func (m *LiteLLMModels) insert(name string, params, info map[string]any, db bool) string {
	d := &liteDeployment{name: name, params: cloneMap(params), info: cloneMap(info), db: db}
	id, _ := d.info["id"].(string)
	if id == "" {
		m.seq++
		id = fmt.Sprintf("%08x-7d1c-4b7e-9f1a-%012x", 0x5eed0000+m.seq, m.seq)
		d.info["id"] = id
	}
	m.table = append(m.table, d)
	return id
}

// FailCall makes the n-th management write (/model/new, /model/update,
// /model/delete) counted from now answer status without changing anything.
func (m *LiteLLMModels) FailCall(n, status int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures[m.writes+n] = status
}

// LoseAnswer makes the n-th write call from now apply its change and then
// answer with status anyway, as a proxy whose reply times out or whose
// reload fails after the database write does.
func (m *LiteLLMModels) LoseAnswer(n, status int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lost[m.writes+n] = status
}

// Writes counts the management write calls served (failed ones included).
func (m *LiteLLMModels) Writes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.writes
}

// LiteLLMDeployment is one row of the table with nothing hidden (for tests).
type LiteLLMDeployment struct {
	ModelName     string         `json:"model_name"`
	LiteLLMParams map[string]any `json:"litellm_params"`
	ModelInfo     map[string]any `json:"model_info"`
	DB            bool           `json:"db"`
}

// Table returns the table in order, credentials included.
func (m *LiteLLMModels) Table() []LiteLLMDeployment {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]LiteLLMDeployment, 0, len(m.table))
	for _, d := range m.table {
		out = append(out, LiteLLMDeployment{ModelName: d.name, LiteLLMParams: cloneMap(d.params), ModelInfo: cloneMap(d.info), DB: d.db})
	}
	return out
}

// Weights returns, for a model name, each deployment's litellm_params.model
// and weight (0 when unset), in table order.
func (m *LiteLLMModels) Weights(modelName string) map[string]float64 {
	out := map[string]float64{}
	for _, d := range m.Table() {
		if d.ModelName != modelName {
			continue
		}
		w, _ := d.LiteLLMParams["weight"].(float64)
		model, _ := d.LiteLLMParams["model"].(string)
		out[model] += w
	}
	return out
}

// liteDeclared are litellm_params fields of LiteLLM's updateLiteLLMParams
// (litellm/types/router.py: model, CredentialLiteLLMParams,
// GenericLiteLLMParams), the ones /model/update keeps when a body omits
// them. weight, order and max_parallel_requests are not among them.
var liteDeclared = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`model api_key api_base api_version azure_ad_token tenant_id client_id
		client_secret azure_scope azure_username azure_password vertex_project vertex_location vertex_credentials
		region_name aws_access_key_id aws_secret_access_key aws_session_token aws_region_name aws_session_name
		aws_profile_name aws_role_name aws_web_identity_token aws_sts_endpoint aws_bedrock_runtime_endpoint
		watsonx_region_name custom_llm_provider tpm rpm timeout stream_timeout max_retries drop_params organization
		configurable_clientside_auth_params litellm_credential_name litellm_trace_id max_file_size_mb max_budget
		budget_duration use_in_pass_through use_litellm_proxy merge_reasoning_content_in_choices model_info
		mock_response tags input_cost_per_token output_cost_per_token input_cost_per_second output_cost_per_second`) {
		liteDeclared[k] = true
	}
}

// sensitive are the litellm_params the proxy never returns from /model/info.
var sensitive = []string{"api_key", "client_secret", "vertex_credentials", "aws_access_key_id", "aws_secret_access_key"}

func (d *liteDeployment) public() map[string]any {
	p := cloneMap(d.params)
	for _, k := range sensitive {
		delete(p, k)
	}
	info := cloneMap(d.info)
	info["db_model"] = d.db
	// The proxy adds what its cost map knows about the model.
	if model, _ := d.params["model"].(string); model != "" {
		provider, _, found := strings.Cut(model, "/")
		if !found {
			provider = "openai"
		}
		info["litellm_provider"] = provider
		info["mode"] = "chat"
	}
	return map[string]any{"model_name": d.name, "litellm_params": p, "model_info": info}
}

func (m *LiteLLMModels) find(id string) (int, *liteDeployment) {
	for i, d := range m.table {
		if d.info["id"] == id {
			return i, d
		}
	}
	return -1, nil
}

func proxyError(w http.ResponseWriter, status int, typ, msg string) {
	gwJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": "None", "code": fmt.Sprint(status)}})
}

// Mount adds the model-management routes to mux.
func (m *LiteLLMModels) Mount(mux *http.ServeMux) {
	read := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			m.mu.Lock()
			ok := key == m.admin || m.readers[key]
			m.mu.Unlock()
			if !ok {
				proxyError(w, http.StatusUnauthorized, "auth_error", "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...")
				return
			}
			h(w, r)
		}
	}
	write := func(h func(w http.ResponseWriter, body []byte)) http.HandlerFunc {
		return read(func(w http.ResponseWriter, r *http.Request) {
			key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			var body json.RawMessage
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				gwJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []any{map[string]any{"type": "json_invalid", "loc": []any{"body"}, "msg": "JSON decode error"}}})
				return
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			m.writes++
			if st, ok := m.failures[m.writes]; ok {
				delete(m.failures, m.writes)
				proxyError(w, st, "internal_server_error", "Internal Server Error, prisma.errors.ClientNotConnectedError: Client is not connected to the query engine")
				return
			}
			if st, ok := m.lost[m.writes]; ok && key == m.admin {
				delete(m.lost, m.writes)
				h(httptest.NewRecorder(), body)
				proxyError(w, st, "internal_server_error", "Bad Gateway: upstream timed out")
				return
			}
			if key != m.admin {
				proxyError(w, http.StatusForbidden, "auth_error", "{'error': 'User does not have permission to make this model call. Your role=internal_user. You can only make model calls if you are a PROXY_ADMIN or if you are a team admin, by specifying a team_id in the model_info.'}")
				return
			}
			h(w, body)
		})
	}
	info := read(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("litellm_model_id")
		m.mu.Lock()
		defer m.mu.Unlock()
		data := []any{}
		for _, d := range m.table {
			if id == "" || d.info["id"] == id {
				data = append(data, d.public())
			}
		}
		gwJSON(w, http.StatusOK, map[string]any{"data": data})
	})
	mux.HandleFunc("GET /model/info", info)
	mux.HandleFunc("GET /v1/model/info", info)

	mux.HandleFunc("POST /model/new", write(func(w http.ResponseWriter, body []byte) {
		var in struct {
			ModelName     *string        `json:"model_name"`
			LiteLLMParams map[string]any `json:"litellm_params"`
			ModelInfo     map[string]any `json:"model_info"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.ModelName == nil || in.LiteLLMParams == nil || in.LiteLLMParams["model"] == nil {
			missing := "model_name"
			if in.ModelName != nil {
				missing = "litellm_params"
			}
			gwJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []any{map[string]any{"type": "missing", "loc": []any{"body", missing}, "msg": "Field required"}}})
			return
		}
		if id, _ := in.ModelInfo["id"].(string); id != "" {
			if _, d := m.find(id); d != nil {
				proxyError(w, http.StatusBadRequest, "auth_error", "Authentication Error, Unique constraint failed on the fields: (`model_id`)")
				return
			}
		}
		for k, v := range in.LiteLLMParams {
			if v == nil {
				delete(in.LiteLLMParams, k)
			}
		}
		id := m.insert(*in.ModelName, in.LiteLLMParams, in.ModelInfo, true)
		_, d := m.find(id)
		now := time.Now().UTC().Format(time.RFC3339Nano)
		gwJSON(w, http.StatusOK, map[string]any{"model_id": id, "model_name": d.name, "litellm_params": encrypted(d.params),
			"model_info": cloneMap(d.info), "created_at": now, "created_by": "default_user_id", "updated_at": now, "updated_by": "default_user_id"})
	}))

	mux.HandleFunc("POST /model/update", write(func(w http.ResponseWriter, body []byte) {
		var in struct {
			ModelName     *string        `json:"model_name"`
			LiteLLMParams map[string]any `json:"litellm_params"`
			ModelInfo     *struct {
				ID *string `json:"id"`
			} `json:"model_info"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			gwJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []any{map[string]any{"type": "json_invalid", "loc": []any{"body"}, "msg": err.Error()}}})
			return
		}
		switch {
		case in.ModelInfo == nil:
			proxyError(w, http.StatusBadRequest, "auth_error", "Authentication Error, model_info not provided")
			return
		case in.ModelInfo.ID == nil:
			proxyError(w, http.StatusBadRequest, "auth_error", "Authentication Error, model_info.id not provided")
			return
		}
		_, d := m.find(*in.ModelInfo.ID)
		switch {
		case d == nil:
			proxyError(w, http.StatusBadRequest, "auth_error", "Authentication Error, model not found")
			return
		case !d.db:
			proxyError(w, http.StatusBadRequest, "auth_error", "{'error': \"Can't edit model. Model in config. Store model in db via `/model/new`. to edit.\"}")
			return
		case in.LiteLLMParams == nil:
			proxyError(w, http.StatusBadRequest, "auth_error", "Authentication Error, litellm_params not provided")
			return
		}
		merged := map[string]any{}
		for k, v := range d.params {
			if _, sent := in.LiteLLMParams[k]; sent || liteDeclared[k] {
				merged[k] = v // a null or an omitted declared field keeps the stored value
			}
		}
		for k, v := range in.LiteLLMParams {
			if v != nil {
				merged[k] = v
			}
		}
		d.params = merged
		if in.ModelName != nil && *in.ModelName != "" {
			d.name = *in.ModelName
		}
		now := time.Now().UTC().Format(time.RFC3339Nano)
		gwJSON(w, http.StatusOK, map[string]any{"model_id": d.info["id"], "model_name": d.name, "litellm_params": encrypted(d.params),
			"model_info": cloneMap(d.info), "updated_at": now, "updated_by": "default_user_id"})
	}))

	mux.HandleFunc("POST /model/delete", write(func(w http.ResponseWriter, body []byte) {
		var in struct {
			ID *string `json:"id"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.ID == nil {
			gwJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []any{map[string]any{"type": "missing", "loc": []any{"body", "id"}, "msg": "Field required"}}})
			return
		}
		i, d := m.find(*in.ID)
		if d == nil || !d.db {
			proxyError(w, http.StatusBadRequest, "auth_error", fmt.Sprintf("{'error': 'Model with id=%s not found in db'}", *in.ID))
			return
		}
		m.table = append(m.table[:i], m.table[i+1:]...)
		gwJSON(w, http.StatusOK, map[string]any{"message": fmt.Sprintf("Model: %s deleted successfully", *in.ID)})
	}))
}

// encrypted mimics the stored row: every litellm_params value encrypted.
func encrypted(p map[string]any) map[string]any {
	out := map[string]any{}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b, _ := json.Marshal(p[k])
		out[k] = base64.RawURLEncoding.EncodeToString(append([]byte("enc:"), b...))
	}
	return out
}

func cloneMap(m map[string]any) map[string]any {
	out := map[string]any{}
	if m == nil {
		return out
	}
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &out)
	return out
}
