package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

// normalizeRef is the first, encoding/json-only Normalize, kept as the
// reference the faster scanner-based one must agree with.
func normalizeRef(line []byte, lineNo int) record.Record {
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
			if prompt, moved := splitTrailingAssistantRef(rec.Messages); moved != nil {
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

func splitTrailingAssistantRef(msgs json.RawMessage) (prompt, moved json.RawMessage) {
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

// TestNormalizeMatchesReference runs both normalizers over tracegen lines
// and hand-made edge cases and requires identical records.
func TestNormalizeMatchesReference(t *testing.T) {
	lines := []string{
		`{"input":{"messages":[{"role":"user","content":"a \\"quoted\\" word and \\u00e9"}],"tool_choice":{"type":"auto"}},"x":[1,{"y":"}"}],"metadata":{"trace_id":"t1"}}`,
		` { "messages" : [ {"role":"user","content":"hello there friend"} , {"role" : "assistant", "content":"hi"} ] , "metadata": {"traceId": 42} } `,
		`{"messages":[{"role":"assistant","content":"only me"}]}`,
		`{"messages":[{"role":"user","content":"x"},"not an object",{"role":"assistant"}]}`,
		`{"messages":[]}`, `{"messages":null}`, `{"messages":"str"}`, `{"input":[]}`, `{"input":null}`,
		`{"output":{"a":1},"k\\u0065y":true}`, `{}`, `[]`, `"s"`, `12`, `null`, `{"a":1,"a":2}`,
		`{"input":{"messages":[{"role":"user","content":"hi there you"}]},"input":{"tools":[]}}`,
		`{"messages":[{"role":"user","content":"é ✓ 東京"}],"tools":[{"type":"function"}],"reference_answer":{"k":[true,false,null,-1.5e3]}}`,
		"{\"messages\":[{\"role\":\"user\",\"content\":\"tab\\there\"}],\r\n\"z\":0}",
		`{"input":{"messages":[`, `not json`,
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "t.jsonl")
	testutil.Tracegen(t, "-n", "3000", "-seed", "13", "-invalid", "0.2", "-out", data)
	f, err := os.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	f.Close()
	for i, l := range lines {
		got, want := Normalize([]byte(l), i+1), normalizeRef([]byte(l), i+1)
		norm := func(r record.Record) record.Record {
			for _, p := range []*json.RawMessage{&r.Messages, &r.Tools, &r.Output, &r.Fields, &r.Metadata} {
				if len(*p) == 0 {
					*p = nil
				}
			}
			return r
		}
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Fatalf("line %d %s\n got  %+v\n want %+v", i+1, strconv.Quote(l), got, want)
		}
	}
	_ = bytes.TrimSpace
}

func trimmed(v json.RawMessage) json.RawMessage {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil
	}
	return v
}
