package store

// Migration 20: model providers, role assignments, the editable price table,
// token/cost accounting and the embedding cache. API keys are deliberately
// absent: they live in the OS keyring (backend/secrets), never in this file.
func init() {
	register(20, "llm", `
CREATE TABLE providers (
	id              INTEGER PRIMARY KEY,
	name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
	kind            TEXT NOT NULL,
	base_url        TEXT NOT NULL,
	api_version     TEXT NOT NULL DEFAULT '',
	concurrency     INTEGER NOT NULL DEFAULT 8,
	rpm             INTEGER NOT NULL DEFAULT 0,
	max_retries     INTEGER NOT NULL DEFAULT 5,
	timeout_ms      INTEGER NOT NULL DEFAULT 120000,
	structured_mode TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);

-- Which provider and model serve each role. provider is a name so that the
-- environment's provider (OPENAI_API_KEY, no row) can be assigned too.
CREATE TABLE llm_roles (
	role       TEXT PRIMARY KEY,
	provider   TEXT NOT NULL COLLATE NOCASE,
	model      TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);

-- USD per million tokens. Looked up by exact model, then longest prefix.
CREATE TABLE llm_prices (
	model             TEXT PRIMARY KEY,
	prompt_per_m      REAL NOT NULL DEFAULT 0,
	completion_per_m  REAL NOT NULL DEFAULT 0,
	updated_at        INTEGER NOT NULL
);
INSERT INTO llm_prices(model, prompt_per_m, completion_per_m, updated_at) VALUES
	('gpt-4o', 2.50, 10.00, 0),
	('gpt-4o-mini', 0.15, 0.60, 0),
	('gpt-4.1', 2.00, 8.00, 0),
	('gpt-4.1-mini', 0.40, 1.60, 0),
	('gpt-4.1-nano', 0.10, 0.40, 0),
	('gpt-5', 1.25, 10.00, 0),
	('gpt-5-mini', 0.25, 2.00, 0),
	('gpt-5-nano', 0.05, 0.40, 0),
	('o3', 2.00, 8.00, 0),
	('o3-mini', 1.10, 4.40, 0),
	('o4-mini', 1.10, 4.40, 0),
	('text-embedding-3-small', 0.02, 0, 0),
	('text-embedding-3-large', 0.13, 0, 0),
	('text-embedding-ada-002', 0.10, 0, 0);

-- Accounting, aggregated per (dataset, action, provider, model) so that a
-- 100k-call job is one row, not 100k. dataset_id 0 = not tied to a dataset.
CREATE TABLE llm_usage (
	dataset_id        INTEGER NOT NULL DEFAULT 0,
	action            TEXT NOT NULL,
	provider          TEXT NOT NULL,
	model             TEXT NOT NULL,
	calls             INTEGER NOT NULL DEFAULT 0,
	prompt_tokens     INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	cost              REAL NOT NULL DEFAULT 0,
	updated_at        INTEGER NOT NULL,
	PRIMARY KEY (dataset_id, action, provider, model)
) WITHOUT ROWID;
CREATE TRIGGER llm_usage_dataset_gone AFTER DELETE ON datasets BEGIN
	DELETE FROM llm_usage WHERE dataset_id = OLD.id;
END;

-- Embeddings by model + sha256(text): a re-run on the same texts calls nothing.
CREATE TABLE embedding_cache (
	model      TEXT NOT NULL,
	hash       BLOB NOT NULL,
	vector     BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (model, hash)
) WITHOUT ROWID;
`)
}
