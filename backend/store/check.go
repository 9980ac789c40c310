package store

import (
	"context"
	"fmt"
	"strings"
)

// Check verifies the database after an unclean stop: SQLite's own integrity
// check, and that the per-code totals kept by triggers equal a recount of
// the records.
func (s *Store) Check(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	var problems []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return err
		}
		if msg != "ok" {
			problems = append(problems, msg)
		}
	}
	rows.Close()
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	var bad int
	err = s.db.QueryRowContext(ctx, `WITH recount AS (SELECT dataset_id, code, COUNT(*) AS n FROM records GROUP BY dataset_id, code),
		kept AS (SELECT dataset_id, code, n FROM record_counts WHERE n <> 0)
		SELECT (SELECT COUNT(*) FROM (SELECT * FROM recount EXCEPT SELECT * FROM kept))
		     + (SELECT COUNT(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM recount))`).Scan(&bad)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("record_counts disagrees with the records for %d (dataset, code) pairs", bad)
	}
	return nil
}
