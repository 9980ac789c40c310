package store

import (
	"context"
	"fmt"
)

// PromptGroup is a set of records that share a prompt but differ in their
// grader fields: distinct training items, listed as a note.
type PromptGroup struct {
	Records  int     `json:"records"`  // records with this prompt (valid or duplicate)
	Variants int     `json:"variants"` // distinct grader-field sets among them
	Lines    []int   `json:"lines"`    // line numbers of up to 10 of them
	IDs      []int64 `json:"ids"`      // ids of up to 10 of them
}

// SamePromptGroups returns up to limit groups of records whose duplicate
// keys share the prompt part (the first prefix characters, see
// health.WithFields) but not the fields part, largest first. It reads
// record_hashes and the rows not indexed yet.
func (s *Store) SamePromptGroups(ctx context.Context, datasetID int64, prefix, limit int) ([]PromptGroup, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT substr(hash, 1, ?2) AS p, COUNT(*) AS n, COUNT(DISTINCT hash) AS v,
			group_concat(line) AS lines, group_concat(id) AS ids
		FROM (SELECT hash, id, line FROM records WHERE dataset_id = ?1 AND hash <> '' AND length(hash) = 32)
		GROUP BY p HAVING COUNT(DISTINCT hash) > 1
		ORDER BY n DESC, p LIMIT ?3`, datasetID, prefix, limit)
	if err != nil {
		return nil, fmt.Errorf("same-prompt groups of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	var out []PromptGroup
	for rows.Next() {
		var g PromptGroup
		var p, lines, ids string
		if err := rows.Scan(&p, &g.Records, &g.Variants, &lines, &ids); err != nil {
			return nil, err
		}
		g.Lines = firstInts(lines, 10)
		for _, id := range firstInts(ids, 10) {
			g.IDs = append(g.IDs, int64(id))
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// firstInts parses up to n comma-separated integers.
func firstInts(s string, n int) []int {
	var out []int
	v, in := 0, false
	for i := 0; i <= len(s) && len(out) < n; i++ {
		if i == len(s) || s[i] == ',' {
			if in {
				out = append(out, v)
			}
			v, in = 0, false
			continue
		}
		if c := s[i]; c >= '0' && c <= '9' {
			v, in = v*10+int(c-'0'), true
		}
	}
	return out
}
