package llm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	openai "github.com/sashabaranov/go-openai"
)

// Structured-output modes, best first.
const (
	ModeJSONSchema = "json_schema" // response_format json_schema: the server enforces the schema
	ModeJSONObject = "json_object" // JSON mode: valid JSON, schema given in the prompt
	ModeText       = "text"        // plain text: schema in the prompt, JSON extracted and validated
)

var modes = []string{ModeJSONSchema, ModeJSONObject, ModeText}

// Schema is a JSON Schema for a structured answer.
type Schema struct {
	Name        string          // [a-zA-Z0-9_-], e.g. "topics"
	Description string          // optional
	Schema      json.RawMessage // the JSON Schema document
	Strict      bool            // OpenAI strict mode (needs additionalProperties:false and all properties required)
}

// StructuredMode is the mode currently used for this provider.
func (c *Client) StructuredMode() string {
	m, _ := c.mode.Load().(string)
	if m == "" {
		return ModeJSONSchema
	}
	return m
}

// ChatJSON asks for an answer conforming to schema and decodes it into out.
// It uses the best mode the provider accepts: json_schema; if the endpoint
// rejects that (400/422) json_object with the schema in the prompt; then
// plain text from which the JSON is extracted. Every answer is validated
// against the schema whatever the mode. A mode the provider rejects is
// remembered (in the store for configured providers) so later calls skip it.
func (c *Client) ChatJSON(ctx context.Context, req openai.ChatCompletionRequest, schema Schema, out any) (openai.ChatCompletionResponse, error) {
	sch, err := compileSchema(schema.Schema)
	if err != nil {
		return openai.ChatCompletionResponse{}, fmt.Errorf("schema %q: %w", schema.Name, err)
	}
	if schema.Name == "" {
		schema.Name = "answer"
	}
	start := 0
	for i, m := range modes {
		if m == c.StructuredMode() {
			start = i
		}
	}
	var lastErr error
	var resp openai.ChatCompletionResponse
	for _, mode := range modes[start:] {
		r := buildStructured(req, schema, mode)
		resp, err = c.Chat(ctx, r)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && (e.Status == 400 || e.Status == 422) && mode != ModeText {
				// The endpoint does not take this response_format: learn it.
				c.learnMode(ctx, nextMode(mode))
				lastErr = err
				continue
			}
			return resp, err
		}
		text := Text(resp)
		if mode == ModeText {
			text = extractJSON(text)
		}
		verr := validate(sch, text)
		if verr != nil {
			// Some servers accept response_format and ignore it: try the next
			// mode for this call without concluding anything about the server.
			lastErr = fmt.Errorf("model %q on provider %s (%s mode) did not answer with JSON matching schema %q: %w", req.Model, c.cfg.Name, mode, schema.Name, verr)
			continue
		}
		if err := json.Unmarshal([]byte(text), out); err != nil {
			return resp, fmt.Errorf("decode %q answer of model %q on provider %s: %w", schema.Name, req.Model, c.cfg.Name, err)
		}
		return resp, nil
	}
	return resp, lastErr
}

func nextMode(m string) string {
	for i, x := range modes {
		if x == m && i+1 < len(modes) {
			return modes[i+1]
		}
	}
	return ModeText
}

func (c *Client) learnMode(ctx context.Context, mode string) {
	if c.StructuredMode() == mode {
		return
	}
	c.mode.Store(mode)
	Logger.Info("llm: provider does not support a structured-output mode; falling back", "provider", c.cfg.Name, "now", mode)
	if c.st != nil {
		_ = c.st.SetProviderStructuredMode(context.WithoutCancel(ctx), c.cfg.Name, mode)
	}
}

func buildStructured(req openai.ChatCompletionRequest, s Schema, mode string) openai.ChatCompletionRequest {
	r := req
	r.Messages = append([]openai.ChatCompletionMessage(nil), req.Messages...)
	switch mode {
	case ModeJSONSchema:
		r.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: s.Name, Description: s.Description, Schema: s.Schema, Strict: s.Strict}}
		return r
	case ModeJSONObject:
		r.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	default:
		r.ResponseFormat = nil
	}
	// JSON mode requires the word "JSON" in the prompt; both fallbacks need
	// the schema there since the server does not receive it.
	instr := "Answer with only a JSON value (no prose, no code fences) that conforms to this JSON Schema:\n" + string(s.Schema)
	r.Messages = append([]openai.ChatCompletionMessage{System(instr)}, r.Messages...)
	return r
}

// extractJSON finds the JSON value in a text answer: a fenced block if any,
// else the first balanced {...} or [...].
func extractJSON(s string) string {
	if i := strings.Index(s, "```"); i >= 0 {
		rest := s[i+3:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[nl+1:]
		}
		if j := strings.Index(rest, "```"); j >= 0 {
			return strings.TrimSpace(rest[:j])
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '{' && s[i] != '[' {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		var raw json.RawMessage
		if dec.Decode(&raw) == nil {
			return string(raw)
		}
	}
	return strings.TrimSpace(s)
}

var schemas sync.Map // sha256 of schema → *jsonschema.Schema

func compileSchema(doc json.RawMessage) (*jsonschema.Schema, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, errors.New("empty JSON schema")
	}
	key := sha256.Sum256(doc)
	if s, ok := schemas.Load(key); ok {
		return s.(*jsonschema.Schema), nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("schema.json", v); err != nil {
		return nil, err
	}
	s, err := comp.Compile("schema.json")
	if err != nil {
		return nil, err
	}
	schemas.Store(key, s)
	return s, nil
}

func validate(s *jsonschema.Schema, text string) error {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		snip := text
		if len(snip) > 120 {
			snip = snip[:120] + "…"
		}
		return fmt.Errorf("not JSON (%v): %q", err, snip)
	}
	return s.Validate(v)
}
