package ingest

import (
	"bytes"
	"encoding/json"
	"time"
)

// LangfuseObservation is the part of a Langfuse observation Tracetune reads,
// as the public API and the UI's trace export write it.
type LangfuseObservation struct {
	ID              string          `json:"id"`
	TraceID         string          `json:"traceId"`
	Type            string          `json:"type"`
	Name            string          `json:"name,omitempty"`
	StartTime       time.Time       `json:"startTime"`
	EndTime         *time.Time      `json:"endTime,omitempty"`
	Model           string          `json:"model,omitempty"`
	ModelParameters json.RawMessage `json:"modelParameters,omitempty"`
	Input           json.RawMessage `json:"input,omitempty"`
	Output          json.RawMessage `json:"output,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
	Level           string          `json:"level,omitempty"`
	StatusMessage   string          `json:"statusMessage,omitempty"`
	Usage           json.RawMessage `json:"usage,omitempty"`
}

// LangfuseCall turns a generation into a call. Input is the messages
// array, or an object holding messages and tools (the OpenAI integration
// logs {"messages": …, "tools": …}); the frameworks' own shapes (Responses
// API items, LangChain, Gemini contents, OTel parts) are read too.
func LangfuseCall(o LangfuseObservation) Call {
	c := Call{ID: o.ID, Time: o.StartTime, Model: o.Model, IsError: o.Level == "ERROR"}
	c.Messages, c.Tools = requestMessages(Unquote(o.Input))
	c.Output = responseOf(o.Output)
	c.Meta = map[string]any{"langfuse_trace_id": o.TraceID, "observation_id": o.ID}
	if o.Name != "" {
		c.Meta["name"] = o.Name
	}
	if len(o.ModelParameters) > 0 && !IsEmptyJSON(o.ModelParameters) {
		c.Meta["model_parameters"] = o.ModelParameters
	}
	if o.StatusMessage != "" {
		c.Meta["status_message"] = o.StatusMessage
	}
	return c
}

// requestMessages reads the messages (and tools) of a logged request body.
func requestMessages(in json.RawMessage) ([]json.RawMessage, json.RawMessage) {
	in = bytes.TrimSpace(in)
	if len(in) > 0 && in[0] == '{' {
		var obj struct {
			Messages          json.RawMessage `json:"messages"`
			Tools             json.RawMessage `json:"tools"`
			Contents          json.RawMessage `json:"contents"`
			Prompt            json.RawMessage `json:"prompt"`
			SystemInstruction json.RawMessage `json:"system_instruction"`
			Config            struct {
				SystemInstruction json.RawMessage `json:"system_instruction"`
			} `json:"config"`
		}
		if json.Unmarshal(in, &obj) == nil {
			switch {
			case len(obj.Messages) > 0:
				return chatMessages(AsMessages(Unquote(obj.Messages))), obj.Tools
			case len(obj.Contents) > 0: // Gemini
				var msgs []json.RawMessage
				sys := obj.SystemInstruction
				if len(sys) == 0 {
					sys = obj.Config.SystemInstruction
				}
				if t := partText(sys); t != "" {
					msgs = append(msgs, marshal(map[string]any{"role": "system", "content": t}))
				}
				return append(msgs, chatMessages(AsMessages(obj.Contents))...), obj.Tools
			case len(obj.Prompt) > 0: // Vercel AI SDK
				return chatMessages(AsMessages(obj.Prompt)), obj.Tools
			}
		}
		return chatMessages([]json.RawMessage{in}), nil
	}
	return chatMessages(AsMessages(in)), nil
}

// responseOf reads a logged response: a chat completion, a message, a
// Responses API answer, Gemini's candidate, or a list of output messages.
func responseOf(v json.RawMessage) json.RawMessage {
	v = Unquote(v)
	var obj struct {
		Object  string            `json:"object"`
		Output  []json.RawMessage `json:"output"`
		Content json.RawMessage   `json:"content"`
	}
	t := bytes.TrimSpace(v)
	if len(t) > 0 && t[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(t, &list) == nil && len(list) > 0 {
			msgs := chatMessages(list)
			if len(msgs) == 1 {
				return msgs[0]
			}
			if len(msgs) > 1 {
				return marshal(map[string]any{"messages": msgs})
			}
		}
		return ResponseMessage(v)
	}
	if json.Unmarshal(t, &obj) == nil {
		if obj.Object == "response" && len(obj.Output) > 0 { // Responses API
			if msgs := chatMessages(obj.Output); len(msgs) > 0 {
				return mergeAssistant(msgs)
			}
		}
		if c := bytes.TrimSpace(obj.Content); len(c) > 0 && c[0] == '{' { // Gemini {content:{parts,role}}
			if msgs := chatMessages([]json.RawMessage{c}); len(msgs) == 1 {
				return msgs[0]
			}
		}
	}
	if m := ResponseMessage(v); m != nil {
		if msgs := chatMessages([]json.RawMessage{m}); len(msgs) == 1 {
			return msgs[0]
		}
		return m
	}
	return nil
}

// mergeAssistant folds consecutive assistant messages (a Responses API
// output: a message and function calls) into one.
func mergeAssistant(msgs []json.RawMessage) json.RawMessage {
	if len(msgs) == 1 {
		return msgs[0]
	}
	var texts []string
	var calls []any
	for _, m := range msgs {
		var x struct {
			Content   json.RawMessage `json:"content"`
			ToolCalls []any           `json:"tool_calls"`
		}
		_ = json.Unmarshal(m, &x)
		if t := contentString(x.Content); t != "" {
			texts = append(texts, t)
		}
		calls = append(calls, x.ToolCalls...)
	}
	out := map[string]any{"role": "assistant", "content": nil}
	if len(texts) > 0 {
		out["content"] = joinLines(texts)
	}
	if len(calls) > 0 {
		out["tool_calls"] = calls
	}
	return marshal(out)
}
