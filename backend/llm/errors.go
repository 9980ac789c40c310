package llm

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// ErrNoProvider means no provider/model is configured for a role; offline
// code paths test for it with errors.Is and fall back.
var ErrNoProvider = errors.New("no model provider configured")

// Error is a failed call, phrased for a person: what happened, where, and
// what to do. It never contains the API key.
type Error struct {
	Provider  string
	URL       string // the provider's base URL
	Op        string // chat, embeddings, models
	Model     string
	Status    int    // HTTP status; 0 for network errors and timeouts
	Code      string // the API's error code, e.g. invalid_api_key
	Message   string // the API's message, with anything key-like removed
	Timeout   bool
	Network   bool
	Retryable bool
	Attempts  int
	cause     error
}

func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Timeout:
		fmt.Fprintf(&b, "no answer from %s within the per-call timeout (provider %s, %s)", e.URL, e.Provider, e.Op)
	case e.Network:
		fmt.Fprintf(&b, "cannot reach %s for provider %s: check the base URL and that the server is running", e.URL, e.Provider)
	case e.Status == 401 || e.Status == 403:
		fmt.Fprintf(&b, "%d from %s: check the API key for provider %s", e.Status, e.URL, e.Provider)
	case e.Status == 404:
		fmt.Fprintf(&b, "404 from %s: check the model name %q (or Azure deployment) and the base URL of provider %s", e.URL, e.Model, e.Provider)
	case e.Status == 429 && e.Code == "insufficient_quota":
		fmt.Fprintf(&b, "429 from %s: the account of provider %s is out of quota; check its plan and billing", e.URL, e.Provider)
	case e.Status == 429:
		fmt.Fprintf(&b, "429 from %s: provider %s is rate limiting; lower its concurrency or requests per minute in Settings", e.URL, e.Provider)
	case e.Status >= 500:
		fmt.Fprintf(&b, "%d from %s: provider %s failed on its side", e.Status, e.URL, e.Provider)
	case e.Status > 0:
		fmt.Fprintf(&b, "%d from %s (provider %s, %s, model %q)", e.Status, e.URL, e.Provider, e.Op, e.Model)
	default:
		fmt.Fprintf(&b, "%s on provider %s failed", e.Op, e.Provider)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (gave up after %d attempts)", e.Attempts)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

func (e *Error) short() string {
	switch {
	case e.Timeout:
		return "timeout"
	case e.Network:
		return "network: " + e.Message
	}
	return fmt.Sprintf("HTTP %d %s", e.Status, e.Code)
}

// classify turns a go-openai or transport error into an *Error.
func (c *Client) classify(op, model string, err error, status int, timedOut bool) *Error {
	e := &Error{Provider: c.cfg.Name, URL: c.cfg.BaseURL, Op: op, Model: model, Status: status, cause: redacted{err, c.cfg.APIKey}}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	var netErr net.Error
	var urlErr *url.Error
	switch {
	case timedOut:
		e.Timeout, e.Retryable, e.Status = true, true, 0
	case errors.As(err, &apiErr):
		e.Status = apiErr.HTTPStatusCode
		e.Message = apiErr.Message
		if s, ok := apiErr.Code.(string); ok {
			e.Code = s
		} else if n, ok := apiErr.Code.(int); ok && n != 0 {
			e.Code = fmt.Sprint(n)
		} else if apiErr.Code != nil && !ok {
			e.Code = fmt.Sprint(apiErr.Code)
		}
	case errors.As(err, &reqErr):
		e.Status = reqErr.HTTPStatusCode
		e.Message = strings.TrimSpace(string(reqErr.Body))
		if len(e.Message) > 300 {
			e.Message = e.Message[:300] + "…"
		}
	case errors.As(err, &netErr), errors.As(err, &urlErr):
		e.Network, e.Retryable, e.Status = true, true, 0
		e.Message = err.Error()
	default:
		if status >= 200 && status < 300 {
			// A 2xx we could not decode: a proxy page or a non-compatible server.
			e.Message = "the response is not OpenAI-compatible JSON: " + err.Error()
		} else {
			e.Message = err.Error()
		}
	}
	if e.Status == 429 || e.Status >= 500 || e.Status == 408 {
		e.Retryable = true
	}
	if e.Code == "insufficient_quota" {
		// A 429 that waiting will not cure.
		e.Retryable = false
	}
	e.Message = redact(e.Message, c.cfg.APIKey)
	return e
}

// keyLike matches strings shaped like API keys, including the masked echo
// some APIs put in 401 messages ("sk-abc*****wxyz").
var keyLike = regexp.MustCompile(`\b(sk|pk|rk|key|sess)-[A-Za-z0-9_\-\*]{3,}`)

// redact removes the key and anything key-shaped from a message.
func redact(msg, key string) string {
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "[redacted]")
		if len(key) > 8 { // fragments of the key long enough to matter
			msg = strings.ReplaceAll(msg, key[len(key)-8:], "[redacted]")
		}
	}
	return keyLike.ReplaceAllString(msg, "[redacted]")
}

// redacted wraps a cause so that even %v of the chain cannot show the key.
type redacted struct {
	err error
	key string
}

func (r redacted) Error() string { return redact(r.err.Error(), r.key) }
func (r redacted) Unwrap() error { return r.err }
