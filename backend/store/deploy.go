package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Benchmark states.
const (
	BenchmarkRunning = "running" // answering and grading, or stopped before the end
	BenchmarkDone    = "done"    // every answer graded, report written
)

// Benchmark is one comparison of a base and a tuned model on a training
// job's validation split. Report is JSON written by backend/deploy.
type Benchmark struct {
	ID            int64     `json:"id"`
	DatasetID     int64     `json:"dataset_id"`
	JobID         int64     `json:"job_id"`
	GraderVersion string    `json:"grader_version"`
	BaseProvider  string    `json:"base_provider"`
	BaseModel     string    `json:"base_model"`
	TunedProvider string    `json:"tuned_provider"`
	TunedModel    string    `json:"tuned_model"`
	Seed          int64     `json:"seed"`
	State         string    `json:"state"`
	Report        string    `json:"-"`
	Message       string    `json:"message"`
	CreatedAt     time.Time `json:"created_at"`
	FinishedAt    time.Time `json:"finished_at"`
}

// BenchmarkAnswer is one model's answer to one record (Answer is an
// assistant message as JSON; "" with Error set when the call failed) and its
// grade (GradedVersion "" until graded).
type BenchmarkAnswer struct {
	BenchmarkID      int64   `json:"benchmark_id"`
	RecordID         int64   `json:"record_id"`
	Side             string  `json:"side"`
	Answer           string  `json:"answer"`
	Error            string  `json:"error"`
	LatencyMS        int64   `json:"latency_ms"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"`
	GradedVersion    string  `json:"graded_version"`
	Score            float64 `json:"score"`
	Result           string  `json:"result"` // the grader's result as JSON
}

const benchmarkCols = `id, dataset_id, job_id, grader_version, base_provider, base_model, tuned_provider, tuned_model, seed, state, report, message, created_at, finished_at`

func scanBenchmark(row interface{ Scan(...any) error }) (Benchmark, error) {
	var b Benchmark
	var c, f int64
	err := row.Scan(&b.ID, &b.DatasetID, &b.JobID, &b.GraderVersion, &b.BaseProvider, &b.BaseModel, &b.TunedProvider, &b.TunedModel,
		&b.Seed, &b.State, &b.Report, &b.Message, &c, &f)
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrNotFound
	}
	b.CreatedAt, b.FinishedAt = fromMillis(c), fromMillis(f)
	return b, err
}

// FindBenchmark returns the benchmark that measured exactly these things,
// if there is one (found false otherwise), so a re-run resumes it.
func (s *Store) FindBenchmark(ctx context.Context, b Benchmark) (Benchmark, bool, error) {
	out, err := scanBenchmark(s.db.QueryRowContext(ctx, `SELECT `+benchmarkCols+` FROM benchmarks
		WHERE dataset_id=? AND job_id=? AND grader_version=? AND base_provider=? AND base_model=? AND tuned_provider=? AND tuned_model=?
		ORDER BY id DESC LIMIT 1`, b.DatasetID, b.JobID, b.GraderVersion, b.BaseProvider, b.BaseModel, b.TunedProvider, b.TunedModel))
	if errors.Is(err, ErrNotFound) {
		return out, false, nil
	}
	return out, err == nil, err
}

