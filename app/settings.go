package app

import (
	"errors"
	"fmt"
	"strings"

	"tracetune/backend/llm"
	"tracetune/backend/store"
)

// Settings serves the Settings screen: model providers (keys go to the OS
// keyring, never to the page or the database), role assignments, the price
// table, and token/cost totals for the UI next to each spending action.
type Settings struct{ *Deps }

func (s *Settings) manager() *llm.Manager {
	return &llm.Manager{Store: s.Store, Secrets: s.Deps.Secrets}
}

// Provider is a provider as the page sees it: whether a key is set, never the key.
type Provider struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	BaseURL        string `json:"base_url"`
	APIVersion     string `json:"api_version"`
	HasKey         bool   `json:"has_key"`
	FromEnv        bool   `json:"from_env"`
	Concurrency    int    `json:"concurrency"`
	RPM            int    `json:"rpm"`
	MaxRetries     int    `json:"max_retries"`
	TimeoutMS      int    `json:"timeout_ms"`
	StructuredMode string `json:"structured_mode"`
	// AzureARM is an Azure provider's Resource Manager access (null: none).
	AzureARM *AzureARM `json:"azure_arm"`
}

// AzureARM is where an Azure provider's resource is in Azure Resource
// Manager and the service principal that deploys fine-tuned models to it.
// ClientSecret is write-only: "" on the way out, and "" on update keeps
// the stored one; HasSecret says one is stored.
type AzureARM struct {
	Subscription  string `json:"subscription"`
	ResourceGroup string `json:"resource_group"`
	Resource      string `json:"resource"`
	Tenant        string `json:"tenant"`
	ClientID      string `json:"client_id"`
	ClientSecret  string `json:"client_secret"`
	HasSecret     bool   `json:"has_secret"`
	// ARMURL and LoginURL are for sovereign clouds ("": the public cloud).
	ARMURL   string `json:"arm_url"`
	LoginURL string `json:"login_url"`
}

// ProviderInput is the provider form. APIKey "" on update keeps the stored key.
type ProviderInput struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	BaseURL     string `json:"base_url"`
	APIKey      string `json:"api_key"`
	ClearKey    bool   `json:"clear_key"`
	APIVersion  string `json:"api_version"`
	Concurrency int    `json:"concurrency"`
	RPM         int    `json:"rpm"`
	MaxRetries  int    `json:"max_retries"`
	TimeoutMS   int    `json:"timeout_ms"`
	// AzureARM (azure only): null keeps the stored settings; all fields
	// empty removes them.
	AzureARM *AzureARM `json:"azure_arm"`
}

// Kind describes a provider kind for the form.
type Kind struct {
	Kind           string `json:"kind"`
	DefaultURL     string `json:"default_url"`
	NeedsKey       bool   `json:"needs_key"`
	UsesAPIVersion bool   `json:"uses_api_version"`
	// UsesAccount: the provider needs an account id (Fireworks), kept in the
	// api_version field of the form.
	UsesAccount bool `json:"uses_account"`
}

// KeyStorage says where keys are kept, with the note Settings shows.
type KeyStorage struct {
	Backend string `json:"backend"` // "keyring" or "file"
	Path    string `json:"path"`
	Note    string `json:"note"`
}

// Role is a role's assignment.
type Role struct {
	Role     string `json:"role"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
	Default  bool   `json:"default"` // from OPENAI_API_KEY, not stored
}

// Price is one row of the price table (USD per million tokens).
type Price struct {
	Model          string  `json:"model"`
	PromptPerM     float64 `json:"prompt_per_m"`
	CompletionPerM float64 `json:"completion_per_m"`
}

// Usage is the token and cost total of one action.
type Usage struct {
	Action           string  `json:"action"`
	Provider         string  `json:"provider"`
	Model            string  `json:"model"`
	Calls            int64   `json:"calls"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"`
}

func providerOut(p llm.ProviderInfo) Provider {
	return Provider{ID: p.ID, Name: p.Name, Kind: p.Kind, BaseURL: p.BaseURL, APIVersion: p.APIVersion, HasKey: p.HasKey, FromEnv: p.FromEnv,
		Concurrency: p.Concurrency, RPM: p.RPM, MaxRetries: p.MaxRetries, TimeoutMS: p.TimeoutMS, StructuredMode: p.StructuredMode,
		AzureARM: azureARMOut(p.AzureARM)}
}

func azureARMOut(a *llm.AzureARMInfo) *AzureARM {
	if a == nil {
		return nil
	}
	return &AzureARM{Subscription: a.Subscription, ResourceGroup: a.ResourceGroup, Resource: a.Resource, Tenant: a.Tenant,
		ClientID: a.ClientID, HasSecret: a.HasSecret, ARMURL: a.ARMURL, LoginURL: a.LoginURL}
}

func (in ProviderInput) llm() llm.ProviderInput {
	return llm.ProviderInput{Name: in.Name, Kind: in.Kind, BaseURL: in.BaseURL, APIKey: in.APIKey, ClearKey: in.ClearKey, APIVersion: in.APIVersion,
		Concurrency: in.Concurrency, RPM: in.RPM, MaxRetries: in.MaxRetries, TimeoutMS: in.TimeoutMS, AzureARM: in.azureARM()}
}

