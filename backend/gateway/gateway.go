// Package gateway reads traces from the places a team already logs its LLM
// calls (Langfuse, a LiteLLM proxy, a vllora gateway, OpenTelemetry span
// files, gateway-shape JSONL) behind one Source interface, and turns each
// trace into a record of PRODUCT.md §2.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"tracetune/backend/record"
)

// Kind names a source type.
type Kind string

// The source kinds Tracetune can read.
const (
	KindLangfuse Kind = "langfuse"
	KindLiteLLM  Kind = "litellm"
	KindVllora   Kind = "vllora"
	KindOTel     Kind = "otel"
	KindJSONL    Kind = "jsonl"
)

// Kinds lists every supported kind (for usage text and validation).
var Kinds = []Kind{KindLangfuse, KindLiteLLM, KindVllora, KindOTel, KindJSONL}

// ParseKind validates a kind name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if strings.EqualFold(s, string(k)) {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown source kind %q (want one of langfuse, litellm, vllora, otel, jsonl)", s)
}

// IsFile reports whether a kind reads local files rather than an HTTP API.
func (k Kind) IsFile() bool { return k == KindOTel || k == KindJSONL }

// Config is everything needed to open a source. The key fields come from
// the keyring at open time and are never stored with the rest.
type Config struct {
	Name    string `json:"name"`
	Kind    Kind   `json:"kind"`
	URL     string `json:"url"`     // base URL, or a file/folder path for otel and jsonl
	Project string `json:"project"` // vllora project id (x-project-id), optional
	// LookBackSeconds: how far before its cursor each pull re-reads, for
	// traces the gateway indexes late (0: 15 minutes for a new source, the
	// stored window when Save replaces one; store.NoLookBack: none).
	LookBackSeconds int    `json:"look_back_seconds"`
	Key             string `json:"-"` // bearer key (litellm, vllora)
	PublicKey       string `json:"-"` // Langfuse public key
	SecretKey       string `json:"-"` // Langfuse secret key
}

// Filter selects traces. From is inclusive and To exclusive; zero times are
// open ends. Model matches exactly (case-insensitive); Text is a
// case-insensitive substring of any message or the output.
type Filter struct {
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	Model         string    `json:"model"`
	Text          string    `json:"text"`
	HasTools      bool      `json:"has_tools"`
	ExcludeErrors bool      `json:"exclude_errors"`
}

// Trace is one logged LLM call, already turned into a record, with the
// summary the preview table shows.
type Trace struct {
	ID        string        `json:"id"`
	Time      time.Time     `json:"time"`
	Model     string        `json:"model"`
	Messages  int           `json:"messages"`
	FirstUser string        `json:"first_user"`
	HasTools  bool          `json:"has_tools"`
	Error     bool          `json:"error"`
	Record    record.Record `json:"-"`
	text      string        // lower-case message and output text, for Filter.Text
}

// Page is one page of a listing, newest trace first. Next is the token of
// the following page ("" at the end); Total is the server's count of
// matching traces before client-side filters, or -1 when unknown.
type Page struct {
	Traces  []Trace `json:"traces"`
	Next    string  `json:"next"`
	Total   int     `json:"total"`
	Scanned int     `json:"scanned"` // server items on this page before client-side filters (progress)
}

// Source is one place traces come from. List returns traces newest first,
// which the puller relies on to narrow its window as pages arrive.
type Source interface {
	Name() string
	Kind() Kind
	// List returns one page of traces matching f; token "" is the first page.
	List(ctx context.Context, f Filter, token string, limit int) (Page, error)
	// Fetch returns one trace by its id (the record's TraceID).
	Fetch(ctx context.Context, id string) (Trace, error)
}

// Open builds the source a config describes.
func Open(c Config) (Source, error) {
	if strings.TrimSpace(c.Name) == "" {
		return nil, errors.New("source name is empty")
	}
	if strings.TrimSpace(c.URL) == "" {
		return nil, fmt.Errorf("source %q: no URL or path", c.Name)
	}
	switch c.Kind {
	case KindLangfuse:
		return newLangfuse(c)
	case KindLiteLLM:
		return newLiteLLM(c)
	case KindVllora:
		return newVllora(c)
	case KindOTel:
		return newOTel(c)
	case KindJSONL:
		return newJSONL(c)
	}
	_, err := ParseKind(string(c.Kind))
	return nil, fmt.Errorf("source %q: %w", c.Name, err)
}

// Test checks that a source answers and accepts its keys by asking for one
// trace.
func Test(ctx context.Context, s Source) error {
	_, err := s.List(ctx, Filter{}, "", 1)
	return err
}

// SourceLabel is the record's Source value: "langfuse:prod".
func SourceLabel(s Source) string { return string(s.Kind()) + ":" + s.Name() }

// AuthError says a source refused its credentials. Its message names the
// source and never the key.
type AuthError struct {
	Source string
	Status int
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("source %s: the server refused the credentials (HTTP %d); check the keys in Settings → Sources", e.Source, e.Status)
}

// match applies the filter fields a server could not apply itself.
func (f Filter) match(t Trace) bool {
	if !f.From.IsZero() && t.Time.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !t.Time.Before(f.To) {
		return false
	}
	if f.Model != "" && !strings.EqualFold(f.Model, t.Model) {
		return false
	}
	if f.HasTools && !t.HasTools {
		return false
	}
	if f.ExcludeErrors && t.Error {
		return false
	}
	if f.Text != "" {
		if !strings.Contains(t.text, strings.ToLower(f.Text)) {
			return false
		}
	}
	return true
}
