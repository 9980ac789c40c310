package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// azureClient calls the azure fake mounted like the fakes program does.
type azureClient struct {
	t    *testing.T
	base string
}

func (c azureClient) do(method, path, contentType string, body io.Reader, header map[string]string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c azureClient) upload(name string) string {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("purpose", "fine-tune")
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(`{"messages":[{"role":"user","content":"say hi"}],"reference_answer":"hi"}` + "\n"))
	mw.Close()
	code, out := c.do(http.MethodPost, "/openai/v1/files?api-version=preview", mw.FormDataContentType(), &buf, nil)
	var f struct {
		ID string `json:"id"`
	}
	if code != 200 || json.Unmarshal(out, &f) != nil {
		c.t.Fatalf("upload %s: %d %s", name, code, out)
	}
	return f.ID
}

func TestAzureFakeTrainsDeploysThroughARMAndServesTheDeployment(t *testing.T) {
	f, ok := registry["azure"]
	if !ok || f.suffix != "" {
		t.Fatalf("azure fake not registered: %+v", registry)
	}
	mux := http.NewServeMux()
	mux.Handle("/azure/", http.StripPrefix("/azure", f.handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := azureClient{t, srv.URL + "/azure"}
	var settings map[string]string
	var model, token string

	t.Run("the settings a provider needs are readable", func(t *testing.T) {
		code, out := c.do(http.MethodGet, "/fake/settings", "", nil, nil)
		if code != 200 || json.Unmarshal(out, &settings) != nil || settings["client_secret"] == "" || settings["resource"] == "" {
			t.Fatalf("settings: %d %s", code, out)
		}
	})

	t.Run("a fine-tuning job on the resource produces a model", func(t *testing.T) {
		train, valid := c.upload("train.jsonl"), c.upload("valid.jsonl")
		job := `{"model":"o4-mini-2025-04-16","training_file":"` + train + `","validation_file":"` + valid + `","suffix":"e2e",` +
			`"method":{"type":"reinforcement","reinforcement":{"grader":{"type":"string_check","name":"eq","input":"{{sample.output_text}}",` +
			`"reference":"{{item.reference_answer}}","operation":"eq"}}}}`
		code, out := c.do(http.MethodPost, "/openai/v1/fine_tuning/jobs?api-version=preview", "application/json", strings.NewReader(job), nil)
		var j struct {
			ID, Status     string
			FineTunedModel string `json:"fine_tuned_model"`
		}
		if code != 200 || json.Unmarshal(out, &j) != nil {
			t.Fatalf("create job: %d %s", code, out)
		}
		for i := 0; i < 30 && j.Status != "succeeded"; i++ {
			code, out = c.do(http.MethodGet, "/openai/v1/fine_tuning/jobs/"+j.ID, "", nil, nil)
			if code != 200 || json.Unmarshal(out, &j) != nil {
				t.Fatalf("read job: %d %s", code, out)
			}
		}
		if j.Status != "succeeded" || j.FineTunedModel == "" {
			t.Fatalf("job did not succeed: %s", out)
		}
		model = j.FineTunedModel
	})

	t.Run("the service principal signs in", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {settings["client_id"]},
			"client_secret": {settings["client_secret"]}, "scope": {"https://management.azure.com/.default"}}
		code, out := c.do(http.MethodPost, "/"+settings["tenant"]+"/oauth2/v2.0/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
		var tok struct {
			Access string `json:"access_token"`
		}
		if code != 200 || json.Unmarshal(out, &tok) != nil || tok.Access == "" {
			t.Fatalf("token: %d %s", code, out)
		}
		token = tok.Access
	})

	var dep string // the ARM URL of deployment tt-e2e, once the settings are known
	bearer := func() map[string]string { return map[string]string{"Authorization": "Bearer " + token} }
	chat := func() (int, string) {
		code, out := c.do(http.MethodPost, "/openai/deployments/tt-e2e/chat/completions?api-version=2024-10-21", "application/json",
			strings.NewReader(`{"model":"tt-e2e","messages":[{"role":"user","content":"hi"}]}`), map[string]string{"api-key": "k"})
		return code, string(out)
	}

	t.Run("the trained model deploys, is Succeeded after two reads and answers after one DeploymentNotReady", func(t *testing.T) {
		dep = "/subscriptions/" + settings["subscription"] + "/resourceGroups/" + settings["resource_group"] +
			"/providers/Microsoft.CognitiveServices/accounts/" + settings["resource"] + "/deployments/tt-e2e?api-version=2024-10-01"
		body := `{"sku":{"name":"standard","capacity":3},"properties":{"model":{"format":"OpenAI","name":"` + model + `","version":"1"}}}`
		if code, out := c.do(http.MethodPut, dep, "application/json", strings.NewReader(body), bearer()); code != 201 || !strings.Contains(string(out), `"Creating"`) {
			t.Fatalf("PUT: %d %s", code, out)
		}
		states := []string{}
		for i := 0; i < 3; i++ {
			_, out := c.do(http.MethodGet, dep, "", nil, bearer())
			var d struct {
				Properties struct {
					ProvisioningState string `json:"provisioningState"`
				} `json:"properties"`
			}
			_ = json.Unmarshal(out, &d)
			states = append(states, d.Properties.ProvisioningState)
		}
		if strings.Join(states, ",") != "Creating,Creating,Succeeded" {
			t.Fatalf("states %v", states)
		}
		if code, out := chat(); code != 404 || !strings.Contains(out, "DeploymentNotReady") {
			t.Fatalf("first chat: %d %s", code, out)
		}
		if code, out := chat(); code != 200 {
			t.Fatalf("second chat: %d %s", code, out)
		}
	})

	t.Run("controls list the deployment and the chats it served", func(t *testing.T) {
		code, out := c.do(http.MethodGet, "/fake/deployments", "", nil, nil)
		want := `[{"Name":"tt-e2e","Model":"` + model + `","SKU":"standard","State":"Succeeded","Capacity":3}]`
		if code != 200 || strings.TrimSpace(string(out)) != want {
			t.Fatalf("deployments: %d %s", code, out)
		}
		code, out = c.do(http.MethodGet, "/fake/requests", "", nil, nil)
		var calls []chatCall
		if code != 200 || json.Unmarshal(out, &calls) != nil || len(calls) != 1 || calls[0].Model != "tt-e2e" ||
			calls[0].Path != "/openai/deployments/tt-e2e/chat/completions" {
			t.Fatalf("requests (the refused chat never reached the model): %d %s", code, out)
		}
	})

	t.Run("a DELETE removes it and a control changes the next deployment's story", func(t *testing.T) {
		if code, out := c.do(http.MethodDelete, dep, "", nil, bearer()); code != 200 {
			t.Fatalf("DELETE: %d %s", code, out)
		}
		if _, out := c.do(http.MethodGet, "/fake/deployments", "", nil, nil); strings.TrimSpace(string(out)) != "[]" {
			t.Fatalf("after DELETE: %s", out)
		}
		for _, ctl := range []string{`deployment-reads {"n":0}`, `not-ready {"n":0}`, `end-deployments {"state":"Failed"}`, `latency {"n":0}`} {
			name, body, _ := strings.Cut(ctl, " ")
			if code, out := c.do(http.MethodPost, "/fake/"+name, "application/json", strings.NewReader(body), nil); code != 200 {
				t.Fatalf("%s: %d %s", name, code, out)
			}
		}
		body := `{"sku":{"name":"standard","capacity":1},"properties":{"model":{"format":"OpenAI","name":"` + model + `","version":"1"}}}`
		c.do(http.MethodPut, dep, "application/json", strings.NewReader(body), bearer())
		if _, out := c.do(http.MethodGet, dep, "", nil, bearer()); !strings.Contains(string(out), `"provisioningState":"Failed"`) {
			t.Fatalf("end-deployments Failed: %s", out)
		}
		if code, _ := c.do(http.MethodGet, "/fake/no-such-control", "", nil, nil); code != 404 {
			t.Fatalf("unknown control: %d", code)
		}
	})
}
