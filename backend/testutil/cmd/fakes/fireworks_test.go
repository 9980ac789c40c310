package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestFireworksFakeIsRegisteredAndItsSignedURLsWorkUnderItsMount(t *testing.T) {
	f, ok := registry["fireworks"]
	if !ok {
		t.Fatalf("fireworks fake not registered: %+v", registry)
	}
	mux := http.NewServeMux()
	mux.Handle("/fireworks/", http.StripPrefix("/fireworks", f.handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	post := func(path, body string) (int, string) {
		resp, err := http.Post(srv.URL+"/fireworks/v1/accounts/fake-acct/"+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, out := post("datasets", `{"datasetId":"d1","dataset":{"exampleCount":"1"}}`); code != 200 || !strings.Contains(out, `"UPLOADING"`) {
		t.Fatalf("create: %d %s", code, out)
	}
	row := []byte(`{"messages":[{"role":"user","content":"hi"}],"ground_truth":"{}"}` + "\n")
	code, out := post("datasets/d1:getUploadEndpoint", `{"filenameToSize":{"d1.jsonl":"`+strconv.Itoa(len(row))+`"}}`)
	var ep struct {
		URLs map[string]string `json:"filenameToSignedUrls"`
	}
	if code != 200 || json.Unmarshal([]byte(out), &ep) != nil || !strings.HasPrefix(ep.URLs["d1.jsonl"], srv.URL+"/fireworks/") {
		t.Fatalf("upload endpoint: %d %s", code, out)
	}
	req, _ := http.NewRequest(http.MethodPut, ep.URLs["d1.jsonl"], bytes.NewReader(row))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Goog-Content-Length-Range", strconv.Itoa(len(row))+","+strconv.Itoa(len(row)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT: %v %v", resp, err)
	}
	resp.Body.Close()
	if code, out := post("datasets/d1:validateUpload", `{}`); code != 200 {
		t.Fatalf("validate: %d %s", code, out)
	}
}

func TestFireworksFakeControlsDeploymentsAndListsChats(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/fireworks/", http.StripPrefix("/fireworks", registry["fireworks"].handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+"/fireworks"+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	const base = "accounts/fireworks/models/qwen3-0p6b"
	deploy := func(id string) {
		t.Helper()
		if code, out := do(http.MethodPost, "/v1/accounts/fake-acct/deployments?deploymentId="+id, `{"baseModel":"`+base+`","minReplicaCount":0,"maxReplicaCount":1}`); code != 200 {
			t.Fatalf("create %s: %d %s", id, code, out)
		}
	}
	state := func(id string) string {
		_, out := do(http.MethodGet, "/v1/accounts/fake-acct/deployments/"+id, "")
		var d struct{ State string }
		_ = json.Unmarshal([]byte(out), &d)
		return d.State
	}

	t.Run("deployment-reads sets how long a new deployment stays CREATING", func(t *testing.T) {
		if code, out := do(http.MethodPost, "/fake/deployment-reads", `{"n":1}`); code != 200 {
			t.Fatalf("%d %s", code, out)
		}
		deploy("d-one")
		if got := state("d-one") + "," + state("d-one"); got != "CREATING,READY" {
			t.Fatalf("states %s", got)
		}
	})

	t.Run("fail-deployments makes new deployments end FAILED with the message", func(t *testing.T) {
		if code, out := do(http.MethodPost, "/fake/fail-deployments", `{"message":"no H100 capacity"}`); code != 200 {
			t.Fatalf("%d %s", code, out)
		}
		deploy("d-two")
		state("d-two")
		if _, out := do(http.MethodGet, "/v1/accounts/fake-acct/deployments/d-two", ""); !strings.Contains(out, `"FAILED"`) || !strings.Contains(out, "no H100 capacity") {
			t.Fatalf("d-two: %s", out)
		}
	})

	t.Run("deployments lists what exists, requests the chats with their models", func(t *testing.T) {
		do(http.MethodDelete, "/v1/accounts/fake-acct/deployments/d-two", "")
		code, out := do(http.MethodGet, "/fake/deployments", "")
		if want := `[{"ID":"d-one","BaseModel":"` + base + `","State":"READY","StatusMessage":"","MinReplicas":0,"MaxReplicas":1}]`; code != 200 || out != want {
			t.Fatalf("deployments: %d %s", code, out)
		}
		if code, out := do(http.MethodPost, "/inference/v1/chat/completions", `{"model":"`+base+`","messages":[{"role":"user","content":"hi"}]}`); code != 200 {
			t.Fatalf("chat: %d %s", code, out)
		}
		if code, out := do(http.MethodGet, "/fake/requests", ""); code != 200 || out != `[{"method":"POST","path":"/inference/v1/chat/completions","model":"`+base+`"}]` {
			t.Fatalf("requests: %d %s", code, out)
		}
		if code, _ := do(http.MethodGet, "/fake/deployment-reads", ""); code != http.StatusMethodNotAllowed {
			t.Fatalf("GET of a POST control: %d", code)
		}
	})
}
