package store

import (
	"context"
	"database/sql"
	"errors"
)

// StepState is the pipeline's stored memory of one step of a dataset.
type StepState struct {
	Step    int    `json:"step"`
	State   string `json:"state"`
	Message string `json:"message"`
}

// SetStepState records a step's state ("processing", "failed", "done", …).
func (s *Store) SetStepState(ctx context.Context, datasetID int64, step int, state, message string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO step_state(dataset_id, step, state, message, updated_at) VALUES(?,?,?,?,?)
		ON CONFLICT(dataset_id, step) DO UPDATE SET state=excluded.state, message=excluded.message, updated_at=excluded.updated_at`,
		datasetID, step, state, message, now())
	return err
}

// StepStates returns the stored state of each step of a dataset, by step.
func (s *Store) StepStates(ctx context.Context, datasetID int64) (map[int]StepState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT step, state, message FROM step_state WHERE dataset_id=?`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]StepState{}
	for rows.Next() {
		var st StepState
		if err := rows.Scan(&st.Step, &st.State, &st.Message); err != nil {
			return nil, err
		}
		out[st.Step] = st
	}
	return out, rows.Err()
}

// ResetProcessingSteps clears "processing" marks left by a process that died.
func (s *Store) ResetProcessingSteps(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `UPDATE step_state SET state='', message='interrupted' WHERE state='processing'`)
	return err
}

// Setting reads an app-wide setting ("" when unset).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM app_settings WHERE key=?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting writes an app-wide setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO app_settings(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`, key, value)
	return err
}
