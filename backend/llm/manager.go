package llm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"tracetune/backend/secrets"
	"tracetune/backend/store"
)

// Roles a provider/model can serve.
const (
	RoleGeneration = "generation" // synthetic prompts, topic proposals
	RoleJudge      = "judge"      // LLM categorization, model graders
	RoleEmbedding  = "embedding"  // embeddings for topics and coverage
	RoleBase       = "base"       // the base model for the dry run
	RoleTraining   = "training"   // the model fine-tuned by RFT
)

// Roles lists every role in display order.
var Roles = []string{RoleGeneration, RoleJudge, RoleEmbedding, RoleBase, RoleTraining}

// EnvProviderName is the provider that OPENAI_API_KEY / OPENAI_BASE_URL
// define. It is never stored; its key stays in the environment.
const EnvProviderName = "environment"

// envDefaultModels serve roles left unassigned when only the environment
// provider exists, so that OPENAI_API_KEY alone is enough to work.
var envDefaultModels = map[string]string{
	RoleGeneration: "gpt-4o-mini",
	RoleJudge:      "gpt-4o-mini",
	RoleEmbedding:  "text-embedding-3-small",
	RoleBase:       "gpt-4.1-mini",
	RoleTraining:   "o4-mini",
}

// Manager manages providers (settings in the store, keys in secrets) and
// hands out their clients. The zero Secrets means secrets.Default().
type Manager struct {
	Store   *store.Store
	Secrets *secrets.Store
}

func (m *Manager) secrets() *secrets.Store {
	if m.Secrets != nil {
		return m.Secrets
	}
	return secrets.Default()
}

// ProviderInfo is a provider as Settings shows it: no key, only whether one is set.
type ProviderInfo struct {
	store.Provider
	HasKey  bool `json:"has_key"`
	FromEnv bool `json:"from_env"` // defined by OPENAI_API_KEY / OPENAI_BASE_URL; read-only
	// AzureARM is an Azure provider's Resource Manager access (nil: none).
	AzureARM *AzureARMInfo `json:"azure_arm,omitempty"`
}

// ProviderInput is what a user enters for a provider.
type ProviderInput struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	BaseURL    string `json:"base_url"`
	APIKey     string `json:"api_key"` // on update, "" keeps the stored key
	ClearKey   bool   `json:"clear_key"`
	APIVersion string `json:"api_version"`
	// Account is a Fireworks provider's account id; it is kept in the
	// api_version column, which only Azure uses otherwise.
	Account string `json:"account"`
	// AzureARM is an Azure provider's Resource Manager access (deploying
	// fine-tuned models): nil keeps it as it is, all fields "" removes it.
	AzureARM *AzureARMInput `json:"azure_arm,omitempty"`
	// Resilience settings; 0 = default.
	Concurrency int `json:"concurrency"`
	RPM         int `json:"rpm"`
	MaxRetries  int `json:"max_retries"`
	TimeoutMS   int `json:"timeout_ms"`
}

// secretName is the keyring entry of a provider's key. It is qualified by a
// random id of the database, so that two data directories (say, the e2e
// suite's and the user's) never read each other's "provider 1" key.
func (m *Manager) secretName(ctx context.Context, id int64) (string, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	ns, err := m.Store.EnsureSetting(ctx, "secrets_namespace", hex.EncodeToString(b[:]))
	if err != nil {
		return "", fmt.Errorf("secrets namespace: %w", err)
	}
	return "db-" + ns + "/provider-" + strconv.FormatInt(id, 10), nil
}

// key reads a provider's key ("" when none is stored).
func (m *Manager) key(ctx context.Context, p store.Provider) (string, error) {
	name, err := m.secretName(ctx, p.ID)
	if err != nil {
		return "", err
	}
	k, err := m.secrets().Get(name)
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return "", fmt.Errorf("provider %s: read its key: %w", p.Name, err)
	}
	return k, nil
}

// setKey stores (key != "") or deletes (key == "") a provider's key.
func (m *Manager) setKey(ctx context.Context, id int64, key string) error {
	name, err := m.secretName(ctx, id)
	if err != nil {
		return err
	}
	if key == "" {
		return m.secrets().Delete(name)
	}
	return m.secrets().Set(name, key)
}

