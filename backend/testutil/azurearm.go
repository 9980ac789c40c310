package testutil

// The parts of Azure that serve a model fine-tuned on Azure OpenAI
// (shared/research/rft-api.md "A deployment is required before
// inference", trainers.md "Deployment of the tuned model"), on one
// loopback server:
//
//   - Entra ID's token endpoint, POST /{tenant}/oauth2/v2.0/token, form
//     grant_type=client_credentials, client_id, client_secret,
//     scope=https://management.azure.com/.default; errors are Entra's
//     {"error","error_description":"AADSTS…","error_codes":[…]}.
//   - ARM deployments of one Cognitive Services account: PUT (create or
//     update), GET and DELETE on /subscriptions/{sub}/resourceGroups/{rg}/
//     providers/Microsoft.CognitiveServices/accounts/{resource}/
//     deployments/{name}?api-version=…, with a Bearer token from the
//     endpoint above; properties.provisioningState goes Creating →
//     Succeeded (or Failed/Canceled) as it is read; errors are ARM's
//     {"error":{"code","message"}}.
//   - The resource's data plane, /openai/deployments/{name}/… and
//     /openai/v1/… (model = deployment name): a fine-tuned model answers
//     only through a Succeeded deployment, and even then the first chats
//     get DeploymentNotReady; everything else goes to an OpenAI fake.
//
// The file is not named azure_arm.go: Go would build that only on GOARCH
// arm.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// ARMScope is the scope a management token is asked for.
const ARMScope = "https://management.azure.com/.default"

// AzureARM is the fake. Its settings are what a user enters for the
// Azure provider; change them before use to test wrong settings.
type AzureARM struct {
	URL string // login, ARM and data plane: the provider's base URL, ARM URL and login URL

	Tenant, ClientID, ClientSecret        string
	Subscription, ResourceGroup, Resource string

	Chat *OpenAI // answers the data plane's calls once a deployment serves them

	mu       sync.Mutex
	tokens   map[string]bool
	models   map[string]bool // fine-tuned models of the resource
	deps     map[string]*azDeployment
	order    []string
	reads    int    // GETs a new deployment stays Creating
	end      string // "": deployments end Succeeded; else Failed or Canceled
	notReady int    // chats answered DeploymentNotReady after Succeeded
	puts     int
	gets     int
	deleted  []string
	tokensIn int
	srv      *httptest.Server
}

type azDeployment struct {
	Name, Model, SKU, State string
	Capacity                int
	reads, chats            int
}

// AzureDeployment is a deployment as the fake holds it.
type AzureDeployment struct {
	Name, Model, SKU, State string
	Capacity                int
}

// NewAzureARM returns the fake, its data plane in front of chat (a new
// OpenAI fake when nil), for a server of the caller's (URL unset).
func NewAzureARM(chat *OpenAI) *AzureARM {
	if chat == nil {
		chat = NewOpenAI()
	}
	return &AzureARM{Tenant: "8f6b1d2e-3c4a-4b5d-9e6f-7a8b9c0d1e2f", ClientID: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
		ClientSecret: "Fk8Q~fake-client-secret-0123456789abcdef", Subscription: "00000000-1111-4222-8333-444444444444",
		ResourceGroup: "rg-tracetune", Resource: "tt-aoai", Chat: chat, tokens: map[string]bool{}, models: map[string]bool{},
		deps: map[string]*azDeployment{}, reads: 2, notReady: 1}
}

// Handler serves the fake: login, ARM and data plane on one root.
func (f *AzureARM) Handler() http.Handler { return http.HandlerFunc(f.serve) }

// StartAzureARM starts the fake, its data plane in front of chat (a new
// OpenAI fake when nil), closed when t ends.
func StartAzureARM(t testing.TB, chat *OpenAI) *AzureARM {
	f := NewAzureARM(chat)
	f.srv = httptest.NewServer(f.Handler())
	f.URL = f.srv.URL
	t.Cleanup(f.Close)
	return f
}

// Close stops the server.
func (f *AzureARM) Close() {
	if f.srv != nil {
		f.srv.CloseClientConnections()
		f.srv.Close()
	}
}

// AddModel makes a fine-tuned model of the resource (its job succeeded):
// it can be deployed, and until then its chats are DeploymentNotFound.
func (f *AzureARM) AddModel(id string) { f.mu.Lock(); f.models[id] = true; f.mu.Unlock() }

// SetDeploymentReads sets how many GETs a new deployment stays Creating.
func (f *AzureARM) SetDeploymentReads(n int) { f.mu.Lock(); f.reads = max(n, 0); f.mu.Unlock() }

