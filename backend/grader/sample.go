package grader

import (
	"bytes"
	"encoding/json"
	"fmt"

	"tracetune/backend/record"
)

// ItemFromRecord builds the RFT line of a record: its prompt messages, the
// tools offered and its grader fields (rec.Fields).
func ItemFromRecord(rec record.Record) (Item, error) {
	var it Item
	if len(rec.Messages) > 0 {
		if err := json.Unmarshal(rec.Messages, &it.Messages); err != nil {
			return it, fmt.Errorf("record %d messages: %w", rec.ID, err)
		}
	}
	if t := bytes.TrimSpace(rec.Tools); len(t) > 0 && string(t) != "null" {
		it.Tools = rec.Tools
	}
	if f := bytes.TrimSpace(rec.Fields); len(f) > 0 && string(f) != "null" {
		dec := json.NewDecoder(bytes.NewReader(f))
		dec.UseNumber() // 3 stays an int and 3.0 a float, as in Python
		if err := dec.Decode(&it.Fields); err != nil {
			return it, fmt.Errorf("record %d fields: %w", rec.ID, err)
		}
	}
	return it, nil
}

// SampleFromMessage turns an assistant message into the sample graders see:
// its text, its tool calls, and the text parsed as JSON when it is JSON.
func SampleFromMessage(m record.Message) Sample {
	return newSample(m.Text(), m.ToolCalls)
}

func newSample(text string, calls []record.ToolCall) Sample {
	s := Sample{OutputText: text, OutputTools: calls}
	if s.OutputTools == nil {
		s.OutputTools = []record.ToolCall{}
	}
	s.OutputJSON = parseOutputJSON(text)
	return s
}

// parseOutputJSON is output_json: the text's JSON value, or nil.
func parseOutputJSON(text string) any {
	if len(bytes.TrimSpace([]byte(text))) == 0 {
		return nil
	}
	v, err := decodeJSON([]byte(text))
	if err != nil {
		return nil
	}
	return v
}

// ProductionSample is the response a record's trace already has
// (rec.Output), in whichever shape the import kept it: an assistant
// message, {"messages": [...]} (the assistant turns of a chat line), a
// single {"messages": {...}} message, a chat completion ({"choices": …}),
// {"message": …}, a list of messages, or plain text. ok is false when the
// record has none.
func ProductionSample(rec record.Record) (Sample, bool) {
	raw := bytes.TrimSpace(rec.Output)
	if len(raw) == 0 || string(raw) == "null" {
		return Sample{}, false
	}
	m, ok := responseMessage(raw, 0)
	if !ok {
		return Sample{}, false
	}
	s := SampleFromMessage(m)
	if s.OutputText == "" && len(s.OutputTools) == 0 {
		return Sample{}, false
	}
	return s, true
}

func responseMessage(raw json.RawMessage, depth int) (record.Message, bool) {
	if depth > 4 {
		return record.Message{}, false
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return record.Message{}, false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return record.Message{}, false
		}
		c, _ := json.Marshal(s)
		return record.Message{Role: "assistant", Content: c}, true
	case '[':
		var msgs []json.RawMessage
		if json.Unmarshal(raw, &msgs) != nil {
			return record.Message{}, false
		}
		// the first assistant turn is the model's one response
		for _, m := range msgs {
			var r struct {
				Role string `json:"role"`
			}
			if json.Unmarshal(m, &r) == nil && (r.Role == "assistant" || r.Role == "") {
				if msg, ok := responseMessage(m, depth+1); ok && (msg.Text() != "" || len(msg.ToolCalls) > 0) {
					return msg, true
				}
			}
		}
		return record.Message{}, false
	case '{':
		var env struct {
			Choices []struct {
				Message json.RawMessage `json:"message"`
			} `json:"choices"`
			Messages json.RawMessage `json:"messages"`
			Message  json.RawMessage `json:"message"`
			Output   json.RawMessage `json:"output"`
		}
		if json.Unmarshal(raw, &env) != nil {
			return record.Message{}, false
		}
		switch {
		case len(env.Choices) > 0:
			return responseMessage(env.Choices[0].Message, depth+1)
		case len(env.Messages) > 0:
			return responseMessage(env.Messages, depth+1)
		case len(env.Message) > 0:
			return responseMessage(env.Message, depth+1)
		}
		var m record.Message
		if json.Unmarshal(raw, &m) != nil {
			// content of an unexpected type, arguments as an object…
			var loose struct {
				Content   json.RawMessage `json:"content"`
				ToolCalls []struct {
					ID       string `json:"id"`
					Type     string `json:"type"`
					Function struct {
						Name      string          `json:"name"`
						Arguments json.RawMessage `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			}
			if json.Unmarshal(raw, &loose) != nil {
				return record.Message{}, false
			}
			m = record.Message{Role: "assistant", Content: loose.Content}
			for _, c := range loose.ToolCalls {
				args := string(c.Function.Arguments)
				var s string
				if json.Unmarshal(c.Function.Arguments, &s) == nil {
					args = s
				}
				m.ToolCalls = append(m.ToolCalls, record.ToolCall{ID: c.ID, Type: c.Type, Function: record.FunctionCall{Name: c.Function.Name, Arguments: args}})
			}
		}
		if len(m.Content) == 0 && len(m.ToolCalls) == 0 {
			if len(env.Output) > 0 {
				return responseMessage(env.Output, depth+1)
			}
			var t struct {
				Text string `json:"text"`
			}
			if json.Unmarshal(raw, &t) == nil && t.Text != "" {
				c, _ := json.Marshal(t.Text)
				return record.Message{Role: "assistant", Content: c}, true
			}
			return record.Message{}, false
		}
		if m.Role == "" {
			m.Role = "assistant"
		}
		return m, true
	}
	return record.Message{}, false
}
