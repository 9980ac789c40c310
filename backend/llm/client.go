package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/time/rate"

	"tracetune/backend/store"
)

// Logger receives retry notices. It never sees a key.
var Logger = slog.Default()

// Client talks to one provider. It is safe for concurrent use; its limits
// are shared by every caller, so obtain one Client per provider (ForRole and
// Manager cache them).
type Client struct {
	cfg   Config
	oa    *openai.Client
	sem   chan struct{}
	lim   *rate.Limiter // nil when RPM is 0
	st    *store.Store  // optional: accounting, embedding cache, learned mode
	mode  atomic.Value  // string: structured-output mode known to work
	price priceCache

	// streamNoUsage: the endpoint refused stream_options, so streamed
	// answers are counted locally (stream.go).
	streamNoUsage atomic.Bool
}

// New builds a client for cfg. st may be nil (no accounting, no embedding
// cache, nothing remembered).
func New(cfg Config, st *store.Store) *Client {
	cfg = cfg.withDefaults()
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Keep a warm connection per in-flight call; the default (2 per
		// host) would reconnect constantly at concurrency 16.
		tr.MaxIdleConnsPerHost = cfg.Concurrency * 2
		tr.MaxIdleConns = cfg.Concurrency * 4
		hc = &http.Client{Transport: tr}
	}
	var oc openai.ClientConfig
	if cfg.Kind == KindAzure {
		oc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		oc.APIVersion = cfg.APIVersion
		// The model name is the deployment name, used verbatim.
		oc.AzureModelMapperFunc = func(model string) string { return model }
	} else {
		oc = openai.DefaultConfig(cfg.APIKey)
		oc.BaseURL = cfg.BaseURL
	}
	oc.HTTPClient = &recorder{hc: hc}
	c := &Client{cfg: cfg, oa: openai.NewClientWithConfig(oc), sem: make(chan struct{}, cfg.Concurrency), st: st}
	if cfg.RPM > 0 {
		c.lim = rate.NewLimiter(rate.Limit(float64(cfg.RPM)/60), 1)
	}
	c.mode.Store(cfg.StructuredMode)
	return c
}

// Name is the provider's name.
func (c *Client) Name() string { return c.cfg.Name }

// BaseURL is the provider's base URL.
func (c *Client) BaseURL() string { return c.cfg.BaseURL }

// Config returns the provider settings with the key removed.
func (c *Client) Config() Config { cfg := c.cfg; cfg.APIKey = ""; cfg.HTTPClient = nil; return cfg }

// callInfo is filled by recorder for the attempt whose context carries it:
// go-openai's errors do not expose response headers.
type callInfo struct {
	mu         sync.Mutex
	status     int
	retryAfter time.Duration
}

type infoKey struct{}

// recorder is the HTTP client given to go-openai; it notes the status and
// Retry-After of each response.
type recorder struct{ hc *http.Client }

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.hc.Do(req)
	if info, ok := req.Context().Value(infoKey{}).(*callInfo); ok && resp != nil {
		info.mu.Lock()
		info.status = resp.StatusCode
		info.retryAfter = parseRetryAfter(resp.Header)
		info.mu.Unlock()
	}
	return resp, err
}

// parseRetryAfter reads retry-after-ms (OpenAI, Azure) or Retry-After in
// seconds or as an HTTP date.
func parseRetryAfter(h http.Header) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// do runs one API operation with the provider's limits, per-attempt timeout
// and retries. op names the operation for errors ("chat", "embeddings", …).
func (c *Client) do(ctx context.Context, op, model string, fn func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return c.canceled(op, err)
		}
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return c.canceled(op, ctx.Err())
		}
		if c.lim != nil {
			if err := c.lim.Wait(ctx); err != nil {
				<-c.sem
				if ctx.Err() != nil {
					return c.canceled(op, ctx.Err())
				}
				return fmt.Errorf("%s on provider %s: rate limiter: %w", op, c.cfg.Name, err)
			}
		}
		info := &callInfo{}
		actx, cancel := context.WithTimeout(context.WithValue(ctx, infoKey{}, info), c.cfg.Timeout)
		err := fn(actx)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		<-c.sem
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return c.canceled(op, ctx.Err())
		}
		info.mu.Lock()
		status, retryAfter := info.status, info.retryAfter
		info.mu.Unlock()
		e := c.classify(op, model, err, status, timedOut)
		e.Attempts = attempt + 1
		if !e.Retryable || attempt >= c.cfg.MaxRetries {
			return e
		}
		wait := retryAfter
		if wait <= 0 {
			wait = c.backoff(attempt)
		}
		wait = min(wait, maxRetryAfter)
		Logger.Warn("llm: retrying", "provider", c.cfg.Name, "op", op, "attempt", attempt+1, "wait", wait.String(), "reason", e.short())
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return c.canceled(op, ctx.Err())
		}
	}
}

// backoff is exponential with jitter in [d/2, d], so that many workers hit
// by the same 5xx do not retry in lockstep.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BackoffBase << min(attempt, 20)
	if d <= 0 || d > c.cfg.BackoffMax {
		d = c.cfg.BackoffMax
	}
	return d/2 + rand.N(d/2+1)
}

func (c *Client) canceled(op string, err error) error {
	return fmt.Errorf("%s on provider %s canceled: %w", op, c.cfg.Name, err)
}
