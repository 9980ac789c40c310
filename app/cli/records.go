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

var importCommand = Command{Name: "import",
	Usage: "import --dataset N --file F [--mode append|replace] [--format F] [--map COLUMN=FIELD]…\n" +
		"        [--template T] [--preview] [--json]",
	Summary: "import a file into a dataset and validate it", Run: importCmd,
	Help: `Imports a file into a dataset as step 1 (Extract), validating every record.
The format is detected from the first bytes: JSONL, a JSON array, one
pretty-printed JSON document, CSV or TSV; gzipped or not; UTF-8 (BOM or
not) or UTF-16 with a BOM. A file that is not text is refused and nothing
is stored. Known item formats are adapted: OpenAI chat/SFT/RFT lines, the
gateway shape, vLLora dataset exports (their topics kept: records arrive
categorized), Langfuse trace exports, OTel GenAI spans, LiteLLM logs,
ShareGPT, Alpaca, OpenAI Evals items.

  --format F         force jsonl, json-array, json, csv or tsv
  --map COLUMN=FIELD map a CSV/TSV column (repeatable) to user, system,
                     reference_answer, output, topic, skip, or any other name
                     (a grader field); other columns are mapped by their names
  --template T       the user turn of OpenAI Evals items without messages,
                     e.g. "Solve {{item.question}}"
  --preview          print what would be imported (format, counts, first 5
                     records) and store nothing

An append into a dataset that has topics categorizes the new valid records
in the same run, as step 2's Categorize would (earlier assignments are
kept), and refreshes coverage; if the model provider fails the import still
stands and the records stay uncategorized until the next import or pull.
--mode replace removes the dataset's records in the same transaction that
adds the new ones. With --json: {"dataset","lines","total","valid","invalid",
"by_code","seconds","format","adapter","skipped","topics"}, plus after an
append into a dataset with topics "categorize": {"records","categorized",
"low_confidence","vectors","warnings","error","stopped"}; with --preview
--json, the preview: {"detected","items","total","valid","invalid",
"by_code","skipped","topics","records",…}.`}

// mapFlag collects repeated --map COLUMN=FIELD values.
type mapFlag map[string]string

func (m mapFlag) String() string { return fmt.Sprint(map[string]string(m)) }

func (m mapFlag) Set(v string) error {
	col, field, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(col) == "" || strings.TrimSpace(field) == "" {
		return fmt.Errorf("want COLUMN=FIELD, not %q", v)
	}
	m[col] = strings.TrimSpace(field)
	return nil
}

var healthCommand = Command{Name: "health", Usage: "health --dataset N [--json]",
	Summary: "a dataset's validation counts by code, with advice", Run: healthCmd,
	Help: `The Health Indicator: valid / invalid, counts by code in check order, and
plain-language advice.`}

var recordsCommand = Command{Name: "records",
	Usage: "records --dataset N [--code C] [--topic T] [--limit K] [--search S]\n" +
		"        [--after ID] [--json]\n" +
		"records delete --dataset N [--code C | --invalid] [--topic T] [--search S]\n" +
		"        --yes [--json]",
	Summary: "list records (JSONL with --json), or delete all that match", Run: recordsCmd,
	Help: `Lists records in id order, a page at a time (--after ID for the next page),
filtered by validity code (valid, invalid or a code), topic and full-text
search. records delete removes every record matching the filters in one
transaction (duplicates are rechecked); without --yes it only counts them.
With --json: {"dataset","deleted","matched"}.`}

var exportCommand = Command{Name: "export",
	Usage:   "export --dataset N --out F [--valid-only] [--format original|rft] [--json]",
	Summary: "export records as JSONL", Run: exportCmd,
	Help: `Writes records as JSONL: the shape they came in (original) or the RFT shape
{"messages","tools",…grader fields} (rft).`}

