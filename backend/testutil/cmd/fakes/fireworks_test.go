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
