package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Fields taken from a record's trajectory when it does not carry them.
const (
	FieldReferenceToolCalls = "reference_tool_calls"
	FieldReferenceAnswer    = "reference_answer"
)

// FromTrajectory is where a derived field came from, as a person reads it.
const FromTrajectory = "the file's trajectory"

// GraderFields are the grader fields a record offers: item.* in graders,
// the grader keys of every trainer's line and of the RFT export. JSON is
// one JSON object (nil when the record offers none); Derived names the
// fields the record did not carry itself, in name order.
type GraderFields struct {
	JSON    json.RawMessage `json:"fields,omitempty"`
	Derived []DerivedField  `json:"derived,omitempty"`
}

// DerivedField is a field a record offers without carrying it.
type DerivedField struct {
	Name string `json:"name"`
	From string `json:"from"`
}

// Label is the field as a fields list shows it:
// "reference_tool_calls (from the file's trajectory)".
func (d DerivedField) Label() string { return d.Name + " (from " + d.From + ")" }

// Labels are the derived fields as a fields list shows them.
func (f GraderFields) Labels() []string {
	out := make([]string, 0, len(f.Derived))
	for _, d := range f.Derived {
		out = append(out, d.Label())
	}
	return out
}

// DerivedSummary turns derived-field labels (DerivedField.Label) into one
// line per origin, "Fields from the file's trajectory: reference_answer,
// reference_tool_calls", in the order the origins first appear. A label
// not in that form is listed under "Derived fields".
func DerivedSummary(labels []string) []string {
	var origins []string
	names := map[string][]string{}
	for _, l := range labels {
		name, from := l, ""
		if i := strings.LastIndex(l, " (from "); i > 0 && strings.HasSuffix(l, ")") {
			name, from = l[:i], l[i+len(" (from "):len(l)-1]
		}
		if _, ok := names[from]; !ok {
			origins = append(origins, from)
		}
		names[from] = append(names[from], name)
	}
	out := make([]string, 0, len(origins))
	for _, from := range origins {
		head := "Derived fields"
		if from != "" {
			head = "Fields from " + from
		}
		out = append(out, head+": "+strings.Join(names[from], ", "))
	}
	return out
}

// OfferedFields returns the grader fields a record offers. It is the one
// place the grader's item (Test Sample, dry run), every trainer's line
// (OpenAI/Azure, Fireworks, TRL) and the RFT export read them from, so the
// score a dry run measures is the score training gives and an exported
// file grades the same.
//
// A record offers its explicit fields (rec.Fields) and, where a file gave
// the reference but not as fields, two derived ones; an explicit field is
// never overridden:
//   - reference_tool_calls, when the record offers tools or its trajectory
//     calls one: the tool calls of the response turn (the first assistant
//     turn after the prompt, the one a grader scores and a rollout
//     replaces; later calls depend on tool results the model does not
//     see), an empty list when that turn answers in words. A record with
//     no tools in sight (an Alpaca or maths item) gets none: an empty list
//     there would say nothing;
//   - reference_answer: the text of the trajectory's last assistant turn
//     that has text.
func OfferedFields(rec Record) (GraderFields, error) {
	var f GraderFields
	explicit := map[string]json.RawMessage{}
	if raw := bytes.TrimSpace(rec.Fields); len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &explicit); err != nil {
			return f, fmt.Errorf("record %d fields: %w", rec.ID, err)
		}
		f.JSON = raw
	}
	if !hasReferenceTrajectory(rec) {
		return f, nil
	}
	turns := trajectory(rec.Output)
	derived := map[string]json.RawMessage{}
	if _, has := explicit[FieldReferenceToolCalls]; !has && (offersTools(rec.Tools) || callsTool(turns)) {
		if m, ok := OutputMessage(rec.Output); ok {
			calls := m.ToolCalls
			if calls == nil {
				calls = []ToolCall{} // it answered in words
			}
			derived[FieldReferenceToolCalls], _ = json.Marshal(calls)
		}
	}
	if _, has := explicit[FieldReferenceAnswer]; !has {
		if text := finalAnswer(turns); text != "" {
			derived[FieldReferenceAnswer], _ = json.Marshal(text)
		}
	}
	if len(derived) == 0 {
		return f, nil
	}
	for k, v := range derived {
		explicit[k] = v
		f.Derived = append(f.Derived, DerivedField{Name: k, From: FromTrajectory})
	}
	sort.Slice(f.Derived, func(i, j int) bool { return f.Derived[i].Name < f.Derived[j].Name })
	b, err := json.Marshal(explicit)
	if err != nil {
		return GraderFields{}, fmt.Errorf("record %d fields: %w", rec.ID, err)
	}
	f.JSON = b
	return f, nil
}

