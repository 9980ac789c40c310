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

func init() {
	// Deleting records (a replace import, a delete) drops the model: the
	// vectorizer was fitted on them, and record ids may be reused. Editing
	// a record's messages changes its vector, and a record that becomes
	// valid or invalid joins or leaves the sums: the topic sums go (they
	// are rebuilt with the model, without a fit).
	register(171, "topic_models_invalidation", `
CREATE TRIGGER records_delete_topic_model AFTER DELETE ON records BEGIN
	DELETE FROM topic_models WHERE dataset_id = old.dataset_id;
END;
CREATE TRIGGER records_edit_topic_sums AFTER UPDATE OF messages ON records BEGIN
	UPDATE topic_models SET seeds = NULL WHERE dataset_id = old.dataset_id AND seeds IS NOT NULL;
END;
CREATE TRIGGER records_code_topic_sums AFTER UPDATE OF code ON records WHEN old.code IS NOT new.code BEGIN
	UPDATE topic_models SET seeds = NULL WHERE dataset_id = old.dataset_id AND seeds IS NOT NULL;
END;
`)
}

func init() {
	// A trigger runs once per row: on a replace or a bulk delete of a
	// million records the model's was a million statements. Deletes and
	// edits now drop the model or its sums once per operation, in the
	// statement's own transaction (DeleteAll, DeleteRecordIDs,
	// UpdateRecordContent); the per-row trigger stays only for a record
	// whose validity changes, which revalidation does for the few that do.
	register(172, "topic_models_invalidation_per_operation", `
DROP TRIGGER records_delete_topic_model;
DROP TRIGGER records_edit_topic_sums;
`)
}
