package ingest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OTel GenAI spans, read from OTLP/JSON ({"resourceSpans":[{"scopeSpans":
// [{"spans":[…]}]}]}, one document or one per line) or from the flattened
// span arrays some tools write ([{"trace_id","span_id","start_time",
// "attributes":{"gen_ai.…":…}}]). A span describes a GenAI call in any of
// the three shapes instrumentations have used:
//
//   - current semantic conventions: gen_ai.input.messages /
//     gen_ai.output.messages (role + parts), gen_ai.system_instructions and
//     gen_ai.tool.definitions attributes (on the span, or on a
//     gen_ai.client.inference.operation.details event);
//   - the earlier event convention: span events gen_ai.system.message,
//     gen_ai.user.message, gen_ai.assistant.message, gen_ai.tool.message and
//     gen_ai.choice, with content / tool_calls / id attributes;
//   - the earlier indexed attributes: gen_ai.prompt.N.role / .content /
//     .tool_call_id / .tool_calls.M.*, gen_ai.completion.N.*, and
//     llm.request.functions.N.* for tools.
//
// The model is gen_ai.request.model (else gen_ai.response.model); a span
// with status ERROR or an error.type attribute is an error. Spans that are
// not GenAI calls (tool executions, agents, plain HTTP) are skipped.
// OTLP/JSON shapes (exported for tests and fixtures).
type (
	OTLPDocument struct {
		ResourceSpans []OTLPResourceSpans `json:"resourceSpans"`
	}
	OTLPResourceSpans struct {
		Resource   *OTLPResource    `json:"resource,omitempty"`
		ScopeSpans []OTLPScopeSpans `json:"scopeSpans"`
	}
	OTLPResource struct {
		Attributes []OTLPKeyValue `json:"attributes"`
	}
	OTLPScopeSpans struct {
		Scope map[string]any `json:"scope,omitempty"`
		Spans []OTLPSpan     `json:"spans"`
	}
	OTLPSpan struct {
		TraceID           string         `json:"traceId"`
		SpanID            string         `json:"spanId"`
		ParentSpanID      string         `json:"parentSpanId,omitempty"`
		Name              string         `json:"name"`
		Kind              json.Number    `json:"kind,omitempty"`
		StartTimeUnixNano flexInt        `json:"startTimeUnixNano"`
		EndTimeUnixNano   flexInt        `json:"endTimeUnixNano"`
		Attributes        []OTLPKeyValue `json:"attributes,omitempty"`
		Events            []OTLPEvent    `json:"events,omitempty"`
		Status            *OTLPStatus    `json:"status,omitempty"`
	}
	OTLPEvent struct {
		TimeUnixNano flexInt        `json:"timeUnixNano"`
		Name         string         `json:"name"`
		Attributes   []OTLPKeyValue `json:"attributes,omitempty"`
	}
	OTLPStatus struct {
		Code    json.RawMessage `json:"code,omitempty"` // 2 or "STATUS_CODE_ERROR" = error
		Message string          `json:"message,omitempty"`
	}
	OTLPKeyValue struct {
		Key   string       `json:"key"`
		Value OTLPAnyValue `json:"value"`
	}
	OTLPAnyValue struct {
		StringValue *string         `json:"stringValue,omitempty"`
		BoolValue   *bool           `json:"boolValue,omitempty"`
		IntValue    *flexInt        `json:"intValue,omitempty"`
		DoubleValue *float64        `json:"doubleValue,omitempty"`
		ArrayValue  *OTLPArrayValue `json:"arrayValue,omitempty"`
		KvlistValue *OTLPKvlist     `json:"kvlistValue,omitempty"`
		BytesValue  *string         `json:"bytesValue,omitempty"`
	}
	OTLPArrayValue struct {
		Values []OTLPAnyValue `json:"values"`
	}
	OTLPKvlist struct {
		Values []OTLPKeyValue `json:"values"`
	}
)

// flexInt reads an int64 written as a JSON number or string (OTLP/JSON
// writes 64-bit integers as strings).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("integer %s: %w", s, err)
	}
	*f = flexInt(n)
	return nil
}

func (f flexInt) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(f), 10) + `"`), nil
}

// value turns an AnyValue into plain Go (string, bool, int64, float64,
// []any, map[string]any).
func (v OTLPAnyValue) value() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.IntValue != nil:
		return int64(*v.IntValue)
	case v.DoubleValue != nil:
		return *v.DoubleValue
	case v.ArrayValue != nil:
		out := make([]any, 0, len(v.ArrayValue.Values))
		for _, x := range v.ArrayValue.Values {
			out = append(out, x.value())
		}
		return out
	case v.KvlistValue != nil:
		return attrMap(v.KvlistValue.Values)
	case v.BytesValue != nil:
		b, _ := base64.StdEncoding.DecodeString(*v.BytesValue)
		return string(b)
	}
	return nil
}