// hasReferenceTrajectory says whether a record's output is a reference the
// user supplied rather than what a production model said. The shape tells,
// not the source: every logged call (a gateway pull, and equally a
// Langfuse, OTel, LiteLLM or vllora export imported from a file, whose
// source is "file:…") becomes a gateway-shape record whose output is the
// model's answer, not a reference; a chat-shape line (an OpenAI chat/SFT
// file, ShareGPT, Alpaca, Evals items) is a conversation the user wrote or
// collected, and its turns after the last user turn are their reference
// trajectory. Generated records carry no trajectory of their own.
func hasReferenceTrajectory(rec Record) bool {
	if rec.Shape != ShapeChat || rec.Generated {
		return false
	}
	out := bytes.TrimSpace(rec.Output)
	return len(out) > 0 && string(out) != "null"
}

// offersTools says whether a record's tools list has at least one tool.
func offersTools(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return false
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return len(list) > 0
	}
	return true // not a list, but something offered
}

// callsTool says whether any turn of a trajectory calls a tool.
func callsTool(turns []Message) bool {
	for _, m := range turns {
		if len(m.ToolCalls) > 0 {
			return true
		}
	}
	return false
}

// finalAnswer is the text of the last assistant turn of a trajectory that
// has text ("" when none has).
func finalAnswer(turns []Message) string {
	text := ""
	for _, m := range turns {
		if (m.Role == "assistant" || m.Role == "") && m.Text() != "" {
			text = m.Text()
		}
	}
	return text
}

// trajectory lists the messages of an output: {"messages":[…]} (the turns
// the import moved out of the prompt), a list of messages, or one response.
func trajectory(raw json.RawMessage) []Message {
	raw = bytes.TrimSpace(raw)
	var list []json.RawMessage
	switch {
	case len(raw) > 0 && raw[0] == '[':
		_ = json.Unmarshal(raw, &list)
	case len(raw) > 0 && raw[0] == '{':
		var env struct {
			Messages json.RawMessage `json:"messages"`
		}
		if json.Unmarshal(raw, &env) == nil {
			if m := bytes.TrimSpace(env.Messages); len(m) > 0 && m[0] == '[' {
				_ = json.Unmarshal(m, &list)
			}
		}
	}
	if list == nil {
		if m, ok := responseMessage(raw, 0); ok {
			return []Message{m}
		}
		return nil
	}
	out := make([]Message, 0, len(list))
	for _, e := range list {
		if m, ok := responseMessage(e, 1); ok {
			out = append(out, m)
		}
	}
	return out
}

// OutputMessage is the response a record's output holds (rec.Output), in
// whichever shape the import kept it: an assistant message, {"messages":
// [...]} (the assistant turns of a chat line: the first one with text or
// calls), a single {"messages": {...}} message, a chat completion
// ({"choices": …}), {"message": …}, {"output": …}, a list of messages, or
// plain text. ok is false when there is none or it has neither text nor
// tool calls.
func OutputMessage(raw json.RawMessage) (Message, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Message{}, false
	}
	m, ok := responseMessage(raw, 0)
	if !ok || (m.Text() == "" && len(m.ToolCalls) == 0) {
		return Message{}, false
	}
	return m, true
}

func responseMessage(raw json.RawMessage, depth int) (Message, bool) {
	if depth > 4 {
		return Message{}, false
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return Message{}, false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return Message{}, false
		}
		c, _ := json.Marshal(s)
		return Message{Role: "assistant", Content: c}, true
	case '[':
		var msgs []json.RawMessage
		if json.Unmarshal(raw, &msgs) != nil {
			return Message{}, false
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
		return Message{}, false
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
			return Message{}, false
		}
		switch {
		case len(env.Choices) > 0:
			return responseMessage(env.Choices[0].Message, depth+1)
		case len(env.Messages) > 0:
			return responseMessage(env.Messages, depth+1)
		case len(env.Message) > 0:
			return responseMessage(env.Message, depth+1)
		}
		var m Message
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
				return Message{}, false
			}
			m = Message{Role: "assistant", Content: loose.Content}
			for _, c := range loose.ToolCalls {
				args := string(c.Function.Arguments)
				var s string
				if json.Unmarshal(c.Function.Arguments, &s) == nil {
					args = s
				}
				m.ToolCalls = append(m.ToolCalls, ToolCall{ID: c.ID, Type: c.Type, Function: FunctionCall{Name: c.Function.Name, Arguments: args}})
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
				return Message{Role: "assistant", Content: c}, true
			}
			return Message{}, false
		}
		if m.Role == "" {
			m.Role = "assistant"
		}
		return m, true
	}
	return Message{}, false
}
