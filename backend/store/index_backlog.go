package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"tracetune/backend/record"
)

// New records reach the search index and record_hashes after the
// transaction that adds them (migration 12): index_backlog holds the id
// ranges still to index, a background indexer (package index) drains it
// with IndexPending, and searches and hash lookups over a dataset with
// pending ranges also read those records directly (searchMatch,
// passingByHash), so no query ever misses a record that is waiting.

// Backlog returns how many record ids of a dataset (0: of all datasets)
// wait for the indexer (deleted records in a range count too).
func (s *Store) Backlog(ctx context.Context, datasetID int64) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(hi - lo + 1), 0) FROM index_backlog WHERE ? = 0 OR dataset_id = ?`,
		datasetID, datasetID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("index backlog: %w", err)
	}
	return n, nil
}

// IndexPending indexes up to limit record ids of the oldest pending range
// (search text from text; prompt hashes in hash order) and returns how many
// ids it took off the backlog (0: nothing is pending). It reads and writes
// in one transaction that holds the write lock from its first statement,
// so an edit cannot slip between reading a record and indexing it. text is
// given the record's shape, messages, output and raw line (the raw line is
// empty when it is stored as a layout marker: such a record has messages).
func (s *Store) IndexPending(ctx context.Context, limit int, text func(*record.Record) string) (int, error) {
	// Like an import, the indexer leaves the checkpoint for afterwards.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer releaseConn(conn)
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
		return 0, err
	}
	t, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer t.Rollback()
	var rowid, ds, lo, hi int64
	err = t.QueryRowContext(ctx, `UPDATE index_backlog SET lo = lo WHERE rowid = (SELECT MIN(rowid) FROM index_backlog)
		RETURNING rowid, dataset_id, lo, hi`).Scan(&rowid, &ds, &lo, &hi)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("index backlog: %w", err)
	}
	upto := min(hi, lo+int64(limit)-1)
	rows, err := t.QueryContext(ctx, `SELECT id, hash, shape, messages, output, raw FROM records
		WHERE id BETWEEN ? AND ? AND dataset_id = ? ORDER BY id`, lo, upto, ds)
	if err != nil {
		return 0, err
	}
	type doc struct {
		ID   int64
		Body string
	}
	type key struct {
		Hash string
		ID   int64
	}
	var docs []doc
	var keys []key
	for rows.Next() {
		var r record.Record
		var shape, raw string
		var msgs, out sql.NullString
		if err := rows.Scan(&r.ID, &r.Hash, &shape, &msgs, &out, &raw); err != nil {
			rows.Close()
			return 0, err
		}
		r.Shape = record.Shape(shape)
		for _, c := range []*sql.NullString{&msgs, &out} {
			if c.String, err = unpack(c.String); err != nil {
				rows.Close()
				return 0, fmt.Errorf("record %d: %w", r.ID, err)
			}
		}
		r.Messages, r.Output = rawJSON(msgs), rawJSON(out)
		if !isMarker(r.Shape, raw) {
			if r.Raw, err = unpack(raw); err != nil {
				rows.Close()
				return 0, fmt.Errorf("record %d: %w", r.ID, err)
			}
			r.Raw = expandRaw(&r, r.Raw) // an escaped line
		}
		docs = append(docs, doc{r.ID, text(&r)})
		if r.Hash != "" {
			keys = append(keys, key{r.Hash, r.ID})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// The search text goes to FTS5 in one statement per batch (it writes
	// its pending terms out per statement, and row by row is several times
	// slower), staged in a temp table; hashes go in hash order, which
	// lands them on few B-tree pages each.
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(strings.Compare(a.Hash, b.Hash), cmp.Compare(a.ID, b.ID)) })
	if _, err := t.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS fts_stage(id INTEGER PRIMARY KEY, body TEXT)`); err != nil {
		return 0, err
	}
	stage := insertMany(ctx, t, `INSERT INTO temp.fts_stage(id, body) VALUES `, "(?,?)")
	for _, d := range docs {
		stage.add(d.ID, d.Body)
	}
	hashes := insertMany(ctx, t, `INSERT OR IGNORE INTO record_hashes(dataset_id, hash, id) VALUES `, "("+fmt.Sprint(ds)+",?,?)")
	for _, k := range keys {
		hashes.add(k.Hash, k.ID)
	}
	for _, m := range []*manyRows{stage, hashes} {
		if err := m.flush(); err != nil {
			return 0, fmt.Errorf("index records %d–%d: %w", lo, upto, err)
		}
	}
	for _, q := range []string{`INSERT INTO records_fts(rowid, body) SELECT id, body FROM temp.fts_stage`, `DELETE FROM temp.fts_stage`} {
		if _, err := t.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("index records %d–%d: %w", lo, upto, err)
		}
	}
	if upto >= hi {
		_, err = t.ExecContext(ctx, `DELETE FROM index_backlog WHERE rowid = ?`, rowid)
	} else {
		_, err = t.ExecContext(ctx, `UPDATE index_backlog SET lo = ? WHERE rowid = ?`, upto+1, rowid)
	}
	if err != nil {
		return 0, err
	}
	if err := t.Commit(); err != nil {
		return 0, fmt.Errorf("index records %d–%d: %w", lo, upto, err)
	}
	s.checkpointLater()
	return int(upto - lo + 1), nil
}

