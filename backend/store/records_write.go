package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"tracetune/backend/record"
)

// insertCols are the record columns an insert writes, id first.
const insertCols = `id, dataset_id, line, raw, shape, messages, tools, output, fields, metadata, source, trace_id, hash,
	code, detail, topic_id, confidence, method, generated, source_record_id, strategy, created_at, updated_at`

const insertColCount = 23

// plainCols are the columns an import's record sets (the others keep their
// defaults, written as literals): fewer bound values is a cheaper insert.
const plainCols = `id, line, raw, shape, messages, tools, output, fields, metadata, source, trace_id, hash, code, detail`

// insertRows is how many records one multi-row INSERT carries (23 columns ×
// 64 rows stays far below SQLite's parameter limit).
const insertRows = 64

// RecordTx is one write transaction that adds records to a dataset. It takes
// SQLite's write lock on Begin (its first statement is a write), so the ids
// it hands out with AssignIDs are the ones the rows get: callers can refer
// to a record (a duplicate's original) before it is written.
//
// Besides the rows it keeps, for Commit, what an insert trigger per row
// would cost more to keep: the per-code totals, and the id range the
// indexer has to take in (index_backlog.go).
type RecordTx struct {
	ctx        context.Context
	store      *Store
	conn       *sql.Conn
	t          *sql.Tx
	datasetID  int64
	nextID     int64
	plain, one *sql.Stmt
	ts         int64
	buf        []any
	counts     map[record.Code]int
	topics     map[int64][2]int // valid categorized records per topic: total, low confidence
	lo, hi     int64            // ids inserted, for the index backlog
	cleared    bool             // DeleteAll removed records
}

