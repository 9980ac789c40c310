package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFineTuneFakeIsRegisteredAndAlsoChats(t *testing.T) {
	f, ok := registry["finetune"]
	if !ok || f.suffix != "/v1" {
		t.Fatalf("finetune fake not registered: %+v", registry)
	}
	mux := http.NewServeMux()
	mux.Handle("/finetune/", http.StripPrefix("/finetune", f.handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for path, want := range map[string]string{
		"/finetune/v1/fine_tuning/jobs":        `"object":"list"`,
		"/finetune/openai/v1/fine_tuning/jobs": `"object":"list"`,
		"/finetune/v1/models":                  `"fake-chat"`,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
}
