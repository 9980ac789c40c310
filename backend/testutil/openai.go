// Package testutil holds fakes of remote services that speak the services'
// real wire formats, so tests and the e2e suite exercise real HTTP. Start
// one in a test with StartOpenAI(t); cmd/fakes serves them on a fixed port.
package testutil

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// Failure is one scripted misbehaviour, served instead of a normal reply.
type Failure struct {
	Status     int           // HTTP status (429, 500, 401, …); ignored when Hang
	RetryAfter time.Duration // sets Retry-After (whole seconds, rounded up) on the reply
	Message    string        // error message; a default per status otherwise
	Code       string        // error code (e.g. "insufficient_quota"); a default per status otherwise
	Hang       bool          // never answer (until the client gives up or the server closes)
	CutAfter   int           // a streamed reply: drop the connection after this many chunks
}

// Request is one recorded request.
type Request struct {
	Method string
	Path   string // without the /openai/deployments/… Azure prefix normalised
	Query  string
	Header http.Header
	Body   []byte
	At     time.Time
}

// ChatRequest is the part of a chat completion request the fake reads.
type ChatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		ToolCallID string          `json:"tool_call_id,omitempty"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name       string          `json:"name"`
			Parameters json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
	ToolChoice    json.RawMessage `json:"tool_choice"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	ResponseFormat *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

// LastUser returns the text of the last user message.
func (r ChatRequest) LastUser() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return contentText(r.Messages[i].Content)
		}
	}
	return ""
}

// AllText is every message's text joined, for token counting.
func (r ChatRequest) AllText() string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(contentText(m.Content))
		b.WriteByte(' ')
	}
	return b.String()
}

// ToolCallReply is a tool call the fake's assistant makes.
type ToolCallReply struct {
	Name      string
	Arguments string // JSON text
}

// ChatReply is what a Responder returns: content text or tool calls.
type ChatReply struct {
	Content   string
	ToolCalls []ToolCallReply
}

// Responder computes a chat reply. The default is deterministic: tool calls
// when tools are offered, schema-conforming JSON for json_schema, else an
// echo of the last user message.
type Responder func(ChatRequest) ChatReply

// OpenAI is a fake OpenAI-compatible API: /v1/chat/completions,
// /v1/embeddings, /v1/models, and the Azure deployment routes.
type OpenAI struct {
	// URL is the base URL clients use, ending in /v1 (set by StartOpenAI).
	URL string

	// RejectJSONSchema makes response_format json_schema a 400, like
	// endpoints without structured-output support.
	RejectJSONSchema atomic.Bool
	// RejectJSONObject makes response_format json_object a 400 too.
	RejectJSONObject atomic.Bool
	// RejectStreamOptions makes stream_options a 400, like endpoints that
	// stream but cannot report usage in the stream.
	RejectStreamOptions atomic.Bool

	chunkDelay atomic.Int64 // nanoseconds before each streamed chunk

	latency   atomic.Int64 // nanoseconds
	key       string       // when set, required as Bearer or api-key
	embedDims int

	mu        sync.Mutex
	models    []string
	responder Responder
	script    map[string][]Failure // by endpoint ("chat", "embeddings", "models", "*")
	requests  []Request
	closing   chan struct{}
	closeOnce sync.Once
	srv       *httptest.Server
}

// NewOpenAI makes a fake with default models and no required key. Serve
// its Handler, or use StartOpenAI.
func NewOpenAI() *OpenAI {
	return &OpenAI{
		models:    []string{"fake-chat", "fake-judge", "fake-embed", "gpt-4o-mini", "text-embedding-3-small"},
		embedDims: 256,
		script:    map[string][]Failure{},
		closing:   make(chan struct{}),
	}
}

// StartOpenAI starts the fake on a loopback port, closed when t ends.
func StartOpenAI(t testing.TB) *OpenAI {
	f := NewOpenAI()
	f.srv = httptest.NewServer(f.Handler())
	f.URL = f.srv.URL + "/v1"
	t.Cleanup(f.Close)
	return f
}

// Close releases hanging requests and stops a server started by StartOpenAI.
func (f *OpenAI) Close() {
	f.closeOnce.Do(func() { close(f.closing) })
	if f.srv != nil {
		f.srv.Close()
	}
}

// SetLatency delays every reply by d.
func (f *OpenAI) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

