package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Langfuse reads generations through the public API:
// GET /api/public/observations?type=GENERATION&page=&limit=&fromStartTime=&toStartTime=
// with basic auth (public key : secret key). The answer is
// {"data":[observation…],"meta":{"page","limit","totalItems","totalPages"}},
// newest first. Each observation carries input (the messages, or
// {"messages","tools"}), output (the response message), model, startTime,
// traceId and level (ERROR marks a failed call).
type langfuse struct {
	name string
	h    *httpClient
}

func newLangfuse(c Config) (*langfuse, error) {
	if c.PublicKey == "" || c.SecretKey == "" {
		return nil, fmt.Errorf("source langfuse:%s: needs a public key and a secret key", c.Name)
	}
	h, err := newHTTPClient(c, func(r *http.Request) { r.SetBasicAuth(c.PublicKey, c.SecretKey) })
	if err != nil {
		return nil, err
	}
	return &langfuse{name: c.Name, h: h}, nil
}

func (l *langfuse) Name() string { return l.name }
func (l *langfuse) Kind() Kind   { return KindLangfuse }

// LangfuseObservation is the part of a Langfuse observation Tracetune reads
// (exported for the test fake, which writes the same JSON).
type LangfuseObservation struct {
	ID              string          `json:"id"`
	TraceID         string          `json:"traceId"`
	Type            string          `json:"type"`
	Name            string          `json:"name,omitempty"`
	StartTime       time.Time       `json:"startTime"`
	EndTime         *time.Time      `json:"endTime,omitempty"`
	Model           string          `json:"model,omitempty"`
	ModelParameters json.RawMessage `json:"modelParameters,omitempty"`
	Input           json.RawMessage `json:"input,omitempty"`
	Output          json.RawMessage `json:"output,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
	Level           string          `json:"level,omitempty"`
	StatusMessage   string          `json:"statusMessage,omitempty"`
	Usage           json.RawMessage `json:"usage,omitempty"`
}

// LangfuseMeta is the page block of a Langfuse list answer.
type LangfuseMeta struct {
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	TotalItems int `json:"totalItems"`
	TotalPages int `json:"totalPages"`
}

func (l *langfuse) List(ctx context.Context, f Filter, token string, limit int) (Page, error) {
	page, err := pageToken(token, 1)
	if err != nil {
		return Page{}, fmt.Errorf("source langfuse:%s: %w", l.name, err)
	}
	if limit <= 0 || limit > 100 {
		limit = 50 // the API caps limit at 100
	}
	q := url.Values{"type": {"GENERATION"}, "page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(limit)}}
	if !f.From.IsZero() {
		q.Set("fromStartTime", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		q.Set("toStartTime", f.To.UTC().Format(time.RFC3339Nano))
	}
	var ans struct {
		Data []LangfuseObservation `json:"data"`
		Meta LangfuseMeta          `json:"meta"`
	}
	if err := l.h.get(ctx, "/api/public/observations", q, &ans); err != nil {
		return Page{}, err
	}
	p := Page{Total: ans.Meta.TotalItems, Scanned: len(ans.Data)}
	for _, o := range ans.Data {
		t := l.convert(o)
		if f.match(t) {
			p.Traces = append(p.Traces, t)
		}
	}
	if page < ans.Meta.TotalPages && len(ans.Data) > 0 {
		p.Next = strconv.Itoa(page + 1)
	}
	return p, nil
}

func (l *langfuse) Fetch(ctx context.Context, id string) (Trace, error) {
	var o LangfuseObservation
	if err := l.h.get(ctx, "/api/public/observations/"+url.PathEscape(id), nil, &o); err != nil {
		return Trace{}, err
	}
	return l.convert(o), nil
}

func (l *langfuse) convert(o LangfuseObservation) Trace {
	c := call{id: o.ID, time: o.StartTime, model: o.Model, isError: o.Level == "ERROR"}
	// input is the messages array, or an object holding messages and tools
	// (the OpenAI integration logs {"messages": …, "tools": …}).
	in := unquote(o.Input)
	if len(bytes.TrimSpace(in)) > 0 && bytes.TrimSpace(in)[0] == '{' {
		var obj struct {
			Messages json.RawMessage `json:"messages"`
			Tools    json.RawMessage `json:"tools"`
		}
		if json.Unmarshal(in, &obj) == nil && len(obj.Messages) > 0 {
			c.messages = asMessages(obj.Messages)
			c.tools = obj.Tools
		}
	} else {
		c.messages = asMessages(in)
	}
	c.output = responseMessage(o.Output)
	c.meta = map[string]any{"langfuse_trace_id": o.TraceID, "observation_id": o.ID}
	if o.Name != "" {
		c.meta["name"] = o.Name
	}
	if len(o.ModelParameters) > 0 && !isEmptyJSON(o.ModelParameters) {
		c.meta["model_parameters"] = o.ModelParameters
	}
	if o.StatusMessage != "" {
		c.meta["status_message"] = o.StatusMessage
	}
	return c.toTrace(string(KindLangfuse) + ":" + l.name)
}
