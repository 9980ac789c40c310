package store

// Migration 91: per-topic totals of valid records (issue 16, item 7), so the
// datasets list and the canvas read a few rows instead of grouping a million
// records. Deletes and updates (categorization, edits, topic deletes, whose
// SET NULL is an update) keep them by trigger; inserts are counted per
// transaction by RecordTx (a trigger per inserted row would slow imports)
// and DuplicateDataset copies them.
func init() {
	register(91, "topic_counts", `
CREATE TABLE topic_counts (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	topic_id   INTEGER NOT NULL,
	n          INTEGER NOT NULL DEFAULT 0, -- valid records categorized in the topic
	low        INTEGER NOT NULL DEFAULT 0, -- of them, under the low-confidence threshold
	PRIMARY KEY (dataset_id, topic_id)
) WITHOUT ROWID;

INSERT INTO topic_counts(dataset_id, topic_id, n, low)
	SELECT dataset_id, topic_id, COUNT(*), SUM(confidence < `+lowConfidenceSQL+`)
	FROM records WHERE code = '' AND topic_id IS NOT NULL GROUP BY dataset_id, topic_id;

CREATE TRIGGER records_topic_count_del AFTER DELETE ON records
WHEN old.code = '' AND old.topic_id IS NOT NULL BEGIN
	UPDATE topic_counts SET n = n - 1, low = low - (old.confidence < `+lowConfidenceSQL+`)
	WHERE dataset_id = old.dataset_id AND topic_id = old.topic_id;
END;
CREATE TRIGGER records_topic_count_upd AFTER UPDATE OF code, topic_id, confidence, dataset_id ON records
WHEN (old.code = '' AND old.topic_id IS NOT NULL) OR (new.code = '' AND new.topic_id IS NOT NULL) BEGIN
	UPDATE topic_counts SET n = n - 1, low = low - (old.confidence < `+lowConfidenceSQL+`)
	WHERE old.code = '' AND old.topic_id IS NOT NULL AND dataset_id = old.dataset_id AND topic_id = old.topic_id;
	INSERT INTO topic_counts(dataset_id, topic_id, n, low)
	SELECT new.dataset_id, new.topic_id, 1, new.confidence < `+lowConfidenceSQL+`
	WHERE new.code = '' AND new.topic_id IS NOT NULL
	ON CONFLICT(dataset_id, topic_id) DO UPDATE SET n = n + 1, low = low + excluded.low;
END;
`)
}

// lowConfidenceSQL is record.LowConfidence as SQL text.
const lowConfidenceSQL = "0.7"
