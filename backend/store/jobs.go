package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// JobRow is a background job as recorded in the database.
type JobRow struct {
	ID         int64     `json:"id"`
	DatasetID  int64     `json:"dataset_id"`
	Kind       string    `json:"kind"`
	State      string    `json:"state"`
	Done       int64     `json:"done"`
	Total      int64     `json:"total"`
	Message    string    `json:"message"`
	Error      string    `json:"error"`
	Result     string    `json:"result"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// InsertJob records the start of a job and returns its id.
func (s *Store) InsertJob(ctx context.Context, datasetID int64, kind, state string) (int64, error) {
	var ds any
	if datasetID != 0 {
		ds = datasetID
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO jobs(dataset_id, kind, state, started_at) VALUES(?,?,?,?)`, ds, kind, state, now())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// UpdateJobProgress stores a job's latest progress.
func (s *Store) UpdateJobProgress(ctx context.Context, id, done, total int64, message string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE jobs SET done=?, total=?, message=? WHERE id=?`, done, total, message, id)
	return err
}

// FinishJob stores a job's final state, error text and JSON result.
func (s *Store) FinishJob(ctx context.Context, id int64, state, errText, result string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE jobs SET state=?, error=?, result=?, finished_at=? WHERE id=?`, state, errText, result, now(), id)
	return err
}

// FailRunningJobs marks jobs left "running" by a previous process (a crash or
// a kill) as interrupted; their finished work is already stored.
func (s *Store) FailRunningJobs(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `UPDATE jobs SET state='interrupted', error='the app stopped while this job ran; finished work was kept', finished_at=? WHERE state='running'`, now())
	return err
}

const jobCols = `id, COALESCE(dataset_id,0), kind, state, done, total, message, error, result, started_at, finished_at`

func scanJob(row interface{ Scan(...any) error }) (JobRow, error) {
	var j JobRow
	var st, fin int64
	err := row.Scan(&j.ID, &j.DatasetID, &j.Kind, &j.State, &j.Done, &j.Total, &j.Message, &j.Error, &j.Result, &st, &fin)
	if errors.Is(err, sql.ErrNoRows) {
		return j, ErrNotFound
	}
	j.StartedAt, j.FinishedAt = fromMillis(st), fromMillis(fin)
	return j, err
}

// Job returns one job.
func (s *Store) Job(ctx context.Context, id int64) (JobRow, error) {
	return scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE id=?`, id))
}

// Jobs lists a dataset's most recent jobs (all datasets when id is 0).
func (s *Store) Jobs(ctx context.Context, datasetID int64, limit int) ([]JobRow, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE (?1 = 0 OR dataset_id = ?1) ORDER BY id DESC LIMIT ?2`, datasetID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobRow
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}
