package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"tracetune/backend/record"
)

// Dry run states.
const (
	DryRunRunning = "running" // being answered and graded, or stopped/crashed before the end
	DryRunDone    = "done"    // every sample graded, report written
)

// DryRun is one dry run of a dataset: its options, what it measured with
// and, once done, its verdict and report (JSON written by backend/dryrun).
type DryRun struct {
	ID            int64     `json:"id"`
	DatasetID     int64     `json:"dataset_id"`
	State         string    `json:"state"`
	N             int       `json:"n"`    // requested sample size
	Seed          int64     `json:"seed"` // sampling seed
	Responses     string    `json:"responses"`
	RegradeOf     int64     `json:"regrade_of"` // run whose answers were reused; 0 = none
	Provider      string    `json:"provider"`
	Model         string    `json:"model"`
	GraderVersion string    `json:"grader_version"`
	Grader        string    `json:"-"` // the grader's JSON as measured
	Verdict       string    `json:"verdict"`
	Report        string    `json:"-"`
	Message       string    `json:"message"` // why the run last stopped, if it did
	CreatedAt     time.Time `json:"created_at"`
	FinishedAt    time.Time `json:"finished_at"`
}

// DryRunSample is one sampled record of a run: its answer (an assistant
// message as JSON, "" until asked) and its grade (GradedVersion "" until
// graded with the run's grader).
type DryRunSample struct {
	RunID            int64  `json:"run_id"`
	Position         int    `json:"position"`
	RecordID         int64  `json:"record_id"`
	Topic            string `json:"topic"`
	Generated        bool   `json:"generated"`
	Answer           string `json:"answer"`
	LatencyMS        int64  `json:"latency_ms"`
	PromptTokens     int64  `json:"prompt_tokens"`
	CompletionTokens int64  `json:"completion_tokens"`
	GradedVersion    string `json:"graded_version"`
	Score            float64
	Components       string // JSON object name → score
	Reasoning        string // JSON object name → text
	Errors           string // JSON array of strings
}

// DryRunCandidate is a valid record as the sampler sees it.
type DryRunCandidate struct {
	ID        int64
	TopicID   int64 // 0 = uncategorized
	Topic     string
	Generated bool
	HasOutput bool // the record has a production response
}

const dryRunCols = `id, dataset_id, state, n, seed, responses, regrade_of, provider, model, grader_version, grader, verdict, report, message, created_at, finished_at`

func scanDryRun(row interface{ Scan(...any) error }) (DryRun, error) {
	var r DryRun
	var c, f int64
	err := row.Scan(&r.ID, &r.DatasetID, &r.State, &r.N, &r.Seed, &r.Responses, &r.RegradeOf, &r.Provider, &r.Model,
		&r.GraderVersion, &r.Grader, &r.Verdict, &r.Report, &r.Message, &c, &f)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	r.CreatedAt, r.FinishedAt = fromMillis(c), fromMillis(f)
	return r, err
}