func (in ProviderInput) toProvider() (store.Provider, error) {
	p := store.Provider{
		Name: strings.TrimSpace(in.Name), Kind: strings.TrimSpace(in.Kind), BaseURL: strings.TrimRight(strings.TrimSpace(in.BaseURL), "/"),
		APIVersion: strings.TrimSpace(in.APIVersion), Concurrency: in.Concurrency, RPM: in.RPM, MaxRetries: in.MaxRetries, TimeoutMS: in.TimeoutMS,
	}
	if p.Name == "" {
		return p, errors.New("provider name is required")
	}
	if strings.EqualFold(p.Name, EnvProviderName) {
		return p, fmt.Errorf("provider name %q is reserved for the OPENAI_API_KEY environment provider", EnvProviderName)
	}
	if err := ValidateEndpoint(p.Kind, p.BaseURL); err != nil {
		return p, fmt.Errorf("provider %s: %w", p.Name, err)
	}
	if p.BaseURL == "" {
		p.BaseURL = DefaultBaseURL(p.Kind)
	}
	if p.Kind == KindAzure && p.APIVersion == "" {
		p.APIVersion = DefaultAzureAPIVersion
	}
	if p.Kind == KindFireworks {
		if err := fireworksProvider(&p, in.Account); err != nil {
			return p, err
		}
	}
	if p.Concurrency <= 0 {
		p.Concurrency = DefaultConcurrency
	}
	if p.Concurrency > 256 {
		return p, fmt.Errorf("provider %s: concurrency %d is above 256", p.Name, p.Concurrency)
	}
	if p.RPM < 0 {
		return p, fmt.Errorf("provider %s: requests per minute cannot be negative", p.Name)
	}
	if p.MaxRetries <= 0 {
		p.MaxRetries = DefaultMaxRetries
	}
	if p.TimeoutMS <= 0 {
		p.TimeoutMS = int(DefaultTimeout / time.Millisecond)
	}
	return p, nil
}

// envProvider returns the environment's provider, if the environment defines one.
func envProvider() (ProviderInfo, string, bool) {
	key, base := os.Getenv("OPENAI_API_KEY"), os.Getenv("OPENAI_BASE_URL")
	if key == "" && base == "" {
		return ProviderInfo{}, "", false
	}
	kind := KindOpenAI
	if base == "" {
		base = DefaultBaseURL(KindOpenAI)
	} else if !strings.Contains(base, "api.openai.com") {
		kind = KindOther
	}
	p := store.Provider{Name: EnvProviderName, Kind: kind, BaseURL: strings.TrimRight(base, "/"), Concurrency: DefaultConcurrency,
		MaxRetries: DefaultMaxRetries, TimeoutMS: int(DefaultTimeout / time.Millisecond)}
	return ProviderInfo{Provider: p, HasKey: key != "", FromEnv: true}, key, true
}

// List returns the environment provider (if any) and the stored ones.
func (m *Manager) List(ctx context.Context) ([]ProviderInfo, error) {
	var out []ProviderInfo
	if p, _, ok := envProvider(); ok {
		out = append(out, p)
	}
	ps, err := m.Store.Providers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	for _, p := range ps {
		k, err := m.key(ctx, p)
		if err != nil {
			return nil, err
		}
		arm, err := m.azureARMInfo(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, ProviderInfo{Provider: p, HasKey: k != "", AzureARM: arm})
	}
	return out, nil
}

// Get returns one provider by name.
func (m *Manager) Get(ctx context.Context, name string) (ProviderInfo, error) {
	if strings.EqualFold(name, EnvProviderName) {
		if p, _, ok := envProvider(); ok {
			return p, nil
		}
		return ProviderInfo{}, fmt.Errorf("provider %q: OPENAI_API_KEY and OPENAI_BASE_URL are not set: %w", name, ErrNoProvider)
	}
	p, err := m.Store.ProviderByName(ctx, name)
	if err != nil {
		return ProviderInfo{}, err
	}
	k, err := m.key(ctx, p)
	if err != nil {
		return ProviderInfo{}, err
	}
	arm, err := m.azureARMInfo(ctx, p)
	return ProviderInfo{Provider: p, HasKey: k != "", AzureARM: arm}, err
}

// Add stores a new provider and its key (in the keyring, not the database).
func (m *Manager) Add(ctx context.Context, in ProviderInput) (ProviderInfo, error) {
	p, err := in.toProvider()
	if err != nil {
		return ProviderInfo{}, err
	}
	key := strings.TrimSpace(in.APIKey)
	if key == "" && NeedsKey(p.Kind) {
		return ProviderInfo{}, fmt.Errorf("provider %s: an API key is required for kind %s", p.Name, p.Kind)
	}
	if err := m.checkAzureARM(ctx, p, in.AzureARM); err != nil {
		return ProviderInfo{}, err
	}
	p, err = m.Store.CreateProvider(ctx, p)
	if err != nil {
		return ProviderInfo{}, err
	}
	if key != "" {
		if err := m.setKey(ctx, p.ID, key); err != nil {
			_ = m.Store.DeleteProvider(context.WithoutCancel(ctx), p.ID)
			return ProviderInfo{}, fmt.Errorf("provider %s: store its key: %w", p.Name, err)
		}
	}
	if err := m.saveAzureARM(ctx, p, in.AzureARM); err != nil {
		bg := context.WithoutCancel(ctx)
		_ = m.Store.DeleteProvider(bg, p.ID)
		_ = m.setKey(bg, p.ID, "")
		return ProviderInfo{}, err
	}
	forget(p.Name)
	arm, err := m.azureARMInfo(ctx, p)
	return ProviderInfo{Provider: p, HasKey: key != "", AzureARM: arm}, err
}

