package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"tracetune/backend/record"
)

// RecordFilter selects records for the records browser. Zero values mean
// "any".
type RecordFilter struct {
	DatasetID int64
	Code      string // "" any; "valid" valid only; "invalid" any invalid; else the exact code
	TopicID   int64  // 0 any; -1 uncategorized
	Generated *bool
	// Confidence range, inclusive.
	MinConfidence, MaxConfidence *float64
	Search                       string // full-text search over prompt text
	AfterID                      int64  // keyset: id > AfterID
	Limit                        int
}

// DefaultPageSize is the page size when a filter gives none.
const DefaultPageSize = 50

// MaxPageSize bounds one page.
const MaxPageSize = 5000

const recordCols = `r.id, r.dataset_id, r.line, r.raw, r.shape, r.messages, r.tools, r.output, r.fields, r.metadata,
	r.source, r.trace_id, r.hash, r.code, r.detail, COALESCE(r.topic_id, 0), COALESCE(t.name, ''), r.confidence, r.method,
	r.generated, COALESCE(r.source_record_id, 0), r.strategy, r.created_at, r.updated_at`

func scanRecord(row interface{ Scan(...any) error }) (record.Record, error) {
	var r record.Record
	var shape, code string
	var msgs, tools, out, fields, meta sql.NullString
	var c, u int64
	err := row.Scan(&r.ID, &r.DatasetID, &r.Line, &r.Raw, &shape, &msgs, &tools, &out, &fields, &meta,
		&r.Source, &r.TraceID, &r.Hash, &code, &r.Detail, &r.TopicID, &r.Topic, &r.Confidence, &r.Method,
		&r.Generated, &r.SourceRecordID, &r.Strategy, &c, &u)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return r, ErrNotFound
		}
		return r, err
	}
	r.Shape, r.Code = record.Shape(shape), record.Code(code)
	for _, c := range []*sql.NullString{&msgs, &tools, &out, &fields, &meta} {
		if c.String, err = unpack(c.String); err != nil {
			return r, fmt.Errorf("record %d: %w", r.ID, err)
		}
	}
	r.Messages, r.Tools, r.Output, r.Fields, r.Metadata = rawJSON(msgs), rawJSON(tools), rawJSON(out), rawJSON(fields), rawJSON(meta)
	raw, err := unpack(r.Raw)
	if err != nil {
		return r, fmt.Errorf("record %d: %w", r.ID, err)
	}
	r.Raw = expandRaw(&r, raw)
	r.CreatedAt, r.UpdatedAt = fromMillis(c), fromMillis(u)
	return r, nil
}

func rawJSON(s sql.NullString) json.RawMessage {
	if !s.Valid || s.String == "" {
		return nil
	}
	return json.RawMessage(s.String)
}

// where builds the WHERE clause of f for table alias r. Filters whose index
// would return rows out of id order (a range of codes or of confidence) are
// written with a unary + when the range is large, so SQLite walks the
// (dataset_id, id) index and stops after one page instead of sorting a large
// range; for a small range the index and a small sort are faster.
func (s *Store) where(ctx context.Context, f RecordFilter, forCount bool) (string, []any, error) {
	conds := []string{"r.dataset_id = ?"}
	args := []any{f.DatasetID}
	switch f.Code {
	case "":
	case "valid":
		conds = append(conds, "r.code = ''")
	case "invalid":
		big := !forCount
		if big {
			// a range on code: a covering index on (dataset, code, …)
			// would otherwise be walked through every valid record first
			n, err := s.cappedCount(ctx, `SELECT 1 FROM records WHERE dataset_id = ? AND code > '' AND code <> ''`, f.DatasetID)
			if err != nil {
				return "", nil, err
			}
			big = n >= rangeCap
		}
		if big {
			conds = append(conds, "+r.code <> ''")
		} else {
			conds = append(conds, "r.code > '' AND r.code <> ''") // a range, on the partial index records_code
		}
	default:
		conds = append(conds, "r.code = ? AND r.code <> ''")
		args = append(args, f.Code)
	}
	switch {
	case f.TopicID == -1:
		conds = append(conds, "r.topic_id IS NULL")
	case f.TopicID > 0:
		conds = append(conds, "r.topic_id = ?")
		args = append(args, f.TopicID)
	}
	if f.Generated != nil {
		// literal values: the partial index records_generated serves "= 1"
		if *f.Generated {
			conds = append(conds, "r.generated = 1")
		} else {
			conds = append(conds, "r.generated = 0")
		}
	}
	if f.MinConfidence != nil || f.MaxConfidence != nil {
		lo, hi := -1e308, 1e308
		if f.MinConfidence != nil {
			lo = *f.MinConfidence
		}
		if f.MaxConfidence != nil {
			hi = *f.MaxConfidence
		}
		big := !forCount
		if big {
			nonZero := ""
			if lo > 0 || hi < 0 {
				nonZero = " AND confidence <> 0"
			}
			n, err := s.cappedCount(ctx, `SELECT 1 FROM records WHERE dataset_id = ? AND confidence BETWEEN ? AND ?`+nonZero, f.DatasetID, lo, hi)
			if err != nil {
				return "", nil, err
			}
			big = n >= rangeCap
		}
		col := "r.confidence"
		if big {
			col = "+r.confidence"
		}
		conds = append(conds, col+" BETWEEN ? AND ?")
		args = append(args, lo, hi)
		if lo > 0 || hi < 0 {
			// says what the range implies, so that SQLite may use the
			// partial index records_confidence (confidence <> 0)
			conds = append(conds, col+" <> 0")
		}
	}
	return strings.Join(conds, " AND "), args, nil
}

// rangeCap is the match count above which a range filter walks the id index.
const rangeCap = 2000

