package store

// Migrations 170–174 belong to the categorization model cache.
func init() {
	// One row per dataset: the offline vectorizer categorization fitted on
	// its records (vocabulary, IDF, LSA basis; opaque to the store) and the
	// per-topic sums of the vectors of the records on each topic, so that
	// categorizing a few new records reads and vectorizes only them. The
	// sums belong to one model: stamp ties them to it.
	register(170, "topic_models", `
CREATE TABLE topic_models (
	dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
	stamp      INTEGER NOT NULL,
	records    INTEGER NOT NULL,
	model      BLOB NOT NULL,
	seeds      BLOB,
	updated_at INTEGER NOT NULL
);
`)
}
