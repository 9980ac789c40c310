package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tracetune/backend/llm"
)

// The part of Azure the azure target uses: an Entra ID token for Azure
// Resource Manager (OAuth2 client credentials of the provider's service
// principal) and the deployments of the provider's Cognitive Services
// account, with ARM's and Entra's errors turned into which setting to fix.

// AzureARMAPIVersion is the ARM api-version of deployment calls (the
// research doc's cross-tenant example; the data-plane 2024-10-21 is not
// an ARM version).
const AzureARMAPIVersion = "2024-10-01"

// armScope is the scope a token for ARM is asked for.
const armScope = "https://management.azure.com/.default"

type armClient struct {
	cfg   llm.AzureARMConfig
	hc    *http.Client
	token string // never logged
	exp   time.Time
}

// azureARM reaches the ARM deployments of an Azure provider's resource.
func azureARM(ctx context.Context, m *llm.Manager, hc *http.Client, provider string) (*armClient, error) {
	if m == nil {
		return nil, fmt.Errorf("no provider manager to reach Azure: %w", ErrInvalid)
	}
	cfg, err := m.AzureARM(ctx, provider)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrInvalid)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &armClient{cfg: cfg, hc: hc}, nil
}

// account is the resource's ARM path, for plans and messages.
func (c *armClient) account() string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.CognitiveServices/accounts/%s",
		c.cfg.Subscription, c.cfg.ResourceGroup, c.cfg.Resource)
}

func (c *armClient) deploymentURL(name string) string {
	return strings.TrimRight(c.cfg.ARMURL, "/") + c.account() + "/deployments/" + url.PathEscape(name) + "?api-version=" + AzureARMAPIVersion
}

// entraError is a refused token request.
type entraError struct {
	HTTP   int
	Code   string `json:"error"`
	Desc   string `json:"error_description"`
	Codes  []int  `json:"error_codes"`
	reason string // a transport failure, when there was no answer
}

func (e *entraError) Error() string {
	if e.reason != "" {
		return e.reason
	}
	return fmt.Sprintf("Entra ID refused the token request (%d %s): %s", e.HTTP, e.Code, firstLine(e.Desc))
}

func (e *entraError) has(code int) bool {
	for _, c := range e.Codes {
		if c == code {
			return true
		}
	}
	return strings.Contains(e.Desc, fmt.Sprintf("AADSTS%d:", code))
}

// armAPIError is an ARM error answer: {"error":{"code","message"}}.
type armAPIError struct {
	HTTP    int
	Code    string
	Message string
}

func (e *armAPIError) Error() string {
	return fmt.Sprintf("Azure Resource Manager answered %d %s: %s", e.HTTP, e.Code, e.Message)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(strings.ReplaceAll(s, "\r", ""))
}

// accessToken returns an ARM token, asking Entra ID for one when none is
// held or it is about to expire.
func (c *armClient) accessToken(ctx context.Context) (string, error) {
	if c.token != "" && time.Now().Before(c.exp) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret}, "scope": {armScope}}
	u := strings.TrimRight(c.cfg.LoginURL, "/") + "/" + url.PathEscape(c.cfg.Tenant) + "/oauth2/v2.0/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &entraError{reason: fmt.Sprintf("Entra ID at %s could not be reached (%v)", c.cfg.LoginURL, scrub(err.Error(), c.cfg.ClientSecret))}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		e := &entraError{HTTP: resp.StatusCode}
		if json.Unmarshal(body, e) != nil || e.Code == "" {
			e.Code, e.Desc = "unknown", firstLine(string(body))
		}
		e.Desc = scrub(e.Desc, c.cfg.ClientSecret)
		return "", e
	}
	var tok struct {
		Type      string `json:"token_type"`
		ExpiresIn int    `json:"expires_in"`
		Access    string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.Access == "" {
		return "", &entraError{reason: fmt.Sprintf("Entra ID at %s answered without an access token: check the provider's login URL", c.cfg.LoginURL)}
	}
	c.token = tok.Access
	c.exp = time.Now().Add(time.Duration(max(tok.ExpiresIn-300, 30)) * time.Second)
	return c.token, nil
}

// scrub removes the client secret from text that could echo it.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}

// do sends one request on a deployment and decodes the answer into out.
// It returns the HTTP status; an error answer is an *armAPIError. Reads
// are retried on 429/5xx and network errors; writes are not (a PUT is
// create-or-update, but its outcome is read back instead).
func (c *armClient) do(ctx context.Context, method, name string, body, out any) (int, error) {
	tok, err := c.accessToken(ctx)
	if err != nil {
		return 0, err
	}
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	tries := 1
	if method == http.MethodGet || method == http.MethodDelete {
		tries = 3
	}
	var lastErr error
	for i := 0; i < tries; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Duration(i) * time.Second):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, c.deploymentURL(name), bytes.NewReader(payload))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			lastErr = fmt.Errorf("Azure Resource Manager at %s could not be reached: %v", c.cfg.ARMURL, err)
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			var env struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			_ = json.Unmarshal(b, &env)
			e := &armAPIError{HTTP: resp.StatusCode, Code: env.Error.Code, Message: firstLine(env.Error.Message)}
			if e.Code == "" {
				e.Code, e.Message = http.StatusText(resp.StatusCode), firstLine(string(b))
			}
			lastErr = e
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
				continue
			}
			return resp.StatusCode, e
		}
		if out != nil && len(bytes.TrimSpace(b)) > 0 {
			if err := json.Unmarshal(b, out); err != nil {
				return resp.StatusCode, fmt.Errorf("Azure Resource Manager answered %d with a body that is not a deployment: %v", resp.StatusCode, err)
			}
		}
		return resp.StatusCode, nil
	}
	return 0, lastErr
}

