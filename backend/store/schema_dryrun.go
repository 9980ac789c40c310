package store

// Migrations 60–69 belong to the dry run (Step 5).
func init() {
	// A dry run and its samples. Every sample row is written when the run
	// is created (the stratified sample, fixed by the seed), then filled in
	// as its answer and its grade finish, so a stopped or crashed run
	// resumes from exactly what is missing. record_id has no foreign key on
	// purpose: a run stays readable after its records are edited or deleted.
	register(60, "dryruns", `
CREATE TABLE dryruns (
	id             INTEGER PRIMARY KEY,
	dataset_id     INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	state          TEXT NOT NULL DEFAULT 'running',
	n              INTEGER NOT NULL,
	seed           INTEGER NOT NULL,
	responses      TEXT NOT NULL,
	regrade_of     INTEGER NOT NULL DEFAULT 0,
	provider       TEXT NOT NULL DEFAULT '',
	model          TEXT NOT NULL DEFAULT '',
	grader_version TEXT NOT NULL DEFAULT '',
	grader         TEXT NOT NULL DEFAULT '',
	verdict        TEXT NOT NULL DEFAULT '',
	report         TEXT NOT NULL DEFAULT '',
	message        TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	finished_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX dryruns_dataset ON dryruns(dataset_id, id);

CREATE TABLE dryrun_samples (
	run_id            INTEGER NOT NULL REFERENCES dryruns(id) ON DELETE CASCADE,
	position          INTEGER NOT NULL,
	record_id         INTEGER NOT NULL,
	topic             TEXT NOT NULL DEFAULT '',
	generated         INTEGER NOT NULL DEFAULT 0,
	answer            TEXT,
	latency_ms        INTEGER NOT NULL DEFAULT 0,
	prompt_tokens     INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	graded_version    TEXT NOT NULL DEFAULT '',
	score             REAL NOT NULL DEFAULT 0,
	components        TEXT NOT NULL DEFAULT '{}',
	reasoning         TEXT NOT NULL DEFAULT '{}',
	errors            TEXT NOT NULL DEFAULT '[]',
	PRIMARY KEY (run_id, position)
);
`)
}