func attrMap(kvs []OTLPKeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.value()
	}
	return m
}

// OTLPSpans parses OTLP/JSON (one document, or one per line as the
// collector's file exporter writes them) into its spans, in file order.
func OTLPSpans(data []byte) ([]OTLPSpan, error) {
	var docs []OTLPDocument
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	var one OTLPDocument
	if err := json.Unmarshal(trimmed, &one); err == nil {
		docs = append(docs, one)
	} else {
		n := 0
		for _, line := range bytes.Split(trimmed, []byte("\n")) {
			n++
			if line = bytes.TrimSpace(line); len(line) == 0 {
				continue
			}
			var d OTLPDocument
			if err := json.Unmarshal(line, &d); err != nil {
				return nil, fmt.Errorf("line %d is not OTLP/JSON: %w", n, err)
			}
			docs = append(docs, d)
		}
	}
	var out []OTLPSpan
	for _, d := range docs {
		for _, rs := range d.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				out = append(out, ss.Spans...)
			}
		}
	}
	return out, nil
}

// OTelSpanCall turns one span into a call, or ok false when the span is not
// a GenAI call with messages.
func OTelSpanCall(sp OTLPSpan) (Call, bool) {
	attrs := attrMap(sp.Attributes)
	c := Call{ID: sp.SpanID, Time: time.Unix(0, int64(sp.StartTimeUnixNano)).UTC()}
	isErr := false
	if sp.Status != nil {
		code := strings.Trim(string(sp.Status.Code), `"`)
		isErr = code == "2" || code == "STATUS_CODE_ERROR"
	}
	if !genAICall(&c, attrs, sp.Events) {
		return Call{}, false
	}
	c.IsError = c.IsError || isErr
	c.Meta["otel_trace_id"], c.Meta["span_id"], c.Meta["span_name"] = sp.TraceID, sp.SpanID, sp.Name
	return c, true
}

// genAICall fills c's model, messages, output, tools and error from a
// span's attributes and events; false when they hold no GenAI messages.
func genAICall(c *Call, attrs map[string]any, events []OTLPEvent) bool {
	if attrs["gen_ai.input.messages"] == nil {
		// Instrumentations may put the current-convention messages on a
		// gen_ai.client.inference.operation.details event instead of the span.
		for _, e := range events {
			if e.Name == "gen_ai.client.inference.operation.details" {
				for k, v := range attrMap(e.Attributes) {
					if _, ok := attrs[k]; !ok {
						attrs[k] = v
					}
				}
			}
		}
	}
	c.Model, _ = attrs["gen_ai.request.model"].(string)
	if c.Model == "" {
		c.Model, _ = attrs["gen_ai.response.model"].(string)
	}
	switch {
	case attrs["gen_ai.input.messages"] != nil:
		c.Messages, c.Output, c.Tools = otelNewConvention(attrs)
	case hasGenAIEvents(events):
		c.Messages, c.Output = otelEvents(events)
		c.Tools = otelIndexedTools(attrs)
	case attrs["gen_ai.prompt.0.role"] != nil || attrs["gen_ai.prompt.0.content"] != nil:
		c.Messages = otelIndexedMessages(attrs, "gen_ai.prompt.")
		if outs := otelIndexedMessages(attrs, "gen_ai.completion."); len(outs) > 0 {
			c.Output = outs[0]
		}
		c.Tools = otelIndexedTools(attrs)
	default:
		return false
	}
	if len(c.Messages) == 0 {
		return false
	}
	if _, ok := attrs["error.type"]; ok {
		c.IsError = true
	}
	c.Meta = map[string]any{}
	if op, ok := attrs["gen_ai.operation.name"].(string); ok {
		c.Meta["operation"] = op
	}
	for _, k := range []string{"gen_ai.system", "gen_ai.provider.name"} {
		if v, ok := attrs[k].(string); ok {
			c.Meta["provider"] = v
		}
	}
	return true
}

// FlatSpan is a span as flattened exports write it (vllora and others):
// plain ids and times, attributes as a JSON object.
type FlatSpan struct {
	TraceID      string          `json:"trace_id"`
	SpanID       string          `json:"span_id"`
	ParentSpanID string          `json:"parent_span_id"`
	Name         string          `json:"name"`
	StartTime    json.RawMessage `json:"start_time"`
	StatusCode   string          `json:"status_code"`
	Attributes   map[string]any  `json:"attributes"`
}

