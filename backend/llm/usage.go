package llm

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tracetune/backend/store"
)

// Meter totals the calls of one action in memory, so the UI can show "this
// action: N tokens, $X" as soon as it ends. The same figures are added to
// the llm_usage table per (dataset, action, provider, model).
type Meter struct {
	DatasetID int64
	Action    string

	calls, prompt, completion atomic.Int64
	microUSD                  atomic.Int64
}

// Totals is a Meter's snapshot.
type Totals struct {
	Calls            int64   `json:"calls"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"` // USD, estimated from the price table
}

// Totals returns the figures so far.
func (m *Meter) Totals() Totals {
	if m == nil {
		return Totals{}
	}
	return Totals{Calls: m.calls.Load(), PromptTokens: m.prompt.Load(), CompletionTokens: m.completion.Load(),
		Cost: float64(m.microUSD.Load()) / 1e6}
}

type meterKey struct{}

// WithAction labels calls made with ctx for accounting: the dataset they are
// for (0 for none) and the action ("topics", "generate", "judge", …).
func WithAction(ctx context.Context, datasetID int64, action string) context.Context {
	return context.WithValue(ctx, meterKey{}, &Meter{DatasetID: datasetID, Action: action})
}

// MeterFrom returns the action's meter, or nil.
func MeterFrom(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// Cost estimates the USD cost of a call from a price table: exact model
// first, then the longest price-table entry the model name starts with
// ("gpt-4o-mini-2024-07-18" → "gpt-4o-mini"), also after a vendor prefix
// ("openai/gpt-4o"). ok is false when the model has no price.
func Cost(prices []store.Price, model string, promptTokens, completionTokens int64) (cost float64, ok bool) {
	p, ok := lookupPrice(prices, model)
	if !ok {
		return 0, false
	}
	return (float64(promptTokens)*p.PromptPerM + float64(completionTokens)*p.CompletionPerM) / 1e6, true
}

func lookupPrice(prices []store.Price, model string) (store.Price, bool) {
	names := []string{strings.ToLower(model)}
	if i := strings.LastIndex(model, "/"); i >= 0 {
		names = append(names, strings.ToLower(model[i+1:]))
	}
	for _, n := range names {
		var best store.Price
		found := false
		for _, p := range prices {
			pm := strings.ToLower(p.Model)
			if pm == n {
				return p, true
			}
			if strings.HasPrefix(n, pm) && (len(n) == len(pm) || n[len(pm)] == '-' || n[len(pm)] == ':') && len(pm) > len(best.Model) {
				best, found = p, true
			}
		}
		if found {
			return best, true
		}
	}
	return store.Price{}, false
}

// priceCache keeps the price table for a few seconds: a job making
// thousands of calls should not read it thousands of times.
type priceCache struct {
	mu     sync.Mutex
	prices []store.Price
	at     time.Time
}

func (c *Client) prices(ctx context.Context) []store.Price {
	c.price.mu.Lock()
	defer c.price.mu.Unlock()
	if c.st != nil && time.Since(c.price.at) > 10*time.Second {
		if ps, err := c.st.Prices(ctx); err == nil {
			c.price.prices, c.price.at = ps, time.Now()
		}
	}
	return c.price.prices
}

// account records one successful call's tokens and cost.
func (c *Client) account(ctx context.Context, model string, prompt, completion int) {
	cost, _ := Cost(c.prices(ctx), model, int64(prompt), int64(completion))
	m := MeterFrom(ctx)
	if m != nil {
		m.calls.Add(1)
		m.prompt.Add(int64(prompt))
		m.completion.Add(int64(completion))
		m.microUSD.Add(int64(cost * 1e6))
	}
	if c.st == nil {
		return
	}
	u := store.Usage{Action: "other", Provider: c.cfg.Name, Model: model, Calls: 1,
		PromptTokens: int64(prompt), CompletionTokens: int64(completion), Cost: cost}
	if m != nil {
		u.DatasetID, u.Action = m.DatasetID, m.Action
	}
	// Accounting must not fail the call whose result we already have; a
	// canceled ctx must not drop the row either.
	if err := c.st.AddUsage(context.WithoutCancel(ctx), u); err != nil {
		Logger.Warn("llm: usage not recorded", "provider", c.cfg.Name, "err", err.Error())
	}
}
