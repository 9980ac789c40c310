package llm

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"tracetune/backend/secrets"
	"tracetune/backend/store"
)

// Azure Resource Manager settings of an Azure OpenAI provider. A model
// fine-tuned on Azure answers only once it is deployed, and deployments
// are made through ARM (management.azure.com) with an Entra token, not
// the resource's api-key. These settings say where the resource is
// (subscription, resource group, resource) and which service principal
// (tenant, client id, client secret) gets the token. The client secret
// goes to the keyring next to the API key, never to the database.

// AzureARMInput is what a user enters for an Azure provider's ARM access.
type AzureARMInput struct {
	Subscription  string `json:"subscription"`
	ResourceGroup string `json:"resource_group"`
	Resource      string `json:"resource"`
	Tenant        string `json:"tenant"`
	ClientID      string `json:"client_id"`
	// ClientSecret is the service principal's secret; on update, ""
	// keeps the stored one.
	ClientSecret string `json:"client_secret"`
	// ARMURL and LoginURL are for sovereign clouds; "" is the public cloud.
	ARMURL   string `json:"arm_url"`
	LoginURL string `json:"login_url"`
}

// AzureARMInfo is a provider's ARM access as Settings shows it: whether a
// client secret is stored, never the secret.
type AzureARMInfo struct {
	store.AzureARM
	HasSecret bool `json:"has_secret"`
}

// AzureARMConfig is a provider's ARM access with its secret, for the
// deploy target. Its String hides the secret.
type AzureARMConfig struct {
	store.AzureARM
	Provider     string
	ClientSecret string // never logged, stored or printed
}

func (c AzureARMConfig) String() string {
	return fmt.Sprintf("llm.AzureARMConfig{Provider:%q Resource:%q}", c.Provider, c.Resource)
}

// Public-cloud endpoints of ARM and Entra ID.
const (
	DefaultARMURL   = "https://management.azure.com"
	DefaultLoginURL = "https://login.microsoftonline.com"
)

var (
	guidRE          = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tenantDomainRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)+$`)
	resourceGroupRE = regexp.MustCompile(`^[-\w.()]{1,90}$`)
	azureResourceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{1,63}$`)
)

// empty says whether no coordinate is given (the input then removes the
// provider's ARM access).
func (in AzureARMInput) empty() bool {
	return strings.TrimSpace(in.Subscription+in.ResourceGroup+in.Resource+in.Tenant+in.ClientID+in.ClientSecret) == ""
}

func (in AzureARMInput) trimmed() AzureARMInput {
	for _, f := range []*string{&in.Subscription, &in.ResourceGroup, &in.Resource, &in.Tenant, &in.ClientID, &in.ClientSecret} {
		*f = strings.TrimSpace(*f)
	}
	in.ARMURL = strings.TrimRight(strings.TrimSpace(in.ARMURL), "/")
	in.LoginURL = strings.TrimRight(strings.TrimSpace(in.LoginURL), "/")
	return in
}

// validate checks the input of provider name (of kind), naming the setting
// to fix; haveSecret says a secret is already stored.
func (in AzureARMInput) validate(name, kind string, haveSecret bool) error {
	if in.empty() {
		return nil
	}
	if kind != KindAzure {
		return fmt.Errorf("provider %s: Azure Resource Manager settings apply to Azure providers only, not %s", name, kind)
	}
	in = in.trimmed()
	switch {
	case !guidRE.MatchString(in.Subscription):
		return fmt.Errorf("provider %s: subscription id %q: give the subscription's GUID (Azure portal → Subscriptions)", name, in.Subscription)
	case !resourceGroupRE.MatchString(in.ResourceGroup) || strings.HasSuffix(in.ResourceGroup, "."):
		return fmt.Errorf("provider %s: resource group %q: give the name of the resource group holding the Azure OpenAI resource", name, in.ResourceGroup)
	case !azureResourceRE.MatchString(in.Resource):
		return fmt.Errorf("provider %s: resource %q: give the Azure OpenAI resource's name (the RES of https://RES.openai.azure.com)", name, in.Resource)
	case !guidRE.MatchString(in.Tenant) && !tenantDomainRE.MatchString(in.Tenant):
		return fmt.Errorf("provider %s: tenant %q: give the Entra tenant id (a GUID) or its domain (contoso.onmicrosoft.com)", name, in.Tenant)
	case !guidRE.MatchString(in.ClientID):
		return fmt.Errorf("provider %s: client id %q: give the service principal's application (client) id, a GUID", name, in.ClientID)
	case in.ClientSecret == "" && !haveSecret:
		return fmt.Errorf("provider %s: the service principal's client secret is required with its client id", name)
	}
	for what, u := range map[string]string{"ARM URL": in.ARMURL, "login URL": in.LoginURL} {
		if u == "" {
			continue
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return fmt.Errorf("provider %s: %s %q: give an http(s) URL", name, what, u)
		}
	}
	return nil
}

