package ingest

import (
	"encoding/json"
	"strings"
)

// chatMessages turns the message lists trace formats log into OpenAI chat
// messages: OpenAI messages pass unchanged; OTel GenAI parts, Anthropic
// content blocks (tool_use, tool_result), Gemini parts (function_call,
// function_response), LangChain messages ({"type":"human"}), Responses API
// items (function_call, function_call_output, message) and Vercel AI SDK
// tool calls are converted. Consecutive tool calls of one assistant turn
// are merged into it.
func chatMessages(items []json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	var pending []any // tool calls waiting for their assistant message
	flush := func() {
		if len(pending) > 0 {
			out = append(out, marshal(map[string]any{"role": "assistant", "content": nil, "tool_calls": pending}))
			pending = nil
		}
	}
	for _, it := range items {
		var m map[string]any
		if json.Unmarshal(it, &m) != nil || m == nil {
			flush()
			out = append(out, it)
			continue
		}
		typ, _ := m["type"].(string)
		switch {
		case typ == "function_call": // Responses API
			pending = append(pending, toolCall(m["call_id"], m["name"], m["arguments"]))
			continue
		case m["toolCallId"] != nil && m["toolName"] != nil: // Vercel AI SDK
			pending = append(pending, toolCall(m["toolCallId"], m["toolName"], m["input"]))
			continue
		}
		flush()
		switch {
		case typ == "function_call_output":
			out = append(out, marshal(map[string]any{"role": "tool", "tool_call_id": str(m["call_id"]), "content": str(m["output"])}))
		case m["parts"] != nil && m["content"] == nil:
			out = append(out, partMessages(m)...)
		case m["role"] == nil && langchainRoles[typ] != "":
			m["role"] = typ
			out = append(out, blockMessages(m)...)
		case m["role"] != nil:
			out = append(out, blockMessages(m)...)
		default:
			out = append(out, it)
		}
	}
	flush()
	return out
}

var langchainRoles = map[string]string{"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "model": "assistant", "bot": "assistant", "gpt": "assistant"}

func roleName(v any) string {
	r, _ := v.(string)
	if m := langchainRoles[strings.ToLower(r)]; m != "" {
		return m
	}
	return r
}

func toolCall(id, name, args any) map[string]any {
	a, ok := args.(string)
	if !ok {
		a = "{}"
		if args != nil {
			a = str(args)
		}
	}
	return map[string]any{"id": strings.TrimSpace(str(id)), "type": "function", "function": map[string]any{"name": str(name), "arguments": a}}
}

// partMessages reads a message of parts: OTel GenAI ({"type":"text",
// "content"}…) or Gemini ({"text"}, {"function_call"}, {"function_response"}).
func partMessages(m map[string]any) []json.RawMessage {
	parts := asList(m["parts"])
	otel := false
	for _, p := range parts {
		if pm, ok := p.(map[string]any); ok && pm["type"] != nil {
			otel = true
		}
	}
	if otel {
		m["role"] = roleName(m["role"])
		return partsMessages(m)
	}
	var texts []string
	var calls []any
	var results []json.RawMessage
	for _, p := range parts {
		pm, _ := p.(map[string]any)
		switch {
		case pm["text"] != nil:
			texts = append(texts, str(pm["text"]))
		case pm["function_call"] != nil:
			fc, _ := pm["function_call"].(map[string]any)
			id := fc["id"]
			if id == nil {
				id = fc["name"]
			}
			calls = append(calls, toolCall(id, fc["name"], fc["args"]))
		case pm["function_response"] != nil:
			fr, _ := pm["function_response"].(map[string]any)
			id := fr["id"]
			if id == nil {
				id = fr["name"]
			}
			results = append(results, marshal(map[string]any{"role": "tool", "tool_call_id": str(id), "content": str(fr["response"])}))
		}
	}
	if len(results) > 0 && len(texts) == 0 && len(calls) == 0 {
		return results
	}
	msg := map[string]any{"role": roleName(m["role"]), "content": nil}
	if len(texts) > 0 {
		msg["content"] = joinLines(texts)
	}
	if len(calls) > 0 {
		msg["tool_calls"] = calls
	}
	return append([]json.RawMessage{marshal(msg)}, results...)
}

// blockMessages reads a role + content message whose content may be a list
// of blocks (OpenAI parts pass; Anthropic tool_use and tool_result blocks
// become tool calls and tool messages; Responses input_text/output_text
// become text). LangChain's additional_kwargs.tool_calls are lifted.
func blockMessages(m map[string]any) []json.RawMessage {
	role := roleName(m["role"])
	msg := map[string]any{}
	for k, v := range m {
		switch k {
		case "type", "additional_kwargs", "response_metadata", "usage_metadata", "example", "invalid_tool_calls", "status":
		default:
			msg[k] = v
		}
	}
	msg["role"] = role
	if kw, ok := m["additional_kwargs"].(map[string]any); ok && msg["tool_calls"] == nil && kw["tool_calls"] != nil {
		msg["tool_calls"] = kw["tool_calls"]
	}
	blocks, isList := m["content"].([]any)
	if !isList {
		if c, ok := m["content"]; ok && c != nil {
			if _, isStr := c.(string); !isStr {
				msg["content"] = str(c)
			}
		}
		return []json.RawMessage{marshal(msg)}
	}
	var texts []string
	var calls []any
	var results []json.RawMessage
	plain := true
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		switch bm["type"] {
		case "text", "input_text", "output_text":
			texts = append(texts, str(bm["text"]))
			if bm["type"] != "text" {
				plain = false
			}
		case "tool_use":
			calls = append(calls, toolCall(bm["id"], bm["name"], bm["input"]))
			plain = false
		case "tool_result":
			c := bm["content"]
			if l, ok := c.([]any); ok {
				var ts []string
				for _, x := range l {
					if xm, ok := x.(map[string]any); ok && xm["text"] != nil {
						ts = append(ts, str(xm["text"]))
					}
				}
				c = joinLines(ts)
			}
			results = append(results, marshal(map[string]any{"role": "tool", "tool_call_id": str(bm["tool_use_id"]), "content": str(c)}))
			plain = false
		default:
			if bm == nil || bm["type"] == nil {
				plain = false
			}
		}
	}
	if plain {
		return []json.RawMessage{marshal(msg)}
	}
	if len(results) > 0 && len(texts) == 0 && len(calls) == 0 {
		return results
	}
	msg["content"] = nil
	if len(texts) > 0 {
		msg["content"] = joinLines(texts)
	}
	if len(calls) > 0 {
		msg["tool_calls"] = calls
	}
	return append([]json.RawMessage{marshal(msg)}, results...)
}

func joinLines(s []string) string { return strings.Join(s, "\n") }

// contentString is a message content as text (a string, or text parts).
func contentString(c json.RawMessage) string {
	var s string
	if json.Unmarshal(c, &s) == nil {
		return s
	}
	var parts []struct {
		Text string `json:"text"`
	}
	if json.Unmarshal(c, &parts) == nil {
		var ts []string
		for _, p := range parts {
			if p.Text != "" {
				ts = append(ts, p.Text)
			}
		}
		return joinLines(ts)
	}
	return ""
}

// partText is the text of a system instruction: a string, or Gemini's
// {"parts":[{"text"}]}.
func partText(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var c struct {
		Parts []struct {
			Text string `json:"text"`
		} `json:"parts"`
	}
	if json.Unmarshal(v, &c) == nil {
		var ts []string
		for _, p := range c.Parts {
			ts = append(ts, p.Text)
		}
		return joinLines(ts)
	}
	return ""
}
