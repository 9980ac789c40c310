package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// ExportOptions configure an export.
type ExportOptions struct {
	ValidOnly bool   `json:"valid_only"`
	Format    string `json:"format"` // "original" (default) | "rft"
}

// Export writes a dataset's records as JSONL in id order and returns how
// many it wrote. "original" writes each line as it was imported (or last
// edited); "rft" writes {"messages","tools",…grader fields}, the fields
// the grader's item and every trainer's line carry (record.OfferedFields:
// the record's own and those derived from a file's trajectory). A record that
// has no prompt (a line that was not JSON) is written as its raw text in
// either format, so an export of all records drops nothing.
func Export(ctx context.Context, st *store.Store, datasetID int64, w io.Writer, opt ExportOptions) (int, error) {
	switch opt.Format {
	case "":
		opt.Format = "original"
	case "original", "rft":
	default:
		return 0, fmt.Errorf("export format %q: want original or rft", opt.Format)
	}
	if _, err := st.Dataset(ctx, datasetID); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	f := store.RecordFilter{DatasetID: datasetID, Limit: 1000}
	if opt.ValidOnly {
		f.Code = "valid"
	}
	n := 0
	for {
		page, err := st.Records(ctx, f)
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			line, err := exportLine(&page[i], opt.Format)
			if err != nil {
				return n, fmt.Errorf("export: %w", err)
			}
			bw.Write(line)
			if err := bw.WriteByte('\n'); err != nil {
				return n, fmt.Errorf("export record %d: %w", page[i].ID, err)
			}
			n++
		}
		f.AfterID = page[len(page)-1].ID
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

func exportLine(r *record.Record, format string) ([]byte, error) {
	if len(r.Messages) == 0 || (format == "original" && r.Raw != "") {
		if r.Raw != "" {
			return []byte(r.Raw), nil
		}
	}
	if format == "original" {
		// a record that never had a line (a gateway pull): the gateway shape
		var b bytes.Buffer
		b.WriteString(`{"input":{"messages":`)
		b.Write(orNull(r.Messages))
		if len(r.Tools) > 0 {
			b.WriteString(`,"tools":`)
			b.Write(r.Tools)
		}
		b.WriteByte('}')
		if len(r.Output) > 0 {
			b.WriteString(`,"output":`)
			b.Write(r.Output)
		}
		if len(r.Metadata) > 0 {
			b.WriteString(`,"metadata":`)
			b.Write(r.Metadata)
		}
		b.WriteByte('}')
		return b.Bytes(), nil
	}
	fields, err := rftFields(r)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"messages":`)
	b.Write(orNull(r.Messages))
	if len(r.Tools) > 0 && string(r.Tools) != "null" {
		b.WriteString(`,"tools":`)
		b.Write(r.Tools)
	}
	// grader fields are a JSON object: splice its members in
	if f := bytes.TrimSpace(fields); len(f) > 2 && f[0] == '{' {
		inner := bytes.TrimSpace(f[1 : len(f)-1])
		if len(inner) > 0 {
			b.WriteByte(',')
			b.Write(inner)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// rftFields are the grader fields of a record's RFT line: what the grader
// and the trainers read (record.OfferedFields), less any field named
// messages or tools, which the line's own keys are (the trainers drop
// them too).
func rftFields(r *record.Record) (json.RawMessage, error) {
	f, err := record.OfferedFields(*r)
	if err != nil || len(f.JSON) == 0 {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(f.JSON, &m); err != nil {
		return nil, fmt.Errorf("record %d fields: %w", r.ID, err)
	}
	_, msgs := m["messages"]
	_, tools := m["tools"]
	if !msgs && !tools {
		return f.JSON, nil // as stored, byte for byte
	}
	delete(m, "messages")
	delete(m, "tools")
	return json.Marshal(m)
}

func orNull(v json.RawMessage) []byte {
	if len(v) == 0 {
		return []byte("null")
	}
	return v
}

// ExportFile writes a dataset's records to a file (created or truncated).
func ExportFile(ctx context.Context, st *store.Store, datasetID int64, path string, opt ExportOptions) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	n, err := Export(ctx, st, datasetID, f, opt)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("export %s: %w", path, cerr)
	}
	return n, err
}
