package store

import (
	"context"
	"fmt"
	"strings"
)

// Check verifies the database after an unclean stop: SQLite's own integrity
// check, and that what is kept beside the records (per-code totals, prompt
// hashes) equals a recount of them.
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
	// Each query counts the rows where what is kept beside the records and
	// a recount of them differ.
	for _, c := range []struct{ what, query string }{
		{"record_counts disagrees with the records for %d (dataset, code) pairs",
			`WITH recount AS (SELECT dataset_id, code, COUNT(*) AS n FROM records GROUP BY dataset_id, code),
			kept AS (SELECT dataset_id, code, n FROM record_counts WHERE n <> 0)
			SELECT (SELECT COUNT(*) FROM (SELECT * FROM recount EXCEPT SELECT * FROM kept))
			     + (SELECT COUNT(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM recount))`},
		{"topic_counts disagrees with the records for %d (dataset, topic) pairs",
			`WITH recount AS (SELECT dataset_id, topic_id, COUNT(*) AS n, SUM(confidence < ` + lowConfidenceSQL + `) AS low
				FROM records WHERE code = '' AND topic_id IS NOT NULL GROUP BY dataset_id, topic_id),
			kept AS (SELECT dataset_id, topic_id, n, low FROM topic_counts WHERE n <> 0 OR low <> 0)
			SELECT (SELECT COUNT(*) FROM (SELECT * FROM recount EXCEPT SELECT * FROM kept))
			     + (SELECT COUNT(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM recount))`},
		// records still waiting for the indexer may or may not have theirs yet
		{"record_hashes disagrees with the records for %d rows",
			`WITH want AS (SELECT dataset_id, hash, id FROM records WHERE hash <> ''),
			indexed AS (SELECT * FROM want w WHERE NOT EXISTS (SELECT 1 FROM index_backlog b WHERE w.id BETWEEN b.lo AND b.hi))
			SELECT (SELECT COUNT(*) FROM (SELECT * FROM indexed EXCEPT SELECT * FROM record_hashes))
			     + (SELECT COUNT(*) FROM (SELECT * FROM record_hashes EXCEPT SELECT * FROM want))`},
	} {
		var bad int
		if err := s.db.QueryRowContext(ctx, c.query).Scan(&bad); err != nil {
			return err
		}
		if bad > 0 {
			return fmt.Errorf(c.what, bad)
		}
	}
	return nil
}
