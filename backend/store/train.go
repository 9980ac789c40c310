package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TrainJob is a training job as stored. Options and Notes are JSON text
// owned by backend/train.
type TrainJob struct {
	ID             int64
	DatasetID      int64
	Trainer        string
	Provider       string
	BaseModel      string
	GraderVersion  string
	DryRunID       int64
	DryRunVerdict  string
	OverrideNoGo   bool
	OverrideReason string // what the override went past ("" without one)
	SplitSeed      int64
	Options        string
	Notes          string
	TrainCount     int
	ValidCount     int
	TrainFile      string
	ValidFile      string
	RemoteID       string
	Status         string
	RemoteStatus   string
	FineTunedModel string
	Error          string
	OutDir         string
	TrainedTokens  int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	StartedAt      time.Time
	FinishedAt     time.Time
}

// SplitRow is one record's part in a training job's split.
type SplitRow struct {
	RecordID int64
	Part     string // "train" | "validation"
	TopicID  int64
}

// TrainCandidate is a valid record as the split sees it.
type TrainCandidate struct {
	ID        int64
	TopicID   int64
	Generated bool
}

// TrainEvent is one event of a remote job (a log line or a metrics step).
type TrainEvent struct {
	Seq       int64
	RemoteID  string
	CreatedAt time.Time
	Level     string
	Type      string
	Message   string
	Data      string // JSON
}

// TrainMetric is one step's reward figures; nil when the step has none.
type TrainMetric struct {
	Step            int
	TotalSteps      int
	TrainRewardMean *float64
	ValidRewardMean *float64
	Data            string // the metrics event's data, JSON
	CreatedAt       time.Time
}

// TrainCheckpoint is one saved checkpoint of a remote job.
type TrainCheckpoint struct {
	RemoteID  string
	Step      int
	Model     string
	Metrics   string // JSON
	CreatedAt time.Time
}

const trainJobCols = `id, dataset_id, trainer, provider, base_model, grader_version, dryrun_id, dryrun_verdict, override_nogo,
	split_seed, options, notes, train_count, valid_count, train_file, valid_file, remote_id, status, remote_status,
	fine_tuned_model, error, out_dir, trained_tokens, created_at, updated_at, started_at, finished_at, override_reason`

func scanTrainJob(row interface{ Scan(...any) error }) (TrainJob, error) {
	var j TrainJob
	var created, updated, started, finished int64
	err := row.Scan(&j.ID, &j.DatasetID, &j.Trainer, &j.Provider, &j.BaseModel, &j.GraderVersion, &j.DryRunID, &j.DryRunVerdict,
		&j.OverrideNoGo, &j.SplitSeed, &j.Options, &j.Notes, &j.TrainCount, &j.ValidCount, &j.TrainFile, &j.ValidFile, &j.RemoteID,
		&j.Status, &j.RemoteStatus, &j.FineTunedModel, &j.Error, &j.OutDir, &j.TrainedTokens, &created, &updated, &started, &finished, &j.OverrideReason)
	if errors.Is(err, sql.ErrNoRows) {
		return j, ErrNotFound
	}
	j.CreatedAt, j.UpdatedAt, j.StartedAt, j.FinishedAt = fromMillis(created), fromMillis(updated), fromMillis(started), fromMillis(finished)
	return j, err
}