// Update changes a provider; an empty APIKey keeps the stored key unless
// ClearKey is set.
func (m *Manager) Update(ctx context.Context, id int64, in ProviderInput) (ProviderInfo, error) {
	p, err := in.toProvider()
	if err != nil {
		return ProviderInfo{}, err
	}
	old, err := m.Store.Provider(ctx, id)
	if err != nil {
		return ProviderInfo{}, err
	}
	p.ID = id
	if err := m.checkAzureARM(ctx, p, in.AzureARM); err != nil {
		return ProviderInfo{}, err
	}
	p, err = m.Store.UpdateProvider(ctx, p)
	if err != nil {
		return ProviderInfo{}, err
	}
	key := strings.TrimSpace(in.APIKey)
	switch {
	case key != "":
		err = m.setKey(ctx, id, key)
	case in.ClearKey:
		err = m.setKey(ctx, id, "")
	}
	if err != nil {
		return ProviderInfo{}, fmt.Errorf("provider %s: store its key: %w", p.Name, err)
	}
	if err := m.saveAzureARM(ctx, p, in.AzureARM); err != nil {
		return ProviderInfo{}, err
	}
	forget(old.Name)
	forget(p.Name)
	return m.Get(ctx, p.Name)
}

// Remove deletes a provider, its role assignments and its key.
func (m *Manager) Remove(ctx context.Context, id int64) error {
	p, err := m.Store.Provider(ctx, id)
	if err != nil {
		return err
	}
	if err := m.Store.DeleteProvider(ctx, id); err != nil {
		return fmt.Errorf("remove provider %s: %w", p.Name, err)
	}
	forget(p.Name)
	if err := m.setKey(ctx, id, ""); err != nil {
		return fmt.Errorf("provider %s removed, but its key could not be deleted: %w", p.Name, err)
	}
	if err := m.forgetAzureARM(ctx, id); err != nil {
		return fmt.Errorf("provider %s removed, but its client secret could not be deleted: %w", p.Name, err)
	}
	return nil
}

// clients caches one Client per provider so that its concurrency and rate
// limits hold across every caller in the process. The key includes a hash
// of the full configuration (key included, in memory only), so an edited
// provider gets a fresh client.
var clients = struct {
	sync.Mutex
	m map[string]*cached
}{m: map[string]*cached{}}

type cached struct {
	fp string
	c  *Client
}

func forget(name string) {
	clients.Lock()
	defer clients.Unlock()
	for k := range clients.m {
		if strings.HasSuffix(k, "\x00"+strings.ToLower(name)) {
			delete(clients.m, k)
		}
	}
}

// Client returns the (shared) client of a provider by name.
func (m *Manager) Client(ctx context.Context, name string) (*Client, error) {
	var cfg Config
	if strings.EqualFold(name, EnvProviderName) {
		p, key, ok := envProvider()
		if !ok {
			return nil, fmt.Errorf("provider %q: OPENAI_API_KEY and OPENAI_BASE_URL are not set: %w", name, ErrNoProvider)
		}
		cfg = configOf(p.Provider, key)
	} else {
		p, err := m.Store.ProviderByName(ctx, name)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("provider %q is not configured (add it in Settings): %w", name, ErrNoProvider)
			}
			return nil, err
		}
		key, err := m.key(ctx, p)
		if err != nil {
			return nil, err
		}
		cfg = configOf(p, key)
	}
	fpb, _ := json.Marshal(struct {
		C Config
		K string
	}{cfg, cfg.APIKey})
	fp := fmt.Sprintf("%x", sha256.Sum256(fpb))
	// Keyed by the store itself, not its path: a client records usage into
	// its store, and a command (or test) that reopens the same file must not
	// get a client bound to the closed one. The cached client keeps its store
	// alive, so the address cannot be reused while it is cached.
	k := fmt.Sprintf("%p", m.Store) + "\x00" + strings.ToLower(cfg.Name)
	clients.Lock()
	defer clients.Unlock()
	if c, ok := clients.m[k]; ok && c.fp == fp {
		return c.c, nil
	}
	c := New(cfg, m.Store)
	clients.m[k] = &cached{fp: fp, c: c}
	return c, nil
}

