package store

// Migrations 100–109 belong to synthetic prompt generation (step 3's
// Generate): the runs and the candidates a person reviews before they
// become records.
func init() {
	// A candidate keeps the full prompt it would become (messages and
	// tools) so that accepting it needs no model call, and its topic by id
	// and by name (the name stays readable if the topic goes). Candidates
	// are written as they are made, so a stopped run keeps them.
	register(100, "synth_candidates", `
CREATE TABLE synth_batches (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	options    TEXT NOT NULL DEFAULT '{}',
	created_at INTEGER NOT NULL
);
CREATE TABLE synth_candidates (
	id               INTEGER PRIMARY KEY,
	dataset_id       INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	batch_id         INTEGER NOT NULL REFERENCES synth_batches(id) ON DELETE CASCADE,
	topic_id         INTEGER REFERENCES topics(id) ON DELETE SET NULL,
	topic            TEXT NOT NULL DEFAULT '',
	source_record_id INTEGER NOT NULL DEFAULT 0,
	strategy         TEXT NOT NULL,
	text             TEXT NOT NULL,
	messages         TEXT NOT NULL,
	tools            TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL DEFAULT 'pending',
	reason           TEXT NOT NULL DEFAULT '',
	detail           TEXT NOT NULL DEFAULT '',
	record_id        INTEGER NOT NULL DEFAULT 0,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX synth_candidates_status ON synth_candidates(dataset_id, status, id);
CREATE INDEX synth_candidates_batch ON synth_candidates(batch_id, id);
`)
}
