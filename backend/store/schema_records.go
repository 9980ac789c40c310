package store

// Migrations 10–19 belong to import, health and the records browser.
func init() {
	// record_counts keeps per-(dataset, code) totals up to date through
	// triggers, so the health indicator is a dozen-row read at any dataset
	// size, whoever writes records (import, edit, pull, duplicate dataset).
	//
	// records_fts is a contentless FTS5 index of prompt text (every message's
	// text content; the raw line when there are no messages). Deletes and
	// edits keep it by trigger; inserts index a whole batch with one
	// INSERT … SELECT (RecordTx, IndexRecordsFTS), because FTS5 flushes its
	// pending terms at every statement and row-by-row indexing made imports
	// several times slower. contentless_delete lets rows be removed by rowid,
	// which is the record id.
	register(10, "records_counts_fts", `
CREATE TABLE record_counts (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	code       TEXT NOT NULL,
	n          INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (dataset_id, code)
) WITHOUT ROWID;

INSERT INTO record_counts(dataset_id, code, n)
	SELECT dataset_id, code, COUNT(*) FROM records GROUP BY dataset_id, code;

CREATE TRIGGER records_count_ins AFTER INSERT ON records BEGIN
	INSERT INTO record_counts(dataset_id, code, n) VALUES (new.dataset_id, new.code, 1)
	ON CONFLICT(dataset_id, code) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER records_count_del AFTER DELETE ON records BEGIN
	UPDATE record_counts SET n = n - 1 WHERE dataset_id = old.dataset_id AND code = old.code;
END;
CREATE TRIGGER records_count_upd AFTER UPDATE OF code, dataset_id ON records
WHEN old.code IS NOT new.code OR old.dataset_id IS NOT new.dataset_id BEGIN
	UPDATE record_counts SET n = n - 1 WHERE dataset_id = old.dataset_id AND code = old.code;
	INSERT INTO record_counts(dataset_id, code, n) VALUES (new.dataset_id, new.code, 1)
	ON CONFLICT(dataset_id, code) DO UPDATE SET n = n + 1;
END;

CREATE VIRTUAL TABLE records_fts USING fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');

CREATE TRIGGER records_fts_del AFTER DELETE ON records BEGIN
	DELETE FROM records_fts WHERE rowid = old.id;
END;
CREATE TRIGGER records_fts_upd AFTER UPDATE OF messages, raw ON records BEGIN
	DELETE FROM records_fts WHERE rowid = old.id;
	INSERT INTO records_fts(rowid, body) VALUES (new.id, `+ftsBody("new")+`);
END;

INSERT INTO records_fts(rowid, body) SELECT id, `+ftsBody("records")+` FROM records;
`)
}

func init() {
	// The search index keeps no token positions (detail=none): search is
	// an AND of words and a prefix, never a phrase, and building positions
	// made the index twice as slow to write. Rebuilt from the records.
	register(11, "records_fts_detail_none", `
DROP TABLE records_fts;
CREATE VIRTUAL TABLE records_fts USING fts5(body, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2');
INSERT INTO records_fts(rowid, body) SELECT id, `+ftsBody("records")+` FROM records;
`)
}

// ftsBody is the SQL expression for the searchable text of a record row t:
// the text of every message (string content, or the text parts of a content
// array), or the raw line when the record has no usable messages, cut at
// ftsMaxChars.
func ftsBody(t string) string {
	msgs := unpackSQL(t + ".messages")
	return `substr(CASE WHEN json_valid(` + msgs + `) AND json_type(` + msgs + `) = 'array' THEN
		(SELECT group_concat(CASE json_type(m.value, '$.content')
			WHEN 'text' THEN json_extract(m.value, '$.content')
			WHEN 'array' THEN (SELECT group_concat(json_extract(p.value, '$.text'), ' ')
				FROM json_each(m.value, '$.content') p WHERE p.type = 'object')
			END, ' ') FROM json_each(` + msgs + `) m WHERE m.type = 'object')
		ELSE ` + unpackSQL(t+".raw") + ` END, 1, ` + ftsMaxChars + `)`
}

