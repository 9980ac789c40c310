package store

// Migration 1: datasets, records, topics, jobs and per-step state. The record
// columns already fit the whole pipeline (topics, generation, grading).
func init() {
	register(1, "core", `
CREATE TABLE datasets (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
	objective     TEXT NOT NULL DEFAULT '',
	settings      TEXT NOT NULL DEFAULT '{}',
	created_at    INTEGER NOT NULL,
	last_activity INTEGER NOT NULL
);

CREATE TABLE topics (
	id          INTEGER PRIMARY KEY,
	dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	parent_id   INTEGER REFERENCES topics(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	keywords    TEXT NOT NULL DEFAULT '[]',
	target      REAL NOT NULL DEFAULT 0,
	position    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX topics_dataset ON topics(dataset_id, parent_id, position);

CREATE TABLE records (
	id               INTEGER PRIMARY KEY,
	dataset_id       INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	line             INTEGER NOT NULL DEFAULT 0,
	raw              TEXT NOT NULL DEFAULT '',
	shape            TEXT NOT NULL DEFAULT '',
	messages         TEXT,
	tools            TEXT,
	output           TEXT,
	fields           TEXT,
	metadata         TEXT,
	source           TEXT NOT NULL DEFAULT '',
	trace_id         TEXT NOT NULL DEFAULT '',
	hash             TEXT NOT NULL DEFAULT '',
	code             TEXT NOT NULL DEFAULT '',
	detail           TEXT NOT NULL DEFAULT '',
	topic_id         INTEGER REFERENCES topics(id) ON DELETE SET NULL,
	confidence       REAL NOT NULL DEFAULT 0,
	method           TEXT NOT NULL DEFAULT '',
	generated        INTEGER NOT NULL DEFAULT 0,
	source_record_id INTEGER,
	strategy         TEXT NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
-- Every filter of the records browser is (dataset, filter column, id) so a
-- keyset page is an index range scan whatever the dataset size.
CREATE INDEX records_dataset_id    ON records(dataset_id, id);
CREATE INDEX records_code          ON records(dataset_id, code, id);
CREATE INDEX records_topic         ON records(dataset_id, topic_id, id);
CREATE INDEX records_generated     ON records(dataset_id, generated, id);
CREATE INDEX records_confidence    ON records(dataset_id, confidence, id);
CREATE INDEX records_hash          ON records(dataset_id, hash);
CREATE INDEX records_trace         ON records(dataset_id, trace_id) WHERE trace_id <> '';

CREATE TABLE jobs (
	id          INTEGER PRIMARY KEY,
	dataset_id  INTEGER REFERENCES datasets(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL,
	state       TEXT NOT NULL,
	done        INTEGER NOT NULL DEFAULT 0,
	total       INTEGER NOT NULL DEFAULT 0,
	message     TEXT NOT NULL DEFAULT '',
	error       TEXT NOT NULL DEFAULT '',
	result      TEXT NOT NULL DEFAULT '',
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_dataset ON jobs(dataset_id, id);

-- The pipeline's own memory of a step: running, failed, or the last run's
-- summary figure. Statuses are otherwise computed from the data.
CREATE TABLE step_state (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	step       INTEGER NOT NULL,
	state      TEXT NOT NULL DEFAULT '',
	message    TEXT NOT NULL DEFAULT '',
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (dataset_id, step)
);

CREATE TABLE app_settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`)
}