// SetChunkDelay delays each chunk of a streamed reply by d, so a test can
// see an answer before it is complete. Over HTTP (the fakes command):
// POST {"ms": N} to <base URL>/fake/chunk-delay.
func (f *OpenAI) SetChunkDelay(d time.Duration) { f.chunkDelay.Store(int64(d)) }

// RequireKey makes every request without this key a real 401.
func (f *OpenAI) RequireKey(key string) { f.mu.Lock(); f.key = key; f.mu.Unlock() }

// SetModels replaces the model list served by /v1/models.
func (f *OpenAI) SetModels(ids ...string) { f.mu.Lock(); f.models = ids; f.mu.Unlock() }

// SetResponder replaces the chat responder (nil restores the default).
func (f *OpenAI) SetResponder(r Responder) { f.mu.Lock(); f.responder = r; f.mu.Unlock() }

// Fail queues failures for an endpoint: "chat", "embeddings", "models" or
// "*" (any). Each request consumes the next one; then replies are normal.
func (f *OpenAI) Fail(endpoint string, fs ...Failure) {
	f.mu.Lock()
	f.script[endpoint] = append(f.script[endpoint], fs...)
	f.mu.Unlock()
}

// Requests returns a copy of the recorded requests.
func (f *OpenAI) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Count returns how many requests hit a path suffix ("/chat/completions", "/embeddings", "/models").
func (f *OpenAI) Count(suffix string) int {
	n := 0
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// Reset forgets recorded requests and pending failures.
func (f *OpenAI) Reset() {
	f.mu.Lock()
	f.requests = nil
	f.script = map[string][]Failure{}
	f.mu.Unlock()
}

// Handler serves the fake API. It answers both /v1/... and Azure's
// /openai/deployments/{name}/... (which also wants ?api-version=).
func (f *OpenAI) Handler() http.Handler {
	return http.HandlerFunc(f.serve)
}

func (f *OpenAI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	f.mu.Lock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, At: time.Now()})
	key := f.key
	f.mu.Unlock()

	azure := strings.Contains(r.URL.Path, "/openai/")
	if azure && r.URL.Query().Get("api-version") == "" {
		writeError(w, http.StatusNotFound, "Resource not found", "invalid_request_error", "404")
		return
	}
	var endpoint string
	switch {
	case strings.HasSuffix(r.URL.Path, "/fake/chunk-delay") && r.Method == http.MethodPost:
		var in struct {
			MS int `json:"ms"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.MS < 0 {
			writeError(w, http.StatusBadRequest, `want {"ms": N}`, "invalid_request_error", "")
			return
		}
		f.SetChunkDelay(time.Duration(in.MS) * time.Millisecond)
		writeJSON(w, http.StatusOK, map[string]int{"ms": in.MS})
		return
	case strings.HasSuffix(r.URL.Path, "/chat/completions") && r.Method == http.MethodPost:
		endpoint = "chat"
	case strings.HasSuffix(r.URL.Path, "/embeddings") && r.Method == http.MethodPost:
		endpoint = "embeddings"
	case strings.HasSuffix(r.URL.Path, "/models") && r.Method == http.MethodGet:
		endpoint = "models"
	case strings.Contains(r.URL.Path, "/fine_tuning/alpha/graders/") && r.Method == http.MethodPost:
		endpoint = "graders" // graders.go
	default:
		writeError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+r.URL.Path+")", "invalid_request_error", "")
		return
	}
	if key != "" {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if azure {
			got = r.Header.Get("api-key")
		}
		if got != key {
			// The real API echoes a masked key; a client must not pass it on.
			writeError(w, http.StatusUnauthorized, "Incorrect API key provided: "+mask(got)+". You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key")
			return
		}
	}
	if d := time.Duration(f.latency.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		case <-f.closing:
			return
		}
	}
	cut := 0
	if fl, ok := f.nextFailure(endpoint); ok && fl.CutAfter > 0 {
		cut = fl.CutAfter
	} else if ok {
		if fl.Hang {
			select {
			case <-r.Context().Done():
			case <-f.closing:
			}
			return
		}
		if fl.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(fl.RetryAfter.Seconds()))))
		}
		msg, typ, code := fl.Message, "server_error", ""
		switch fl.Status {
		case http.StatusTooManyRequests:
			typ, code = "requests", "rate_limit_exceeded"
			if msg == "" {
				msg = "Rate limit reached for requests. Please try again later."
			}
		case http.StatusUnauthorized:
			typ, code = "invalid_request_error", "invalid_api_key"
		}
		if msg == "" {
			msg = "The server had an error while processing your request. Sorry about that!"
		}
		if fl.Code != "" {
			code = fl.Code
		}
		writeError(w, fl.Status, msg, typ, code)
		return
	}
	switch endpoint {
	case "chat":
		f.chat(w, r, body, cut)
	case "embeddings":
		f.embeddings(w, body)
	case "models":
		f.listModels(w)
	case "graders":
		serveGraders(w, r.URL.Path, body)
	}
}

func (f *OpenAI) nextFailure(endpoint string) (Failure, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range []string{endpoint, "*"} {
		if q := f.script[k]; len(q) > 0 {
			f.script[k] = q[1:]
			return q[0], true
		}
	}
	return Failure{}, false
}

// writeError writes OpenAI's error envelope: {"error":{message,type,param,code}}.
func writeError(w http.ResponseWriter, status int, msg, typ, code string) {
	var c any
	if code != "" {
		c = code
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func mask(k string) string {
	if len(k) <= 8 {
		return "****"
	}
	return k[:3] + "*****" + k[len(k)-4:]
}

var idSeq atomic.Int64

func (f *OpenAI) chat(w http.ResponseWriter, r *http.Request, body []byte, cut int) {
	var req ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request. ("+err.Error()+")", "invalid_request_error", "")
		return
	}
	if req.Model == "" {
		writeError(w, http.StatusBadRequest, "you must provide a model parameter", "invalid_request_error", "")
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "[] is too short - 'messages'", "invalid_request_error", "")
		return
	}
	if req.StreamOptions != nil && !req.Stream {
		writeError(w, http.StatusBadRequest, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "invalid_request_error", "")
		return
	}
	if req.StreamOptions != nil && f.RejectStreamOptions.Load() {
		writeError(w, http.StatusBadRequest, "Unrecognized request argument supplied: stream_options", "invalid_request_error", "")
		return
	}
	if rf := req.ResponseFormat; rf != nil {
		if rf.Type == "json_schema" && f.RejectJSONSchema.Load() {
			writeError(w, http.StatusBadRequest, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", "invalid_request_error", "")
			return
		}
		if rf.Type == "json_object" && f.RejectJSONObject.Load() {
			writeError(w, http.StatusBadRequest, "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.", "invalid_request_error", "")
			return
		}
		if rf.Type == "json_schema" && (rf.JSONSchema == nil || len(rf.JSONSchema.Schema) == 0) {
			writeError(w, http.StatusBadRequest, "Missing required parameter: 'response_format.json_schema'.", "invalid_request_error", "missing_required_parameter")
			return
		}
	}
	f.mu.Lock()
	resp := f.responder
	f.mu.Unlock()
	if resp == nil {
		resp = DefaultResponder
	}
	reply := resp(req)
	msg := map[string]any{"role": "assistant", "content": nil, "refusal": nil}
	finish := "stop"
	if len(reply.ToolCalls) > 0 {
		calls := make([]map[string]any, len(reply.ToolCalls))
		for i, tc := range reply.ToolCalls {
			calls[i] = map[string]any{"id": fmt.Sprintf("call_%d", idSeq.Add(1)), "type": "function",
				"function": map[string]any{"name": tc.Name, "arguments": tc.Arguments}}
		}
		msg["tool_calls"] = calls
		finish = "tool_calls"
	} else {
		msg["content"] = reply.Content
	}
	completion := reply.Content
	for _, tc := range reply.ToolCalls {
		completion += " " + tc.Name + " " + tc.Arguments
	}
	pt, ct := CountTokens(req.AllText()), CountTokens(completion)
	if req.Stream {
		f.stream(w, r, req, reply, finish, pt, ct, cut)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": fmt.Sprintf("chatcmpl-fake%d", idSeq.Add(1)), "object": "chat.completion", "created": time.Now().Unix(),
		"model": req.Model, "system_fingerprint": "fp_fake",
		"choices": []any{map[string]any{"index": 0, "message": msg, "logprobs": nil, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
	})
}

// stream writes reply as OpenAI's server-sent events: chat.completion.chunk
// objects (the role first, then the content a word at a time, or each tool
// call's id and name and then its arguments in pieces, with the call's
// index), a last chunk with the finish reason and an empty delta, a usage
// chunk with no choices when stream_options.include_usage asks for it, and
// data: [DONE].
func (f *OpenAI) stream(w http.ResponseWriter, r *http.Request, req ChatRequest, reply ChatReply, finish string, pt, ct, cut int) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	id, created := fmt.Sprintf("chatcmpl-fake%d", idSeq.Add(1)), time.Now().Unix()
	usage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	sent := 0
	send := func(delta map[string]any, finishReason any, last map[string]any) bool {
		if cut > 0 && sent == cut {
			panic(http.ErrAbortHandler) // the connection drops mid-answer
		}
		sent++
		chunk := map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"system_fingerprint": "fp_fake"}
		if last != nil {
			chunk["choices"] = []any{}
			chunk["usage"] = last
		} else {
			chunk["choices"] = []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finishReason}}
			if usage {
				chunk["usage"] = nil
			}
		}
		if d := time.Duration(f.chunkDelay.Load()); d > 0 && last == nil {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return false
			case <-f.closing:
				return false
			}
		}
		b, _ := json.Marshal(chunk)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	first := map[string]any{"role": "assistant", "content": "", "refusal": nil}
	if len(reply.ToolCalls) > 0 {
		first["content"] = nil
	}
	if !send(first, nil, nil) {
		return
	}
	for _, piece := range words(reply.Content) {
		if !send(map[string]any{"content": piece}, nil, nil) {
			return
		}
	}
	for i, tc := range reply.ToolCalls {
		head := map[string]any{"index": i, "id": fmt.Sprintf("call_%d", idSeq.Add(1)), "type": "function",
			"function": map[string]any{"name": tc.Name, "arguments": ""}}
		if !send(map[string]any{"tool_calls": []any{head}}, nil, nil) {
			return
		}
		for _, piece := range pieces(tc.Arguments, 8) {
			part := map[string]any{"index": i, "function": map[string]any{"arguments": piece}}
			if !send(map[string]any{"tool_calls": []any{part}}, nil, nil) {
				return
			}
		}
	}
	if !send(map[string]any{}, finish, nil) {
		return
	}
	if usage && !send(nil, nil, map[string]any{"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}) {
		return
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// words splits text after each run of spaces, as a model streams tokens.
func words(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] == ' ' && (i+1 == len(text) || text[i+1] != ' ') {
			out = append(out, text[start:i+1])
			start = i + 1
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// pieces splits text into parts of about n bytes, never inside a character.
func pieces(text string, n int) []string {
	var out []string
	for len(text) > 0 {
		k := min(n, len(text))
		for k < len(text) && !utf8.RuneStart(text[k]) {
			k++
		}
		out = append(out, text[:k])
		text = text[k:]
	}
	return out
}

// DefaultResponder is the fake's deterministic assistant.
func DefaultResponder(req ChatRequest) ChatReply {
	none := strings.Contains(string(req.ToolChoice), "none")
	if len(req.Tools) > 0 && !none {
		t := req.Tools[0].Function
		return ChatReply{ToolCalls: []ToolCallReply{{Name: t.Name, Arguments: string(SampleJSON(t.Parameters, req.LastUser()))}}}
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type == "json_schema" && rf.JSONSchema != nil {
		return ChatReply{Content: string(SampleJSON(rf.JSONSchema.Schema, req.LastUser()))}
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type == "json_object" {
		b, _ := json.Marshal(map[string]string{"text": req.LastUser()})
		return ChatReply{Content: string(b)}
	}
	return ChatReply{Content: "echo: " + req.LastUser()}
}

// SampleJSON builds a deterministic value conforming to a (simple) JSON
// schema: every property filled, first enum value, strings from seed.
func SampleJSON(schema json.RawMessage, seed string) json.RawMessage {
	var s map[string]any
	_ = json.Unmarshal(schema, &s)
	b, _ := json.Marshal(sample(s, seed, 0))
	return b
}

func sample(s map[string]any, seed string, depth int) any {
	if s == nil || depth > 8 {
		return nil
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	if c, ok := s["const"]; ok {
		return c
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			a, _ := alts[0].(map[string]any)
			return sample(a, seed, depth+1)
		}
	}
	typ := s["type"]
	if ts, ok := typ.([]any); ok && len(ts) > 0 {
		typ = ts[0]
	}
	switch typ {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for k := range props {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			ps, _ := props[k].(map[string]any)
			out[k] = sample(ps, seed, depth+1)
		}
		return out
	case "array":
		items, _ := s["items"].(map[string]any)
		n := 1
		if m, ok := s["minItems"].(float64); ok && int(m) > n {
			n = int(m)
		}
		arr := make([]any, n)
		for i := range arr {
			arr[i] = sample(items, seed, depth+1)
		}
		return arr
	case "string":
		if seed == "" {
			return "sample"
		}
		return seed
	case "integer":
		if m, ok := s["minimum"].(float64); ok {
			return int(m)
		}
		return 1
	case "number":
		if m, ok := s["minimum"].(float64); ok {
			return m
		}
		return 0.5
	case "boolean":
		return true
	case "null":
		return nil
	}
	return "sample"
}

func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var out []string
		for _, p := range parts {
			if p.Text != "" {
				out = append(out, p.Text)
			}
		}
		return strings.Join(out, "\n")
	}
	return ""
}

// CountTokens is the fake's token count: words, plus one per punctuation run.
func CountTokens(s string) int { return len(strings.Fields(s)) }

func (f *OpenAI) embeddings(w http.ResponseWriter, body []byte) {
	var req struct {
		Input      json.RawMessage `json:"input"`
		Model      string          `json:"model"`
		Dimensions int             `json:"dimensions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request. ("+err.Error()+")", "invalid_request_error", "")
		return
	}
	var inputs []string
	var one string
	if json.Unmarshal(req.Input, &one) == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil {
		writeError(w, http.StatusBadRequest, "'input' must be a string or an array of strings", "invalid_request_error", "")
		return
	}
	if len(inputs) > 2048 {
		writeError(w, http.StatusBadRequest, "'$.input' is invalid: at most 2048 inputs", "invalid_request_error", "")
		return
	}
	dims := f.embedDims
	if req.Dimensions > 0 {
		dims = req.Dimensions
	}
	data := make([]any, len(inputs))
	tokens := 0
	for i, in := range inputs {
		if in == "" {
			writeError(w, http.StatusBadRequest, "'$.input' is invalid: empty string at index "+strconv.Itoa(i), "invalid_request_error", "")
			return
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": Embed(in, dims)}
		tokens += CountTokens(in)
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]any{"prompt_tokens": tokens, "total_tokens": tokens}})
}

