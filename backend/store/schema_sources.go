package store

// Migration 30: gateway trace sources and, per dataset and source, the pull
// cursor. Keys are deliberately absent: they live in the OS keyring
// (backend/secrets), never in this file.
func init() {
	register(30, "sources", `
CREATE TABLE sources (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
	kind       TEXT NOT NULL,
	url        TEXT NOT NULL,
	project    TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- A pull reads the window [since, high) page by page; token is the next
-- page of an unfinished pull (empty once the window is done, and high is
-- then 0). Pages are committed one at a time with the cursor, so a pull that
-- fails keeps its pages and the next one continues from token.
CREATE TABLE source_cursors (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
	since      INTEGER NOT NULL DEFAULT 0,
	high       INTEGER NOT NULL DEFAULT 0,
	token      TEXT NOT NULL DEFAULT '',
	filter     TEXT NOT NULL DEFAULT '{}',
	last_new   INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (dataset_id, source_id)
) WITHOUT ROWID;
CREATE INDEX source_cursors_source ON source_cursors(source_id);
`)
}

// Migration 90: a source's look-back window (issue 16): each pull re-reads
// this many seconds before its cursor, for traces indexed late; 0 means
// the default (15 minutes), -1 (NoLookBack) none.
func init() {
	register(90, "sources_look_back", `
ALTER TABLE sources ADD COLUMN look_back_s INTEGER NOT NULL DEFAULT 0;
-- floor: a pull re-reads no earlier than this (the end of the listing a
-- dataset's traces were picked from: the others there were left out on
-- purpose)
ALTER TABLE source_cursors ADD COLUMN floor INTEGER NOT NULL DEFAULT 0;
`)
}
