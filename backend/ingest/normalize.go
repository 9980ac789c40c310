package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/valyala/fastjson"

	"tracetune/backend/health"
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
//   - {"messages":[…]} is the chat shape: the turns after the last user
//     turn (answers, tool calls and results) move from the prompt to
//     output, so an SFT or tool-use file imports as RFT prompts;
//   - any other object is classified by the checks (missing_input when it
//     has an output, else missing_messages);
//   - in every object, top-level keys other than input, messages, tools,
//     output and metadata are kept as grader fields.
func Normalize(line []byte, lineNo int) record.Record {
	var n normalizer
	rec, raw, _, _ := n.normalize(line, lineNo, false)
	rec.Raw = string(raw)
	return rec
}

// normalizer is Normalize with state reused from line to line.
type normalizer struct {
	scan      lineScanner
	parser    fastjson.Parser // parses the messages array
	fields    []member
	fieldsBuf []byte
}

// normalize is Normalize but for rec.Raw, which it leaves to the caller:
// raw is the trimmed line, which the record's JSON fields are spans of: the
// line itself when the caller owns it (nothing will change it while the
// record lives), else a private copy. It also hands over the prompt messages it parsed, for checks
// 1–12: parsed says whether rec.Messages is an array whose elements prompt
// holds (valid until the next call).
func (n *normalizer) normalize(line []byte, lineNo int, owned bool) (rec record.Record, raw []byte, prompt []*fastjson.Value, parsed bool) {
	line = bytes.TrimPrefix(line, bom)
	line = bytes.TrimSpace(line)
	rec = record.Record{Line: lineNo, Shape: record.ShapeRaw}
	own := line
	if !owned {
		own = bytes.Clone(line)
	}
	if !n.scan.scan(own) {
		rec.Detail = notObjectDetail(line)
		return rec, own, nil, false
	}
	top := n.scan.top
	fields := n.fields[:0]
	var msgs []byte
	hasMsgs := false
	if in, ok := get(top, "input"); ok {
		if in[0] != '{' {
			rec.Detail = "input is " + kindName(in) + ", not an object"
			return rec, own, nil, false
		}
		rec.Shape = record.ShapeGateway
		msgs, hasMsgs = get(n.scan.in, "messages")
		rec.Tools, _ = get(n.scan.in, "tools")
		if tc, ok := get(n.scan.in, "tool_choice"); ok {
			fields = append(fields, member{[]byte("tool_choice"), tc})
		}
	} else if m, ok := get(top, "messages"); ok {
		rec.Shape = record.ShapeChat
		msgs, hasMsgs = m, true
		rec.Tools, _ = get(top, "tools")
	} else {
		rec.Shape = record.ShapeOther
		rec.Tools, _ = get(top, "tools")
	}
	rec.Output, _ = get(top, "output")
	rec.Metadata, _ = get(top, "metadata")
	for _, m := range top {
		switch string(m.key) {
		case "input", "output", "metadata", "tools", "messages":
		default:
			fields = append(fields, m) // after tool_choice: a top-level one wins
		}
	}
	if hasMsgs {
		if msgs[0] != '[' {
			rec.Shape = record.ShapeRaw
			rec.Detail = "messages is " + kindName(msgs) + ", not an array"
			return rec, own, nil, false
		}
		rec.Messages = msgs
		// Parsed once here, for the split and for the checks. Only an
		// array nested deeper than fastjson goes (300 levels) fails: it
		// is not split, and the checks report it.
		if v, err := n.parser.ParseBytes(msgs); err == nil {
			prompt, parsed = v.GetArray(), true
			if rec.Shape == record.ShapeChat {
				// everything after the last user turn is the answer
				k := len(prompt)
				for k > 0 && !isRole(prompt[k-1], "user") {
					k--
				}
				// no user turn: the line stays whole and fails the
				// no_user_message check rather than looking empty
				if k != len(prompt) && k != 0 {
					elems := elements(msgs)
					if len(rec.Output) > 0 {
						fields = append(fields, member{[]byte("output"), rec.Output})
					}
					rec.Messages = joinArray(elems[:k])
					rec.Output = append(append([]byte(`{"messages":`), joinArray(elems[k:])...), '}')
					prompt = prompt[:k]
				}
			}
		}
	}
	if len(fields) > 0 {
		n.fieldsBuf = appendFields(n.fieldsBuf[:0], fields)
		rec.Fields = bytes.Clone(n.fieldsBuf)
	}
	clear(fields) // spans of this line: not kept alive by the next one
	n.fields = fields[:0]
	rec.TraceID = traceID(rec.Metadata)
	return rec, own, prompt, parsed
}

// isRole says whether a message is an object whose role is written
// exactly as name.
func isRole(m *fastjson.Value, name string) bool {
	o := m.GetObject()
	if o == nil {
		return false
	}
	var role *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) == "role" {
			role = v
		}
	})
	// v.Type() would unescape a string value in place; its JSON text is
	// what counts here.
	var buf [16]byte
	if role == nil || role.GetObject() != nil || len(role.GetArray()) != 0 {
		return false
	}
	j := role.MarshalTo(buf[:0])
	return len(j) == len(name)+2 && j[0] == '"' && string(j[1:len(j)-1]) == name
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
	m := members(nil, meta)
	for _, k := range []string{"trace_id", "traceId", "span_id", "spanId"} {
		v, ok := get(m, k)
		if !ok {
			continue
		}
		if v[0] == '"' {
			if s := health.AppendUnquoted(nil, v[1:len(v)-1]); len(s) > 0 {
				return string(s)
			}
			continue
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

// notObjectDetail is the Detail of a line that is not a valid JSON object.
// This error path alone uses encoding/json, for its error text.
func notObjectDetail(line []byte) string {
	if !json.Valid(line) {
		var v any
		return notObject(line, json.Unmarshal(line, &v))
	}
	return notObject(line, nil)
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