// SetNotReadyChats sets how many chats a Succeeded deployment answers
// with DeploymentNotReady first.
func (f *AzureARM) SetNotReadyChats(n int) { f.mu.Lock(); f.notReady = max(n, 0); f.mu.Unlock() }

// EndDeployments makes new deployments end in this provisioning state
// ("Failed" or "Canceled"; "" for Succeeded).
func (f *AzureARM) EndDeployments(state string) { f.mu.Lock(); f.end = state; f.mu.Unlock() }

// Puts, Gets and TokenRequests count the requests of each kind served.
func (f *AzureARM) Puts() int { f.mu.Lock(); defer f.mu.Unlock(); return f.puts }

// Gets counts deployment reads.
func (f *AzureARM) Gets() int { f.mu.Lock(); defer f.mu.Unlock(); return f.gets }

// TokenRequests counts token requests, failed ones included.
func (f *AzureARM) TokenRequests() int { f.mu.Lock(); defer f.mu.Unlock(); return f.tokensIn }

// Deleted lists the names of deleted deployments, in order.
func (f *AzureARM) Deleted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.deleted...)
}

// Deployments returns the deployments that exist, in creation order.
func (f *AzureARM) Deployments() []AzureDeployment {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []AzureDeployment{}
	for _, n := range f.order {
		if d := f.deps[n]; d != nil {
			out = append(out, AzureDeployment{Name: d.Name, Model: d.Model, SKU: d.SKU, State: d.State, Capacity: d.Capacity})
		}
	}
	return out
}

func (f *AzureARM) serve(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/oauth2/v2.0/token"):
		f.token(w, r)
	case strings.HasPrefix(p, "/subscriptions/"):
		f.arm(w, r)
	case strings.HasPrefix(p, "/openai/"):
		f.dataPlane(w, r)
	default:
		armError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found in the namespace for api version.")
	}
}

// entraError is Entra ID's token error.
func entraError(w http.ResponseWriter, status int, code string, aadsts int, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": fmt.Sprintf("AADSTS%d: %s", aadsts, desc),
		"error_codes": []int{aadsts}, "timestamp": "2026-01-01 00:00:00Z", "trace_id": "00000000-0000-0000-0000-000000000000"})
}

func (f *AzureARM) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokensIn++
	f.mu.Unlock()
	tenant := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/oauth2/v2.0/token")
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		entraError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	form, err := url.ParseQuery(string(body))
	switch {
	case err != nil || form.Get("grant_type") != "client_credentials":
		entraError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
	case tenant != f.Tenant:
		entraError(w, http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
	case form.Get("client_id") != f.ClientID:
		entraError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", form.Get("client_id"), tenant))
	case form.Get("client_secret") != f.ClientSecret:
		entraError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+f.ClientID+"'.")
	case form.Get("scope") != ARMScope:
		entraError(w, http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope "+form.Get("scope")+" is not valid.")
	default:
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		tok := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake." + hex.EncodeToString(b)
		f.mu.Lock()
		f.tokens[tok] = true
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
	}
}

// armError is ARM's error envelope.
func armError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func (f *AzureARM) deploymentJSON(d *azDeployment) map[string]any {
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.CognitiveServices/accounts/%s/deployments/%s", f.Subscription, f.ResourceGroup, f.Resource, d.Name)
	return map[string]any{"id": id, "type": "Microsoft.CognitiveServices/accounts/deployments", "name": d.Name,
		"sku": map[string]any{"name": d.SKU, "capacity": d.Capacity},
		"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": d.Model, "version": "1"},
			"provisioningState": d.State, "rateLimits": []any{map[string]any{"key": "request", "renewalPeriod": 60, "count": d.Capacity}}}}
}