func importCmd(e *Env, args []string) error {
	fs := Flags("import")
	ds := fs.String("dataset", "", "dataset name or id")
	file := fs.String("file", "", "file to import")
	mode := fs.String("mode", "append", "append or replace")
	format := fs.String("format", "", "force a format: jsonl, json-array, json, csv or tsv")
	maps := mapFlag{}
	fs.Var(maps, "map", "COLUMN=FIELD for a CSV/TSV column (repeatable)")
	template := fs.String("template", "", "user turn of OpenAI Evals items without messages")
	preview := fs.Bool("preview", false, "print what would be imported, store nothing")
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
	opt := ingest.Options{Mode: m, Adapt: ingest.AdaptOptions{Template: *template, Map: maps}}
	if *format != "" {
		f, err := ingest.ParseFormat(*format)
		if err != nil {
			return Usage("--format: %v", err)
		}
		opt.Format = f
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	if *preview {
		p, err := ingest.PreviewFile(e.Ctx, *file, opt, d.Settings, 5)
		if err != nil {
			return err
		}
		return e.Print(p, func(w io.Writer) { printPreview(w, *file, p) })
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.ImportWorkWith(e.Store, d.ID, *file, opt))
	if err != nil {
		return err
	}
	res, _ := p.Result.(pipeline.ImportResult)
	out := map[string]any{"dataset": d.ID, "lines": res.Lines, "total": res.Total, "valid": res.Valid,
		"invalid": res.Invalid, "by_code": res.ByCode, "seconds": res.Duration.Seconds(),
		"format": res.Detected.Format, "adapter": res.Detected.Adapter, "skipped": res.Skipped, "topics": res.Topics}
	if res.Categorize != nil {
		out["categorize"] = res.Categorize
	}
	return e.Print(out, func(w io.Writer) {
		fmt.Fprintf(w, "imported %s into %q (%s): %d records from %d items, %d valid, %d invalid (%.2fs)\n",
			filepath.Base(*file), d.Name, describeFormat(res.Detected), res.Total, res.Lines, res.Valid, res.Invalid, res.Duration.Seconds())
		printCodes(w, res.ByCode)
		if res.Skipped > 0 {
			fmt.Fprintf(w, "  %d items hold no LLM call (tool or agent spans): not records\n", res.Skipped)
		}
		if res.Topics > 0 {
			fmt.Fprintf(w, "  %d records arrived categorized by the file's topics\n", res.Topics)
		}
		if s := res.Categorize.Summary(); s != "" {
			fmt.Fprintf(w, "  new records: %s\n", s)
		}
	})
}

func describeFormat(d ingest.Detected) string {
	s := string(d.Format)
	if d.Label != "" {
		s += ", " + d.Label
	}
	if d.Gzip {
		s += ", gzip"
	}
	if d.Encoding != ingest.EncUTF8 && d.Encoding != "" {
		s += ", " + d.Encoding
	}
	return s
}

// printPreview prints a preview: format, counts and the first records as
// conversations.
func printPreview(w io.Writer, file string, p ingest.Preview) {
	fmt.Fprintf(w, "%s: %s\n", filepath.Base(file), describeFormat(p.Detected))
	if len(p.Detected.Columns) > 0 {
		var maps []string
		for _, c := range p.Detected.Columns {
			maps = append(maps, c+"="+p.Detected.Mapping[c])
		}
		fmt.Fprintf(w, "mapping: %s\n", strings.Join(maps, " "))
	}
	fmt.Fprintf(w, "would import %d records from %d items: %d valid, %d invalid (nothing stored)\n", p.Total, p.Items, p.Valid, p.Invalid)
	printCodes(w, p.ByCode)
	if p.Skipped > 0 {
		fmt.Fprintf(w, "  %d items hold no LLM call: not records\n", p.Skipped)
	}
	if len(p.Topics) > 0 {
		fmt.Fprintf(w, "topics: %s\n", strings.Join(p.Topics, ", "))
	}
	for _, r := range p.Records {
		status := "valid"
		if r.Code != record.Valid {
			status = string(r.Code) + ": " + r.Detail
		}
		fmt.Fprintf(w, "\n— line %d (%s)\n", r.Line, status)
		var msgs []record.Message
		_ = json.Unmarshal(r.Messages, &msgs)
		for _, m := range msgs {
			printTurn(w, m)
		}
		if len(r.Output) > 0 {
			fmt.Fprintln(w, "  ── production response (kept as output, not prompt) ──")
			var out struct {
				Messages []record.Message `json:"messages"`
			}
			var one record.Message
			if json.Unmarshal(r.Output, &out) == nil && len(out.Messages) > 0 {
				for _, m := range out.Messages {
					printTurn(w, m)
				}
			} else if json.Unmarshal(r.Output, &one) == nil {
				printTurn(w, one)
			}
		}
	}
}

func printTurn(w io.Writer, m record.Message) {
	text := strings.Join(strings.Fields(m.Text()), " ")
	if r := []rune(text); len(r) > 160 {
		text = string(r[:160]) + "…"
	}
	for _, c := range m.ToolCalls {
		text += fmt.Sprintf(" [calls %s(%s)]", c.Function.Name, c.Function.Arguments)
	}
	fmt.Fprintf(w, "  %-9s %s\n", m.Role+":", text)
}

func printCodes(w io.Writer, by map[string]int) {
	for _, c := range record.CheckOrder {
		if n := by[string(c)]; n > 0 {
			fmt.Fprintf(w, "  %-24s %7d\n", c, n)
		}
	}
}

func healthCmd(e *Env, args []string) error {
	d, err := e.DatasetOnly("health", args)
	if err != nil {
		return err
	}
	rep, err := health.FullReport(e.Ctx, e.Store, d.ID)
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
	if len(args) > 0 && args[0] == "delete" {
		return recordsDelete(e, args[1:])
	}
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

func recordsDelete(e *Env, args []string) error {
	fs := Flags("records delete")
	ds := fs.String("dataset", "", "dataset name or id")
	code := fs.String("code", "", `a code, "valid" or "invalid"`)
	invalid := fs.Bool("invalid", false, "every invalid record (same as --code invalid)")
	topic := fs.String("topic", "", `topic name or id, or "none" for uncategorized`)
	search := fs.String("search", "", "full-text search over prompt text")
	yes := fs.Bool("yes", false, "confirm the deletion")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *invalid {
		if *code != "" && *code != "invalid" {
			return Usage("give --code or --invalid, not both")
		}
		*code = "invalid"
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	f := store.RecordFilter{DatasetID: d.ID, Code: *code, Search: *search}
	if *topic != "" {
		if f.TopicID, err = resolveTopic(e, d.ID, *topic); err != nil {
			return err
		}
	}
	if err := f.Validate(); err != nil {
		return Usage("%v", err)
	}
	if *code == "" && *topic == "" && *search == "" {
		return Usage("records delete needs a filter (--code, --invalid, --topic or --search); delete the dataset to remove everything")
	}
	matched, err := e.Store.CountRecords(e.Ctx, f)
	if err != nil {
		return err
	}
	out := map[string]any{"dataset": d.ID, "matched": matched, "deleted": 0}
	if !*yes {
		return Usage("%d records of %q match; add --yes to delete them", matched, d.Name)
	}
	n, err := ingest.DeleteMatching(e.Ctx, e.Store, f)
	if err != nil {
		return err
	}
	out["deleted"] = n
	return e.Print(out, func(w io.Writer) {
		fmt.Fprintf(w, "deleted %d records of %q\n", n, d.Name)
	})
}