// TrainCandidates returns a dataset's valid records with their topic and
// whether they were generated, in id order.
func (s *Store) TrainCandidates(ctx context.Context, datasetID int64) ([]TrainCandidate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(topic_id,0), generated FROM records WHERE dataset_id=? AND code='' ORDER BY id`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrainCandidate
	for rows.Next() {
		var c TrainCandidate
		if err := rows.Scan(&c.ID, &c.TopicID, &c.Generated); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateTrainJob stores a new job and its split in one transaction.
func (s *Store) CreateTrainJob(ctx context.Context, j TrainJob, split []SplitRow) (TrainJob, error) {
	ts := now()
	err := s.tx(ctx, func(t *sql.Tx) error {
		res, err := t.ExecContext(ctx, `INSERT INTO train_jobs(dataset_id, trainer, provider, base_model, grader_version, dryrun_id,
			dryrun_verdict, override_nogo, split_seed, options, notes, train_count, valid_count, status, created_at, updated_at, override_reason)
			VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			j.DatasetID, j.Trainer, j.Provider, j.BaseModel, j.GraderVersion, j.DryRunID, j.DryRunVerdict, boolInt(j.OverrideNoGo),
			j.SplitSeed, orJSON(j.Options, "{}"), orJSON(j.Notes, "[]"), j.TrainCount, j.ValidCount, j.Status, ts, ts, j.OverrideReason)
		if err != nil {
			return fmt.Errorf("record training job: %w", err)
		}
		if j.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		st, err := t.PrepareContext(ctx, `INSERT INTO train_split(job_id, record_id, part, topic_id) VALUES(?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range split {
			if _, err := st.ExecContext(ctx, j.ID, r.RecordID, r.Part, r.TopicID); err != nil {
				return fmt.Errorf("record split of record %d: %w", r.RecordID, err)
			}
		}
		return nil
	})
	if err != nil {
		return TrainJob{}, err
	}
	return s.TrainJob(ctx, j.ID)
}

func orJSON(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// UpdateTrainJob writes the mutable part of a job: files, remote id and
// status, model, error, counts, notes, output folder and timings.
func (s *Store) UpdateTrainJob(ctx context.Context, j TrainJob) error {
	res, err := s.db.ExecContext(ctx, `UPDATE train_jobs SET notes=?, train_count=?, valid_count=?, train_file=?, valid_file=?,
		remote_id=?, status=?, remote_status=?, fine_tuned_model=?, error=?, out_dir=?, trained_tokens=?, updated_at=?, started_at=?, finished_at=?
		WHERE id=?`,
		orJSON(j.Notes, "[]"), j.TrainCount, j.ValidCount, j.TrainFile, j.ValidFile, j.RemoteID, j.Status, j.RemoteStatus,
		j.FineTunedModel, j.Error, j.OutDir, j.TrainedTokens, now(), millis(j.StartedAt), millis(j.FinishedAt), j.ID)
	if err != nil {
		return fmt.Errorf("update training job %d: %w", j.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("training job %d: %w", j.ID, ErrNotFound)
	}
	return nil
}

// SetTrainJobModel records the model a job's training produced and the
// provider that serves it, with its status and notes: a TRL job's model
// attached (or detached) after training on the user's own GPUs.
func (s *Store) SetTrainJobModel(ctx context.Context, id int64, provider, model, status, notes string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE train_jobs SET provider=?, fine_tuned_model=?, status=?, notes=?, updated_at=? WHERE id=?`,
		provider, model, status, orJSON(notes, "[]"), now(), id)
	if err != nil {
		return fmt.Errorf("update training job %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("training job %d: %w", id, ErrNotFound)
	}
	return nil
}

// TrainJob returns one job.
func (s *Store) TrainJob(ctx context.Context, id int64) (TrainJob, error) {
	j, err := scanTrainJob(s.db.QueryRowContext(ctx, `SELECT `+trainJobCols+` FROM train_jobs WHERE id=?`, id))
	if errors.Is(err, ErrNotFound) {
		return j, fmt.Errorf("training job %d: %w", id, ErrNotFound)
	}
	return j, err
}

// TrainJobs lists a dataset's jobs, newest first (every dataset's when
// datasetID is 0).
func (s *Store) TrainJobs(ctx context.Context, datasetID int64) ([]TrainJob, error) {
	return s.trainJobs(ctx, `SELECT `+trainJobCols+` FROM train_jobs WHERE (?1 = 0 OR dataset_id = ?1) ORDER BY id DESC`, datasetID)
}

// OpenTrainJobs lists the jobs not in a final state, oldest first.
func (s *Store) OpenTrainJobs(ctx context.Context) ([]TrainJob, error) {
	return s.trainJobs(ctx, `SELECT `+trainJobCols+` FROM train_jobs WHERE finished_at = 0 ORDER BY id`)
}