func (f *AzureARM) arm(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("api-version") == "" {
		armError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	auth := r.Header.Get("Authorization")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch tok, ok := strings.CutPrefix(auth, "Bearer "); {
	case auth == "":
		armError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		return
	case !ok || !f.tokens[tok]:
		armError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
		return
	}
	// subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{res}/deployments/{name}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 10 || !strings.EqualFold(parts[2], "resourceGroups") || parts[4] != "providers" ||
		!strings.EqualFold(parts[5], "Microsoft.CognitiveServices") || parts[6] != "accounts" || parts[8] != "deployments" {
		armError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found.")
		return
	}
	switch {
	case parts[1] != f.Subscription:
		armError(w, http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", parts[1]))
		return
	case !strings.EqualFold(parts[3], f.ResourceGroup):
		armError(w, http.StatusNotFound, "ResourceGroupNotFound", fmt.Sprintf("Resource group '%s' could not be found.", parts[3]))
		return
	case !strings.EqualFold(parts[7], f.Resource):
		armError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.CognitiveServices/accounts/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", parts[7], parts[3]))
		return
	}
	name := parts[9]
	d := f.deps[name]
	switch r.Method {
	case http.MethodPut:
		f.put(w, r, name, d)
	case http.MethodGet:
		f.gets++
		if d == nil {
			armError(w, http.StatusNotFound, "DeploymentNotFound", fmt.Sprintf("Deployment '%s' not found.", name))
			return
		}
		if d.State == "Creating" {
			d.reads++
			if d.reads > f.reads {
				d.State = "Succeeded"
				if f.end != "" {
					d.State = f.end
				}
			}
		}
		writeJSON(w, http.StatusOK, f.deploymentJSON(d))
	case http.MethodDelete:
		if d == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		delete(f.deps, name)
		f.deleted = append(f.deleted, name)
		w.WriteHeader(http.StatusOK)
	default:
		armError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method is not allowed.")
	}
}

func (f *AzureARM) put(w http.ResponseWriter, r *http.Request, name string, d *azDeployment) {
	var req struct {
		SKU struct {
			Name     string `json:"name"`
			Capacity int    `json:"capacity"`
		} `json:"sku"`
		Properties struct {
			Model struct {
				Format, Name, Version string
			} `json:"model"`
		} `json:"properties"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		armError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	m := req.Properties.Model
	sku := strings.ToLower(req.SKU.Name)
	switch {
	case len(name) < 2 || len(name) > 64 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "":
		armError(w, http.StatusBadRequest, "InvalidResourceName", "The deployment name '"+name+"' is invalid: 2-64 letters, digits, '-', '_' or '.'.")
	case sku != "standard" && sku != "globalstandard" && sku != "provisionedmanaged" && sku != "developertier":
		armError(w, http.StatusBadRequest, "InvalidSkuName", "The sku '"+req.SKU.Name+"' is not supported.")
	case req.SKU.Capacity < 1:
		armError(w, http.StatusBadRequest, "InvalidCapacity", "The capacity should be greater than 0.")
	case m.Format != "OpenAI" || m.Version == "":
		armError(w, http.StatusBadRequest, "InvalidResourceProperties", "The specified model format or version is invalid.")
	case !f.models[m.Name]:
		armError(w, http.StatusBadRequest, "DeploymentModelNotSupported", fmt.Sprintf("The model 'Format: %s, Name: %s, Version: %s' of account deployment is not supported.", m.Format, m.Name, m.Version))
	case d != nil && d.Model != m.Name:
		armError(w, http.StatusConflict, "Conflict", "Deployment '"+name+"' already serves another model.")
	default:
		f.puts++
		status := http.StatusOK
		if d == nil {
			d = &azDeployment{Name: name, Model: m.Name, State: "Creating"}
			f.deps[name] = d
			f.order = append(f.order, name)
			status = http.StatusCreated
		}
		d.SKU, d.Capacity = req.SKU.Name, req.SKU.Capacity
		writeJSON(w, status, f.deploymentJSON(d))
	}
}

// dataPlane refuses calls to a fine-tuned model that no ready deployment
// serves, as Azure does, and passes the rest to the OpenAI fake.
func (f *AzureARM) dataPlane(w http.ResponseWriter, r *http.Request) {
	name := ""
	if rest, ok := strings.CutPrefix(r.URL.Path, "/openai/deployments/"); ok {
		name, _, _ = strings.Cut(rest, "/")
	}
	if strings.HasSuffix(r.URL.Path, "/chat/completions") && r.Method == http.MethodPost {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if name == "" {
			var req struct {
				Model string `json:"model"`
			}
			_ = json.Unmarshal(body, &req)
			name = req.Model
		}
		if code, msg := f.refuse(r, name); code != "" {
			armError(w, http.StatusNotFound, code, msg)
			return
		}
	}
	f.Chat.Handler().ServeHTTP(w, r)
}

// refuse says why a chat to deployment name is refused ("" when it is
// not). A wrong api-key is left to the OpenAI fake, which answers 401
// before anything else.
func (f *AzureARM) refuse(r *http.Request, name string) (code, msg string) {
	f.Chat.mu.Lock()
	key := f.Chat.key
	f.Chat.mu.Unlock()
	if key != "" && r.Header.Get("api-key") != key {
		return "", ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	const notFound = "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."
	d := f.deps[name]
	switch {
	case d == nil && (f.models[name] || slices.Contains(f.deleted, name)):
		return "DeploymentNotFound", notFound
	case d == nil:
		return "", "" // a base model's deployment, made outside Tracetune
	case d.State != "Succeeded":
		return "DeploymentNotFound", notFound
	case d.chats < f.notReady:
		d.chats++
		return "DeploymentNotReady", "The API deployment for this resource is not ready yet. Please try again in a few minutes."
	}
	return "", ""
}
