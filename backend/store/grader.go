package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// GraderVersion is one stored version of a dataset's grader: its canonical
// JSON and the short hash that names it.
type GraderVersion struct {
	DatasetID int64     `json:"dataset_id"`
	Version   string    `json:"version"`
	Spec      string    `json:"spec"`
	CreatedAt time.Time `json:"created_at"`
}

// GraderTest is the outcome of the last Test Sample of a dataset's grader.
type GraderTest struct {
	Version   string    `json:"version"`
	Samples   int       `json:"samples"`
	Errors    int       `json:"errors"` // samples with at least one component error
	Result    string    `json:"result"` // the test result as JSON
	CreatedAt time.Time `json:"created_at"`
}

// SaveGrader stores a grader version (kept if already known) and makes it
// the dataset's current grader.
func (s *Store) SaveGrader(ctx context.Context, datasetID int64, version, spec string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		t := now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO graders(dataset_id, version, spec, created_at) VALUES(?,?,?,?)
			ON CONFLICT(dataset_id, version) DO NOTHING`, datasetID, version, spec, t); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO grader_current(dataset_id, version, updated_at) VALUES(?,?,?)
			ON CONFLICT(dataset_id) DO UPDATE SET version=excluded.version, updated_at=excluded.updated_at`, datasetID, version, t)
		return err
	})
}

// CurrentGrader returns the dataset's grader in force, or ErrNotFound when
// none was ever saved.
func (s *Store) CurrentGrader(ctx context.Context, datasetID int64) (GraderVersion, error) {
	return s.graderRow(ctx, `SELECT g.dataset_id, g.version, g.spec, g.created_at FROM grader_current c
		JOIN graders g ON g.dataset_id = c.dataset_id AND g.version = c.version WHERE c.dataset_id = ?`, datasetID)
}

// GraderByVersion returns one stored version (ErrNotFound if unknown).
func (s *Store) GraderByVersion(ctx context.Context, datasetID int64, version string) (GraderVersion, error) {
	return s.graderRow(ctx, `SELECT dataset_id, version, spec, created_at FROM graders WHERE dataset_id = ? AND version = ?`, datasetID, version)
}

func (s *Store) graderRow(ctx context.Context, q string, args ...any) (GraderVersion, error) {
	var g GraderVersion
	var c int64
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&g.DatasetID, &g.Version, &g.Spec, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return g, ErrNotFound
	}
	g.CreatedAt = fromMillis(c)
	return g, err
}

// GraderVersions lists every stored version of a dataset's grader, newest
// first.
func (s *Store) GraderVersions(ctx context.Context, datasetID int64) ([]GraderVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT dataset_id, version, spec, created_at FROM graders WHERE dataset_id = ? ORDER BY created_at DESC, id DESC`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GraderVersion
	for rows.Next() {
		var g GraderVersion
		var c int64
		if err := rows.Scan(&g.DatasetID, &g.Version, &g.Spec, &c); err != nil {
			return nil, err
		}
		g.CreatedAt = fromMillis(c)
		out = append(out, g)
	}
	return out, rows.Err()
}

// SaveGraderTest remembers the last Test Sample of a dataset.
func (s *Store) SaveGraderTest(ctx context.Context, datasetID int64, t GraderTest) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO grader_tests(dataset_id, version, samples, errors, result, created_at) VALUES(?,?,?,?,?,?)
		ON CONFLICT(dataset_id) DO UPDATE SET version=excluded.version, samples=excluded.samples, errors=excluded.errors,
		result=excluded.result, created_at=excluded.created_at`, datasetID, t.Version, t.Samples, t.Errors, t.Result, now())
	return err
}

// LastGraderTest returns the last Test Sample of a dataset (ErrNotFound when
// none ran).
func (s *Store) LastGraderTest(ctx context.Context, datasetID int64) (GraderTest, error) {
	var t GraderTest
	var c int64
	err := s.db.QueryRowContext(ctx, `SELECT version, samples, errors, result, created_at FROM grader_tests WHERE dataset_id = ?`, datasetID).
		Scan(&t.Version, &t.Samples, &t.Errors, &t.Result, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	t.CreatedAt = fromMillis(c)
	return t, err
}

// ValidRecordIDs returns the ids of a dataset's valid records in id order
// (Test Sample draws from them).
func (s *Store) ValidRecordIDs(ctx context.Context, datasetID int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM records WHERE dataset_id = ? AND code = '' ORDER BY id`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