var stopwords = map[string]bool{"the": true, "a": true, "an": true, "and": true, "or": true, "of": true, "to": true, "in": true,
	"is": true, "it": true, "for": true, "on": true, "my": true, "i": true, "me": true, "you": true, "your": true, "with": true,
	"can": true, "how": true, "do": true, "what": true, "this": true, "that": true, "please": true, "be": true, "are": true, "at": true}

// Embed is the fake's embedding: a hashed bag of words (stopwords dropped,
// crude plural stemming), each word adding ±1 at a hashed index, then
// L2-normalised. Texts sharing words have high cosine similarity, so
// clustering and nearest-topic code behave meaningfully against it.
func Embed(text string, dims int) []float32 {
	v := make([]float64, dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	n := 0
	for _, w := range words {
		if stopwords[w] {
			continue
		}
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			w = w[:len(w)-1]
		}
		h := fnv.New64a()
		h.Write([]byte(w))
		x := h.Sum64()
		sign := 1.0
		if x&(1<<63) != 0 {
			sign = -1
		}
		v[int(x%uint64(dims))] += sign
		n++
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	if n == 0 || norm == 0 { // only stopwords, or words cancelling out: a stable vector from the whole text
		sum := sha256.Sum256([]byte(text))
		v[int(binary.LittleEndian.Uint32(sum[:])%uint32(dims))] += 1
		norm = 0
		for _, x := range v {
			norm += x * x
		}
	}
	norm = math.Sqrt(norm)
	out := make([]float32, dims)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

func (f *OpenAI) listModels(w http.ResponseWriter) {
	f.mu.Lock()
	ids := append([]string(nil), f.models...)
	f.mu.Unlock()
	data := make([]any, len(ids))
	for i, id := range ids {
		data[i] = map[string]any{"id": id, "object": "model", "created": 1700000000, "owned_by": "tracetune-fake"}
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}
