package store

// Migrations 40–49 belong to topics and categorization.
func init() {
	// Topic names are unique per dataset: categorization, import/export and
	// the coverage JSON all address topics by name.
	register(40, "topics_unique_name", `
CREATE UNIQUE INDEX topics_name ON topics(dataset_id, name);
-- Per-topic counts of valid records (with low confidence) read only this index.
CREATE INDEX records_valid_topic ON records(dataset_id, code, topic_id, confidence);
`)
}

func init() {
	// Only categorized valid records are in the per-topic counts' index
	// (CountTopics takes the valid total from record_counts): an import's
	// records have no topic yet, and an index entry each slowed imports.
	register(41, "records_valid_topic_partial", `
DROP INDEX records_valid_topic;
CREATE INDEX records_valid_topic ON records(dataset_id, topic_id, confidence) WHERE code = '' AND topic_id IS NOT NULL;
`)
}
