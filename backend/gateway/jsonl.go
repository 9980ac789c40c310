package gateway

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tracetune/backend/record"
)

// The jsonl source reads a file, or every *.jsonl file of a folder, of
// gateway-shape lines: {"input":{"messages","tools"},"output","metadata"}.
// A line's id comes from metadata (trace_id, span_id, request_id, id) or,
// failing that, from a hash of the line; its time from metadata
// (created_at, timestamp, start_time: RFC 3339 or Unix seconds/ms) or,
// failing that, the file's modification time, so lines appended later are
// newer than the last pull.
func newJSONL(c Config) (Source, error) {
	name := c.Name
	label := string(KindJSONL) + ":" + name
	return &fileSource{name: name, kind: KindJSONL, path: c.URL, exts: []string{".jsonl", ".ndjson"},
		parse: func(path string, data []byte, mtime time.Time) ([]Trace, error) {
			var out []Trace
			base := filepath.Base(path)
			err := splitLines(data, func(n int, line []byte) error {
				out = append(out, jsonlTrace(label, base, n, line, mtime))
				return nil
			})
			return out, err
		}}, nil
}

func jsonlTrace(label, file string, n int, line []byte, mtime time.Time) Trace {
	var obj struct {
		Input *struct {
			Messages json.RawMessage `json:"messages"`
			Tools    json.RawMessage `json:"tools"`
		} `json:"input"`
		Messages json.RawMessage            `json:"messages"` // a chat-shape line is read too
		Tools    json.RawMessage            `json:"tools"`
		Output   json.RawMessage            `json:"output"`
		Metadata map[string]json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(line, &obj); err != nil || (obj.Input == nil && len(obj.Messages) == 0) {
		// Not a usable line: keep it as a raw record so validation stores it
		// with its code and the pull reports it as invalid, never drops it.
		id := contentHashID(line)
		rec := record.Record{Raw: string(line), Shape: record.ShapeRaw, Source: label, TraceID: id, Line: n}
		if err == nil {
			rec.Shape = record.ShapeOther
		}
		return Trace{ID: id, Time: mtime.UTC(), Record: rec, text: strings.ToLower(string(line))}
	}
	c := call{time: mtime, meta: map[string]any{"file": file, "line": n}}
	for k, v := range obj.Metadata {
		c.meta[k] = v
	}
	for _, k := range []string{"trace_id", "span_id", "request_id", "id"} {
		var s string
		if json.Unmarshal(obj.Metadata[k], &s) == nil && s != "" {
			c.id = s
			break
		}
	}
	if c.id == "" {
		c.id = contentHashID(line)
	}
	for _, k := range []string{"created_at", "timestamp", "start_time", "time"} {
		if t, ok := parseTimeValue(obj.Metadata[k]); ok {
			c.time = t
			break
		}
	}
	var model string
	if json.Unmarshal(obj.Metadata["model"], &model) == nil {
		c.model = model
	}
	if obj.Input != nil {
		c.messages = asMessages(obj.Input.Messages)
		c.tools = obj.Input.Tools
	} else {
		c.messages = asMessages(obj.Messages)
		c.tools = obj.Tools
	}
	c.output = responseMessage(obj.Output)
	var isErr bool
	if json.Unmarshal(obj.Metadata["error"], &isErr) == nil && isErr {
		c.isError = true
	}
	t := c.toTrace(label)
	t.Record.Line = n
	return t
}

// parseTimeValue reads an RFC 3339 string or Unix seconds/milliseconds.
func parseTimeValue(v json.RawMessage) (time.Time, bool) {
	if len(v) == 0 {
		return time.Time{}, false
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return unixNumber(f), true
		}
		return time.Time{}, false
	}
	var f float64
	if json.Unmarshal(v, &f) == nil && f > 0 {
		return unixNumber(f), true
	}
	return time.Time{}, false
}

func unixNumber(f float64) time.Time {
	switch {
	case f > 1e17: // nanoseconds
		return time.Unix(0, int64(f)).UTC()
	case f > 1e14: // microseconds
		return time.UnixMicro(int64(f)).UTC()
	case f > 1e11: // milliseconds
		return time.UnixMilli(int64(f)).UTC()
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}
