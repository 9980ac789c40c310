package testutil

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// LiteLLM fakes a LiteLLM proxy's spend-log reads with prompts stored
// (store_prompts_in_spend_logs): GET /spend/logs/ui (start_date and
// end_date "YYYY-MM-DD HH:MM:SS", both inclusive and required, page,
// page_size, model; newest first; {"data","total","page","page_size",
// "total_pages"}) and GET /spend/logs?request_id= (an array), behind a
// bearer key.
type LiteLLM struct {
	gatewayFake
	key string
	srv *httptest.Server
	URL string
	// Models is the proxy's model table and management API (admin = key).
	Models *LiteLLMModels
}

// NewLiteLLM returns a fake accepting the given key.
func NewLiteLLM(key string) *LiteLLM {
	return &LiteLLM{gatewayFake: newGatewayFake(), key: key, Models: NewLiteLLMModels(key)}
}

// StartLiteLLM serves a fake on a test server closed with the test.
func StartLiteLLM(t testing.TB, key string) *LiteLLM {
	f := NewLiteLLM(key)
	f.srv = httptest.NewServer(f.Handler())
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

func (f *LiteLLM) row(t GatewayTrace) map[string]any {
	req := map[string]any{"model": t.Model, "messages": t.Messages}
	if len(t.Tools) > 0 {
		req["tools"] = t.Tools
	}
	resp := map[string]any{}
	status := "success"
	if t.Output != nil {
		resp = map[string]any{"id": "chatcmpl-" + t.ID, "object": "chat.completion", "model": t.Model,
			"created": t.Time.Unix(),
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": t.Output}},
			"usage":   map[string]any{"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160}}
	}
	if t.Error {
		status = "failure"
	}
	return map[string]any{
		"request_id": t.ID, "call_type": "acompletion", "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
		"spend": 0.00042, "total_tokens": 160, "prompt_tokens": 120, "completion_tokens": 40,
		"startTime": t.Time.Format(time.RFC3339Nano), "endTime": t.Time.Add(1200 * time.Millisecond).Format(time.RFC3339Nano),
		"completionStartTime": t.Time.Add(300 * time.Millisecond).Format(time.RFC3339Nano),
		"model":               t.Model, "model_id": "", "model_group": t.Model, "api_base": "https://api.openai.com/v1",
		"user": "", "metadata": map[string]any{"user_api_key_alias": "prod"}, "cache_hit": "False", "cache_key": "",
		"request_tags": []any{}, "team_id": nil, "end_user": "", "requester_ip_address": "",
		"messages": jsonString(t.Messages), "response": jsonString(resp), "proxy_server_request": jsonString(req),
		"session_id": t.TraceID, "status": status,
	}
}

// Handler serves the fake's routes.
func (f *LiteLLM) Handler() http.Handler {
	mux := http.NewServeMux()
	f.Models.Mount(mux)
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+f.key {
				gwJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
					"message": "Authentication Error, Invalid proxy server token passed. Received API Key = sk-...", "type": "auth_error", "param": "None", "code": "401"}})
				return
			}
			h(w, r)
		}
	}
	parse := func(v string) (time.Time, bool) {
		t, err := time.Parse("2006-01-02 15:04:05", v)
		return t, err == nil
	}
	mux.HandleFunc("GET /spend/logs/ui", auth(func(w http.ResponseWriter, r *http.Request) {
		if f.listGate() {
			gwJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]any{"message": "/spend/logs/ui Error(Database not reachable)", "type": "internal_error", "param": "None", "code": "500"}})
			return
		}
		q := r.URL.Query()
		from, ok1 := parse(q.Get("start_date"))
		to, ok2 := parse(q.Get("end_date"))
		if !ok1 || !ok2 {
			gwJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "Start date and end date are required", "type": "bad_request", "code": "400"}})
			return
		}
		page, size := 1, 50
		if v := q.Get("page"); v != "" {
			page, _ = strconv.Atoi(v)
		}
		if v := q.Get("page_size"); v != "" {
			size, _ = strconv.Atoi(v)
		}
		if page < 1 || size < 1 || size > 100 {
			gwJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": "page must be ≥ 1 and page_size between 1 and 100"})
			return
		}
		model := q.Get("model")
		all := f.window(from, to, true, func(t GatewayTrace) bool { return model == "" || strings.EqualFold(model, t.Model) })
		data := []map[string]any{}
		for _, t := range pageSlice(all, (page-1)*size, size) {
			data = append(data, f.row(t))
		}
		gwJSON(w, http.StatusOK, map[string]any{"data": data, "total": len(all), "page": page, "page_size": size, "total_pages": (len(all) + size - 1) / size})
	}))
	mux.HandleFunc("GET /spend/logs", auth(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("request_id")
		t, ok := f.byID(id)
		if !ok {
			gwJSON(w, http.StatusOK, []any{nil})
			return
		}
		gwJSON(w, http.StatusOK, []any{f.row(t)})
	}))
	return mux
}
