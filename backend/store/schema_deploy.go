package store

// Migrations 80–89 belong to Deploy (Step 7).
func init() {
	// A benchmark is identified by what it measured: the training job, the
	// grader version and both models. Its answers are one row per record and
	// side ("base" or "tuned"), written as each call returns, so a stopped
	// run resumes with only the missing calls; a grade is kept with the
	// grader version it came from. record_id has no foreign key: a benchmark
	// stays readable after its records change.
	//
	// A deployment keeps the exact before-state of every gateway entry it
	// touched (changes, JSON written by backend/deploy), which is what
	// Rollback replays. deploy_models are tuned models registered with a
	// Tracetune provider by a "new endpoint" deployment.
	register(80, "deploy", `
CREATE TABLE benchmarks (
	id             INTEGER PRIMARY KEY,
	dataset_id     INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	job_id         INTEGER NOT NULL DEFAULT 0,
	grader_version TEXT NOT NULL DEFAULT '',
	base_provider  TEXT NOT NULL DEFAULT '',
	base_model     TEXT NOT NULL DEFAULT '',
	tuned_provider TEXT NOT NULL DEFAULT '',
	tuned_model    TEXT NOT NULL DEFAULT '',
	seed           INTEGER NOT NULL DEFAULT 0,
	state          TEXT NOT NULL DEFAULT 'running',
	report         TEXT NOT NULL DEFAULT '',
	message        TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	finished_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX benchmarks_dataset ON benchmarks(dataset_id, id);

CREATE TABLE benchmark_answers (
	benchmark_id      INTEGER NOT NULL REFERENCES benchmarks(id) ON DELETE CASCADE,
	record_id         INTEGER NOT NULL,
	side              TEXT NOT NULL,
	answer            TEXT NOT NULL DEFAULT '',
	error             TEXT NOT NULL DEFAULT '',
	latency_ms        INTEGER NOT NULL DEFAULT 0,
	prompt_tokens     INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	cost              REAL NOT NULL DEFAULT 0,
	graded_version    TEXT NOT NULL DEFAULT '',
	score             REAL NOT NULL DEFAULT 0,
	result            TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (benchmark_id, record_id, side)
) WITHOUT ROWID;

CREATE TABLE deployments (
	id             INTEGER PRIMARY KEY,
	dataset_id     INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	target         TEXT NOT NULL,
	mode           TEXT NOT NULL,
	source         TEXT NOT NULL DEFAULT '',
	model_name     TEXT NOT NULL DEFAULT '',
	base_model     TEXT NOT NULL DEFAULT '',
	tuned_model    TEXT NOT NULL DEFAULT '',
	split          INTEGER NOT NULL DEFAULT 0,
	state          TEXT NOT NULL,
	summary        TEXT NOT NULL DEFAULT '',
	snippet        TEXT NOT NULL DEFAULT '',
	changes        TEXT NOT NULL DEFAULT '[]',
	message        TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	ended_at       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deployments_dataset ON deployments(dataset_id, id);

CREATE TABLE deploy_models (
	dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	provider      TEXT NOT NULL COLLATE NOCASE,
	model         TEXT NOT NULL,
	base_model    TEXT NOT NULL DEFAULT '',
	job_id        INTEGER NOT NULL DEFAULT 0,
	deployment_id INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	PRIMARY KEY (dataset_id, provider, model)
) WITHOUT ROWID;
`)
}