// CreateBenchmark inserts a running benchmark.
func (s *Store) CreateBenchmark(ctx context.Context, b Benchmark) (Benchmark, error) {
	t := now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO benchmarks(dataset_id, job_id, grader_version, base_provider, base_model, tuned_provider, tuned_model, seed, state, created_at)
		VALUES(?,?,?,?,?,?,?,?,?,?)`, b.DatasetID, b.JobID, b.GraderVersion, b.BaseProvider, b.BaseModel, b.TunedProvider, b.TunedModel, b.Seed, BenchmarkRunning, t)
	if err != nil {
		return b, err
	}
	id, _ := res.LastInsertId()
	return s.BenchmarkByID(ctx, id)
}

// BenchmarkByID returns one benchmark.
func (s *Store) BenchmarkByID(ctx context.Context, id int64) (Benchmark, error) {
	b, err := scanBenchmark(s.db.QueryRowContext(ctx, `SELECT `+benchmarkCols+` FROM benchmarks WHERE id=?`, id))
	if errors.Is(err, ErrNotFound) {
		return b, fmt.Errorf("benchmark %d: %w", id, ErrNotFound)
	}
	return b, err
}

// Benchmarks lists a dataset's benchmarks, newest first.
func (s *Store) Benchmarks(ctx context.Context, datasetID int64) ([]Benchmark, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+benchmarkCols+` FROM benchmarks WHERE dataset_id=? ORDER BY id DESC`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Benchmark
	for rows.Next() {
		b, err := scanBenchmark(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// FinishBenchmark records a benchmark's state, report and message.
func (s *Store) FinishBenchmark(ctx context.Context, id int64, state, report, message string) error {
	var fin int64
	if state == BenchmarkDone {
		fin = now()
	}
	_, err := s.db.ExecContext(ctx, `UPDATE benchmarks SET state=?, report=?, message=?, finished_at=? WHERE id=?`, state, report, message, fin, id)
	return err
}

// BenchmarkAnswers returns every stored answer of a benchmark.
func (s *Store) BenchmarkAnswers(ctx context.Context, benchmarkID int64) ([]BenchmarkAnswer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record_id, side, answer, error, latency_ms, prompt_tokens, completion_tokens, cost, graded_version, score, result
		FROM benchmark_answers WHERE benchmark_id=? ORDER BY record_id, side`, benchmarkID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BenchmarkAnswer
	for rows.Next() {
		a := BenchmarkAnswer{BenchmarkID: benchmarkID}
		if err := rows.Scan(&a.RecordID, &a.Side, &a.Answer, &a.Error, &a.LatencyMS, &a.PromptTokens, &a.CompletionTokens, &a.Cost,
			&a.GradedVersion, &a.Score, &a.Result); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SaveBenchmarkAnswer stores one answer (or its failure); a failed answer
// is replaced when a later run succeeds.
func (s *Store) SaveBenchmarkAnswer(ctx context.Context, a BenchmarkAnswer) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO benchmark_answers(benchmark_id, record_id, side, answer, error, latency_ms, prompt_tokens, completion_tokens, cost)
		VALUES(?,?,?,?,?,?,?,?,?)
		ON CONFLICT(benchmark_id, record_id, side) DO UPDATE SET answer=excluded.answer, error=excluded.error, latency_ms=excluded.latency_ms,
			prompt_tokens=excluded.prompt_tokens, completion_tokens=excluded.completion_tokens, cost=excluded.cost,
			graded_version='', score=0, result=''`,
		a.BenchmarkID, a.RecordID, a.Side, a.Answer, a.Error, a.LatencyMS, a.PromptTokens, a.CompletionTokens, a.Cost)
	return err
}

// SaveBenchmarkGrade stores the grade of one answer.
func (s *Store) SaveBenchmarkGrade(ctx context.Context, benchmarkID, recordID int64, side, version string, score float64, result string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE benchmark_answers SET graded_version=?, score=?, result=? WHERE benchmark_id=? AND record_id=? AND side=?`,
		version, score, result, benchmarkID, recordID, side)
	return err
}

// Deployment states.
const (
	DeployApplying   = "applying"    // changes being made (a crash leaves it here, with what was done)
	DeployActive     = "active"      // the gateway routes as deployed
	DeployFailed     = "failed"      // failed midway; what was done was rolled back
	DeployRolledBack = "rolled_back" // Rollback restored the previous routing
	DeployStuck      = "rollback_failed"
)

// DeploymentRow is one deployment as stored. Changes is JSON written by
// backend/deploy: the before- and after-state of every touched entry.
type DeploymentRow struct {
	ID         int64     `json:"id"`
	DatasetID  int64     `json:"dataset_id"`
	Target     string    `json:"target"`
	Mode       string    `json:"mode"`
	Source     string    `json:"source"`
	ModelName  string    `json:"model_name"`
	BaseModel  string    `json:"base_model"`
	TunedModel string    `json:"tuned_model"`
	Split      int       `json:"split"`
	State      string    `json:"state"`
	Summary    string    `json:"summary"`
	Snippet    string    `json:"snippet"`
	Changes    string    `json:"-"`
	Message    string    `json:"message"`
	CreatedAt  time.Time `json:"created_at"`
	EndedAt    time.Time `json:"ended_at"`
}

const deploymentCols = `id, dataset_id, target, mode, source, model_name, base_model, tuned_model, split, state, summary, snippet, changes, message, created_at, ended_at`