func (in ProviderInput) azureARM() *llm.AzureARMInput {
	a := in.AzureARM
	if a == nil || in.Kind != llm.KindAzure {
		return nil
	}
	return &llm.AzureARMInput{Subscription: a.Subscription, ResourceGroup: a.ResourceGroup, Resource: a.Resource,
		Tenant: a.Tenant, ClientID: a.ClientID, ClientSecret: a.ClientSecret, ARMURL: a.ARMURL, LoginURL: a.LoginURL}
}

// KeyStorage reports the keyring backend in use.
func (s *Settings) KeyStorage() KeyStorage {
	st := s.Deps.Secrets.Status()
	return KeyStorage{Backend: st.Backend, Path: st.Path, Note: st.Note}
}

// Kinds lists the provider kinds with their defaults.
func (s *Settings) Kinds() []Kind {
	out := make([]Kind, 0, len(llm.Kinds))
	for _, k := range llm.Kinds {
		out = append(out, Kind{Kind: k, DefaultURL: llm.DefaultBaseURL(k), NeedsKey: llm.NeedsKey(k), UsesAPIVersion: k == llm.KindAzure, UsesAccount: k == llm.KindFireworks})
	}
	return out
}

// RoleNames lists the roles in display order.
func (s *Settings) RoleNames() []string { return append([]string(nil), llm.Roles...) }

// Providers lists the providers (the environment's first, if any).
func (s *Settings) Providers() ([]Provider, error) {
	ps, err := s.manager().List(s.ctx())
	out := make([]Provider, 0, len(ps))
	for _, p := range ps {
		out = append(out, providerOut(p))
	}
	return out, err
}

// AddProvider stores a provider; its key goes to the keyring.
func (s *Settings) AddProvider(in ProviderInput) (Provider, error) {
	if err := need("name", in.Name); err != nil {
		return Provider{}, err
	}
	if err := need("kind", in.Kind); err != nil {
		return Provider{}, err
	}
	p, err := s.manager().Add(s.ctx(), in.llm())
	return providerOut(p), err
}

// UpdateProvider changes a stored provider.
func (s *Settings) UpdateProvider(id int64, in ProviderInput) (Provider, error) {
	if id <= 0 {
		return Provider{}, errors.New("provider id is required")
	}
	p, err := s.manager().Update(s.ctx(), id, in.llm())
	return providerOut(p), err
}

// RemoveProvider deletes a provider, its role assignments and its key.
func (s *Settings) RemoveProvider(id int64) error {
	if id <= 0 {
		return errors.New("provider id is required")
	}
	return s.manager().Remove(s.ctx(), id)
}

// TestProvider connects to a provider and returns its model ids.
func (s *Settings) TestProvider(name string) ([]string, error) {
	if err := need("provider", name); err != nil {
		return nil, err
	}
	models, err := s.manager().Test(s.ctx(), name)
	if models == nil {
		models = []string{}
	}
	return models, err
}

// Roles returns every role's assignment.
func (s *Settings) Roles() ([]Role, error) {
	rs, err := s.manager().Roles(s.ctx())
	out := make([]Role, 0, len(rs))
	for _, r := range rs {
		out = append(out, Role{Role: r.Role, Provider: r.Provider, Model: r.Model, Default: r.Default})
	}
	return out, err
}

// SetRole assigns a provider and model to a role ("" provider: unassign).
func (s *Settings) SetRole(role, provider, model string) error {
	if err := need("role", role); err != nil {
		return err
	}
	return s.manager().SetRole(s.ctx(), role, provider, model)
}

// Prices returns the price table.
func (s *Settings) Prices() ([]Price, error) {
	ps, err := s.Store.Prices(s.ctx())
	out := make([]Price, 0, len(ps))
	for _, p := range ps {
		out = append(out, Price(p))
	}
	return out, err
}

// SetPrice adds or changes a price row.
func (s *Settings) SetPrice(p Price) error {
	if err := need("model", p.Model); err != nil {
		return err
	}
	return s.Store.SetPrice(s.ctx(), store.Price(p))
}

// DeletePrice removes a price row.
func (s *Settings) DeletePrice(model string) error {
	if err := need("model", model); err != nil {
		return err
	}
	return s.Store.DeletePrice(s.ctx(), strings.TrimSpace(model))
}

// Usage returns the token and cost totals per action of a dataset (0: the
// calls tied to no dataset, such as connection tests).
func (s *Settings) Usage(datasetID int64) ([]Usage, error) {
	if datasetID < 0 {
		return nil, fmt.Errorf("dataset id %d is invalid", datasetID)
	}
	us, err := s.Store.UsageFor(s.ctx(), datasetID)
	out := make([]Usage, 0, len(us))
	for _, u := range us {
		out = append(out, Usage{Action: u.Action, Provider: u.Provider, Model: u.Model, Calls: u.Calls,
			PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, Cost: u.Cost})
	}
	return out, err
}
