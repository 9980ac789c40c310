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
	if !json.Valid(line) {
		var v any
		rec.Detail = notObject(line, json.Unmarshal(line, &v))
		return rec
	}
	if line[0] != '{' {
		rec.Detail = notObject(line, nil)
		return rec
	}
	// The record's JSON fields are spans of this private copy of the line.
	own := bytes.Clone(line)
	top := map[string][]byte{}
	eachMember(own, func(k string, v []byte) { top[k] = v })
	fields := map[string]json.RawMessage{}
	var msgs []byte
	hasMsgs := false
	if in, ok := top["input"]; ok {
		if in[0] != '{' {
			rec.Detail = "input is " + kindName(in) + ", not an object"
			return rec
		}
		rec.Shape = record.ShapeGateway
		input := map[string][]byte{}
		eachMember(in, func(k string, v []byte) { input[k] = v })
		msgs, hasMsgs = input["messages"]
		rec.Tools = input["tools"]
		if tc, ok := input["tool_choice"]; ok {
			fields["tool_choice"] = tc
		}
	} else if m, ok := top["messages"]; ok {
		rec.Shape = record.ShapeChat
		msgs, hasMsgs = m, true
		rec.Tools = top["tools"]
	} else {
		rec.Shape = record.ShapeOther
		rec.Tools = top["tools"]
	}
	rec.Output = top["output"]
	rec.Metadata = top["metadata"]
	for k, v := range top {
		switch k {
		case "input", "output", "metadata", "tools", "messages":
		default:
			fields[k] = v
		}
	}
	if hasMsgs {
		if msgs[0] != '[' {
			rec.Shape = record.ShapeRaw
			rec.Detail = "messages is " + kindName(msgs) + ", not an array"
			return rec
		}
		rec.Messages = msgs
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
	elems := elements(msgs)
	k := len(elems)
	for k > 0 && isAssistant(elems[k-1]) {
		k--
	}
	if k == len(elems) || k == 0 {
		return msgs, nil
	}
	return joinArray(elems[:k]), append(append([]byte(`{"messages":`), joinArray(elems[k:])...), '}')
}

// isAssistant says whether a message (valid JSON) is an object whose role
// is exactly "assistant".
func isAssistant(m []byte) bool {
	if m[0] != '{' {
		return false
	}
	var role []byte
	eachMember(m, func(k string, v []byte) {
		if k == "role" {
			role = v
		}
	})
	return string(role) == `"assistant"`
}

func joinArray[T ~[]byte](elems []T) json.RawMessage {
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
	m := map[string][]byte{}
	eachMember(meta, func(k string, v []byte) { m[k] = v })
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
