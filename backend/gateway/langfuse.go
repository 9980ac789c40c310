package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tracetune/backend/ingest"
)

// Langfuse reads generations through the public API:
// GET /api/public/observations?type=GENERATION&page=&limit=&fromStartTime=&toStartTime=
// with basic auth (public key : secret key). The answer is
// {"data":[observation…],"meta":{"page","limit","totalItems","totalPages"}},
// newest first. Each observation carries input (the messages, or
// {"messages","tools"}), output (the response message), model, startTime,
// traceId and level (ERROR marks a failed call).
type langfuse struct{ httpSource }

func newLangfuse(c Config) (*langfuse, error) {
	if c.PublicKey == "" || c.SecretKey == "" {
		return nil, fmt.Errorf("source langfuse:%s: needs a public key and a secret key", c.Name)
	}
	s, err := newHTTPSource(c, func(r *http.Request) { r.SetBasicAuth(c.PublicKey, c.SecretKey) })
	if err != nil {
		return nil, err
	}
	return &langfuse{s}, nil
}

func (l *langfuse) Kind() Kind { return KindLangfuse }

// httpSource is what the HTTP sources (Langfuse, LiteLLM, vllora) share:
// their name and the client that reaches them.
type httpSource struct {
	name string
	h    *httpClient
}

// newHTTPSource opens an HTTP source's client; auth sets its credentials
// on each request.
func newHTTPSource(c Config, auth func(*http.Request)) (httpSource, error) {
	h, err := newHTTPClient(c, auth)
	if err != nil {
		return httpSource{}, err
	}
	return httpSource{name: c.Name, h: h}, nil
}

func (s httpSource) Name() string { return s.name }

// LangfuseObservation is the part of a Langfuse observation Tracetune reads
// (exported for the test fake, which writes the same JSON).
type LangfuseObservation = ingest.LangfuseObservation

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
	return numberedPage(ans.Data, l.convert, f, ans.Meta.TotalItems, page, ans.Meta.TotalPages), nil
}

// numberedPage is one page of a listing numbered from 1 (Langfuse, LiteLLM):
// the traces of the items f matches, and the next page's token while the
// page is below the last one and not empty.
func numberedPage[T any](items []T, convert func(T) Trace, f Filter, total, page, last int) Page {
	p := Page{Total: total, Scanned: len(items)}
	for _, it := range items {
		if t := convert(it); f.match(t) {
			p.Traces = append(p.Traces, t)
		}
	}
	if page < last && len(items) > 0 {
		p.Next = strconv.Itoa(page + 1)
	}
	return p
}

func (l *langfuse) Fetch(ctx context.Context, id string) (Trace, error) {
	var o LangfuseObservation
	if err := l.h.get(ctx, "/api/public/observations/"+url.PathEscape(id), nil, &o); err != nil {
		return Trace{}, err
	}
	return l.convert(o), nil
}

func (l *langfuse) convert(o LangfuseObservation) Trace {
	return toTrace(ingest.LangfuseCall(o), string(KindLangfuse)+":"+l.name)
}
