package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"tracetune/backend/record"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Normalize classifies one line and normalizes it into a record (PRODUCT.md
// §2). It never fails: a line that is not a JSON object, or whose input or
// messages has the wrong JSON type, becomes a record of shape raw whose
// Detail says why; the checks of package health then give the code.
//
//   - {"input":{…}} is the gateway shape: messages and tools from input,
//     input.tool_choice kept as a field, output and metadata as they are;
//   - {"messages":[…]} is the chat shape: trailing assistant turns move from
//     the prompt to output, so an SFT file imports as RFT prompts;
//   - any other object is classified by the checks (missing_input when it
//     has an output, else missing_messages);
//   - in every object, top-level keys other than input, messages, tools,
//     output and metadata are kept as grader fields.
func Normalize(line []byte, lineNo int) record.Record {
	line = bytes.TrimPrefix(line, bom)
	line = bytes.TrimSpace(line)
	rec := record.Record{Line: lineNo, Raw: string(line), Shape: record.ShapeRaw}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(line, &top); err != nil || top == nil {
		rec.Detail = notObject(line, err)
		return rec
	}
	fields := map[string]json.RawMessage{}
	var msgs json.RawMessage
	hasMsgs := false
	if in, ok := top["input"]; ok {
		var input map[string]json.RawMessage
		if !isKind(in, '{') || json.Unmarshal(in, &input) != nil {
			rec.Detail = "input is " + kindName(in) + ", not an object"
			return rec
		}
		rec.Shape = record.ShapeGateway
		msgs, hasMsgs = input["messages"]
		rec.Tools = trimmed(input["tools"])
		if tc, ok := input["tool_choice"]; ok {
			fields["tool_choice"] = tc
		}
	} else if m, ok := top["messages"]; ok {
		rec.Shape = record.ShapeChat
		msgs, hasMsgs = m, true
		rec.Tools = trimmed(top["tools"])
	} else {
		rec.Shape = record.ShapeOther
		rec.Tools = trimmed(top["tools"])
	}
	rec.Output = trimmed(top["output"])
	rec.Metadata = trimmed(top["metadata"])
	for k, v := range top {
		switch k {
		case "input", "output", "metadata", "tools", "messages":
		default:
			fields[k] = v
		}
	}
	if hasMsgs {
		if !isKind(msgs, '[') {
			rec.Shape = record.ShapeRaw
			rec.Detail = "messages is " + kindName(msgs) + ", not an array"
			return rec
		}
		rec.Messages = trimmed(msgs)
		if rec.Shape == record.ShapeChat {
			if prompt, moved := splitTrailingAssistant(rec.Messages); moved != nil {
				if len(rec.Output) > 0 {
					fields["output"] = rec.Output
				}
				rec.Messages = prompt
				rec.Output = moved
			}
		}
	}
	if len(fields) > 0 {
		rec.Fields, _ = json.Marshal(fields)
	}
	rec.TraceID = traceID(rec.Metadata)
	return rec
}

// splitTrailingAssistant cuts the assistant turns at the end of a chat
// conversation off the prompt. It returns the prompt and {"messages":[…]}
// of the cut turns, or moved == nil when there is nothing to move (or when
// every turn is an assistant turn: such a line stays whole and fails the
// no_user_message check rather than looking empty).
func splitTrailingAssistant(msgs json.RawMessage) (prompt, moved json.RawMessage) {
	var elems []json.RawMessage
	if json.Unmarshal(msgs, &elems) != nil || len(elems) == 0 {
		return msgs, nil
	}
	k := len(elems)
	for k > 0 {
		var m struct {
			Role json.RawMessage `json:"role"`
		}
		if !isKind(elems[k-1], '{') || json.Unmarshal(elems[k-1], &m) != nil || string(m.Role) != `"assistant"` {
			break
		}
		k--
	}
	if k == len(elems) || k == 0 {
		return msgs, nil
	}
	return joinArray(elems[:k]), append(append([]byte(`{"messages":`), joinArray(elems[k:])...), '}')
}

func joinArray(elems []json.RawMessage) json.RawMessage {
	n := 2
	for _, e := range elems {
		n += len(e) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, bytes.TrimSpace(e)...)
	}
	return append(b, ']')
}

// traceID reads a trace or span id from a metadata object, if it has one.
func traceID(meta json.RawMessage) string {
	if !isKind(meta, '{') {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(meta, &m) != nil {
		return ""
	}
	for _, k := range []string{"trace_id", "traceId", "span_id", "spanId"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil && s != "" {
			return s
		}
		if _, err := strconv.ParseFloat(string(v), 64); err == nil {
			return string(v)
		}
	}
	return ""
}

func trimmed(v json.RawMessage) json.RawMessage {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil
	}
	return v
}

func isKind(v json.RawMessage, open byte) bool {
	v = bytes.TrimSpace(v)
	return len(v) > 0 && v[0] == open
}

func kindName(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "empty"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// notObject explains why a line is not a JSON object, naming the column of
// a syntax error.
func notObject(line []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not valid JSON at column %d: %s", se.Offset, se.Error())
	}
	if json.Valid(line) {
		return "the line is " + kindName(line) + ", not a JSON object"
	}
	if err != nil {
		return "not valid JSON: " + err.Error()
	}
	return "the line is not a JSON object"
}

// Position converts a byte offset in text into a 1-based line and column.
func Position(text []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(text)); i++ {
		if text[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
