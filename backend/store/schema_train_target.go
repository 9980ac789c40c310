package store

// Migrations 150–154 belong to the training target.
func init() {
	// The trainer, provider and base model the user chose for a dataset
	// (Step 6's form, `train target`), saved when chosen rather than when a
	// job starts, so Step 5's dry run measures the model Step 6 will train.
	// "" in provider or model means the training role's / the trainer's
	// default, resolved when read.
	register(150, "train_targets", `
CREATE TABLE train_targets (
	dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
	trainer    TEXT NOT NULL,
	provider   TEXT NOT NULL DEFAULT '',
	model      TEXT NOT NULL DEFAULT '',
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`)
}
