package store

// Migrations 180–184 belong to the records revision: a per-dataset counter
// that every operation changing which valid records exist, or what they
// say, bumps once (records_revision.go), and that each dry run records when
// it starts, so a run measured on other data shows stale.
func init() {
	// One UPDATE per operation, in the operation's own transaction: no
	// per-row trigger on records (a trigger runs once per row, and a
	// replace of a million records would run it a million times). The
	// dry run's copy is taken by a trigger on dryruns, once per run; a
	// re-grade reuses its source run's answers, so it keeps that run's
	// revision (re-grading does not measure the current data).
	register(180, "records_revision", `
ALTER TABLE datasets ADD COLUMN records_revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dryruns ADD COLUMN records_revision INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER dryruns_records_revision AFTER INSERT ON dryruns BEGIN
	UPDATE dryruns SET records_revision = CASE WHEN new.regrade_of > 0
		THEN COALESCE((SELECT records_revision FROM dryruns WHERE id = new.regrade_of), 0)
		ELSE (SELECT records_revision FROM datasets WHERE id = new.dataset_id) END
	WHERE id = new.id;
END;
`)
}
