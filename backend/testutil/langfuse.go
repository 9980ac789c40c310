package testutil

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Langfuse fakes the Langfuse public API's observation reads:
// GET /api/public/observations (type, page, limit ≤ 100, fromStartTime
// inclusive, toStartTime exclusive; newest first; {"data","meta"}) and
// GET /api/public/observations/{id}, behind basic auth with a public and a
// secret key. Generations log input as the messages array, or as
// {"messages","tools"} when tools were offered.
type Langfuse struct {
	gatewayFake
	public, secret string
	srv            *httptest.Server
	URL            string
}

// NewLangfuse returns a fake accepting the given key pair.
func NewLangfuse(publicKey, secretKey string) *Langfuse {
	return &Langfuse{gatewayFake: newGatewayFake(), public: publicKey, secret: secretKey}
}

// StartLangfuse serves a fake on a test server closed with the test.
func StartLangfuse(t testing.TB, publicKey, secretKey string) *Langfuse {
	f := NewLangfuse(publicKey, secretKey)
	f.srv = httptest.NewServer(f.Handler())
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

func (f *Langfuse) observation(t GatewayTrace) map[string]any {
	var input any = t.Messages
	if len(t.Tools) > 0 {
		input = map[string]any{"messages": t.Messages, "tools": t.Tools}
	}
	end := t.Time.Add(1200 * time.Millisecond)
	o := map[string]any{
		"id": t.ID, "traceId": t.TraceID, "type": "GENERATION", "name": "chat-completion",
		"startTime": t.Time.Format(time.RFC3339Nano), "endTime": end.Format(time.RFC3339Nano),
		"completionStartTime": t.Time.Add(300 * time.Millisecond).Format(time.RFC3339Nano),
		"model":               t.Model, "modelParameters": map[string]any{"temperature": 0.2},
		"input": input, "output": nil, "metadata": map[string]any{}, "version": nil,
		"usage": map[string]any{"input": 120, "output": 40, "total": 160, "unit": "TOKENS"},
		"level": "DEFAULT", "statusMessage": nil, "parentObservationId": nil, "promptId": nil,
	}
	if t.Output != nil {
		o["output"] = t.Output
	}
	if t.Error {
		o["level"], o["statusMessage"] = "ERROR", "upstream provider returned 500"
	}
	return o
}

// Handler serves the fake's routes.
func (f *Langfuse) Handler() http.Handler {
	mux := http.NewServeMux()
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || u != f.public || p != f.secret {
				gwJSON(w, http.StatusUnauthorized, map[string]any{"message": "Invalid credentials. Confirm that you've configured the correct host."})
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /api/public/observations", auth(func(w http.ResponseWriter, r *http.Request) {
		if f.listGate() {
			gwJSON(w, http.StatusInternalServerError, map[string]any{"message": "Internal Server Error"})
			return
		}
		q := r.URL.Query()
		page, limit := 1, 50
		if v := q.Get("page"); v != "" {
			page, _ = strconv.Atoi(v)
		}
		if v := q.Get("limit"); v != "" {
			limit, _ = strconv.Atoi(v)
		}
		if page < 1 || limit < 1 || limit > 100 {
			gwJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid request data: page must be ≥ 1 and limit between 1 and 100"})
			return
		}
		var from, to time.Time
		for name, dst := range map[string]*time.Time{"fromStartTime": &from, "toStartTime": &to} {
			if v := q.Get(name); v != "" {
				t, err := time.Parse(time.RFC3339Nano, v)
				if err != nil {
					gwJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid request data: " + name + " is not a datetime"})
					return
				}
				*dst = t
			}
		}
		typ := q.Get("type")
		if typ != "" && !strings.EqualFold(typ, "GENERATION") {
			gwJSON(w, http.StatusOK, map[string]any{"data": []any{}, "meta": map[string]any{"page": page, "limit": limit, "totalItems": 0, "totalPages": 0}})
			return
		}
		all := f.window(from, to, false, nil)
		data := []map[string]any{}
		for _, t := range pageSlice(all, (page-1)*limit, limit) {
			data = append(data, f.observation(t))
		}
		pages := (len(all) + limit - 1) / limit
		gwJSON(w, http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"page": page, "limit": limit, "totalItems": len(all), "totalPages": pages}})
	}))
	mux.HandleFunc("GET /api/public/observations/{id}", auth(func(w http.ResponseWriter, r *http.Request) {
		t, ok := f.byID(r.PathValue("id"))
		if !ok {
			gwJSON(w, http.StatusNotFound, map[string]any{"message": "Observation not found within authorized project"})
			return
		}
		gwJSON(w, http.StatusOK, f.observation(t))
	}))
	return mux
}
