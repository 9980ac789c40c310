package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// bumpRevision advances a dataset's records revision inside the operation's
// transaction: once per operation, never per row.
func bumpRevision(ctx context.Context, t *sql.Tx, datasetID int64) error {
	if _, err := t.ExecContext(ctx, `UPDATE datasets SET records_revision = records_revision + 1 WHERE id = ?`, datasetID); err != nil {
		return fmt.Errorf("records revision of dataset %d: %w", datasetID, err)
	}
	return nil
}

// bumpRevisionOf advances, once each, the records revision of the datasets
// of the given records.
func bumpRevisionOf(ctx context.Context, t *sql.Tx, ids []int64) error {
	datasets := map[int64]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := t.QueryContext(ctx, `SELECT DISTINCT dataset_id FROM records WHERE id IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return fmt.Errorf("datasets of changed records: %w", err)
		}
		for rows.Next() {
			var ds int64
			if err := rows.Scan(&ds); err != nil {
				rows.Close()
				return err
			}
			datasets[ds] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		ids = ids[n:]
	}
	for ds := range datasets {
		if err := bumpRevision(ctx, t, ds); err != nil {
			return err
		}
	}
	return nil
}

// RecordsRevision is a dataset's records revision: it changes with every
// operation that changes which valid records exist or what they say
// (import, pull, accepted generation, delete, edit, revalidation), not with
// categorization.
func (s *Store) RecordsRevision(ctx context.Context, datasetID int64) (int64, error) {
	var rev int64
	err := s.db.QueryRowContext(ctx, `SELECT records_revision FROM datasets WHERE id = ?`, datasetID).Scan(&rev)
	if err == sql.ErrNoRows {
		return 0, fmt.Errorf("dataset %d: %w", datasetID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("records revision of dataset %d: %w", datasetID, err)
	}
	return rev, nil
}

// DryRunRevision is the records revision a dry run measured (taken when it
// started; a re-grade keeps its source run's).
func (s *Store) DryRunRevision(ctx context.Context, runID int64) (int64, error) {
	var rev int64
	err := s.db.QueryRowContext(ctx, `SELECT records_revision FROM dryruns WHERE id = ?`, runID).Scan(&rev)
	if err == sql.ErrNoRows {
		return 0, fmt.Errorf("dry run %d: %w", runID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("records revision of dry run %d: %w", runID, err)
	}
	return rev, nil
}

// DryRunsOnOldRecords lists the ids of a dataset's dry runs that measured
// other records than the dataset has now (its records changed since).
func (s *Store) DryRunsOnOldRecords(ctx context.Context, datasetID int64) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id FROM dryruns r JOIN datasets d ON d.id = r.dataset_id
		WHERE r.dataset_id = ? AND r.records_revision <> d.records_revision`, datasetID)
	if err != nil {
		return nil, fmt.Errorf("dry runs of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
