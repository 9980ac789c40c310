package fireworks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestParseErrorReadsEachEnvelope(t *testing.T) {
	for _, c := range []struct {
		name, body, code, msg string
		status                int
	}{
		{"gRPC-gateway with a numeric code", `{"code":5,"message":"model not found"}`, "NOT_FOUND", "model not found", 404},
		{"an error object with a status", `{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}`, "RESOURCE_EXHAUSTED", "slow down", 429},
		{"a status object", `{"status":{"code":"FAILED_PRECONDITION","message":"dataset not ready"}}`, "FAILED_PRECONDITION", "dataset not ready", 400},
		{"a short plain body", `upstream timeout`, "", "upstream timeout", 504},
		{"an empty body", ``, "", "Bad Gateway", 502},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := ParseError(c.status, []byte(c.body))
			if e.HTTP != c.status || e.Code != c.code || e.Message != c.msg {
				t.Fatalf("got %+v, want %d %q %q", e, c.status, c.code, c.msg)
			}
		})
	}
}

// Reads are retried through a passing outage; writes are sent once, since
// a write whose answer was lost may have been made.
func TestDoRetriesReadsButNotWrites(t *testing.T) {
	var gets, posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n := gets.Load()
		if r.Method == http.MethodPost {
			posts.Add(1)
		} else {
			n = gets.Add(1)
		}
		if r.Method == http.MethodPost || n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"code":14,"message":"try later"}`))
			return
		}
		_, _ = w.Write([]byte(`{"state":"READY"}`))
	}))
	defer srv.Close()
	c := Client{Root: srv.URL + "/v1/accounts/a", Key: "k", HC: srv.Client()}
	var out struct{ State string }
	if err := c.Do(context.Background(), http.MethodGet, "/deployments/d", nil, &out); err != nil || out.State != "READY" {
		t.Fatalf("GET: %v %+v after %d tries", err, out, gets.Load())
	}
	if gets.Load() != 3 {
		t.Fatalf("GET tried %d times, want 3", gets.Load())
	}
	err := c.Do(context.Background(), http.MethodPost, "/deployments", map[string]any{"baseModel": "m"}, nil)
	var fe *APIError
	if !asAPIError(err, &fe) || fe.Code != "UNAVAILABLE" || !fe.Transient() || posts.Load() != 1 {
		t.Fatalf("POST: %v, sent %d times", err, posts.Load())
	}
}

func asAPIError(err error, fe **APIError) bool {
	e, ok := err.(*APIError)
	*fe = e
	return ok
}