// explain turns an ARM or Entra error into what a person can act on,
// naming the provider setting to fix.
func (c *armClient) explain(what string, err error) error {
	p := c.cfg.Provider
	var ee *entraError
	var ae *armAPIError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	case errors.As(err, &ee) && ee.reason != "":
		return fmt.Errorf("%s: %s; check the network (and the provider's login URL if it is not the public cloud)", what, ee.reason)
	case errors.As(err, &ee):
		advice := "fix the Azure settings of provider " + p + " in Settings → Providers"
		switch {
		case ee.has(90002) || ee.has(900023) || ee.has(90013):
			advice = fmt.Sprintf("the tenant %q does not exist: fix the tenant id of provider %s (Entra ID → Overview → Tenant ID)", c.cfg.Tenant, p)
		case ee.has(700016):
			advice = fmt.Sprintf("no application with client id %s exists in tenant %s: fix the client id of provider %s (App registrations → Application (client) ID), or the tenant id if the app lives in another tenant", c.cfg.ClientID, c.cfg.Tenant, p)
		case ee.has(7000215) || ee.has(7000222) || ee.Code == "invalid_client":
			advice = fmt.Sprintf("the client secret was not accepted (wrong, or expired): enter the secret's value (not its id) again for provider %s; make a new one under App registrations → Certificates & secrets if it expired", p)
		}
		return fmt.Errorf("%s: signing in to Azure as the service principal failed (Entra ID: %s). What to do: %s", what, firstLine(ee.Desc), advice)
	case errors.As(err, &ae):
		advice := "fix what Azure names and try again"
		switch {
		case ae.HTTP == http.StatusUnauthorized:
			advice = fmt.Sprintf("the token was refused: check the tenant id, client id and client secret of provider %s", p)
		case ae.HTTP == http.StatusForbidden || ae.Code == "AuthorizationFailed":
			advice = fmt.Sprintf("the service principal %s may not manage deployments of resource %s: give it the Cognitive Services Contributor role on the resource (or its resource group)", c.cfg.ClientID, c.cfg.Resource)
		case ae.Code == "SubscriptionNotFound" || ae.Code == "InvalidSubscriptionId":
			advice = fmt.Sprintf("subscription %s was not found for this service principal: fix the subscription id of provider %s", c.cfg.Subscription, p)
		case ae.Code == "ResourceGroupNotFound":
			advice = fmt.Sprintf("resource group %s was not found: fix the resource group of provider %s", c.cfg.ResourceGroup, p)
		case ae.Code == "ResourceNotFound" || ae.Code == "ParentResourceNotFound":
			advice = fmt.Sprintf("the Azure OpenAI resource %s was not found in resource group %s: fix the resource name of provider %s", c.cfg.Resource, c.cfg.ResourceGroup, p)
		case ae.Code == "DeploymentModelNotSupported" || ae.Code == "InvalidResourceProperties":
			advice = fmt.Sprintf("resource %s cannot deploy this model: it must be the resource the model was fine-tuned on (the provider's resource setting)", c.cfg.Resource)
		case ae.Code == "InsufficientQuota" || strings.Contains(strings.ToLower(ae.Message), "quota"):
			advice = "the subscription is out of quota for this model: lower the capacity, or delete another deployment (a resource holds at most 5 fine-tuned deployments)"
		case ae.HTTP >= 500 || ae.HTTP == http.StatusTooManyRequests:
			advice = "Azure is busy or failed on its side: try again in a few minutes"
		}
		return fmt.Errorf("%s: Azure said %q (%s). What to do: %s", what, ae.Message, ae.Code, advice)
	}
	return fmt.Errorf("%s: %v; check the network and the provider's ARM URL", what, err)
}

// armDeployment is the part of an ARM deployment Tracetune reads.
type armDeployment struct {
	Name string `json:"name"`
	SKU  struct {
		Name     string `json:"name"`
		Capacity int    `json:"capacity"`
	} `json:"sku"`
	Properties struct {
		Model struct {
			Format  string `json:"format"`
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"model"`
		ProvisioningState string `json:"provisioningState"`
	} `json:"properties"`
}

// get reads a deployment; found is false when ARM has none by that name.
func (c *armClient) get(ctx context.Context, name string) (armDeployment, bool, error) {
	var d armDeployment
	_, err := c.do(ctx, http.MethodGet, name, nil, &d)
	var ae *armAPIError
	if errors.As(err, &ae) && ae.HTTP == http.StatusNotFound && (ae.Code == "DeploymentNotFound" || ae.Code == "NotFound") {
		return d, false, nil
	}
	return d, err == nil, err
}

// remove deletes a deployment; gone is true when there was none.
func (c *armClient) remove(ctx context.Context, name string) (gone bool, err error) {
	status, err := c.do(ctx, http.MethodDelete, name, nil, nil)
	var ae *armAPIError
	if errors.As(err, &ae) && ae.HTTP == http.StatusNotFound && (ae.Code == "DeploymentNotFound" || ae.Code == "NotFound") {
		return true, nil
	}
	return status == http.StatusNoContent, err
}

// azureBody is the PUT body that deploys a fine-tuned model.
func azureBody(model string, capacity int) map[string]any {
	return map[string]any{"sku": map[string]any{"name": "standard", "capacity": capacity},
		"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": model, "version": "1"}}}
}
