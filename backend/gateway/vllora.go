package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// vllora reads the gateway's spans: GET /spans?operationNames=…&startTime=&endTime=&offset=&limit=
// (times in microseconds; x-project-id header; a bearer key when the
// gateway asks for one), answering {"data":[span…],"pagination":{"offset","limit","total"}}
// newest first. The provider span of each model call (operation "openai",
// "anthropic", …) carries attribute.request (the request JSON as a string:
// messages, tools, model) and attribute.output (the response JSON).
type vllora struct{ httpSource }

// vlloraOperations are the provider spans that carry a model call's request.
const vlloraOperations = "openai,anthropic,gemini,bedrock"

func newVllora(c Config) (*vllora, error) {
	s, err := newHTTPSource(c, func(r *http.Request) {
		if c.Key != "" {
			r.Header.Set("Authorization", "Bearer "+c.Key)
		}
		if c.Project != "" {
			r.Header.Set("x-project-id", c.Project)
		}
	})
	if err != nil {
		return nil, err
	}
	return &vllora{s}, nil
}

func (v *vllora) Kind() Kind { return KindVllora }

// VlloraSpan is a span as the vllora API writes it (exported for the fake).
type VlloraSpan struct {
	TraceID        string                     `json:"trace_id"`
	SpanID         string                     `json:"span_id"`
	ThreadID       *string                    `json:"thread_id"`
	ParentSpanID   *string                    `json:"parent_span_id"`
	OperationName  string                     `json:"operation_name"`
	StartTimeUs    int64                      `json:"start_time_us"`
	FinishTimeUs   int64                      `json:"finish_time_us"`
	Attribute      map[string]json.RawMessage `json:"attribute"`
	ChildAttribute map[string]json.RawMessage `json:"child_attribute"`
	RunID          *string                    `json:"run_id"`
}

// VlloraPage is the answer of GET /spans.
type VlloraPage struct {
	Pagination struct {
		Offset int `json:"offset"`
		Limit  int `json:"limit"`
		Total  int `json:"total"`
	} `json:"pagination"`
	Data []VlloraSpan `json:"data"`
}

func (v *vllora) List(ctx context.Context, f Filter, token string, limit int) (Page, error) {
	offset, err := pageToken(token, 0)
	if err != nil {
		return Page{}, fmt.Errorf("source vllora:%s: %w", v.name, err)
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := url.Values{"operationNames": {vlloraOperations}, "offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	if !f.From.IsZero() {
		q.Set("startTime", strconv.FormatInt(f.From.UnixMicro(), 10))
	}
	if !f.To.IsZero() {
		q.Set("endTime", strconv.FormatInt(f.To.UnixMicro(), 10))
	}
	var ans VlloraPage
	if err := v.h.get(ctx, "/spans", q, &ans); err != nil {
		return Page{}, err
	}
	p := Page{Total: ans.Pagination.Total, Scanned: len(ans.Data)}
	for _, s := range ans.Data {
		t, ok := v.convert(s)
		if ok && f.match(t) {
			p.Traces = append(p.Traces, t)
		}
	}
	if next := offset + len(ans.Data); len(ans.Data) > 0 && next < ans.Pagination.Total {
		p.Next = strconv.Itoa(next)
	}
	return p, nil
}

func (v *vllora) Fetch(ctx context.Context, id string) (Trace, error) {
	var ans VlloraPage
	if err := v.h.get(ctx, "/spans", url.Values{"span_id": {id}}, &ans); err != nil {
		return Trace{}, err
	}
	for _, s := range ans.Data {
		if s.SpanID == id {
			if t, ok := v.convert(s); ok {
				return t, nil
			}
			return Trace{}, fmt.Errorf("source vllora:%s: span %s carries no model request", v.name, id)
		}
	}
	return Trace{}, fmt.Errorf("source vllora:%s: no span %q", v.name, id)
}

func (v *vllora) convert(s VlloraSpan) (Trace, bool) {
	var req struct {
		Messages json.RawMessage `json:"messages"`
		Tools    json.RawMessage `json:"tools"`
		Model    string          `json:"model"`
	}
	if json.Unmarshal(unquote(s.Attribute["request"]), &req) != nil || len(req.Messages) == 0 {
		return Trace{}, false
	}
	c := call{ID: s.SpanID, Time: time.UnixMicro(s.StartTimeUs), Model: req.Model}
	c.Messages = asMessages(req.Messages)
	c.Tools = req.Tools
	c.Output = responseMessage(s.Attribute["output"])
	if len(c.Output) == 0 {
		c.Output = responseMessage(s.Attribute["response"])
	}
	var errText string
	if json.Unmarshal(s.Attribute["error"], &errText) == nil && errText != "" {
		c.IsError = true
	}
	c.Meta = map[string]any{"vllora_trace_id": s.TraceID, "span_id": s.SpanID, "operation": s.OperationName}
	if s.ThreadID != nil {
		c.Meta["thread_id"] = *s.ThreadID
	}
	if s.RunID != nil {
		c.Meta["run_id"] = *s.RunID
	}
	return toTrace(c, string(KindVllora)+":"+v.name), true
}
