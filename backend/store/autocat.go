package store

import (
	"context"
	"database/sql"
	"fmt"

	"tracetune/backend/record"
)

// BeginAutocat marks a dataset's records from now on as waiting for
// automatic categorization and returns the record id after which they
// start: the dataset's last record id now, or an earlier mark that a
// stopped or failed run left (those records still wait).
func (s *Store) BeginAutocat(ctx context.Context, datasetID int64) (int64, error) {
	var after int64
	err := s.tx(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, `INSERT INTO autocat_marks(dataset_id, after_id, created_at)
			VALUES(?, COALESCE((SELECT id FROM records WHERE dataset_id=? ORDER BY id DESC LIMIT 1), 0), ?)
			ON CONFLICT(dataset_id) DO NOTHING`, datasetID, datasetID, now()); err != nil {
			return err
		}
		return t.QueryRowContext(ctx, `SELECT after_id FROM autocat_marks WHERE dataset_id=?`, datasetID).Scan(&after)
	})
	if err != nil {
		return 0, fmt.Errorf("mark new records of dataset %d: %w", datasetID, err)
	}
	return after, nil
}

// EndAutocat removes the mark BeginAutocat returned once the records after
// it are categorized (a mark moved by another run stays).
func (s *Store) EndAutocat(ctx context.Context, datasetID, afterID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM autocat_marks WHERE dataset_id=? AND after_id=?`, datasetID, afterID); err != nil {
		return fmt.Errorf("clear the new-records mark of dataset %d: %w", datasetID, err)
	}
	return nil
}

// DropAutocat removes a dataset's mark whatever it is (a replace import
// leaves no records to wait).
func (s *Store) DropAutocat(ctx context.Context, datasetID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM autocat_marks WHERE dataset_id=?`, datasetID); err != nil {
		return fmt.Errorf("clear the new-records mark of dataset %d: %w", datasetID, err)
	}
	return nil
}

// AutocatMark returns a dataset's mark (ok false when nothing waits).
func (s *Store) AutocatMark(ctx context.Context, datasetID int64) (afterID int64, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT after_id FROM autocat_marks WHERE dataset_id=?`, datasetID).Scan(&afterID)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	return afterID, err == nil, err
}

// NewRecordCounts are the valid records after a record id: those without a
// topic, and those whose assignment was written at or after a time (with
// how many of them are under record.LowConfidence).
type NewRecordCounts struct {
	Uncategorized int
	Assigned      int
	AssignedLow   int
}

// CountNewRecords counts the valid records after afterID: without a topic,
// and assigned since sinceMillis (Unix milliseconds, as stored).
func (s *Store) CountNewRecords(ctx context.Context, datasetID, afterID, sinceMillis int64) (NewRecordCounts, error) {
	var c NewRecordCounts
	err := s.db.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(topic_id IS NULL), 0),
			COALESCE(SUM(topic_id IS NOT NULL AND updated_at >= ?), 0),
			COALESCE(SUM(topic_id IS NOT NULL AND updated_at >= ? AND confidence < ?), 0)
		FROM records WHERE dataset_id=? AND id>? AND code=''`,
		sinceMillis, sinceMillis, record.LowConfidence, datasetID, afterID).Scan(&c.Uncategorized, &c.Assigned, &c.AssignedLow)
	if err != nil {
		return c, fmt.Errorf("count new records of dataset %d: %w", datasetID, err)
	}
	return c, nil
}
