package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// httpClient is the shared plumbing of the HTTP sources: one client with a
// per-request timeout, a couple of retries on 429/5xx (gateways under load
// answer those transiently), and errors that name the source but never the
// credentials.
type httpClient struct {
	label   string // "langfuse:prod"
	base    *url.URL
	auth    func(*http.Request)
	client  *http.Client
	retries int
	backoff time.Duration
}

func newHTTPClient(c Config, auth func(*http.Request)) (*httpClient, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(c.URL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("source %s:%s: URL %q is not an http(s) address", c.Kind, c.Name, c.URL)
	}
	u.User = nil // credentials belong in the keyring, never in the URL we print
	return &httpClient{
		label:   string(c.Kind) + ":" + c.Name,
		base:    u,
		auth:    auth,
		client:  &http.Client{Timeout: 60 * time.Second},
		retries: 2,
		backoff: 300 * time.Millisecond,
	}, nil
}

// get fetches base+path?query and decodes the JSON answer into out.
func (h *httpClient) get(ctx context.Context, path string, q url.Values, out any) error {
	u := *h.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = q.Encode()
	var lastErr error
	for attempt := 0; attempt <= h.retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(h.backoff * time.Duration(attempt)):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return fmt.Errorf("source %s: %w", h.label, err)
		}
		req.Header.Set("Accept", "application/json")
		if h.auth != nil {
			h.auth(req)
		}
		resp, err := h.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = fmt.Errorf("source %s: GET %s: %w", h.label, path, stripURLError(err))
			continue
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return &AuthError{Source: h.label, Status: resp.StatusCode}
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			lastErr = fmt.Errorf("source %s: GET %s: HTTP %d: %s", h.label, path, resp.StatusCode, snippet(body))
			continue
		case resp.StatusCode >= 300:
			return fmt.Errorf("source %s: GET %s: HTTP %d: %s", h.label, path, resp.StatusCode, snippet(body))
		}
		if rerr != nil {
			lastErr = fmt.Errorf("source %s: GET %s: reading the answer: %w", h.label, path, rerr)
			continue
		}
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("source %s: GET %s: the answer is not the expected JSON: %w", h.label, path, err)
		}
		return nil
	}
	return lastErr
}

// stripURLError drops the URL from a transport error (it is printed by the
// caller as a path) so no query value leaks into messages.
func stripURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		s = "(empty answer)"
	}
	return s
}

// pageToken parses our numeric page tokens ("" = first).
func pageToken(token string, first int) (int, error) {
	if token == "" {
		return first, nil
	}
	var n int
	if _, err := fmt.Sscanf(token, "%d", &n); err != nil || n < first {
		return 0, fmt.Errorf("bad page token %q", token)
	}
	return n, nil
}
