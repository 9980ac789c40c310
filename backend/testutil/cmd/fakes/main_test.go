package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOpenAIFakeIsRegistered(t *testing.T) {
	f, ok := registry["openai"]
	if !ok || f.suffix != "/v1" {
		t.Fatalf("openai fake not registered: %+v", registry)
	}
	mux := http.NewServeMux()
	mux.Handle("/openai/", http.StripPrefix("/openai", f.handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/openai/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, _ = io.Copy(buf, resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(buf.String(), `"fake-chat"`) {
		t.Fatalf("models: %d %s", resp.StatusCode, buf)
	}
}
