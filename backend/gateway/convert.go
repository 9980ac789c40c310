package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"tracetune/backend/record"
)

// call is what every adapter extracts from its wire format before it
// becomes a record: OpenAI-shape messages, tools and response message.
type call struct {
	id       string
	time     time.Time
	model    string
	messages []json.RawMessage // OpenAI chat messages, in order
	tools    json.RawMessage   // OpenAI tools array, or nil
	output   json.RawMessage   // the response message, or nil
	isError  bool
	meta     map[string]any // source-specific metadata (trace ids, usage…)
}

// role reads a message's role without decoding the rest.
func role(m json.RawMessage) string {
	var r struct {
		Role string `json:"role"`
	}
	_ = json.Unmarshal(m, &r)
	return r.Role
}

// toTrace turns a call into a trace with its gateway-shape record. Trailing
// assistant turns of the request move to output when the response is
// missing, so the prompt ends with the user (PRODUCT.md §2).
func (c call) toTrace(source string) Trace {
	msgs := c.messages
	out := c.output
	for len(msgs) > 0 && role(msgs[len(msgs)-1]) == "assistant" && len(out) == 0 {
		out = msgs[len(msgs)-1]
		msgs = msgs[:len(msgs)-1]
	}
	msgsJSON, _ := json.Marshal(msgs)
	if msgs == nil {
		msgsJSON = []byte("[]")
	}
	tools := c.tools
	if isEmptyJSON(tools) {
		tools = nil
	}
	meta := map[string]any{}
	for k, v := range c.meta {
		meta[k] = v
	}
	meta["source"] = source
	meta["trace_id"] = c.id
	if c.model != "" {
		meta["model"] = c.model
	}
	if !c.time.IsZero() {
		meta["created_at"] = c.time.UTC().Format(time.RFC3339Nano)
	}
	if c.isError {
		meta["error"] = true
	}
	metaJSON, _ := json.Marshal(meta)

	input := map[string]json.RawMessage{"messages": msgsJSON}
	if tools != nil {
		input["tools"] = tools
	}
	line := map[string]json.RawMessage{"metadata": metaJSON}
	line["input"], _ = json.Marshal(input)
	if len(out) > 0 {
		line["output"] = out
	}
	raw, _ := json.Marshal(line)

	rec := record.Record{
		Raw:      string(raw),
		Shape:    record.ShapeGateway,
		Messages: msgsJSON,
		Tools:    tools,
		Output:   out,
		Metadata: metaJSON,
		Source:   source,
		TraceID:  c.id,
	}
	t := Trace{ID: c.id, Time: c.time.UTC(), Model: c.model, Messages: len(msgs), Error: c.isError, Record: rec}
	if c.time.IsZero() {
		t.Time = time.Time{}
	}
	var text strings.Builder
	for _, m := range msgs {
		var msg record.Message
		if json.Unmarshal(m, &msg) != nil {
			continue
		}
		if msg.Role == "user" && t.FirstUser == "" {
			t.FirstUser = truncate(strings.TrimSpace(msg.Text()), 200)
		}
		if len(msg.ToolCalls) > 0 || msg.Role == "tool" {
			t.HasTools = true
		}
		text.WriteString(msg.Text())
		text.WriteByte('\n')
	}
	if tools != nil {
		t.HasTools = true
	}
	if len(out) > 0 {
		var msg record.Message
		if json.Unmarshal(out, &msg) == nil {
			text.WriteString(msg.Text())
			if len(msg.ToolCalls) > 0 {
				t.HasTools = true
			}
		} else {
			text.Write(out)
		}
	}
	t.text = strings.ToLower(text.String())
	return t
}

func isEmptyJSON(r json.RawMessage) bool {
	s := string(bytes.TrimSpace(r))
	return s == "" || s == "null" || s == "[]" || s == "{}"
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// asMessages reads a JSON value that should be a messages array; a bare
// string becomes one user message (some SDKs log the prompt as text).
func asMessages(v json.RawMessage) []json.RawMessage {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	var arr []json.RawMessage
	if json.Unmarshal(v, &arr) == nil {
		return arr
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		// A JSON-encoded string holding the array (LiteLLM, vllora).
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{") {
			return asMessages(json.RawMessage(t))
		}
		m, _ := json.Marshal(map[string]string{"role": "user", "content": s})
		return []json.RawMessage{m}
	}
	return nil
}

// unquote turns a JSON string that holds JSON into that JSON; other values
// pass unchanged.
func unquote(v json.RawMessage) json.RawMessage {
	v = bytes.TrimSpace(v)
	var s string
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
		t := strings.TrimSpace(s)
		if json.Valid([]byte(t)) && (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) {
			return json.RawMessage(t)
		}
	}
	return v
}

// responseMessage extracts the assistant message from a response value:
// an OpenAI chat completion (choices[0].message), a message object, or text.
func responseMessage(v json.RawMessage) json.RawMessage {
	v = unquote(v)
	if isEmptyJSON(v) {
		return nil
	}
	var obj struct {
		Choices []struct {
			Message json.RawMessage `json:"message"`
		} `json:"choices"`
		Role      string          `json:"role"`
		Content   json.RawMessage `json:"content"`
		ToolCalls json.RawMessage `json:"tool_calls"`
	}
	if json.Unmarshal(v, &obj) == nil {
		if len(obj.Choices) > 0 && len(obj.Choices[0].Message) > 0 {
			return obj.Choices[0].Message
		}
		if obj.Role != "" || len(obj.Content) > 0 || len(obj.ToolCalls) > 0 {
			if obj.Role == "" {
				var m map[string]json.RawMessage
				_ = json.Unmarshal(v, &m)
				m["role"] = json.RawMessage(`"assistant"`)
				b, _ := json.Marshal(m)
				return b
			}
			return v
		}
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		b, _ := json.Marshal(map[string]string{"role": "assistant", "content": s})
		return b
	}
	return v
}

// contentHashID is the trace id of a line that carries none: stable across
// re-reads, so a second pull skips it.
func contentHashID(b []byte) string {
	h := sha256.Sum256(bytes.TrimSpace(b))
	return "sha256:" + hex.EncodeToString(h[:12])
}
