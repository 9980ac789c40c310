package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Candidate statuses. A pending candidate passed every check and waits for
// a person; a rejected one failed a check (Reason names it) or was rejected
// by hand; an accepted one became record RecordID.
const (
	CandidatePending  = "pending"
	CandidateAccepted = "accepted"
	CandidateRejected = "rejected"
)

// Candidate is one synthetic prompt made by generation, before review.
type Candidate struct {
	ID             int64           `json:"id"`
	DatasetID      int64           `json:"dataset_id"`
	BatchID        int64           `json:"batch_id"`
	TopicID        int64           `json:"topic_id"`
	Topic          string          `json:"topic"`
	SourceRecordID int64           `json:"source_record_id"`
	Strategy       string          `json:"strategy"`
	Text           string          `json:"text"`     // the new last user message
	Messages       json.RawMessage `json:"messages"` // the full prompt it would become
	Tools          json.RawMessage `json:"tools,omitempty"`
	Status         string          `json:"status"`
	Reason         string          `json:"reason"` // the failed check's code; "" when it passed
	Detail         string          `json:"detail"` // the check's words for a person
	RecordID       int64           `json:"record_id,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// CandidateFilter selects candidates; zero values mean any.
type CandidateFilter struct {
	DatasetID int64
	BatchID   int64
	Statuses  []string
	IDs       []int64
	AfterID   int64
	Limit     int // 0: no limit
}

const candidateCols = `id, dataset_id, batch_id, COALESCE(topic_id, 0), topic, source_record_id, strategy, text, messages, tools,
	status, reason, detail, record_id, created_at, updated_at`

// CreateSynthBatch records a generation run and its options (JSON).
func (s *Store) CreateSynthBatch(ctx context.Context, datasetID int64, options string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO synth_batches(dataset_id, options, created_at) VALUES(?,?,?)`, datasetID, options, now())
	if err != nil {
		return 0, fmt.Errorf("record generation run of dataset %d: %w", datasetID, err)
	}
	return res.LastInsertId()
}

// SynthBatchOptions returns the options JSON a run was made with.
func (s *Store) SynthBatchOptions(ctx context.Context, batchID int64) (string, error) {
	var o string
	err := s.db.QueryRowContext(ctx, `SELECT options FROM synth_batches WHERE id=?`, batchID).Scan(&o)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("generation run %d: %w", batchID, ErrNotFound)
	}
	return o, err
}

// InsertCandidates stores candidates in one transaction and returns them
// with their ids.
func (s *Store) InsertCandidates(ctx context.Context, cs []Candidate) ([]Candidate, error) {
	if len(cs) == 0 {
		return cs, nil
	}
	out := make([]Candidate, len(cs))
	copy(out, cs)
	err := s.tx(ctx, func(t *sql.Tx) error {
		st, err := t.PrepareContext(ctx, `INSERT INTO synth_candidates(dataset_id, batch_id, topic_id, topic, source_record_id, strategy,
			text, messages, tools, status, reason, detail, record_id, created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		ts := now()
		for i := range out {
			c := &out[i]
			if c.Status == "" {
				c.Status = CandidatePending
			}
			res, err := st.ExecContext(ctx, c.DatasetID, c.BatchID, nullID(c.TopicID), c.Topic, c.SourceRecordID, c.Strategy,
				c.Text, string(c.Messages), string(c.Tools), c.Status, c.Reason, c.Detail, c.RecordID, ts, ts)
			if err != nil {
				return fmt.Errorf("store candidate: %w", err)
			}
			c.ID, _ = res.LastInsertId()
			c.CreatedAt, c.UpdatedAt = fromMillis(ts), fromMillis(ts)
		}
		return nil
	})
	return out, err
}

// Candidates returns the candidates matching f in id order.
func (s *Store) Candidates(ctx context.Context, f CandidateFilter) ([]Candidate, error) {
	q := `SELECT ` + candidateCols + ` FROM synth_candidates WHERE dataset_id=? AND id>?`
	args := []any{f.DatasetID, f.AfterID}
	if f.BatchID > 0 {
		q += ` AND batch_id=?`
		args = append(args, f.BatchID)
	}
	if len(f.Statuses) > 0 {
		q += ` AND status IN (?` + strings.Repeat(",?", len(f.Statuses)-1) + `)`
		for _, x := range f.Statuses {
			args = append(args, x)
		}
	}
	if len(f.IDs) > 0 {
		q += ` AND id IN (?` + strings.Repeat(",?", len(f.IDs)-1) + `)`
		for _, x := range f.IDs {
			args = append(args, x)
		}
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("candidates of dataset %d: %w", f.DatasetID, err)
	}
	defer rows.Close()
	out := []Candidate{}
	for rows.Next() {
		var c Candidate
		var msgs, tools string
		var cr, up int64
		if err := rows.Scan(&c.ID, &c.DatasetID, &c.BatchID, &c.TopicID, &c.Topic, &c.SourceRecordID, &c.Strategy, &c.Text,
			&msgs, &tools, &c.Status, &c.Reason, &c.Detail, &c.RecordID, &cr, &up); err != nil {
			return nil, err
		}
		c.Messages = json.RawMessage(msgs)
		if tools != "" {
			c.Tools = json.RawMessage(tools)
		}
		c.CreatedAt, c.UpdatedAt = fromMillis(cr), fromMillis(up)
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateCandidate stores a candidate's text, prompt, status, reason, detail
// and record.
func (s *Store) UpdateCandidate(ctx context.Context, c Candidate) error {
	res, err := s.db.ExecContext(ctx, `UPDATE synth_candidates SET text=?, messages=?, status=?, reason=?, detail=?, record_id=?, updated_at=?
		WHERE id=? AND dataset_id=?`, c.Text, string(c.Messages), c.Status, c.Reason, c.Detail, c.RecordID, now(), c.ID, c.DatasetID)
	if err != nil {
		return fmt.Errorf("update candidate %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("candidate %d: %w", c.ID, ErrNotFound)
	}
	return nil
}

// CandidateCounts counts a dataset's candidates by status; "passing" counts
// the pending ones (which all passed their checks).
func (s *Store) CandidateCounts(ctx context.Context, datasetID int64) (map[string]int, error) {
	out := map[string]int{CandidatePending: 0, CandidateAccepted: 0, CandidateRejected: 0}
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM synth_candidates WHERE dataset_id=? GROUP BY status`, datasetID)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return out, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// GeneratedCounts counts a dataset's valid generated records: in all, and
// per topic (categorized ones only).
func (s *Store) GeneratedCounts(ctx context.Context, datasetID int64) (total int, byTopic map[int64]int, err error) {
	byTopic = map[int64]int{}
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(topic_id, 0), COUNT(*) FROM records
		WHERE dataset_id=? AND generated=1 AND code='' GROUP BY topic_id`, datasetID)
	if err != nil {
		return 0, byTopic, fmt.Errorf("generated records of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return 0, byTopic, err
		}
		total += n
		if id != 0 {
			byTopic[id] = n
		}
	}
	return total, byTopic, rows.Err()
}

// DeleteCandidates removes candidates of a dataset (regenerated ones).
func (s *Store) DeleteCandidates(ctx context.Context, datasetID int64, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{datasetID}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM synth_candidates WHERE dataset_id=? AND id IN (?`+strings.Repeat(",?", n-1)+`)`, args...); err != nil {
			return fmt.Errorf("delete candidates of dataset %d: %w", datasetID, err)
		}
		ids = ids[n:]
	}
	return nil
}