func (m *Manager) armSecretName(ctx context.Context, id int64) (string, error) {
	name, err := m.secretName(ctx, id)
	if err != nil {
		return "", err
	}
	return name + "/arm-client-secret", nil
}

func (m *Manager) armSecret(ctx context.Context, p store.Provider) (string, error) {
	name, err := m.armSecretName(ctx, p.ID)
	if err != nil {
		return "", err
	}
	s, err := m.secrets().Get(name)
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return "", fmt.Errorf("provider %s: read its client secret: %w", p.Name, err)
	}
	return s, nil
}

// checkAzureARM validates an input before the provider is written.
func (m *Manager) checkAzureARM(ctx context.Context, p store.Provider, in *AzureARMInput) error {
	if in == nil {
		return nil
	}
	have := false
	if p.ID > 0 {
		s, err := m.armSecret(ctx, p)
		if err != nil {
			return err
		}
		have = s != ""
	}
	return in.validate(p.Name, p.Kind, have)
}

// saveAzureARM stores (or, for an empty input, removes) a provider's ARM
// access; nil leaves it as it is.
func (m *Manager) saveAzureARM(ctx context.Context, p store.Provider, in *AzureARMInput) error {
	if in == nil {
		return nil
	}
	name, err := m.armSecretName(ctx, p.ID)
	if err != nil {
		return err
	}
	if in.empty() {
		if err := m.Store.DeleteProviderAzureARM(ctx, p.ID); err != nil {
			return err
		}
		return m.secrets().Delete(name)
	}
	v := in.trimmed()
	if v.ClientSecret != "" {
		if err := m.secrets().Set(name, v.ClientSecret); err != nil {
			return fmt.Errorf("provider %s: store its client secret: %w", p.Name, err)
		}
	}
	return m.Store.SetProviderAzureARM(ctx, store.AzureARM{ProviderID: p.ID, Subscription: v.Subscription, ResourceGroup: v.ResourceGroup,
		Resource: v.Resource, Tenant: v.Tenant, ClientID: v.ClientID, ARMURL: v.ARMURL, LoginURL: v.LoginURL})
}

// azureARMInfo is a provider's ARM access for Settings (nil when none).
func (m *Manager) azureARMInfo(ctx context.Context, p store.Provider) (*AzureARMInfo, error) {
	if p.Kind != KindAzure || p.ID == 0 {
		return nil, nil
	}
	a, err := m.Store.ProviderAzureARM(ctx, p.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := m.armSecret(ctx, p)
	if err != nil {
		return nil, err
	}
	return &AzureARMInfo{AzureARM: a, HasSecret: s != ""}, nil
}

// forgetAzureARM deletes a removed provider's client secret (its row goes
// with the provider).
func (m *Manager) forgetAzureARM(ctx context.Context, id int64) error {
	name, err := m.armSecretName(ctx, id)
	if err != nil {
		return err
	}
	return m.secrets().Delete(name)
}

// AzureARM returns the ARM access of an Azure provider, secret included,
// or an error naming what to set.
func (m *Manager) AzureARM(ctx context.Context, provider string) (AzureARMConfig, error) {
	p, err := m.Store.ProviderByName(ctx, provider)
	if err != nil {
		return AzureARMConfig{}, fmt.Errorf("Azure provider %q: %w", provider, err)
	}
	if p.Kind != KindAzure {
		return AzureARMConfig{}, fmt.Errorf("provider %q is a %s provider, not Azure OpenAI", provider, p.Kind)
	}
	missing := fmt.Errorf("Azure provider %s has no Azure Resource Manager access: set its subscription, resource group, resource, "+
		"tenant, client id and client secret in Settings → Providers (or tracetune providers add --kind azure … --subscription S "+
		"--resource-group G --resource R --tenant T --client-id C)", p.Name)
	a, err := m.Store.ProviderAzureARM(ctx, p.ID)
	if errors.Is(err, store.ErrNotFound) {
		return AzureARMConfig{}, missing
	}
	if err != nil {
		return AzureARMConfig{}, err
	}
	s, err := m.armSecret(ctx, p)
	if err != nil {
		return AzureARMConfig{}, err
	}
	if s == "" {
		return AzureARMConfig{}, fmt.Errorf("Azure provider %s has no client secret stored for its service principal: enter it in Settings → Providers", p.Name)
	}
	if a.ARMURL == "" {
		a.ARMURL = DefaultARMURL
	}
	if a.LoginURL == "" {
		a.LoginURL = DefaultLoginURL
	}
	return AzureARMConfig{AzureARM: a, Provider: p.Name, ClientSecret: s}, nil
}