func (s *Store) trainJobs(ctx context.Context, q string, args ...any) ([]TrainJob, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrainJob
	for rows.Next() {
		j, err := scanTrainJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// TrainSplit returns the record ids of one part of a job's split, in id order.
func (s *Store) TrainSplit(ctx context.Context, jobID int64, part string) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record_id FROM train_split WHERE job_id=? AND part=? ORDER BY record_id`, jobID, part)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SplitCount is how many records of a topic went to one part.
type SplitCount struct {
	TopicID int64
	Topic   string
	Part    string
	N       int
}

// TrainSplitCounts counts a job's split per topic and part.
func (s *Store) TrainSplitCounts(ctx context.Context, jobID int64) ([]SplitCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sp.topic_id, COALESCE(t.name,''), sp.part, COUNT(*) FROM train_split sp
		LEFT JOIN topics t ON t.id = sp.topic_id WHERE sp.job_id=? GROUP BY sp.topic_id, sp.part ORDER BY sp.topic_id, sp.part`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SplitCount
	for rows.Next() {
		var c SplitCount
		if err := rows.Scan(&c.TopicID, &c.Topic, &c.Part, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddTrainEvents stores events not seen before (by remote id), in the
// order given (oldest first), and returns how many were new.
func (s *Store) AddTrainEvents(ctx context.Context, jobID int64, evs []TrainEvent) (int, error) {
	n := 0
	err := s.tx(ctx, func(t *sql.Tx) error {
		st, err := t.PrepareContext(ctx, `INSERT OR IGNORE INTO train_events(job_id, remote_id, created_at, level, type, message, data) VALUES(?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, e := range evs {
			res, err := st.ExecContext(ctx, jobID, e.RemoteID, millis(e.CreatedAt), e.Level, e.Type, e.Message, e.Data)
			if err != nil {
				return fmt.Errorf("store event %s: %w", e.RemoteID, err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// LastTrainEventID is the remote id of the newest stored event ("" when none).
func (s *Store) LastTrainEventID(ctx context.Context, jobID int64) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT remote_id FROM train_events WHERE job_id=? ORDER BY seq DESC LIMIT 1`, jobID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// TrainEvents returns a job's events after seq, oldest first (limit ≤ 0: all).
func (s *Store) TrainEvents(ctx context.Context, jobID, afterSeq int64, limit int) ([]TrainEvent, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, remote_id, created_at, level, type, message, data FROM train_events
		WHERE job_id=? AND seq>? ORDER BY seq LIMIT ?`, jobID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrainEvent
	for rows.Next() {
		var e TrainEvent
		var at int64
		if err := rows.Scan(&e.Seq, &e.RemoteID, &at, &e.Level, &e.Type, &e.Message, &e.Data); err != nil {
			return nil, err
		}
		e.CreatedAt = fromMillis(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// UpsertTrainMetrics stores reward figures by step (a step seen again is
// replaced).
func (s *Store) UpsertTrainMetrics(ctx context.Context, jobID int64, ms []TrainMetric) error {
	if len(ms) == 0 {
		return nil
	}
	return s.tx(ctx, func(t *sql.Tx) error {
		st, err := t.PrepareContext(ctx, `INSERT INTO train_metrics(job_id, step, total_steps, train_reward_mean, valid_reward_mean, data, created_at)
			VALUES(?,?,?,?,?,?,?) ON CONFLICT(job_id, step) DO UPDATE SET total_steps=excluded.total_steps,
			train_reward_mean=COALESCE(excluded.train_reward_mean, train_reward_mean),
			valid_reward_mean=COALESCE(excluded.valid_reward_mean, valid_reward_mean), data=excluded.data`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, m := range ms {
			if _, err := st.ExecContext(ctx, jobID, m.Step, m.TotalSteps, m.TrainRewardMean, m.ValidRewardMean, m.Data, millis(m.CreatedAt)); err != nil {
				return fmt.Errorf("store metrics of step %d: %w", m.Step, err)
			}
		}
		return nil
	})
}

// TrainMetrics returns a job's metrics in step order.
func (s *Store) TrainMetrics(ctx context.Context, jobID int64) ([]TrainMetric, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT step, total_steps, train_reward_mean, valid_reward_mean, data, created_at
		FROM train_metrics WHERE job_id=? ORDER BY step`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrainMetric
	for rows.Next() {
		var m TrainMetric
		var tr, va sql.NullFloat64
		var at int64
		if err := rows.Scan(&m.Step, &m.TotalSteps, &tr, &va, &m.Data, &at); err != nil {
			return nil, err
		}
		if tr.Valid {
			m.TrainRewardMean = &tr.Float64
		}
		if va.Valid {
			m.ValidRewardMean = &va.Float64
		}
		m.CreatedAt = fromMillis(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// UpsertTrainCheckpoints stores checkpoints by remote id.
func (s *Store) UpsertTrainCheckpoints(ctx context.Context, jobID int64, cs []TrainCheckpoint) error {
	if len(cs) == 0 {
		return nil
	}
	return s.tx(ctx, func(t *sql.Tx) error {
		st, err := t.PrepareContext(ctx, `INSERT INTO train_checkpoints(job_id, remote_id, step, model, metrics, created_at) VALUES(?,?,?,?,?,?)
			ON CONFLICT(job_id, remote_id) DO UPDATE SET step=excluded.step, model=excluded.model, metrics=excluded.metrics`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range cs {
			if _, err := st.ExecContext(ctx, jobID, c.RemoteID, c.Step, c.Model, c.Metrics, millis(c.CreatedAt)); err != nil {
				return fmt.Errorf("store checkpoint %s: %w", c.RemoteID, err)
			}
		}
		return nil
	})
}

// TrainCheckpoints returns a job's checkpoints in step order.
func (s *Store) TrainCheckpoints(ctx context.Context, jobID int64) ([]TrainCheckpoint, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT remote_id, step, model, metrics, created_at FROM train_checkpoints WHERE job_id=? ORDER BY step, remote_id`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrainCheckpoint
	for rows.Next() {
		var c TrainCheckpoint
		var at int64
		if err := rows.Scan(&c.RemoteID, &c.Step, &c.Model, &c.Metrics, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMillis(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
