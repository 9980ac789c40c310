package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"tracetune/backend/testutil"
)

// Test controls of a fake over HTTP, like the openai fake's
// POST <base>/fake/chunk-delay: <mount>/fake/<name> goes to routes[name],
// everything else to the fake.
func withControls(next http.Handler, routes map[string]http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name, ok := strings.CutPrefix(r.URL.Path, "/fake/"); ok {
			if h := routes[name]; h != nil {
				h(w, r)
				return
			}
			http.Error(w, "no control "+name, http.StatusNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// post is a control that takes a JSON body (POST only) and answers {}.
func post[T any](set func(T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST a JSON body", http.StatusMethodNotAllowed)
			return
		}
		var v T
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(b, &v); err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
			return
		}
		set(v)
		writeJSON(w, map[string]any{})
	}
}

// get is a control that answers what read returns (GET only).
func get(read func() any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		writeJSON(w, read())
	}
}

// count is the body of a control that sets a number.
type count struct {
	N int `json:"n"`
}

// chatCall is a chat request as a control lists it.
type chatCall struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Model  string `json:"model"`
}

// chatCalls lists the chat completion requests among reqs, in order.
func chatCalls(reqs []testutil.Request) []chatCall {
	out := []chatCall{}
	for _, r := range reqs {
		if !strings.HasSuffix(r.Path, "/chat/completions") {
			continue
		}
		var body struct {
			Model string `json:"model"`
		}
		_ = json.Unmarshal(r.Body, &body)
		out = append(out, chatCall{Method: r.Method, Path: r.Path, Model: body.Model})
	}
	return out
}