// FlatSpanCall turns a flattened span into a call, or ok false when it is
// not a GenAI call with messages.
func FlatSpanCall(sp FlatSpan) (Call, bool) {
	c := Call{ID: sp.SpanID}
	if sp.Attributes == nil || !genAICall(&c, sp.Attributes, nil) {
		return Call{}, false
	}
	c.Time, _ = ParseTime(sp.StartTime)
	if strings.EqualFold(sp.StatusCode, "error") {
		c.IsError = true
	}
	c.Meta["otel_trace_id"], c.Meta["span_id"] = sp.TraceID, sp.SpanID
	if sp.Name != "" {
		c.Meta["span_name"] = sp.Name
	}
	return c, true
}

// structured reads an attribute that holds JSON either as a string or as
// structured OTLP values.
func structured(v any) any {
	if s, ok := v.(string); ok {
		var out any
		if json.Unmarshal([]byte(s), &out) == nil {
			return out
		}
		return s
	}
	return v
}

func asList(v any) []any {
	l, _ := structured(v).([]any)
	return l
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func marshal(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// partsMessages converts one semantic-convention message (role + parts) to
// OpenAI messages: text parts become content, tool_call parts tool_calls,
// and each tool_call_response part its own tool message.
func partsMessages(m map[string]any) []json.RawMessage {
	role, _ := m["role"].(string)
	var texts []string
	var calls []map[string]any
	var out []json.RawMessage
	for _, p := range asList(m["parts"]) {
		part, _ := p.(map[string]any)
		switch part["type"] {
		case "text", "reasoning":
			if part["type"] == "text" {
				texts = append(texts, str(part["content"]))
			}
		case "tool_call":
			args := part["arguments"]
			argStr, isStr := args.(string)
			if !isStr {
				argStr = str(args)
				if args == nil {
					argStr = "{}"
				}
			}
			calls = append(calls, map[string]any{"id": strings.TrimSpace(str(part["id"])), "type": "function",
				"function": map[string]any{"name": str(part["name"]), "arguments": argStr}})
		case "tool_call_response":
			out = append(out, marshal(map[string]any{"role": "tool", "tool_call_id": strings.TrimSpace(str(part["id"])), "content": str(part["result"])}))
		}
	}
	if len(texts) > 0 || len(calls) > 0 || (len(out) == 0 && role != "tool") {
		msg := map[string]any{"role": role}
		if len(texts) > 0 {
			msg["content"] = strings.Join(texts, "\n")
		} else {
			msg["content"] = nil
		}
		if len(calls) > 0 {
			msg["tool_calls"] = calls
		}
		if n, ok := m["name"].(string); ok && n != "" {
			msg["name"] = n
		}
		out = append([]json.RawMessage{marshal(msg)}, out...)
	}
	return out
}

func otelNewConvention(attrs map[string]any) (msgs []json.RawMessage, output json.RawMessage, tools json.RawMessage) {
	if sys := asList(attrs["gen_ai.system_instructions"]); len(sys) > 0 {
		var texts []string
		for _, p := range sys {
			if part, ok := p.(map[string]any); ok && part["type"] == "text" {
				texts = append(texts, str(part["content"]))
			}
		}
		if len(texts) > 0 {
			msgs = append(msgs, marshal(map[string]any{"role": "system", "content": strings.Join(texts, "\n")}))
		}
	}
	for _, m := range asList(attrs["gen_ai.input.messages"]) {
		if mm, ok := m.(map[string]any); ok {
			msgs = append(msgs, partsMessages(mm)...)
		}
	}
	if outs := asList(attrs["gen_ai.output.messages"]); len(outs) > 0 {
		if mm, ok := outs[0].(map[string]any); ok {
			if conv := partsMessages(mm); len(conv) > 0 {
				output = conv[0]
			}
		}
	}
	if defs := asList(attrs["gen_ai.tool.definitions"]); len(defs) > 0 {
		var ts []any
		for _, d := range defs {
			dm, _ := d.(map[string]any)
			if dm == nil {
				continue
			}
			if _, ok := dm["function"]; ok { // already OpenAI shape
				ts = append(ts, dm)
				continue
			}
			fn := map[string]any{"name": dm["name"]}
			if v, ok := dm["description"]; ok {
				fn["description"] = v
			}
			if v, ok := dm["parameters"]; ok {
				fn["parameters"] = structured(v)
			}
			ts = append(ts, map[string]any{"type": "function", "function": fn})
		}
		tools = marshal(ts)
	}
	return msgs, output, tools
}

var otelEventRoles = map[string]string{
	"gen_ai.system.message":    "system",
	"gen_ai.user.message":      "user",
	"gen_ai.assistant.message": "assistant",
	"gen_ai.tool.message":      "tool",
}

func hasGenAIEvents(evs []OTLPEvent) bool {
	for _, e := range evs {
		if _, ok := otelEventRoles[e.Name]; ok || e.Name == "gen_ai.choice" {
			return true
		}
	}
	return false
}

// eventBody is an event's payload: its attributes, or the JSON body some
// exporters put in gen_ai.event.content.
func eventBody(e OTLPEvent) map[string]any {
	body := attrMap(e.Attributes)
	if s, ok := body["gen_ai.event.content"].(string); ok {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			return m
		}
	}
	return body
}

func eventMessage(role string, body map[string]any) json.RawMessage {
	msg := map[string]any{"role": role}
	if r, ok := body["role"].(string); ok && r != "" {
		msg["role"] = r
	}
	content := structured(body["content"])
	switch c := content.(type) {
	case nil:
		msg["content"] = nil
	case string, []any:
		msg["content"] = c
	default:
		msg["content"] = str(c)
	}
	if calls := asList(body["tool_calls"]); len(calls) > 0 {
		for _, tc := range calls {
			if m, ok := tc.(map[string]any); ok {
				if fn, ok := m["function"].(map[string]any); ok {
					if a, ok := fn["arguments"]; ok {
						if _, isStr := a.(string); !isStr {
							fn["arguments"] = str(a)
						}
					}
				}
				if _, ok := m["type"]; !ok {
					m["type"] = "function"
				}
			}
		}
		msg["tool_calls"] = calls
	}
	if role == "tool" {
		msg["tool_call_id"] = str(body["id"])
	}
	return marshal(msg)
}

func otelEvents(evs []OTLPEvent) (msgs []json.RawMessage, output json.RawMessage) {
	evs = append([]OTLPEvent(nil), evs...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].TimeUnixNano < evs[j].TimeUnixNano })
	for _, e := range evs {
		if role, ok := otelEventRoles[e.Name]; ok {
			msgs = append(msgs, eventMessage(role, eventBody(e)))
			continue
		}
		if e.Name == "gen_ai.choice" && output == nil {
			body := eventBody(e)
			if m, ok := structured(body["message"]).(map[string]any); ok {
				body = m
			}
			output = eventMessage("assistant", body)
		}
	}
	return msgs, output
}