// ftsMaxChars bounds the text indexed per record: prompts are a few hundred
// characters, while a pasted report can be 100 KB and would cost more to
// index than all the ordinary prompts around it. Search covers the first
// 16,000 characters of a record's prompt text.
const ftsMaxChars = "16000"

func init() {
	// What an import writes per record, made cheap (issue 3's speed bar):
	//   - per-code totals on insert are added by the inserting code once
	//     per transaction instead of by a trigger per row;
	//   - the code, topic, generated and confidence indexes (and, from
	//     migration 41, the per-topic counts' one) leave out what most
	//     imported records have (valid, no topic, not generated,
	//     confidence 0):
	//     those filters walk the (dataset, id) index instead, and find a
	//     page at once since such records are the many (see where);
	//   - the search index and the prompt-hash index (record_hashes, which
	//     replaces an index on records whose random inserts cost more than
	//     the rest of a row) take new records in after their import
	//     commits: index_backlog names the id ranges not indexed yet
	//     (written in the import's transaction, so a crash loses nothing),
	//     a background indexer drains it in hash order, and searches and
	//     hash lookups also read the pending ranges directly (see
	//     index_backlog.go). Delete and update triggers leave the search
	//     index of pending rows to the indexer; record_hashes is kept by
	//     triggers for every row (the indexer adds rows with OR IGNORE).
	register(12, "records_fast_import", `
DROP INDEX records_hash;
CREATE TABLE record_hashes (
	dataset_id INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	id         INTEGER NOT NULL,
	PRIMARY KEY (dataset_id, hash, id)
) WITHOUT ROWID;
INSERT INTO record_hashes(dataset_id, hash, id) SELECT dataset_id, hash, id FROM records WHERE hash <> '';
CREATE TRIGGER records_hash_del AFTER DELETE ON records WHEN old.hash <> '' BEGIN
	DELETE FROM record_hashes WHERE dataset_id = old.dataset_id AND hash = old.hash AND id = old.id;
END;
CREATE TRIGGER records_hash_upd AFTER UPDATE OF hash ON records WHEN old.hash IS NOT new.hash BEGIN
	DELETE FROM record_hashes WHERE dataset_id = old.dataset_id AND hash = old.hash AND id = old.id;
	INSERT OR IGNORE INTO record_hashes(dataset_id, hash, id) SELECT new.dataset_id, new.hash, new.id WHERE new.hash <> '';
END;

DROP TRIGGER records_count_ins;

DROP INDEX records_code;
DROP INDEX records_topic;
DROP INDEX records_generated;
DROP INDEX records_confidence;
CREATE INDEX records_code       ON records(dataset_id, code, id) WHERE code <> '';
CREATE INDEX records_topic      ON records(dataset_id, topic_id, id) WHERE topic_id IS NOT NULL;
CREATE INDEX records_generated  ON records(dataset_id, id) WHERE generated = 1;
CREATE INDEX records_confidence ON records(dataset_id, confidence, id) WHERE confidence <> 0;

CREATE TABLE index_backlog (
	dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
	lo         INTEGER NOT NULL,
	hi         INTEGER NOT NULL
);
DROP TRIGGER records_fts_del;
DROP TRIGGER records_fts_upd;
CREATE TRIGGER records_fts_del AFTER DELETE ON records
WHEN NOT EXISTS (SELECT 1 FROM index_backlog b WHERE old.id BETWEEN b.lo AND b.hi) BEGIN
	DELETE FROM records_fts WHERE rowid = old.id;
END;
CREATE TRIGGER records_fts_upd AFTER UPDATE OF messages, raw ON records
WHEN NOT EXISTS (SELECT 1 FROM index_backlog b WHERE old.id BETWEEN b.lo AND b.hi) BEGIN
	DELETE FROM records_fts WHERE rowid = old.id;
	INSERT INTO records_fts(rowid, body) VALUES (new.id, `+ftsBody("new")+`);
END;
`)
}
