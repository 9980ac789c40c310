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
// edited); "rft" writes {"messages","tools",…grader fields}. A record that
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
			line := exportLine(&page[i], opt.Format)
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

func exportLine(r *record.Record, format string) []byte {
	if len(r.Messages) == 0 || (format == "original" && r.Raw != "") {
		if r.Raw != "" {
			return []byte(r.Raw)
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
		return b.Bytes()
	}
	var b bytes.Buffer
	b.WriteString(`{"messages":`)
	b.Write(orNull(r.Messages))
	if len(r.Tools) > 0 && string(r.Tools) != "null" {
		b.WriteString(`,"tools":`)
		b.Write(r.Tools)
	}
	// grader fields are a JSON object: splice its members in
	if f := bytes.TrimSpace(r.Fields); len(f) > 2 && f[0] == '{' && json.Valid(f) {
		inner := bytes.TrimSpace(f[1 : len(f)-1])
		if len(inner) > 0 {
			b.WriteByte(',')
			b.Write(inner)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
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
