package store

// Migrations 50–59 belong to the grader (step 4).
func init() {
	// Every version a dataset's grader ever had is kept: dry runs, training
	// jobs and benchmarks name the version they used. grader_current points
	// at the one in force; grader_tests remembers the last Test Sample, which
	// the step's status reads.
	register(50, "graders", `
CREATE TABLE graders (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	version    TEXT NOT NULL,
	spec       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE(dataset_id, version)
);
CREATE TABLE grader_current (
	dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
	version    TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE TABLE grader_tests (
	dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
	version    TEXT NOT NULL,
	samples    INTEGER NOT NULL,
	errors     INTEGER NOT NULL,
	result     TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
`)
}