func configOf(p store.Provider, key string) Config {
	c := Config{Name: p.Name, Kind: p.Kind, BaseURL: p.BaseURL, APIVersion: p.APIVersion, APIKey: key,
		Concurrency: p.Concurrency, RPM: p.RPM, MaxRetries: p.MaxRetries, Timeout: time.Duration(p.TimeoutMS) * time.Millisecond,
		StructuredMode: p.StructuredMode}
	if p.Kind == KindFireworks {
		c.Account, c.APIVersion = p.APIVersion, ""
	}
	return c
}

// fireworksAccountRE is what a Fireworks account id looks like (the
// {account_id} of the control plane's paths).
var fireworksAccountRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// fireworksProvider checks and stores a Fireworks provider's account (in
// the api_version column) and completes a bare https://api.fireworks.ai
// into its OpenAI-compatible chat base, /inference/v1.
func fireworksProvider(p *store.Provider, account string) error {
	account = strings.TrimSpace(account)
	if account == "" {
		account = p.APIVersion
	}
	if !fireworksAccountRE.MatchString(account) {
		if account == "" {
			return fmt.Errorf("provider %s: a Fireworks provider needs its account id (--account; the name in accounts/<id>/…, see app.fireworks.ai/account)", p.Name)
		}
		return fmt.Errorf("provider %s: account %q is not a Fireworks account id (lowercase letters, digits and -)", p.Name, account)
	}
	p.APIVersion = account
	if u, err := url.Parse(p.BaseURL); err == nil && strings.Trim(u.Path, "/") == "" {
		p.BaseURL = strings.TrimRight(p.BaseURL, "/") + "/inference/v1"
	}
	return nil
}

// Test lists a provider's models: the Test Connection button.
func (m *Manager) Test(ctx context.Context, name string) ([]string, error) {
	c, err := m.Client(ctx, name)
	if err != nil {
		return nil, err
	}
	// A connection test should answer quickly: no long retry ladder.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return c.Models(ctx)
}

// RoleInfo is a role's effective assignment.
type RoleInfo struct {
	Role     string `json:"role"`
	Provider string `json:"provider"` // "" when unassigned
	Model    string `json:"model"`
	Default  bool   `json:"default"` // filled from the environment provider, not stored
}

// SetRole assigns a provider and model to a role (empty provider: unassign).
func (m *Manager) SetRole(ctx context.Context, role, provider, model string) error {
	if !validRole(role) {
		return fmt.Errorf("role %q is not one of %s", role, strings.Join(Roles, ", "))
	}
	provider, model = strings.TrimSpace(provider), strings.TrimSpace(model)
	if provider != "" {
		if model == "" {
			return fmt.Errorf("role %s: a model is required", role)
		}
		if _, err := m.Get(ctx, provider); err != nil {
			return fmt.Errorf("role %s: %w", role, err)
		}
	}
	return m.Store.SetRole(ctx, store.RoleAssignment{Role: role, Provider: provider, Model: model})
}

func validRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Roles returns every role's effective assignment, in Roles order.
func (m *Manager) Roles(ctx context.Context) ([]RoleInfo, error) {
	stored, err := m.Store.Roles(ctx)
	if err != nil {
		return nil, err
	}
	by := map[string]store.RoleAssignment{}
	for _, a := range stored {
		by[a.Role] = a
	}
	_, _, env := envProvider()
	out := make([]RoleInfo, 0, len(Roles))
	for _, r := range Roles {
		if a, ok := by[r]; ok {
			out = append(out, RoleInfo{Role: r, Provider: a.Provider, Model: a.Model})
		} else if env {
			out = append(out, RoleInfo{Role: r, Provider: EnvProviderName, Model: envDefaultModels[r], Default: true})
		} else {
			out = append(out, RoleInfo{Role: r})
		}
	}
	return out, nil
}

// ForRole returns the client and model serving a role, or an error wrapping
// ErrNoProvider when none is configured.
func (m *Manager) ForRole(ctx context.Context, role string) (*Client, string, error) {
	if !validRole(role) {
		return nil, "", fmt.Errorf("role %q is not one of %s", role, strings.Join(Roles, ", "))
	}
	a, err := m.Store.Role(ctx, role)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		if _, _, ok := envProvider(); ok {
			a = store.RoleAssignment{Role: role, Provider: EnvProviderName, Model: envDefaultModels[role]}
			break
		}
		return nil, "", fmt.Errorf("no provider/model is assigned to the %s role (assign one in Settings, or set OPENAI_API_KEY): %w", role, ErrNoProvider)
	default:
		return nil, "", err
	}
	c, err := m.Client(ctx, a.Provider)
	if err != nil {
		return nil, "", fmt.Errorf("%s role: %w", role, err)
	}
	return c, a.Model, nil
}

// ForRole is Manager.ForRole with the process-wide secrets store.
func ForRole(ctx context.Context, st *store.Store, role string) (*Client, string, error) {
	return (&Manager{Store: st}).ForRole(ctx, role)
}
