package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// migration is one forward-only schema step. Each area of the schema lives in
// its own schema_*.go file and registers its steps from init, so that
// numbering is explicit and the files stay small.
type migration struct {
	version int
	name    string
	sql     string
}

var migrations []migration

func register(version int, name, sql string) {
	for _, m := range migrations {
		if m.version == version {
			panic(fmt.Sprintf("store: migration %d registered twice (%s, %s)", version, m.name, name))
		}
	}
	migrations = append(migrations, migration{version, name, sql})
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	sort.Slice(migrations, func(i, j int) bool { return migrations[i].version < migrations[j].version })
	for _, m := range migrations {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		err := s.tx(ctx, func(t *sql.Tx) error {
			if _, err := t.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := t.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES(?,?,?)`, m.version, m.name, now())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// SchemaVersion reports the newest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}
