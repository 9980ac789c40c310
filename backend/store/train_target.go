package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TrainTarget is the trainer, provider and base model chosen for a
// dataset, as the user said them ("" provider or model: the default).
type TrainTarget struct {
	DatasetID int64
	Trainer   string
	Provider  string
	Model     string
	UpdatedAt time.Time
}

// TrainTarget returns the dataset's chosen training target; ok is false
// when none was saved.
func (s *Store) TrainTarget(ctx context.Context, datasetID int64) (TrainTarget, bool, error) {
	t := TrainTarget{DatasetID: datasetID}
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT trainer, provider, model, updated_at FROM train_targets WHERE dataset_id=?`, datasetID).
		Scan(&t.Trainer, &t.Provider, &t.Model, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("read the training target of dataset %d: %w", datasetID, err)
	}
	t.UpdatedAt = fromMillis(at)
	return t, true, nil
}

// SetTrainTarget saves (replaces) the dataset's training target and
// returns it with its time.
func (s *Store) SetTrainTarget(ctx context.Context, t TrainTarget) (TrainTarget, error) {
	ts := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO train_targets(dataset_id, trainer, provider, model, updated_at) VALUES(?,?,?,?,?)
		ON CONFLICT(dataset_id) DO UPDATE SET trainer=excluded.trainer, provider=excluded.provider, model=excluded.model,
		updated_at=excluded.updated_at`, t.DatasetID, t.Trainer, t.Provider, t.Model, ts)
	if err != nil {
		return t, fmt.Errorf("save the training target of dataset %d: %w", t.DatasetID, err)
	}
	t.UpdatedAt = fromMillis(ts)
	return t, nil
}
