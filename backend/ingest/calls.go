package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"tracetune/backend/record"
)

// Call is one logged LLM call as the trace formats (gateway APIs and their
// exported files) describe it, before it becomes a gateway-shape record.
type Call struct {
	ID       string
	Time     time.Time
	Model    string
	Messages []json.RawMessage // OpenAI chat messages, in order
	Tools    json.RawMessage   // OpenAI tools array, or nil
	Output   json.RawMessage   // the response message, or nil
	IsError  bool
	Meta     map[string]any // source-specific metadata (trace ids, usage…)
}

// Record turns the call into a gateway-shape record (Raw is the line it
// would be in a gateway JSONL file). Where the request goes on after its
// last user turn (assistant answers, tool calls and results), those turns
// leave the prompt: output becomes {"messages":[…turns, response]} so the
// prompt ends with the user (PRODUCT.md §2).
func (c Call) Record(source string) record.Record {
	msgs, out := splitAfterUser(c.Messages, c.Output)
	msgsJSON, _ := json.Marshal(msgs)
	if msgs == nil {
		msgsJSON = []byte("[]")
	}
	tools := c.Tools
	if IsEmptyJSON(tools) {
		tools = nil
	}
	meta := map[string]any{}
	for k, v := range c.Meta {
		meta[k] = v
	}
	if source != "" {
		meta["source"] = source
	}
	if c.ID != "" {
		meta["trace_id"] = c.ID
	}
	if c.Model != "" {
		meta["model"] = c.Model
	}
	if !c.Time.IsZero() {
		meta["created_at"] = c.Time.UTC().Format(time.RFC3339Nano)
	}
	if c.IsError {
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
	return record.Record{
		Raw:      string(raw),
		Shape:    record.ShapeGateway,
		Messages: msgsJSON,
		Tools:    tools,
		Output:   out,
		Metadata: metaJSON,
		Source:   source,
		TraceID:  c.ID,
	}
}

// Line is the call as one gateway-shape JSON line.
func (c Call) Line() []byte { return []byte(c.Record("").Raw) }

// splitAfterUser cuts the turns after the last user turn off the prompt.
// Nothing moves when there is no user turn (the checks say so) or when the
// prompt already ends with one.
func splitAfterUser(msgs []json.RawMessage, out json.RawMessage) ([]json.RawMessage, json.RawMessage) {
	k := -1
	for i := len(msgs) - 1; i >= 0; i-- {
		if role(msgs[i]) == "user" {
			k = i
			break
		}
	}
	if k < 0 || k == len(msgs)-1 {
		return msgs, out
	}
	rest := append([]json.RawMessage(nil), msgs[k+1:]...)
	if len(out) > 0 {
		rest = append(rest, out)
	}
	b, _ := json.Marshal(map[string]any{"messages": rest})
	return msgs[:k+1], b
}

// role reads a message's role without decoding the rest.
func role(m json.RawMessage) string {
	var r struct {
		Role string `json:"role"`
	}
	_ = json.Unmarshal(m, &r)
	return r.Role
}

// IsEmptyJSON reports whether r is absent, null, [] or {}.
func IsEmptyJSON(r json.RawMessage) bool {
	s := string(bytes.TrimSpace(r))
	return s == "" || s == "null" || s == "[]" || s == "{}"
}

// AsMessages reads a JSON value that should be a messages array; a bare
// string becomes one user message (some SDKs log the prompt as text), and a
// JSON-encoded string holding the array is decoded.
func AsMessages(v json.RawMessage) []json.RawMessage {
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
			return AsMessages(json.RawMessage(t))
		}
		m, _ := json.Marshal(map[string]string{"role": "user", "content": s})
		return []json.RawMessage{m}
	}
	return nil
}

// Unquote turns a JSON string that holds a JSON object or array into that
// JSON; other values pass unchanged.
func Unquote(v json.RawMessage) json.RawMessage {
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

// ResponseMessage extracts the assistant message from a response value:
// an OpenAI chat completion (choices[0].message), a message object, or text.
func ResponseMessage(v json.RawMessage) json.RawMessage {
	v = Unquote(v)
	if IsEmptyJSON(v) {
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

// ContentHashID is the trace id of an item that carries none: stable
// across re-reads, so a second pull skips it.
func ContentHashID(b []byte) string {
	h := sha256.Sum256(bytes.TrimSpace(b))
	return "sha256:" + hex.EncodeToString(h[:12])
}

// timeLayouts are the text times trace exports write: RFC 3339, and the
// SQL-ish forms of Python loggers (space separator, with or without a zone).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// ParseTime reads a time written as text (see timeLayouts; no zone means
// UTC) or as Unix seconds, milliseconds, microseconds or nanoseconds.
func ParseTime(v json.RawMessage) (time.Time, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return time.Time{}, false
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		s = strings.TrimSpace(s)
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC(), true
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			return unixNumber(f), true
		}
		return time.Time{}, false
	}
	var f float64
	if json.Unmarshal(v, &f) == nil && f > 0 {
		return unixNumber(f), true
	}
	return time.Time{}, false
}

func unixNumber(f float64) time.Time {
	switch {
	case f > 1e17: // nanoseconds
		return time.Unix(0, int64(f)).UTC()
	case f > 1e14: // microseconds
		return time.UnixMicro(int64(f)).UTC()
	case f > 1e11: // milliseconds
		return time.UnixMilli(int64(f)).UTC()
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}
