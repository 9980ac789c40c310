// Package fireworks is the client of Fireworks' control plane (REST under
// /v1/accounts/{account}): JSON requests with their retries, and its error
// answers read into one type. The trainer (datasets, evaluators, RFT jobs)
// and the deploy target (deployments) both speak it through this package.
package fireworks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client talks to one account's control plane.
type Client struct {
	// Root is the account's URL: https://api.fireworks.ai/v1/accounts/A.
	Root string
	Key  string
	HC   *http.Client
}

// maxAnswer bounds what one answer may read (a dataset listing can be long).
const maxAnswer = 64 << 20

// Do sends one JSON request (body nil: none) to path (under Root, or an
// absolute http URL such as an upload endpoint) and decodes the answer into
// out (nil: ignored). Reads are retried on 429, 5xx and network errors;
// writes are not, since a lost answer may hide a change that was made.
func (c Client) Do(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = c.Root + path
	}
	tries := 1
	if method == http.MethodGet {
		tries = 4
	}
	var last error
	for i := 0; i < tries; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(250<<i) * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.Key)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		last = c.Send(req, out)
		var fe *APIError
		if last == nil || ctx.Err() != nil || errors.As(last, &fe) && !fe.Transient() {
			return last
		}
	}
	return last
}

// Send sends a request made by the caller as it is (a multipart upload, a
// PUT to a signed URL, which must not carry the key) and reads its answer
// like Do, without retries.
func (c Client) Send(req *http.Request, out any) error {
	hc := c.HC
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return ParseError(resp.StatusCode, b)
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("Fireworks answered %s with unexpected JSON: %w", req.URL.Path, err)
		}
	}
	return nil
}

// APIError is an error answer of the control plane.
type APIError struct {
	HTTP    int
	Code    string // gRPC's canonical name, e.g. NOT_FOUND
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("HTTP %d %s: %s", e.HTTP, e.Code, e.Message) }

// Transient says whether the same request may succeed later (rate limit,
// server error).
func (e *APIError) Transient() bool { return e.HTTP == http.StatusTooManyRequests || e.HTTP >= 500 }

// grpcCodes are the canonical codes gRPC-gateway writes as numbers.
var grpcCodes = map[int]string{1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
	6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 10: "ABORTED",
	11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE", 16: "UNAUTHENTICATED"}

// ParseError reads {"code":5,"message":…} (gRPC-gateway), {"error":{…}} or
// {"status":{…}}, whichever the body is; a body that is none of these
// becomes the message when it is short, else the HTTP status text.
func ParseError(status int, body []byte) *APIError {
	e := &APIError{HTTP: status}
	var raw struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
		Status  *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"status"`
	}
	if json.Unmarshal(body, &raw) == nil {
		e.Message = raw.Message
		var n int
		if json.Unmarshal(raw.Code, &n) == nil {
			e.Code = grpcCodes[n]
		} else {
			_ = json.Unmarshal(raw.Code, &e.Code)
		}
		var inner struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		}
		if len(raw.Error) > 0 && json.Unmarshal(raw.Error, &inner) == nil && inner.Message != "" {
			e.Message = inner.Message
			if inner.Status != "" {
				e.Code = inner.Status
			}
		} else if len(raw.Error) > 0 && e.Message == "" {
			_ = json.Unmarshal(raw.Error, &e.Message)
		}
		if raw.Status != nil && e.Message == "" {
			e.Code, e.Message = raw.Status.Code, raw.Status.Message
		}
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 300 || e.Message == "" {
			e.Message = http.StatusText(status)
		}
	}
	return e
}
