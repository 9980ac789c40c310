package store

// Migrations 70–79 belong to training (Step 6).
func init() {
	// train_jobs is one training job: what it was started with (trainer,
	// provider, base model, grader version, the dry run it followed or the
	// NO-GO override, split seed, options), what the remote platform gave
	// back (file ids, job id, status, fine-tuned model) and its timings.
	// finished_at = 0 marks a job still to follow (polling resumes on it).
	//
	// train_split keeps which record went to which part, so Deploy's
	// benchmark reads the validation records the model never trained on;
	// record ids carry no foreign key: a record deleted later stays named
	// in the split of the job that used it.
	register(70, "train", `
CREATE TABLE train_jobs (
	id               INTEGER PRIMARY KEY,
	dataset_id       INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	trainer          TEXT NOT NULL,
	provider         TEXT NOT NULL DEFAULT '',
	base_model       TEXT NOT NULL DEFAULT '',
	grader_version   TEXT NOT NULL DEFAULT '',
	dryrun_id        INTEGER NOT NULL DEFAULT 0,
	dryrun_verdict   TEXT NOT NULL DEFAULT '',
	override_nogo    INTEGER NOT NULL DEFAULT 0,
	split_seed       INTEGER NOT NULL DEFAULT 0,
	options          TEXT NOT NULL DEFAULT '{}',
	notes            TEXT NOT NULL DEFAULT '[]',
	train_count      INTEGER NOT NULL DEFAULT 0,
	valid_count      INTEGER NOT NULL DEFAULT 0,
	train_file       TEXT NOT NULL DEFAULT '',
	valid_file       TEXT NOT NULL DEFAULT '',
	remote_id        TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL,
	remote_status    TEXT NOT NULL DEFAULT '',
	fine_tuned_model TEXT NOT NULL DEFAULT '',
	error            TEXT NOT NULL DEFAULT '',
	out_dir          TEXT NOT NULL DEFAULT '',
	trained_tokens   INTEGER NOT NULL DEFAULT 0,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	started_at       INTEGER NOT NULL DEFAULT 0,
	finished_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX train_jobs_dataset ON train_jobs(dataset_id, id);
CREATE INDEX train_jobs_open ON train_jobs(finished_at) WHERE finished_at = 0;

CREATE TABLE train_split (
	job_id    INTEGER NOT NULL REFERENCES train_jobs(id) ON DELETE CASCADE,
	record_id INTEGER NOT NULL,
	part      TEXT NOT NULL,
	topic_id  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, record_id)
) WITHOUT ROWID;
CREATE INDEX train_split_part ON train_split(job_id, part, record_id);

CREATE TABLE train_events (
	seq        INTEGER PRIMARY KEY,
	job_id     INTEGER NOT NULL REFERENCES train_jobs(id) ON DELETE CASCADE,
	remote_id  TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	level      TEXT NOT NULL DEFAULT '',
	type       TEXT NOT NULL DEFAULT '',
	message    TEXT NOT NULL DEFAULT '',
	data       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX train_events_remote ON train_events(job_id, remote_id);

CREATE TABLE train_metrics (
	job_id            INTEGER NOT NULL REFERENCES train_jobs(id) ON DELETE CASCADE,
	step              INTEGER NOT NULL,
	total_steps       INTEGER NOT NULL DEFAULT 0,
	train_reward_mean REAL,
	valid_reward_mean REAL,
	data              TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL,
	PRIMARY KEY (job_id, step)
) WITHOUT ROWID;

CREATE TABLE train_checkpoints (
	job_id     INTEGER NOT NULL REFERENCES train_jobs(id) ON DELETE CASCADE,
	remote_id  TEXT NOT NULL,
	step       INTEGER NOT NULL DEFAULT 0,
	model      TEXT NOT NULL DEFAULT '',
	metrics    TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	PRIMARY KEY (job_id, remote_id)
) WITHOUT ROWID;
`)

	// override_reason is what the one Train-gate override went past (no dry
	// run, grader changed, other model, production answers, NO-GO); jobs
	// started over a NO-GO before it existed say so.
	register(130, "train_override_reason", `
ALTER TABLE train_jobs ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';
UPDATE train_jobs SET override_reason = 'NO-GO' WHERE override_nogo = 1;
`)
}
