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

// LiteLLM reads the proxy's spend logs, which hold the request and response
// when the proxy runs with store_prompts_in_spend_logs. The paginated list is
// GET /spend/logs/ui?start_date=&end_date=&page=&page_size= (dates
// "YYYY-MM-DD HH:MM:SS" UTC, bearer key), answering
// {"data":[row…],"total","page","page_size","total_pages"} newest first;
// one row is GET /spend/logs?request_id=… (an array).
type litellm struct{ httpSource }

const litellmDate = "2006-01-02 15:04:05"

func newLiteLLM(c Config) (*litellm, error) {
	if c.Key == "" {
		return nil, fmt.Errorf("source litellm:%s: needs an API key", c.Name)
	}
	s, err := newHTTPSource(c, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+c.Key) })
	if err != nil {
		return nil, err
	}
	return &litellm{s}, nil
}

func (l *litellm) Kind() Kind { return KindLiteLLM }

// LiteLLMSpendLog is the part of a LiteLLM_SpendLogs row Tracetune reads
// (exported for the test fake).
type LiteLLMSpendLog = ingest.LiteLLMSpendLog

// LiteLLMPage is the answer of /spend/logs/ui.
type LiteLLMPage struct {
	Data       []LiteLLMSpendLog `json:"data"`
	Total      int               `json:"total"`
	Page       int               `json:"page"`
	PageSize   int               `json:"page_size"`
	TotalPages int               `json:"total_pages"`
}

func (l *litellm) List(ctx context.Context, f Filter, token string, limit int) (Page, error) {
	page, err := pageToken(token, 1)
	if err != nil {
		return Page{}, fmt.Errorf("source litellm:%s: %w", l.name, err)
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	// The API needs both dates and compares to the second: round outward and
	// let Filter.match apply the exact bounds.
	from, to := f.From, f.To
	if from.IsZero() {
		from = time.Unix(0, 0)
	}
	if to.IsZero() {
		to = time.Now().Add(time.Minute)
	}
	q := url.Values{
		"start_date": {from.UTC().Truncate(time.Second).Format(litellmDate)},
		"end_date":   {to.UTC().Add(time.Second - 1).Truncate(time.Second).Format(litellmDate)},
		"page":       {strconv.Itoa(page)},
		"page_size":  {strconv.Itoa(limit)},
	}
	if f.Model != "" {
		q.Set("model", f.Model)
	}
	var ans LiteLLMPage
	if err := l.h.get(ctx, "/spend/logs/ui", q, &ans); err != nil {
		return Page{}, err
	}
	return numberedPage(ans.Data, l.convert, f, ans.Total, page, ans.TotalPages), nil
}

func (l *litellm) Fetch(ctx context.Context, id string) (Trace, error) {
	var rows []LiteLLMSpendLog
	if err := l.h.get(ctx, "/spend/logs", url.Values{"request_id": {id}}, &rows); err != nil {
		return Trace{}, err
	}
	if len(rows) == 0 || rows[0].RequestID == "" {
		return Trace{}, fmt.Errorf("source litellm:%s: no spend log with request id %q", l.name, id)
	}
	return l.convert(rows[0]), nil
}

func (l *litellm) convert(r LiteLLMSpendLog) Trace {
	return toTrace(ingest.LiteLLMCall(r), string(KindLiteLLM)+":"+l.name)
}