// BeginRecords starts a record transaction on a dataset.
func (s *Store) BeginRecords(ctx context.Context, datasetID int64) (*RecordTx, error) {
	// A connection of its own, with a small page cache while it writes:
	// inserts touch only the right edge of each B-tree, and a 1M-record
	// import must stay within its memory budget. No checkpoint at commit:
	// copying the whole import from the WAL into the database there cost
	// a third of the import; it runs once imports pause (checkpointLater).
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin import into dataset %d: %w", datasetID, err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d; PRAGMA wal_autocheckpoint = 0`, importCacheKB)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin import into dataset %d: %w", datasetID, err)
	}
	t, err := conn.BeginTx(ctx, nil)
	if err != nil {
		releaseConn(conn)
		return nil, fmt.Errorf("begin import into dataset %d: %w", datasetID, err)
	}
	rt := &RecordTx{ctx: ctx, store: s, conn: conn, t: t, datasetID: datasetID, ts: now(), counts: map[record.Code]int{}}
	s.importing.Add(1)
	fail := func(err error) (*RecordTx, error) {
		t.Rollback()
		releaseConn(conn)
		return nil, fmt.Errorf("begin import into dataset %d: %w", datasetID, err)
	}
	res, err := t.ExecContext(ctx, `UPDATE datasets SET last_activity = ? WHERE id = ?`, rt.ts, datasetID)
	if err != nil {
		return fail(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fail(fmt.Errorf("dataset %d: %w", datasetID, ErrNotFound))
	}
	if err := t.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM records`).Scan(&rt.nextID); err != nil {
		return fail(err)
	}
	// The dataset id and the time are the same for every row: they go in
	// the statement as integer literals rather than as bound values.
	ds, ts := fmt.Sprint(datasetID), fmt.Sprint(rt.ts)
	// trace_id, code and detail are mostly empty: they are bound as NULL
	// (emptyArg), which the driver binds without allocating, and stored
	// as ''.
	plainRow := "(?,?,?,?,?,?,?,?,?,?,ifnull(?,''),?,ifnull(?,''),ifnull(?,'')," + ds + ",NULL,0,'',0,NULL,''," + ts + "," + ts + ")"
	if rt.plain, err = t.PrepareContext(ctx, `INSERT INTO records(`+plainCols+`, dataset_id, topic_id, confidence, method, generated, source_record_id, strategy, created_at, updated_at) VALUES `+
		strings.TrimSuffix(strings.Repeat(plainRow+",", insertRows), ",")); err != nil {
		return fail(err)
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", insertColCount), ",") + ")"
	if rt.one, err = t.PrepareContext(ctx, `INSERT INTO records(`+insertCols+`) VALUES `+row); err != nil {
		return fail(err)
	}
	return rt, nil
}

// DeleteAll removes every record of the dataset inside this transaction
// (replace mode: the old records go only if the whole import commits).
func (rt *RecordTx) DeleteAll() (int, error) {
	res, err := rt.t.ExecContext(rt.ctx, `DELETE FROM records WHERE dataset_id = ?`, rt.datasetID)
	if err != nil {
		return 0, fmt.Errorf("clear dataset %d: %w", rt.datasetID, err)
	}
	// the categorization model was fitted on the records that went
	for _, q := range []string{`DELETE FROM index_backlog WHERE dataset_id = ?`, `DELETE FROM topic_models WHERE dataset_id = ?`} {
		if _, err := rt.t.ExecContext(rt.ctx, q, rt.datasetID); err != nil {
			return 0, fmt.Errorf("clear dataset %d: %w", rt.datasetID, err)
		}
	}
	n, _ := res.RowsAffected()
	rt.cleared = rt.cleared || n > 0
	return int(n), nil
}

// AssignIDs gives every record without an id the next free id, in order.
func (rt *RecordTx) AssignIDs(recs []record.Record) {
	for i := range recs {
		if recs[i].ID == 0 {
			recs[i].ID = rt.nextID
			rt.nextID++
		} else if recs[i].ID >= rt.nextID {
			rt.nextID = recs[i].ID + 1
		}
	}
}

// Insert writes records (ids assigned first if missing) to the dataset.
func (rt *RecordTx) Insert(recs []record.Record) error {
	rt.AssignIDs(recs)
	for len(recs) > 0 {
		n := insertRows
		if len(recs) < n || !allPlain(recs[:n]) {
			n = 1
		}
		rt.buf = rt.buf[:0]
		st := rt.plain
		if n == 1 {
			st = rt.one
			rt.buf = appendRecordArgs(rt.buf, &recs[0], rt.datasetID, rt.ts)
		} else {
			for i := range recs[:n] {
				rt.buf = appendPlainArgs(rt.buf, &recs[i])
			}
		}
		if _, err := st.ExecContext(rt.ctx, rt.buf...); err != nil {
			return fmt.Errorf("insert record (line %d): %w", recs[0].Line, err)
		}
		for i := range recs[:n] {
			r := &recs[i]
			rt.counts[r.Code]++
			if r.TopicID != 0 && r.Code == record.Valid {
				if rt.topics == nil {
					rt.topics = map[int64][2]int{}
				}
				c := rt.topics[r.TopicID]
				c[0]++
				if r.Confidence < record.LowConfidence {
					c[1]++
				}
				rt.topics[r.TopicID] = c
			}
			if rt.lo == 0 || r.ID < rt.lo {
				rt.lo = r.ID
			}
			rt.hi = max(rt.hi, r.ID)
		}
		recs = recs[n:]
	}
	return nil
}

// allPlain says whether records set nothing beyond the plain columns.
func allPlain(recs []record.Record) bool {
	for i := range recs {
		r := &recs[i]
		if r.TopicID != 0 || r.Confidence != 0 || r.Method != "" || r.Generated || r.SourceRecordID != 0 || r.Strategy != "" || !r.CreatedAt.IsZero() {
			return false
		}
	}
	return true
}

func appendPlainArgs(a []any, r *record.Record) []any {
	return append(a, r.ID, r.Line, packText(rawColumn(r)), string(r.Shape), packArg(r.Messages), packArg(r.Tools),
		packArg(r.Output), packArg(r.Fields), packArg(r.Metadata), r.Source, emptyArg(r.TraceID), r.Hash,
		emptyArg(string(r.Code)), emptyArg(r.Detail))
}

func emptyArg(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func appendRecordArgs(a []any, r *record.Record, datasetID, ts int64) []any {
	var topic, src any
	if r.TopicID > 0 {
		topic = r.TopicID
	}
	if r.SourceRecordID > 0 {
		src = r.SourceRecordID
	}
	created := ts
	if !r.CreatedAt.IsZero() {
		created = r.CreatedAt.UnixMilli()
	}
	return append(a, r.ID, datasetID, r.Line, packText(rawColumn(r)), string(r.Shape), packArg(r.Messages), packArg(r.Tools),
		packArg(r.Output), packArg(r.Fields), packArg(r.Metadata), r.Source, r.TraceID, r.Hash,
		string(r.Code), r.Detail, topic, r.Confidence, r.Method, boolInt(r.Generated), src, r.Strategy, created, ts)
}

// Commit writes the totals and the index backlog, and ends the
// transaction.
func (rt *RecordTx) Commit() error {
	for code, n := range rt.counts {
		if _, err := rt.t.ExecContext(rt.ctx, `INSERT INTO record_counts(dataset_id, code, n) VALUES (?, ?, ?)
			ON CONFLICT(dataset_id, code) DO UPDATE SET n = n + excluded.n`, rt.datasetID, string(code), n); err != nil {
			return fmt.Errorf("count records of dataset %d: %w", rt.datasetID, err)
		}
	}
	for topic, c := range rt.topics {
		if _, err := rt.t.ExecContext(rt.ctx, `INSERT INTO topic_counts(dataset_id, topic_id, n, low) VALUES (?, ?, ?, ?)
			ON CONFLICT(dataset_id, topic_id) DO UPDATE SET n = n + excluded.n, low = low + excluded.low`, rt.datasetID, topic, c[0], c[1]); err != nil {
			return fmt.Errorf("count topics of dataset %d: %w", rt.datasetID, err)
		}
	}
	// the dataset's valid records changed: dry runs measured on the old
	// ones show stale (once per import, not per row)
	if rt.cleared || rt.counts[record.Valid] > 0 {
		if err := bumpRevision(rt.ctx, rt.t, rt.datasetID); err != nil {
			return err
		}
	}
	added := rt.hi > 0
	if added {
		if _, err := rt.t.ExecContext(rt.ctx, `INSERT INTO index_backlog(dataset_id, lo, hi) VALUES (?, ?, ?)`, rt.datasetID, rt.lo, rt.hi); err != nil {
			return fmt.Errorf("queue records of dataset %d for indexing: %w", rt.datasetID, err)
		}
	}
	for _, st := range []*sql.Stmt{rt.plain, rt.one} {
		st.Close()
	}
	err := rt.t.Commit()
	rt.release()
	if err != nil {
		return fmt.Errorf("commit import into dataset %d: %w", rt.datasetID, err)
	}
	rt.store.checkpointLater()
	if added {
		rt.store.backlogAdded()
	}
	return nil
}

// Rollback abandons the transaction (safe after Commit).
func (rt *RecordTx) Rollback() {
	rt.t.Rollback()
	rt.release()
}

func (rt *RecordTx) release() {
	if rt.conn != nil {
		releaseConn(rt.conn)
		rt.conn = nil
		rt.store.importing.Add(-1)
	}
}

// importCacheKB is the page cache of an importing connection.
const importCacheKB = 8192

// releaseConn gives a connection back to the pool with the page cache every
// connection opens with (see Open).
func releaseConn(c *sql.Conn) {
	c.ExecContext(context.Background(), `PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 1000`)
	c.Close()
}

// DedupeRow is what duplicate detection needs of a record that passed
// checks 1–12 (code valid or duplicate).
type DedupeRow struct {
	ID      int64
	Line    int
	Code    record.Code
	Hash    string
	TraceID string
}

// DedupeRows returns, in id order, a page of the dataset's records whose code
// is valid or duplicate.
func (s *Store) DedupeRows(ctx context.Context, datasetID, afterID int64, limit int) ([]DedupeRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, line, code, hash, trace_id FROM records
		WHERE dataset_id = ? AND id > ? AND +code IN ('', 'duplicate') ORDER BY id LIMIT ?`, datasetID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("duplicate keys of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	var out []DedupeRow
	for rows.Next() {
		var d DedupeRow
		var c string
		if err := rows.Scan(&d.ID, &d.Line, &c, &d.Hash, &d.TraceID); err != nil {
			return nil, err
		}
		d.Code = record.Code(c)
		out = append(out, d)
	}
	return out, rows.Err()
}

// RecordPage returns a page of a dataset's records in id order with
// everything validation reads (no topic join).
func (s *Store) RecordPage(ctx context.Context, datasetID, afterID int64, limit int) ([]record.Record, error) {
	return s.Records(ctx, RecordFilter{DatasetID: datasetID, AfterID: afterID, Limit: limit})
}

// CodeUpdate is a new validation outcome for one record.
type CodeUpdate struct {
	ID     int64
	Code   record.Code
	Detail string
	Hash   string
}

// UpdateCodes stores validation outcomes in one transaction. Outcomes
// that change nothing are not written; when any does, the datasets of the
// changed records get a new records revision (once per call).
func (s *Store) UpdateCodes(ctx context.Context, ups []CodeUpdate) error {
	if len(ups) == 0 {
		return nil
	}
	return s.tx(ctx, func(t *sql.Tx) error {
		st, err := t.PrepareContext(ctx, `UPDATE records SET code = ?1, detail = ?2, hash = ?3
			WHERE id = ?4 AND (code IS NOT ?1 OR detail IS NOT ?2 OR hash IS NOT ?3)`)
		if err != nil {
			return err
		}
		defer st.Close()
		var changed []int64
		for _, u := range ups {
			res, err := st.ExecContext(ctx, string(u.Code), u.Detail, u.Hash, u.ID)
			if err != nil {
				return fmt.Errorf("update code of record %d: %w", u.ID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				changed = append(changed, u.ID)
			}
		}
		return bumpRevisionOf(ctx, t, changed)
	})
}

// UpdateRecordContent replaces a record's content and validation outcome
// (an edit); topic, generation and provenance stay.
func (s *Store) UpdateRecordContent(ctx context.Context, r record.Record) error {
	return s.updateRecordContent(ctx, r, false)
}

// UpdateRecordContentUncategorized is UpdateRecordContent that also clears
// the record's topic (an edit rewrote its prompt: categorization places it
// again).
func (s *Store) UpdateRecordContentUncategorized(ctx context.Context, r record.Record) error {
	return s.updateRecordContent(ctx, r, true)
}

func (s *Store) updateRecordContent(ctx context.Context, r record.Record, uncategorize bool) error {
	return s.tx(ctx, func(t *sql.Tx) error {
		topic := ""
		if uncategorize {
			topic = "topic_id = NULL, confidence = 0, method = '', "
		}
		var ds int64
		err := t.QueryRowContext(ctx, `UPDATE records SET raw = ?, shape = ?, messages = ?, tools = ?, output = ?, fields = ?,
		metadata = ?, trace_id = ?, hash = ?, code = ?, detail = ?, `+topic+`updated_at = ? WHERE id = ? RETURNING dataset_id`,
			packText(rawColumn(&r)), string(r.Shape), packArg(r.Messages), packArg(r.Tools), packArg(r.Output),
			packArg(r.Fields), packArg(r.Metadata), r.TraceID, r.Hash, string(r.Code), r.Detail, now(), r.ID).Scan(&ds)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("record %d: %w", r.ID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("update record %d: %w", r.ID, err)
		}
		if err := bumpRevision(ctx, t, ds); err != nil {
			return err
		}
		// its vector changed: the topic sums are rebuilt (without a refit)
		_, err = t.ExecContext(ctx, `UPDATE topic_models SET seeds = NULL WHERE seeds IS NOT NULL
			AND dataset_id = (SELECT dataset_id FROM records WHERE id = ?)`, r.ID)
		return err
	})
}

// DeleteRecordIDs deletes the given records of a dataset (ids of other
// datasets are ignored) and returns how many went.
func (s *Store) DeleteRecordIDs(ctx context.Context, datasetID int64, ids []int64) (int, error) {
	total := 0
	err := s.tx(ctx, func(t *sql.Tx) error {
		st, err := t.PrepareContext(ctx, `DELETE FROM records WHERE id = ? AND dataset_id = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			res, err := st.ExecContext(ctx, id, datasetID)
			if err != nil {
				return fmt.Errorf("delete record %d: %w", id, err)
			}
			n, _ := res.RowsAffected()
			total += int(n)
		}
		if total > 0 { // record ids may be reused: the model fitted on them goes
			if _, err := t.ExecContext(ctx, `DELETE FROM topic_models WHERE dataset_id = ?`, datasetID); err != nil {
				return err
			}
			if err := bumpRevision(ctx, t, datasetID); err != nil {
				return err
			}
		}
		_, err = t.ExecContext(ctx, `UPDATE datasets SET last_activity = ? WHERE id = ?`, now(), datasetID)
		return err
	})
	return total, err
}

// FirstPassing finds the earliest record of the dataset that passed checks
// 1–12 (valid or duplicate) with the given prompt hash or, when hash is "",
// the given trace id. It sees rows written earlier in this transaction.
func (rt *RecordTx) FirstPassing(hash, traceID string) (id int64, line int, ok bool, err error) {
	q, arg := `SELECT id, line FROM (`+passingByHash(1)+`) ORDER BY id LIMIT 1`, hash
	if hash == "" {
		q, arg = `SELECT id, line FROM records WHERE dataset_id = ? AND trace_id = ? AND trace_id <> '' AND +code IN ('', 'duplicate') ORDER BY id LIMIT 1`, traceID
	}
	err = rt.t.QueryRowContext(rt.ctx, q, rt.datasetID, arg).Scan(&id, &line)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	return id, line, err == nil, err
}

// PassingByKeys returns the dataset's records that passed checks 1–12
// (valid or duplicate) and share one of the given prompt hashes or trace
// ids, through record_hashes and the (partial) trace index.
func (s *Store) PassingByKeys(ctx context.Context, datasetID int64, hashes, traces []string) ([]DedupeRow, error) {
	var out []DedupeRow
	query := func(col string, keys []string) error {
		for len(keys) > 0 {
			n := min(len(keys), 500)
			args := []any{datasetID}
			for _, k := range keys[:n] {
				args = append(args, k)
			}
			q := `SELECT id, line, code, hash, trace_id FROM records
				WHERE dataset_id = ? AND trace_id <> '' AND trace_id IN (?` + strings.Repeat(",?", n-1) + `) AND +code IN ('', 'duplicate')`
			if col == "hash" {
				q = passingByHash(n)
			}
			rows, err := s.db.QueryContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("records by %s in dataset %d: %w", col, datasetID, err)
			}
			for rows.Next() {
				var d DedupeRow
				var c string
				if err := rows.Scan(&d.ID, &d.Line, &c, &d.Hash, &d.TraceID); err != nil {
					rows.Close()
					return err
				}
				d.Code = record.Code(c)
				out = append(out, d)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			keys = keys[n:]
		}
		return nil
	}
	if err := query("hash", hashes); err != nil {
		return nil, err
	}
	if err := query("trace_id", traces); err != nil {
		return nil, err
	}
	return out, nil
}

// passingByHash is a query (id, line, code, hash, trace_id) of the records
// of dataset ?1 that passed checks 1–12 and have one of the n prompt hashes
// ?2…: through record_hashes, and by reading the id ranges that still wait
// for the indexer to put them there. CROSS JOIN and +r.hash make the
// backlog's id ranges drive: SQLite would otherwise build an automatic
// index on the hashes of every record, per query.
func passingByHash(n int) string {
	var in strings.Builder
	for i := range n {
		if i > 0 {
			in.WriteByte(',')
		}
		fmt.Fprintf(&in, "?%d", i+2)
	}
	return `SELECT r.id, r.line, r.code, r.hash, r.trace_id FROM record_hashes k JOIN records r ON r.id = k.id
		WHERE k.dataset_id = ?1 AND k.hash IN (` + in.String() + `) AND +r.code IN ('', 'duplicate')
	UNION
	SELECT r.id, r.line, r.code, r.hash, r.trace_id FROM index_backlog b CROSS JOIN records r ON r.id BETWEEN b.lo AND b.hi
		WHERE b.dataset_id = ?1 AND r.dataset_id = ?1 AND +r.hash IN (` + in.String() + `) AND +r.code IN ('', 'duplicate')`
}

// KeysOf returns the prompt hashes and trace ids (non-empty ones) of the
// given records of a dataset.
func (s *Store) KeysOf(ctx context.Context, datasetID int64, ids []int64) (hashes, traces []string, err error) {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{datasetID}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT hash, trace_id FROM records WHERE dataset_id = ? AND id IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("keys of records in dataset %d: %w", datasetID, err)
		}
		for rows.Next() {
			var h, t string
			if err := rows.Scan(&h, &t); err != nil {
				rows.Close()
				return nil, nil, err
			}
			if h != "" {
				hashes = append(hashes, h)
			}
			if t != "" {
				traces = append(traces, t)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		ids = ids[n:]
	}
	return hashes, traces, nil
}
