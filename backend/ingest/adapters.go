package ingest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// Adapted is one record's worth of an item: a gateway- or chat-shape JSON
// object the line parser reads, and what the record keeps besides.
type Adapted struct {
	Line  []byte // gateway or chat shape
	Raw   []byte // the original item, stored as the record's raw value
	Pos   int    // position inside the item (an export's records, a trace's observations), from 1; 0: the item's own
	Topic string // a topic the source gives the record
}

// Adapter reads one item format. Match looks at an item's top-level
// members; Adapt turns a matching item into records (none for an item
// that holds no LLM call, such as a tool span). The native shapes have no
// Adapt: the line parser reads them as they are.
type Adapter struct {
	Name  string
	Label string
	Match func(top map[string]json.RawMessage) bool
	Adapt func(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted
}

// AdaptOptions are the choices a person makes for some formats.
type AdaptOptions struct {
	// Template renders an OpenAI Evals item without messages into the
	// user turn: {{item.name}} (or {{name}}) is the item's field.
	Template string `json:"template,omitempty"`
	// Map maps CSV/TSV columns to fields: user, system, reference_answer,
	// output, topic, skip, or any other name (a grader field).
	Map map[string]string `json:"map,omitempty"`
}

// Adapters are the item formats, tried in this order on an item's
// top-level members; the first that matches reads it.
var Adapters = []Adapter{
	{Name: "gateway", Label: "Gateway shape", Match: isGateway},
	{Name: "litellm-log", Label: "LiteLLM spend log / logging payload", Match: isLiteLLM, Adapt: adaptLiteLLM},
	{Name: "openai-chat", Label: "OpenAI chat / SFT / RFT", Match: has("messages")},
	{Name: "vllora-export", Label: "vLLora dataset export", Match: isVlloraExport, Adapt: adaptVllora},
	{Name: "langfuse-trace", Label: "Langfuse trace export", Match: isLangfuse, Adapt: adaptLangfuse},
	{Name: "otel-otlp", Label: "OpenTelemetry GenAI spans (OTLP/JSON)", Match: has("resourceSpans"), Adapt: adaptOTLP},
	{Name: "otel-spans", Label: "OpenTelemetry GenAI spans", Match: isFlatSpan, Adapt: adaptFlatSpan},
	{Name: "sharegpt", Label: "ShareGPT", Match: has("conversations"), Adapt: adaptShareGPT},
	{Name: "alpaca", Label: "Alpaca", Match: isAlpaca, Adapt: adaptAlpaca},
	{Name: "openai-evals", Label: "OpenAI Evals items", Match: isEvalItem, Adapt: adaptEvalItem},
}

// AdapterCSV is the adapter name of CSV and TSV rows (read by column mapping).
const AdapterCSV = "csv"

// findAdapter returns the first adapter matching an item, or nil.
func findAdapter(top map[string]json.RawMessage) *Adapter {
	for i := range Adapters {
		if Adapters[i].Match(top) {
			return &Adapters[i]
		}
	}
	return nil
}

// topMembers decodes an item's top-level members (nil if it is not a JSON
// object).
func topMembers(item []byte) map[string]json.RawMessage {
	t := bytes.TrimSpace(item)
	if len(t) == 0 || t[0] != '{' {
		return nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(t, &top) == nil {
		return top
	}
	return nil
}

// prefixMembers is topMembers for detection, which may see only the start
// of a long item: the members it finds, the last one possibly cut.
func prefixMembers(item []byte) map[string]json.RawMessage {
	if top := topMembers(item); top != nil {
		return top
	}
	t := bytes.TrimSpace(item)
	if len(t) == 0 || t[0] != '{' {
		return nil
	}
	top := map[string]json.RawMessage{}
	for _, m := range members(nil, t) {
		if len(m.val) > 0 {
			top[string(m.key)] = m.val
		}
	}
	return top
}

// adaptItem reads one item: ok false when no adapter with an Adapt
// matches (the line parser reads it as it is).
func adaptItem(item []byte, o *AdaptOptions) (out []Adapted, ok bool) {
	top := topMembers(item)
	if top == nil {
		return nil, false
	}
	a := findAdapter(top)
	if a == nil || a.Adapt == nil {
		return nil, false
	}
	return a.Adapt(item, top, o), true
}

// isGateway: an object with input, unless it is an Alpaca item (whose
// input is the text that follows the instruction).
func isGateway(top map[string]json.RawMessage) bool {
	_, in := top["input"]
	return in && !isAlpaca(top)
}

func has(keys ...string) func(map[string]json.RawMessage) bool {
	return func(top map[string]json.RawMessage) bool {
		for _, k := range keys {
			if _, ok := top[k]; !ok {
				return false
			}
		}
		return true
	}
}

func firstByte(v json.RawMessage) byte {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

func text(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return ""
}

// chatLine writes a chat-shape line: messages, tools, output and metadata
// where given, then the grader fields.
func chatLine(msgs []json.RawMessage, tools, output, meta json.RawMessage, fields map[string]json.RawMessage) []byte {
	m := map[string]json.RawMessage{}
	for k, v := range fields {
		m[k] = v
	}
	if msgs == nil {
		msgs = []json.RawMessage{}
	}
	m["messages"] = marshal(msgs)
	if !IsEmptyJSON(tools) {
		m["tools"] = tools
	}
	if len(output) > 0 {
		m["output"] = output
	}
	if !IsEmptyJSON(meta) {
		m["metadata"] = meta
	}
	return marshal(m)
}

func msg(role, content string) json.RawMessage {
	return marshal(map[string]string{"role": role, "content": content})
}

// vLLora dataset export: {"data":{"input":{"messages"},"output":{"messages":
// {…}, "finish_reason"}},"topic","evaluation"}, one per line, or the whole
// export {"name","records":[…]}.
func isVlloraExport(top map[string]json.RawMessage) bool {
	if firstByte(top["data"]) == '{' {
		return true
	}
	return firstByte(top["records"]) == '[' && bytes.Contains(top["records"], []byte(`"data"`))
}

func adaptVllora(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted {
	if firstByte(top["data"]) != '{' {
		var recs []json.RawMessage
		_ = json.Unmarshal(top["records"], &recs)
		var out []Adapted
		for i, r := range recs {
			if t := topMembers(r); t != nil && firstByte(t["data"]) == '{' {
				a := vlloraRecord(r, t)
				a.Pos = i + 1
				out = append(out, a)
			} else {
				out = append(out, Adapted{Line: r, Raw: r, Pos: i + 1})
			}
		}
		return out
	}
	return []Adapted{vlloraRecord(item, top)}
}

func vlloraRecord(item []byte, top map[string]json.RawMessage) Adapted {
	var data struct {
		Input  json.RawMessage `json:"input"`
		Output json.RawMessage `json:"output"`
	}
	_ = json.Unmarshal(top["data"], &data)
	line := map[string]json.RawMessage{"input": data.Input}
	meta := map[string]json.RawMessage{}
	if len(data.Output) > 0 {
		var out struct {
			Messages     json.RawMessage `json:"messages"`
			FinishReason json.RawMessage `json:"finish_reason"`
		}
		_ = json.Unmarshal(data.Output, &out)
		switch firstByte(out.Messages) {
		case '{':
			line["output"] = out.Messages
		case '[':
			var ms []json.RawMessage
			_ = json.Unmarshal(out.Messages, &ms)
			if len(ms) == 1 {
				line["output"] = ms[0]
			} else {
				line["output"] = marshal(map[string]any{"messages": ms})
			}
		default:
			line["output"] = data.Output
		}
		if len(out.FinishReason) > 0 {
			meta["finish_reason"] = out.FinishReason
		}
	}
	if ev, ok := top["evaluation"]; ok {
		meta["evaluation"] = ev
	}
	for k, v := range top {
		switch k {
		case "data", "topic", "evaluation":
		default:
			meta[k] = v
		}
	}
	if len(meta) > 0 {
		line["metadata"] = marshal(meta)
	}
	return Adapted{Line: marshal(line), Raw: item, Topic: strings.TrimSpace(text(top["topic"]))}
}

// Langfuse: a trace export {"trace","observations":[…]} (each GENERATION
// observation a record), an ingestion batch {"batch":[{"type":
// "generation-create","body"}]}, or one observation.
func isLangfuse(top map[string]json.RawMessage) bool {
	if firstByte(top["observations"]) == '[' || firstByte(top["batch"]) == '[' {
		return true
	}
	return text(top["type"]) == "GENERATION" && len(top["traceId"]) > 0
}

func adaptLangfuse(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted {
	var out []Adapted
	one := func(obs json.RawMessage, pos int) {
		var lo LangfuseObservation
		t := topMembers(obs)
		if t == nil {
			return
		}
		// decoded leniently: a field of an unexpected type leaves it empty
		_ = json.Unmarshal(t["id"], &lo.ID)
		_ = json.Unmarshal(t["traceId"], &lo.TraceID)
		_ = json.Unmarshal(t["name"], &lo.Name)
		_ = json.Unmarshal(t["model"], &lo.Model)
		_ = json.Unmarshal(t["level"], &lo.Level)
		_ = json.Unmarshal(t["statusMessage"], &lo.StatusMessage)
		lo.StartTime, _ = ParseTime(t["startTime"])
		lo.Input, lo.Output, lo.ModelParameters = t["input"], t["output"], t["modelParameters"]
		out = append(out, Adapted{Line: LangfuseCall(lo).Line(), Raw: obs, Pos: pos})
	}
	switch {
	case firstByte(top["observations"]) == '[':
		var obs []json.RawMessage
		_ = json.Unmarshal(top["observations"], &obs)
		for i, ob := range obs {
			var head struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(ob, &head) == nil && head.Type == "GENERATION" {
				one(ob, i+1)
			}
		}
	case firstByte(top["batch"]) == '[':
		var batch []struct {
			Type string          `json:"type"`
			Body json.RawMessage `json:"body"`
		}
		_ = json.Unmarshal(top["batch"], &batch)
		for i, ev := range batch {
			if ev.Type == "generation-create" {
				one(ev.Body, i+1)
			}
		}
	default:
		one(item, 0)
	}
	return out
}

func adaptOTLP(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted {
	spans, err := OTLPSpans(item)
	if err != nil {
		return nil
	}
	var out []Adapted
	for i, sp := range spans {
		if c, ok := OTelSpanCall(sp); ok {
			out = append(out, Adapted{Line: c.Line(), Raw: marshal(sp), Pos: i + 1})
		}
	}
	return out
}

func isFlatSpan(top map[string]json.RawMessage) bool {
	_, id := top["span_id"]
	return id && firstByte(top["attributes"]) == '{'
}

func adaptFlatSpan(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted {
	var sp FlatSpan
	if json.Unmarshal(item, &sp) != nil {
		return nil
	}
	c, ok := FlatSpanCall(sp)
	if !ok {
		return nil // a tool or agent span: not an LLM call
	}
	return []Adapted{{Line: c.Line(), Raw: item}}
}

func isLiteLLM(top map[string]json.RawMessage) bool {
	_, ct := top["call_type"]
	_, rid := top["request_id"]
	_, id := top["id"]
	_, msgs := top["messages"]
	return ct && (rid || (id && msgs))
}

func adaptLiteLLM(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted {
	c, ok := liteLLMLog(top)
	if !ok {
		return nil
	}
	return []Adapted{{Line: c.Line(), Raw: item}}
}

// ShareGPT: {"conversations":[{"from","value"}], "system", "tools"}; from
// is human/user, gpt/assistant, system, function_call (value: {"name",
// "arguments"}) or observation (a tool result).
func adaptShareGPT(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted {
	var conv []struct {
		From  string `json:"from"`
		Value string `json:"value"`
	}
	if json.Unmarshal(top["conversations"], &conv) != nil {
		return []Adapted{{Line: item, Raw: item}}
	}
	var msgs []json.RawMessage
	if s := text(top["system"]); s != "" {
		msgs = append(msgs, msg("system", s))
	}
	calls := 0
	var lastIDs []string
	for _, t := range conv {
		switch strings.ToLower(t.From) {
		case "function_call":
			var fc struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			}
			_ = json.Unmarshal([]byte(t.Value), &fc)
			calls++
			id := "call_" + strconv.Itoa(calls)
			args := string(fc.Arguments)
			if firstByte(fc.Arguments) == '"' {
				args = text(fc.Arguments)
			} else if args == "" {
				args = "{}"
			}
			// consecutive calls belong to one assistant turn
			if n := len(msgs); n > 0 && len(lastIDs) > 0 && role(msgs[n-1]) == "assistant" {
				var m map[string]any
				_ = json.Unmarshal(msgs[n-1], &m)
				m["tool_calls"] = append(asList(m["tool_calls"]), toolCall(id, fc.Name, args))
				msgs[n-1] = marshal(m)
			} else {
				msgs = append(msgs, marshal(map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{toolCall(id, fc.Name, args)}}))
				lastIDs = nil
			}
			lastIDs = append(lastIDs, id)
		case "observation", "tool", "function":
			id := ""
			if len(lastIDs) > 0 {
				id, lastIDs = lastIDs[0], lastIDs[1:]
			}
			msgs = append(msgs, marshal(map[string]string{"role": "tool", "tool_call_id": id, "content": t.Value}))
		default:
			lastIDs = nil
			msgs = append(msgs, msg(roleName(t.From), t.Value))
		}
	}
	tools := sharegptTools(top["tools"])
	fields := map[string]json.RawMessage{}
	for k, v := range top {
		switch k {
		case "conversations", "system", "tools":
		default:
			fields[k] = v
		}
	}
	return []Adapted{{Line: chatLine(msgs, tools, nil, nil, fields), Raw: item}}
}

// sharegptTools reads tools as a JSON string or array of function
// definitions (or OpenAI tools) into an OpenAI tools array.
func sharegptTools(v json.RawMessage) json.RawMessage {
	v = Unquote(v)
	var defs []map[string]any
	if json.Unmarshal(v, &defs) != nil || len(defs) == 0 {
		return nil
	}
	out := make([]any, 0, len(defs))
	for _, d := range defs {
		if _, ok := d["function"]; ok {
			out = append(out, d)
			continue
		}
		out = append(out, map[string]any{"type": "function", "function": d})
	}
	return marshal(out)
}

// Alpaca: {"instruction","input","output","system","history":[[q,a]…]}:
// instruction and input make the user turn, output is the production
// response and the reference answer.
func isAlpaca(top map[string]json.RawMessage) bool {
	_, in := top["instruction"]
	_, out := top["output"]
	return in && out
}

func adaptAlpaca(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted {
	var msgs []json.RawMessage
	if s := text(top["system"]); s != "" {
		msgs = append(msgs, msg("system", s))
	}
	var hist [][]string
	_ = json.Unmarshal(top["history"], &hist)
	for _, h := range hist {
		if len(h) == 2 {
			msgs = append(msgs, msg("user", h[0]), msg("assistant", h[1]))
		}
	}
	user := text(top["instruction"])
	if in := strings.TrimSpace(text(top["input"])); in != "" {
		user += "\n\n" + in
	}
	msgs = append(msgs, msg("user", user))
	out := text(top["output"])
	fields := map[string]json.RawMessage{"reference_answer": marshal(out)}
	for k, v := range top {
		switch k {
		case "instruction", "input", "output", "system", "history":
		default:
			fields[k] = v
		}
	}
	return []Adapted{{Line: chatLine(msgs, nil, msg("assistant", out), nil, fields), Raw: item}}
}

// OpenAI Evals data source items: {"item":{…}}. An item with messages is
// an RFT line; one without is rendered through the template into a user
// turn. The item's other fields are grader fields (item.* in graders); the
// line's other members (a run's output items) are metadata.
func isEvalItem(top map[string]json.RawMessage) bool { return firstByte(top["item"]) == '{' }

var templateVar = regexp.MustCompile(`\{\{\s*(?:item\.)?([A-Za-z0-9_.\-]+)\s*\}\}`)

func adaptEvalItem(item []byte, top map[string]json.RawMessage, o *AdaptOptions) []Adapted {
	fields := map[string]json.RawMessage{}
	_ = json.Unmarshal(top["item"], &fields)
	var msgs []json.RawMessage
	tools := fields["tools"]
	if m, ok := fields["messages"]; ok {
		msgs = AsMessages(m)
		delete(fields, "messages")
		delete(fields, "tools")
	} else if o != nil && o.Template != "" {
		user := templateVar.ReplaceAllStringFunc(o.Template, func(v string) string {
			name := templateVar.FindStringSubmatch(v)[1]
			f, ok := fields[name]
			if !ok {
				return v
			}
			if s := text(f); s != "" || firstByte(f) == '"' {
				return s
			}
			return string(f)
		})
		msgs = []json.RawMessage{msg("user", user)}
	} else {
		// no messages and no template: kept as it is (missing_messages)
		return []Adapted{{Line: item, Raw: item}}
	}
	meta := map[string]json.RawMessage{}
	for k, v := range top {
		if k != "item" {
			meta[k] = v
		}
	}
	var metaJSON json.RawMessage
	if len(meta) > 0 {
		metaJSON = marshal(meta)
	}
	return []Adapted{{Line: chatLine(msgs, tools, nil, metaJSON, fields), Raw: item}}
}