func (s *Store) cappedCount(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+q+` LIMIT `+fmt.Sprint(rangeCap)+`)`, args...).Scan(&n)
	return n, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FTSQuery turns what a person typed into an FTS5 query: every word must
// appear (as a prefix for the last one, so results follow typing). Quotes
// make each word a literal string, so FTS5 syntax characters are harmless.
func FTSQuery(text string) string {
	words := searchWords(text)
	if len(words) == 0 {
		return ""
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + w + `"`)
		if i == len(words)-1 {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// Records returns a page of records ordered by id, topic names filled.
func (s *Store) Records(ctx context.Context, f RecordFilter) ([]record.Record, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultPageSize
	}
	if f.Limit > MaxPageSize {
		f.Limit = MaxPageSize
	}
	w, args, err := s.where(ctx, f, false)
	if err != nil {
		return nil, fmt.Errorf("records of dataset %d: %w", f.DatasetID, err)
	}
	var q string
	if fq := FTSQuery(f.Search); fq != "" {
		match, margs, err := s.searchMatch(ctx, f.DatasetID, f.Search)
		if err != nil {
			return nil, err
		}
		if len(margs) == 1 {
			// Drive the query from the FTS index, which yields rowids
			// (record ids) in ascending order, and look each up by
			// primary key.
			q = `SELECT ` + recordCols + ` FROM records_fts f JOIN records r ON r.id = f.rowid LEFT JOIN topics t ON t.id = r.topic_id
			WHERE records_fts MATCH ? AND f.rowid > ? AND ` + w + ` ORDER BY f.rowid LIMIT ?`
			args = append([]any{fq, f.AfterID}, args...)
		} else {
			q = `SELECT ` + recordCols + ` FROM records r LEFT JOIN topics t ON t.id = r.topic_id
			WHERE ` + w + ` AND r.id > ? AND ` + match + ` ORDER BY r.id LIMIT ?`
			args = append(append(args, f.AfterID), margs...)
		}
	} else {
		q = `SELECT ` + recordCols + ` FROM records r LEFT JOIN topics t ON t.id = r.topic_id
			WHERE ` + w + ` AND r.id > ? ORDER BY r.id LIMIT ?`
		args = append(args, f.AfterID)
	}
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("records of dataset %d: %w", f.DatasetID, err)
	}
	defer rows.Close()
	out := make([]record.Record, 0, min(f.Limit, 256))
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountRecords counts the records matching f (AfterID and Limit ignored).
func (s *Store) CountRecords(ctx context.Context, f RecordFilter) (int, error) {
	if f.TopicID == 0 && f.Generated == nil && f.MinConfidence == nil && f.MaxConfidence == nil && FTSQuery(f.Search) == "" {
		// only a code filter: the trigger-kept summary answers at once
		counts, err := s.CodeCounts(ctx, f.DatasetID)
		if err != nil {
			return 0, err
		}
		n := 0
		for c, k := range counts {
			switch f.Code {
			case "":
				n += k
			case "valid":
				if c == "" {
					n += k
				}
			case "invalid":
				if c != "" {
					n += k
				}
			default:
				if c == f.Code {
					n += k
				}
			}
		}
		return n, nil
	}
	w, args, err := s.where(ctx, f, true)
	if err != nil {
		return 0, err
	}
	q := `SELECT COUNT(*) FROM records r WHERE ` + w
	if FTSQuery(f.Search) != "" {
		match, margs, err := s.searchMatch(ctx, f.DatasetID, f.Search)
		if err != nil {
			return 0, err
		}
		if len(margs) == 1 { // nothing pending: drive the count from the index
			q = `SELECT COUNT(*) FROM records_fts f JOIN records r ON r.id = f.rowid WHERE records_fts MATCH ? AND ` + w
			args = append(margs, args...)
		} else {
			q += ` AND ` + match
			args = append(args, margs...)
		}
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count records of dataset %d: %w", f.DatasetID, err)
	}
	return n, nil
}

// Record returns one record by id.
func (s *Store) Record(ctx context.Context, id int64) (record.Record, error) {
	r, err := scanRecord(s.db.QueryRowContext(ctx, `SELECT `+recordCols+` FROM records r LEFT JOIN topics t ON t.id = r.topic_id WHERE r.id = ?`, id))
	if err != nil {
		return r, fmt.Errorf("record %d: %w", id, err)
	}
	return r, nil
}

// CodeCounts returns a dataset's record count per code ("" = valid), read
// from the trigger-maintained summary.
func (s *Store) CodeCounts(ctx context.Context, datasetID int64) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT code, n FROM record_counts WHERE dataset_id = ? AND n > 0`, datasetID)
	if err != nil {
		return nil, fmt.Errorf("code counts of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		out[c] = n
	}
	return out, rows.Err()
}

// CodeSamples returns the line numbers and ids of the first n records (by id)
// that have code.
func (s *Store) CodeSamples(ctx context.Context, datasetID int64, code string, n int) (lines []int, ids []int64, err error) {
	q := `SELECT id, line FROM records WHERE dataset_id = ? AND code = ? ORDER BY id LIMIT ?`
	if code != "" {
		// says what the code implies, for the partial index records_code
		q = `SELECT id, line FROM records WHERE dataset_id = ? AND code = ? AND code <> '' ORDER BY id LIMIT ?`
	}
	rows, err := s.db.QueryContext(ctx, q, datasetID, code, n)
	if err != nil {
		return nil, nil, fmt.Errorf("samples of %s in dataset %d: %w", code, datasetID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var line int
		if err := rows.Scan(&id, &line); err != nil {
			return nil, nil, err
		}
		lines, ids = append(lines, line), append(ids, id)
	}
	return lines, ids, rows.Err()
}