// manyRows inserts rows of the same shape with one statement per 64.
type manyRows struct {
	ctx       context.Context
	t         *sql.Tx
	head, row string
	args      []any
	n, perRow int
	many      *sql.Stmt
	err       error
}

func insertMany(ctx context.Context, t *sql.Tx, head, row string) *manyRows {
	return &manyRows{ctx: ctx, t: t, head: head, row: row, perRow: strings.Count(row, "?")}
}

func (m *manyRows) add(vals ...any) {
	if m.err != nil {
		return
	}
	m.args = append(m.args, vals...)
	if m.n++; m.n < insertRows {
		return
	}
	if m.many == nil {
		m.many, m.err = m.t.PrepareContext(m.ctx, m.head+strings.TrimSuffix(strings.Repeat(m.row+",", insertRows), ","))
		if m.err != nil {
			return
		}
	}
	_, m.err = m.many.ExecContext(m.ctx, m.args...)
	m.args, m.n = m.args[:0], 0
}

// flush writes what add left over and reports the first error.
func (m *manyRows) flush() error {
	for i := 0; m.err == nil && i < m.n; i++ {
		_, m.err = m.t.ExecContext(m.ctx, m.head+m.row, m.args[i*m.perRow:(i+1)*m.perRow]...)
	}
	if m.many != nil {
		m.many.Close()
	}
	return m.err
}

// searchWords are the words of a search, as FTSQuery splits them.
func searchWords(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// searchMatch returns the condition (over records r) and arguments of a
// search for the typed text: the FTS index, and, for records still waiting
// for it, every word in the record's stored text. The ids come from the
// index and from the pending ranges only, so a search costs what it
// matches, not what the dataset holds.
func (s *Store) searchMatch(ctx context.Context, datasetID int64, text string) (string, []any, error) {
	fq := FTSQuery(text)
	cond := `r.id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)`
	var pending int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM index_backlog WHERE dataset_id = ?`, datasetID).Scan(&pending); err != nil {
		return "", nil, fmt.Errorf("index backlog: %w", err)
	}
	if pending == 0 {
		return cond, []any{fq}, nil
	}
	args := []any{fq, datasetID}
	var likes []string
	for _, w := range searchWords(text) {
		likes = append(likes, `COALESCE(`+unpackSQL("p.messages")+`, `+unpackSQL("p.raw")+`) LIKE ?`)
		args = append(args, "%"+w+"%")
	}
	return `r.id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?
		UNION ALL SELECT p.id FROM index_backlog b CROSS JOIN records p ON p.id BETWEEN b.lo AND b.hi
		WHERE b.dataset_id = ? AND p.dataset_id = b.dataset_id AND ` + strings.Join(likes, " AND ") + `)`, args, nil
}
