package testutil

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Vllora fakes a vllora gateway's span reads: GET /spans (operationNames,
// startTime/endTime in microseconds, both inclusive, offset, limit; newest
// first; {"data","pagination":{"offset","limit","total"}}), and
// /spans?span_id= for one span. Each trace is served as three spans: the
// api_invoke root, the model_call and the provider span ("openai") whose
// attribute holds the request and output JSON strings, as vllora logs them.
// A key, when set, is required as a bearer token.
type Vllora struct {
	gatewayFake
	key string
	srv *httptest.Server
	URL string
}

// NewVllora returns a fake; key "" accepts any request.
func NewVllora(key string) *Vllora { return &Vllora{gatewayFake: newGatewayFake(), key: key} }

// StartVllora serves a fake on a test server closed with the test.
func StartVllora(t testing.TB, key string) *Vllora {
	f := NewVllora(key)
	f.srv = httptest.NewServer(f.Handler())
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

func (f *Vllora) spans(t GatewayTrace) []map[string]any {
	start := t.Time.UnixMicro()
	finish := t.Time.Add(1200 * time.Millisecond).UnixMicro()
	thread, run := "thread-"+t.TraceID, "run-"+t.TraceID
	req := map[string]any{"model": t.Model, "messages": t.Messages}
	if len(t.Tools) > 0 {
		req["tools"] = t.Tools
	}
	attr := map[string]any{"request": jsonString(req), "provider_name": "openai", "label": "",
		"usage": `{"input_tokens":120,"output_tokens":40,"total_tokens":160}`}
	if t.Output != nil {
		attr["output"] = jsonString(map[string]any{"id": "chatcmpl-" + t.ID, "object": "chat.completion", "model": t.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": t.Output}}})
	}
	if t.Error {
		attr["error"] = "upstream provider returned 500"
	}
	root := "root-" + t.ID
	mc := "mc-" + t.ID
	return []map[string]any{
		{"trace_id": t.TraceID, "span_id": t.ID, "thread_id": thread, "parent_span_id": mc, "operation_name": "openai",
			"start_time_us": start, "finish_time_us": finish, "attribute": attr, "child_attribute": nil, "run_id": run},
		{"trace_id": t.TraceID, "span_id": mc, "thread_id": thread, "parent_span_id": root, "operation_name": "model_call",
			"start_time_us": start, "finish_time_us": finish, "attribute": map[string]any{"input": jsonString(t.Messages), "model": jsonString(map[string]any{"name": t.Model})},
			"child_attribute": nil, "run_id": run},
		{"trace_id": t.TraceID, "span_id": root, "thread_id": thread, "parent_span_id": nil, "operation_name": "api_invoke",
			"start_time_us": start, "finish_time_us": finish, "attribute": map[string]any{"request": jsonString(req)}, "child_attribute": nil, "run_id": run},
	}
}

// Handler serves the fake's routes.
func (f *Vllora) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /spans", func(w http.ResponseWriter, r *http.Request) {
		if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
			gwJSON(w, http.StatusUnauthorized, map[string]any{"error": "Invalid API key"})
			return
		}
		q := r.URL.Query()
		if id := q.Get("span_id"); id != "" {
			var data []map[string]any
			if t, ok := f.byID(id); ok {
				data = f.spans(t)[:1]
			}
			gwJSON(w, http.StatusOK, map[string]any{"pagination": map[string]any{"offset": 0, "limit": 100, "total": len(data)}, "data": data})
			return
		}
		if f.listGate() {
			gwJSON(w, http.StatusInternalServerError, map[string]any{"error": "database is locked"})
			return
		}
		offset, limit := 0, 100
		if v := q.Get("offset"); v != "" {
			offset, _ = strconv.Atoi(v)
		}
		if v := q.Get("limit"); v != "" {
			limit, _ = strconv.Atoi(v)
		}
		var from, to time.Time
		if v := q.Get("startTime"); v != "" {
			n, _ := strconv.ParseInt(v, 10, 64)
			from = time.UnixMicro(n)
		}
		if v := q.Get("endTime"); v != "" {
			n, _ := strconv.ParseInt(v, 10, 64)
			to = time.UnixMicro(n)
		}
		ops := map[string]bool{}
		for _, o := range strings.Split(q.Get("operationNames"), ",") {
			if o = strings.TrimSpace(o); o != "" {
				ops[o] = true
			}
		}
		var all []map[string]any
		for _, t := range f.window(from, to, true, nil) {
			for _, s := range f.spans(t) {
				if len(ops) == 0 || ops[s["operation_name"].(string)] {
					all = append(all, s)
				}
			}
		}
		data := pageSlice(all, offset, limit)
		gwJSON(w, http.StatusOK, map[string]any{"pagination": map[string]any{"offset": offset, "limit": limit, "total": len(all)}, "data": data})
	})
	return mux
}