// otelIndexedMessages reads prefix.N.role / .content / .tool_call_id /
// .tool_calls.M.{id,name,arguments} for N = 0, 1, … until a gap.
func otelIndexedMessages(attrs map[string]any, prefix string) []json.RawMessage {
	var out []json.RawMessage
	for i := 0; ; i++ {
		p := prefix + strconv.Itoa(i) + "."
		role, hasRole := attrs[p+"role"].(string)
		content, hasContent := attrs[p+"content"]
		if !hasRole && !hasContent {
			break
		}
		if role == "" {
			role = "user"
			if strings.Contains(prefix, "completion") {
				role = "assistant"
			}
		}
		msg := map[string]any{"role": role, "content": nil}
		if hasContent {
			switch c := structured(content).(type) {
			case string, []any:
				msg["content"] = c
			default:
				msg["content"] = str(content)
			}
		}
		if id, ok := attrs[p+"tool_call_id"].(string); ok {
			msg["tool_call_id"] = id
		}
		var calls []any
		for j := 0; ; j++ {
			q := p + "tool_calls." + strconv.Itoa(j) + "."
			name, ok := attrs[q+"name"].(string)
			if !ok {
				break
			}
			args, _ := attrs[q+"arguments"].(string)
			calls = append(calls, map[string]any{"id": str(attrs[q+"id"]), "type": "function",
				"function": map[string]any{"name": name, "arguments": args}})
		}
		if len(calls) > 0 {
			msg["tool_calls"] = calls
		}
		out = append(out, marshal(msg))
	}
	return out
}

func otelIndexedTools(attrs map[string]any) json.RawMessage {
	var ts []any
	for i := 0; ; i++ {
		p := "llm.request.functions." + strconv.Itoa(i) + "."
		name, ok := attrs[p+"name"].(string)
		if !ok {
			break
		}
		fn := map[string]any{"name": name}
		if d, ok := attrs[p+"description"].(string); ok {
			fn["description"] = d
		}
		if params, ok := attrs[p+"parameters"]; ok {
			fn["parameters"] = structured(params)
		}
		ts = append(ts, map[string]any{"type": "function", "function": fn})
	}
	if len(ts) == 0 {
		return nil
	}
	return marshal(ts)
}