// DryRunCandidates lists a dataset's valid records (id order) with their
// topic and whether they are generated or have a production response.
func (s *Store) DryRunCandidates(ctx context.Context, datasetID int64) ([]DryRunCandidate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, COALESCE(r.topic_id, 0), COALESCE(t.name, ''), r.generated,
		r.output IS NOT NULL AND r.output <> '' AND r.output <> 'null'
		FROM records r LEFT JOIN topics t ON t.id = r.topic_id WHERE r.dataset_id = ? AND r.code = '' ORDER BY r.id`, datasetID)
	if err != nil {
		return nil, fmt.Errorf("dry run candidates of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	var out []DryRunCandidate
	for rows.Next() {
		var c DryRunCandidate
		if err := rows.Scan(&c.ID, &c.TopicID, &c.Topic, &c.Generated, &c.HasOutput); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateDryRun stores a new run and its sample rows in one transaction.
// Sample rows may carry answers already (a re-grade copies them).
func (s *Store) CreateDryRun(ctx context.Context, r DryRun, samples []DryRunSample) (DryRun, error) {
	r.State = DryRunRunning
	r.CreatedAt = time.UnixMilli(now()).UTC()
	err := s.tx(ctx, func(t *sql.Tx) error {
		res, err := t.ExecContext(ctx, `INSERT INTO dryruns(dataset_id, state, n, seed, responses, regrade_of, provider, model, grader_version, grader, created_at)
			VALUES(?,?,?,?,?,?,?,?,?,?,?)`, r.DatasetID, r.State, r.N, r.Seed, r.Responses, r.RegradeOf, r.Provider, r.Model,
			r.GraderVersion, r.Grader, r.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		r.ID, _ = res.LastInsertId()
		ins, err := t.PrepareContext(ctx, `INSERT INTO dryrun_samples(run_id, position, record_id, topic, generated, answer, latency_ms, prompt_tokens, completion_tokens)
			VALUES(?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, x := range samples {
			if _, err := ins.ExecContext(ctx, r.ID, x.Position, x.RecordID, x.Topic, x.Generated, nullStr(x.Answer), x.LatencyMS, x.PromptTokens, x.CompletionTokens); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("create dry run of dataset %d: %w", r.DatasetID, err)
	}
	return r, nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// DryRunByID returns one run.
func (s *Store) DryRunByID(ctx context.Context, id int64) (DryRun, error) {
	r, err := scanDryRun(s.db.QueryRowContext(ctx, `SELECT `+dryRunCols+` FROM dryruns WHERE id = ?`, id))
	if err != nil {
		return r, fmt.Errorf("dry run %d: %w", id, err)
	}
	return r, nil
}

// DryRuns lists a dataset's runs, newest first.
func (s *Store) DryRuns(ctx context.Context, datasetID int64) ([]DryRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+dryRunCols+` FROM dryruns WHERE dataset_id = ? ORDER BY id DESC`, datasetID)
	if err != nil {
		return nil, fmt.Errorf("dry runs of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	var out []DryRun
	for rows.Next() {
		r, err := scanDryRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LatestDryRun returns a dataset's newest run (only finished ones when
// doneOnly), or ErrNotFound.
func (s *Store) LatestDryRun(ctx context.Context, datasetID int64, doneOnly bool) (DryRun, error) {
	q := `SELECT ` + dryRunCols + ` FROM dryruns WHERE dataset_id = ?`
	if doneOnly {
		q += ` AND state = 'done'`
	}
	return scanDryRun(s.db.QueryRowContext(ctx, q+` ORDER BY id DESC LIMIT 1`, datasetID))
}

// SetDryRunGrader records the grader a run measures with from now on;
// samples graded with another version are graded again.
func (s *Store) SetDryRunGrader(ctx context.Context, id int64, version, graderJSON string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE dryruns SET grader_version = ?, grader = ? WHERE id = ?`, version, graderJSON, id)
	return err
}

// SetDryRunMessage records why a run stopped (it stays resumable).
func (s *Store) SetDryRunMessage(ctx context.Context, id int64, msg string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE dryruns SET message = ? WHERE id = ?`, msg, id)
	return err
}

// FinishDryRun marks a run done with its verdict and report.
func (s *Store) FinishDryRun(ctx context.Context, id int64, verdict, report string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE dryruns SET state = 'done', verdict = ?, report = ?, message = '', finished_at = ? WHERE id = ?`,
		verdict, report, now(), id)
	return err
}

const dryRunSampleCols = `run_id, position, record_id, topic, generated, COALESCE(answer, ''), latency_ms, prompt_tokens, completion_tokens,
	graded_version, score, components, reasoning, errors`

// DryRunSamples returns a run's samples in position order.
func (s *Store) DryRunSamples(ctx context.Context, runID int64) ([]DryRunSample, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+dryRunSampleCols+` FROM dryrun_samples WHERE run_id = ? ORDER BY position`, runID)
	if err != nil {
		return nil, fmt.Errorf("samples of dry run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []DryRunSample
	for rows.Next() {
		var x DryRunSample
		if err := rows.Scan(&x.RunID, &x.Position, &x.RecordID, &x.Topic, &x.Generated, &x.Answer, &x.LatencyMS, &x.PromptTokens,
			&x.CompletionTokens, &x.GradedVersion, &x.Score, &x.Components, &x.Reasoning, &x.Errors); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// DryRunLatency is the mean answer latency of a model's earlier runs (0
// when none), for the preview's time estimate.
func (s *Store) DryRunLatency(ctx context.Context, model string) (time.Duration, error) {
	var ms sql.NullFloat64
	err := s.db.QueryRowContext(ctx, `SELECT AVG(x.latency_ms) FROM dryrun_samples x JOIN dryruns r ON r.id = x.run_id
		WHERE r.model = ? AND r.responses = 'base' AND x.answer IS NOT NULL AND x.latency_ms > 0`, model).Scan(&ms)
	if err != nil {
		return 0, err
	}
	return time.Duration(ms.Float64 * float64(time.Millisecond)), nil
}

// DryRunRecords reads the records of a batch of samples by id (missing ids
// are left out), topic names filled.
func (s *Store) DryRunRecords(ctx context.Context, ids []int64) (map[int64]record.Record, error) {
	out := make(map[int64]record.Record, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+recordCols+` FROM records r LEFT JOIN topics t ON t.id = r.topic_id
			WHERE r.id IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("records of dry run samples: %w", err)
		}
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[r.ID] = r
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// DryRunWrite is one finished answer (Answer set) or grade (Version set)
// of a sample, for SaveDryRunWrites.
type DryRunWrite struct {
	RunID    int64
	Position int
	// answer
	Answer                                    string
	LatencyMS, PromptTokens, CompletionTokens int64
	// grade
	Version                       string
	Score                         float64
	Components, Reasoning, Errors string
}

// SaveDryRunWrites stores answers and grades in one transaction, in order:
// samples that finish together cost one commit, not one each.
func (s *Store) SaveDryRunWrites(ctx context.Context, ws []DryRunWrite) error {
	err := s.tx(ctx, func(t *sql.Tx) error {
		for _, w := range ws {
			var err error
			if w.Version == "" {
				_, err = t.ExecContext(ctx, `UPDATE dryrun_samples SET answer = ?, latency_ms = ?, prompt_tokens = ?, completion_tokens = ? WHERE run_id = ? AND position = ?`,
					w.Answer, w.LatencyMS, w.PromptTokens, w.CompletionTokens, w.RunID, w.Position)
			} else {
				_, err = t.ExecContext(ctx, `UPDATE dryrun_samples SET graded_version = ?, score = ?, components = ?, reasoning = ?, errors = ? WHERE run_id = ? AND position = ?`,
					w.Version, w.Score, w.Components, w.Reasoning, w.Errors, w.RunID, w.Position)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %d dry run results: %w", len(ws), err)
	}
	return nil
}
