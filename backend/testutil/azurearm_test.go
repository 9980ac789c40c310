package testutil

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// azCall sends one request to the fake and decodes its JSON answer.
func azCall(t *testing.T, method, u, token, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %d %s is not JSON", method, u, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, out
}

func TestTheAzureFakeSpeaksEntraARMAndTheDataPlane(t *testing.T) {
	chat := NewOpenAI()
	chat.RequireKey("az-key-0123456789")
	f := StartAzureARM(t, chat)
	const model = "o4-mini-2025-04-16.ft-00112233445566778899aabbccddeeff"
	f.AddModel(model)
	f.SetDeploymentReads(1)
	f.SetNotReadyChats(1)
	form := func(secret string) string {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {f.ClientID}, "client_secret": {secret}, "scope": {ARMScope}}.Encode()
	}
	tokenURL := f.URL + "/" + f.Tenant + "/oauth2/v2.0/token"
	dep := f.URL + "/subscriptions/" + f.Subscription + "/resourceGroups/" + f.ResourceGroup +
		"/providers/Microsoft.CognitiveServices/accounts/" + f.Resource + "/deployments/tt-one?api-version=2024-10-01"
	var token string

	t.Run("a wrong client secret is Entra's invalid_client with its AADSTS code", func(t *testing.T) {
		status, out := azCall(t, "POST", tokenURL, "", "application/x-www-form-urlencoded", form("nope"))
		if status != 401 || out["error"] != "invalid_client" || !strings.HasPrefix(out["error_description"].(string), "AADSTS7000215:") {
			t.Fatalf("%d %v", status, out)
		}
	})
	t.Run("the client credentials give a bearer token", func(t *testing.T) {
		status, out := azCall(t, "POST", tokenURL, "", "application/x-www-form-urlencoded", form(f.ClientSecret))
		if status != 200 || out["token_type"] != "Bearer" || out["access_token"] == "" {
			t.Fatalf("%d %v", status, out)
		}
		token = out["access_token"].(string)
	})
	t.Run("a wrong token is a 401 in ARM's error envelope", func(t *testing.T) {
		status, out := azCall(t, "GET", dep, "not-a-token", "", "")
		e, _ := out["error"].(map[string]any)
		if status != 401 || e["code"] != "InvalidAuthenticationToken" || e["message"] == "" {
			t.Fatalf("%d %v", status, out)
		}
	})
	t.Run("before the deployment, the model's chats are DeploymentNotFound", func(t *testing.T) {
		status, out := azChat(t, f, model)
		if status != 404 || out["error"].(map[string]any)["code"] != "DeploymentNotFound" {
			t.Fatalf("%d %v", status, out)
		}
	})
	t.Run("PUT creates, GET goes Creating → Succeeded", func(t *testing.T) {
		body := `{"sku":{"name":"standard","capacity":2},"properties":{"model":{"format":"OpenAI","name":"` + model + `","version":"1"}}}`
		status, out := azCall(t, "PUT", dep, token, "application/json", body)
		if status != 201 || out["properties"].(map[string]any)["provisioningState"] != "Creating" {
			t.Fatalf("%d %v", status, out)
		}
		var states []string
		for i := 0; i < 2; i++ {
			_, out = azCall(t, "GET", dep, token, "", "")
			states = append(states, out["properties"].(map[string]any)["provisioningState"].(string))
		}
		if strings.Join(states, ",") != "Creating,Succeeded" || f.Puts() != 1 || f.Gets() != 2 {
			t.Fatalf("states %v, %d PUTs, %d GETs", states, f.Puts(), f.Gets())
		}
	})
	t.Run("once Succeeded, a chat is DeploymentNotReady first, then answered", func(t *testing.T) {
		status, out := azChat(t, f, "tt-one")
		if status != 404 || out["error"].(map[string]any)["code"] != "DeploymentNotReady" {
			t.Fatalf("%d %v", status, out)
		}
		if status, out = azChat(t, f, "tt-one"); status != 200 || out["model"] == nil {
			t.Fatalf("%d %v", status, out)
		}
	})
	t.Run("DELETE removes it and a second DELETE is a 204", func(t *testing.T) {
		if status, _ := azCall(t, "DELETE", dep, token, "", ""); status != 200 {
			t.Fatalf("delete: %d", status)
		}
		if status, _ := azCall(t, "DELETE", dep, token, "", ""); status != 204 {
			t.Fatalf("second delete: %d", status)
		}
		status, out := azCall(t, "GET", dep, token, "", "")
		if status != 404 || len(f.Deployments()) != 0 || out["error"].(map[string]any)["code"] != "DeploymentNotFound" {
			t.Fatalf("%d %v %v", status, out, f.Deployments())
		}
		if status, _ := azChat(t, f, "tt-one"); status != 404 {
			t.Fatalf("a deleted deployment answered: %d", status)
		}
	})
}

func azChat(t *testing.T, f *AzureARM, deployment string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.URL+"/openai/deployments/"+deployment+"/chat/completions?api-version=2024-10-21",
		strings.NewReader(`{"model":"`+deployment+`","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("api-key", "az-key-0123456789")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
