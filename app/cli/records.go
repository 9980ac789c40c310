package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"tracetune/backend/health"
	"tracetune/backend/ingest"
	"tracetune/backend/pipeline"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

func init() {
	Register(Command{Name: "import", Usage: "import --dataset N --file F [--mode append|replace] [--json]", Summary: "import a JSONL file into a dataset and validate it", Run: importCmd})
	Register(Command{Name: "health", Usage: "health --dataset N [--json]", Summary: "a dataset's validation counts by code, with advice", Run: healthCmd})
	Register(Command{Name: "records", Usage: "records --dataset N [--code C] [--topic T] [--limit K] [--search S] [--after ID] [--json]", Summary: "list records (JSONL with --json)", Run: recordsCmd})
	Register(Command{Name: "export", Usage: "export --dataset N --out F [--valid-only] [--format original|rft] [--json]", Summary: "export records as JSONL", Run: exportCmd})
}

func importCmd(e *Env, args []string) error {
	fs := Flags("import")
	ds := fs.String("dataset", "", "dataset name or id")
	file := fs.String("file", "", "JSONL file")
	mode := fs.String("mode", "append", "append or replace")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return Usage("--file is required")
	}
	m := ingest.Mode(*mode)
	if m != ingest.Append && m != ingest.Replace {
		return Usage("--mode must be append or replace, not %q", *mode)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, d.ID, "import", pipeline.ImportWork(e.Store, d.ID, *file, m))
	if err != nil {
		return err
	}
	res, _ := p.Result.(ingest.Result)
	out := map[string]any{"dataset": d.ID, "lines": res.Lines, "total": res.Total, "valid": res.Valid,
		"invalid": res.Invalid, "by_code": res.ByCode, "seconds": res.Duration.Seconds()}
	return e.Print(out, func(w io.Writer) {
		fmt.Fprintf(w, "imported %s into %q: %d records from %d lines, %d valid, %d invalid (%.2fs)\n",
			filepath.Base(*file), d.Name, res.Total, res.Lines, res.Valid, res.Invalid, res.Duration.Seconds())
		printCodes(w, res.ByCode)
	})
}

func printCodes(w io.Writer, by map[string]int) {
	for _, c := range record.CheckOrder {
		if n := by[string(c)]; n > 0 {
			fmt.Fprintf(w, "  %-24s %7d\n", c, n)
		}
	}
}

func healthCmd(e *Env, args []string) error {
	fs := Flags("health")
	ds := fs.String("dataset", "", "dataset name or id")
	if err := Parse(fs, args); err != nil {
		return err
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	rep, err := health.ReportFor(e.Ctx, e.Store, d.ID)
	if err != nil {
		return err
	}
	return e.Print(rep, func(w io.Writer) {
		fmt.Fprintf(w, "%q: ✓ %d valid  ⚠ %d invalid (%.1f %%) of %d\n", d.Name, rep.Valid, rep.Invalid, rep.InvalidPercent, rep.Total)
		for _, c := range rep.Codes {
			lines := make([]string, 0, len(c.Lines))
			for _, l := range c.Lines[:min(len(c.Lines), 10)] {
				lines = append(lines, strconv.Itoa(l))
			}
			fmt.Fprintf(w, "  %-24s %7d  lines %s\n", c.Code, c.Count, strings.Join(lines, ","))
		}
		for _, a := range rep.Advice {
			fmt.Fprintln(w, "  -", a)
		}
	})
}

// recordRow is the --json line of one record.
type recordRow struct {
	ID         int64   `json:"id"`
	Line       int     `json:"line"`
	Code       string  `json:"code"`
	Detail     string  `json:"detail"`
	Shape      string  `json:"shape"`
	Topic      string  `json:"topic"`
	TopicID    int64   `json:"topic_id"`
	Confidence float64 `json:"confidence"`
	Method     string  `json:"method"`
	Generated  bool    `json:"generated"`
	TraceID    string  `json:"trace_id,omitempty"`
	Prompt     string  `json:"prompt"` // last user message, for people
}

func recordsCmd(e *Env, args []string) error {
	fs := Flags("records")
	ds := fs.String("dataset", "", "dataset name or id")
	code := fs.String("code", "", `a code, "valid" or "invalid"`)
	topic := fs.String("topic", "", `topic name or id, or "none" for uncategorized`)
	limit := fs.Int("limit", 0, "at most this many records (0: all)")
	search := fs.String("search", "", "full-text search over prompt text")
	after := fs.Int64("after", 0, "only records with id greater than this")
	if err := Parse(fs, args); err != nil {
		return err
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	f := store.RecordFilter{DatasetID: d.ID, Code: *code, Search: *search, AfterID: *after}
	if *topic != "" {
		if f.TopicID, err = resolveTopic(e, d.ID, *topic); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(e.Out)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	left := *limit
	for {
		f.Limit = 1000
		if *limit > 0 {
			if left <= 0 {
				return nil
			}
			f.Limit = min(left, 1000)
		}
		page, err := e.Store.Records(e.Ctx, f)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			row := rowOfRecord(r)
			if e.JSON {
				if err := enc.Encode(row); err != nil {
					return err
				}
				continue
			}
			code := row.Code
			if code == "" {
				code = "valid"
			}
			fmt.Fprintf(bw, "%-8d line %-7d %-24s %-20s %s\n", row.ID, row.Line, code, row.Topic, clip(row.Prompt, 80))
		}
		left -= len(page)
		f.AfterID = page[len(page)-1].ID
	}
}

func rowOfRecord(r record.Record) recordRow {
	row := recordRow{ID: r.ID, Line: r.Line, Code: string(r.Code), Detail: r.Detail, Shape: string(r.Shape), Topic: r.Topic,
		TopicID: r.TopicID, Confidence: r.Confidence, Method: r.Method, Generated: r.Generated, TraceID: r.TraceID}
	var msgs []record.Message
	if json.Unmarshal(r.Messages, &msgs) == nil {
		row.Prompt = record.LastUserText(msgs)
	}
	return row
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// resolveTopic turns a topic name or id ("none" = uncategorized) into a
// filter value.
func resolveTopic(e *Env, datasetID int64, t string) (int64, error) {
	if t == "none" || t == "uncategorized" {
		return -1, nil
	}
	topics, err := e.Store.Topics(e.Ctx, datasetID)
	if err != nil {
		return 0, err
	}
	for _, tp := range topics {
		if tp.Name == t || strconv.FormatInt(tp.ID, 10) == t {
			return tp.ID, nil
		}
	}
	return 0, fmt.Errorf("topic %q: %w", t, store.ErrNotFound)
}

func exportCmd(e *Env, args []string) error {
	fs := Flags("export")
	ds := fs.String("dataset", "", "dataset name or id")
	out := fs.String("out", "", "output JSONL file")
	validOnly := fs.Bool("valid-only", false, "only valid records")
	format := fs.String("format", "original", "original or rft")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return Usage("--out is required")
	}
	if *format != "original" && *format != "rft" {
		return Usage("--format must be original or rft, not %q", *format)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	n, err := ingest.ExportFile(e.Ctx, e.Store, d.ID, *out, ingest.ExportOptions{ValidOnly: *validOnly, Format: *format})
	if err != nil {
		return err
	}
	return e.Print(map[string]any{"dataset": d.ID, "records": n, "out": *out, "format": *format, "valid_only": *validOnly}, func(w io.Writer) {
		fmt.Fprintf(w, "exported %d records of %q to %s (%s)\n", n, d.Name, *out, *format)
	})
}
