package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"time"

	"tracetune/backend/ingest"
	"tracetune/backend/record"
)

// The jsonl source reads a file, or every such file of a folder (see
// fileExts), the way a file import does: gateway-shape lines
// {"input":{"messages","tools"},"output","metadata"}, chat lines, and every
// format and item kind ingest adapts.
// A line's id comes from metadata (trace_id, span_id, request_id, id) or,
// failing that, from a hash of the line; its time from metadata
// (created_at, timestamp, start_time: RFC 3339 or Unix seconds/ms) or,
// failing that, the file's modification time, so lines appended later are
// newer than the last pull.
func newJSONL(c Config) (Source, error) {
	name := c.Name
	label := string(KindJSONL) + ":" + name
	return &fileSource{name: name, kind: KindJSONL, path: c.URL, exts: fileExts,
		parse: func(path string, data []byte, mtime time.Time) ([]Trace, error) {
			// the detection and adapters of a file import: any file it
			// reads (JSON arrays and documents, CSV, gzip, UTF-16; vLLora,
			// Langfuse, OTel, LiteLLM, ShareGPT… items) becomes traces
			items, _, _, err := ingest.ReadItems(context.Background(), bytes.NewReader(data), ingest.Options{})
			if err != nil {
				return nil, err
			}
			out := make([]Trace, 0, len(items))
			base := filepath.Base(path)
			for _, it := range items {
				out = append(out, jsonlTrace(label, base, it.Pos, it.Line, mtime))
			}
			return out, nil
		}}, nil
}

// fileExts are the files a jsonl source takes from a folder.
var fileExts = []string{".jsonl", ".ndjson", ".json", ".jsonl.gz", ".json.gz", ".ndjson.gz", ".csv", ".tsv"}

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
	c := call{Time: mtime, Meta: map[string]any{"file": file, "line": n}}
	for k, v := range obj.Metadata {
		c.Meta[k] = v
	}
	for _, k := range []string{"trace_id", "span_id", "request_id", "id"} {
		var s string
		if json.Unmarshal(obj.Metadata[k], &s) == nil && s != "" {
			c.ID = s
			break
		}
	}
	if c.ID == "" {
		c.ID = contentHashID(line)
	}
	for _, k := range []string{"created_at", "timestamp", "start_time", "time"} {
		if t, ok := parseTimeValue(obj.Metadata[k]); ok {
			c.Time = t
			break
		}
	}
	var model string
	if json.Unmarshal(obj.Metadata["model"], &model) == nil {
		c.Model = model
	}
	if obj.Input != nil {
		c.Messages = asMessages(obj.Input.Messages)
		c.Tools = obj.Input.Tools
	} else {
		c.Messages = asMessages(obj.Messages)
		c.Tools = obj.Tools
	}
	c.Output = responseMessage(obj.Output)
	var isErr bool
	if json.Unmarshal(obj.Metadata["error"], &isErr) == nil && isErr {
		c.IsError = true
	}
	t := toTrace(c, label)
	t.Record.Line = n
	return t
}