func scanDeployment(row interface{ Scan(...any) error }) (DeploymentRow, error) {
	var d DeploymentRow
	var c, e int64
	err := row.Scan(&d.ID, &d.DatasetID, &d.Target, &d.Mode, &d.Source, &d.ModelName, &d.BaseModel, &d.TunedModel, &d.Split,
		&d.State, &d.Summary, &d.Snippet, &d.Changes, &d.Message, &c, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	d.CreatedAt, d.EndedAt = fromMillis(c), fromMillis(e)
	return d, err
}

// CreateDeployment inserts a deployment in the applying state.
func (s *Store) CreateDeployment(ctx context.Context, d DeploymentRow) (DeploymentRow, error) {
	if d.Changes == "" {
		d.Changes = "[]"
	}
	if d.State == "" {
		d.State = DeployApplying
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO deployments(dataset_id, target, mode, source, model_name, base_model, tuned_model, split, state, summary, snippet, changes, message, created_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, d.DatasetID, d.Target, d.Mode, d.Source, d.ModelName, d.BaseModel, d.TunedModel, d.Split,
		d.State, d.Summary, d.Snippet, d.Changes, d.Message, now())
	if err != nil {
		return d, err
	}
	id, _ := res.LastInsertId()
	return s.Deployment(ctx, id)
}

// Deployment returns one deployment.
func (s *Store) Deployment(ctx context.Context, id int64) (DeploymentRow, error) {
	d, err := scanDeployment(s.db.QueryRowContext(ctx, `SELECT `+deploymentCols+` FROM deployments WHERE id=?`, id))
	if errors.Is(err, ErrNotFound) {
		return d, fmt.Errorf("deployment %d: %w", id, ErrNotFound)
	}
	return d, err
}

// Deployments lists a dataset's deployments, newest first.
func (s *Store) Deployments(ctx context.Context, datasetID int64) ([]DeploymentRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deploymentCols+` FROM deployments WHERE dataset_id=? ORDER BY id DESC`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeploymentRow
	for rows.Next() {
		d, err := scanDeployment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveDeploymentChanges records what a deployment has changed so far
// (after every gateway call, so a crash midway still knows what to undo).
func (s *Store) SaveDeploymentChanges(ctx context.Context, id int64, changes string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE deployments SET changes=? WHERE id=?`, changes, id)
	return err
}

// SetDeploymentState records a deployment's state and message; leaving the
// active or applying state stamps ended_at.
func (s *Store) SetDeploymentState(ctx context.Context, id int64, state, message string) error {
	var ended int64
	if state != DeployActive && state != DeployApplying {
		ended = now()
	}
	_, err := s.db.ExecContext(ctx, `UPDATE deployments SET state=?, message=?, ended_at=? WHERE id=?`, state, message, ended, id)
	return err
}

// TunedModelRow is a tuned model registered with a Tracetune provider.
type TunedModelRow struct {
	DatasetID    int64     `json:"dataset_id"`
	Provider     string    `json:"provider"`
	Model        string    `json:"model"`
	BaseModel    string    `json:"base_model"`
	JobID        int64     `json:"job_id"`
	DeploymentID int64     `json:"deployment_id"`
	CreatedAt    time.Time `json:"created_at"`
}

// RegisterTunedModel records a tuned model as served by a provider.
func (s *Store) RegisterTunedModel(ctx context.Context, m TunedModelRow) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO deploy_models(dataset_id, provider, model, base_model, job_id, deployment_id, created_at) VALUES(?,?,?,?,?,?,?)
		ON CONFLICT(dataset_id, provider, model) DO UPDATE SET base_model=excluded.base_model, job_id=excluded.job_id, deployment_id=excluded.deployment_id`,
		m.DatasetID, m.Provider, m.Model, m.BaseModel, m.JobID, m.DeploymentID, now())
	return err
}

// TunedModels lists the tuned models registered for a dataset (every
// dataset when datasetID is 0), newest first.
func (s *Store) TunedModels(ctx context.Context, datasetID int64) ([]TunedModelRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT dataset_id, provider, model, base_model, job_id, deployment_id, created_at FROM deploy_models
		WHERE ?=0 OR dataset_id=? ORDER BY created_at DESC`, datasetID, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TunedModelRow
	for rows.Next() {
		var m TunedModelRow
		var c int64
		if err := rows.Scan(&m.DatasetID, &m.Provider, &m.Model, &m.BaseModel, &m.JobID, &m.DeploymentID, &c); err != nil {
			return nil, err
		}
		m.CreatedAt = fromMillis(c)
		out = append(out, m)
	}
	return out, rows.Err()
}
