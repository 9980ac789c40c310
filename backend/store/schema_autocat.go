package store

// Migrations 115–119 belong to the automatic categorization of the records
// a pull or an append import adds to a dataset that has topics.
func init() {
	// One row per dataset whose new records wait for categorization: the
	// records after after_id arrived once the dataset had topics. The row
	// is written before the pull or import and deleted when their
	// categorization finished, so a stop, a failure or a crash in between
	// leaves the mark and the next run picks those records up.
	register(115, "autocat_marks", `
CREATE TABLE autocat_marks (
	dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
	after_id   INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
`)
}
