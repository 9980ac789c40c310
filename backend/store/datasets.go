package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"tracetune/backend/record"
)

// ErrNameTaken is returned when a dataset name is already in use.
var ErrNameTaken = errors.New("a dataset with that name already exists")

// CreateDataset adds an empty dataset with default validation settings.
func (s *Store) CreateDataset(ctx context.Context, name, objective string) (record.Dataset, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return record.Dataset{}, errors.New("dataset name is empty")
	}
	d := record.Dataset{Name: name, Objective: strings.TrimSpace(objective), Settings: record.DefaultSettings()}
	set, _ := json.Marshal(d.Settings)
	t := now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO datasets(name, objective, settings, created_at, last_activity) VALUES(?,?,?,?,?)`,
		d.Name, d.Objective, string(set), t, t)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return d, fmt.Errorf("%q: %w", name, ErrNameTaken)
		}
		return d, err
	}
	d.ID, _ = res.LastInsertId()
	d.CreatedAt, d.LastActivity = fromMillis(t), fromMillis(t)
	return d, nil
}

const datasetCols = `id, name, objective, settings, created_at, last_activity`

func scanDataset(row interface{ Scan(...any) error }) (record.Dataset, error) {
	var d record.Dataset
	var set string
	var c, la int64
	if err := row.Scan(&d.ID, &d.Name, &d.Objective, &set, &c, &la); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return d, ErrNotFound
		}
		return d, err
	}
	d.Settings = record.DefaultSettings()
	_ = json.Unmarshal([]byte(set), &d.Settings)
	d.CreatedAt, d.LastActivity = fromMillis(c), fromMillis(la)
	return d, nil
}

// Dataset returns one dataset by id.
func (s *Store) Dataset(ctx context.Context, id int64) (record.Dataset, error) {
	d, err := scanDataset(s.db.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM datasets WHERE id = ?`, id))
	if err == ErrNotFound {
		return d, fmt.Errorf("dataset %d: %w", id, ErrNotFound)
	}
	return d, err
}

// FindDataset resolves a name (case-insensitive) or a numeric id.
func (s *Store) FindDataset(ctx context.Context, nameOrID string) (record.Dataset, error) {
	d, err := scanDataset(s.db.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM datasets WHERE name = ?`, strings.TrimSpace(nameOrID)))
	if err == ErrNotFound {
		if id, perr := strconv.ParseInt(nameOrID, 10, 64); perr == nil {
			return s.Dataset(ctx, id)
		}
		return d, fmt.Errorf("dataset %q: %w", nameOrID, ErrNotFound)
	}
	return d, err
}

// Datasets lists all datasets, most recently active first.
func (s *Store) Datasets(ctx context.Context) ([]record.Dataset, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+datasetCols+` FROM datasets ORDER BY last_activity DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []record.Dataset
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// UpdateDataset changes name, objective and settings.
func (s *Store) UpdateDataset(ctx context.Context, d record.Dataset) error {
	set, _ := json.Marshal(d.Settings)
	_, err := s.db.ExecContext(ctx, `UPDATE datasets SET name=?, objective=?, settings=?, last_activity=? WHERE id=?`,
		strings.TrimSpace(d.Name), d.Objective, string(set), now(), d.ID)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("%q: %w", d.Name, ErrNameTaken)
	}
	return err
}

// Touch records activity on a dataset (it moves up the list).
func (s *Store) Touch(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE datasets SET last_activity=? WHERE id=?`, now(), id)
	return err
}

// DeleteDataset removes a dataset and, by cascade, everything it owns.
func (s *Store) DeleteDataset(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM datasets WHERE id=?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("dataset %d: %w", id, ErrNotFound)
	}
	return nil
}

// DuplicateDataset copies a dataset with its topics and records under a new
// name, in one transaction.
func (s *Store) DuplicateDataset(ctx context.Context, id int64, newName string) (record.Dataset, error) {
	if strings.TrimSpace(newName) == "" {
		return record.Dataset{}, errors.New("the copy needs a name")
	}
	src, err := s.Dataset(ctx, id)
	if err != nil {
		return src, err
	}
	var out record.Dataset
	err = s.tx(ctx, func(t *sql.Tx) error {
		ts := now()
		res, err := t.ExecContext(ctx, `INSERT INTO datasets(name, objective, settings, created_at, last_activity)
			SELECT ?, objective, settings, ?, ? FROM datasets WHERE id=?`, strings.TrimSpace(newName), ts, ts, id)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return fmt.Errorf("%q: %w", newName, ErrNameTaken)
			}
			return err
		}
		nid, _ := res.LastInsertId()
		// Topics keep their tree: copy in id order (parents were created
		// before their children) and remap ids as we go.
		rows, err := t.QueryContext(ctx, `SELECT id, COALESCE(parent_id,0), name, description, keywords, target, position FROM topics WHERE dataset_id=? ORDER BY id`, id)
		if err != nil {
			return err
		}
		type tp struct {
			id, parent     int64
			name, desc, kw string
			target         float64
			pos            int
		}
		var tps []tp
		for rows.Next() {
			var x tp
			if err := rows.Scan(&x.id, &x.parent, &x.name, &x.desc, &x.kw, &x.target, &x.pos); err != nil {
				rows.Close()
				return err
			}
			tps = append(tps, x)
		}
		rows.Close()
		remap := map[int64]int64{}
		for _, x := range tps {
			var parent any
			if x.parent != 0 {
				parent = remap[x.parent]
			}
			r, err := t.ExecContext(ctx, `INSERT INTO topics(dataset_id, parent_id, name, description, keywords, target, position) VALUES(?,?,?,?,?,?,?)`,
				nid, parent, x.name, x.desc, x.kw, x.target, x.pos)
			if err != nil {
				return err
			}
			remap[x.id], _ = r.LastInsertId()
		}
		if _, err := t.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS topic_remap(old INTEGER PRIMARY KEY, new INTEGER)`); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM topic_remap`); err != nil {
			return err
		}
		for o, n := range remap {
			if _, err := t.ExecContext(ctx, `INSERT INTO topic_remap(old, new) VALUES(?,?)`, o, n); err != nil {
				return err
			}
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO records(dataset_id, line, raw, shape, messages, tools, output, fields, metadata,
			source, trace_id, hash, code, detail, topic_id, confidence, method, generated, source_record_id, strategy, created_at, updated_at)
			SELECT ?, line, raw, shape, messages, tools, output, fields, metadata, source, trace_id, hash, code, detail,
			(SELECT new FROM topic_remap WHERE old = records.topic_id), confidence, method, generated, source_record_id, strategy, created_at, updated_at
			FROM records WHERE dataset_id=? ORDER BY id`, nid, id); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO topic_counts(dataset_id, topic_id, n, low)
			SELECT ?, m.new, c.n, c.low FROM topic_counts c JOIN topic_remap m ON m.old = c.topic_id WHERE c.dataset_id = ?`, nid, id); err != nil {
			return err
		}
		// The copy pulls from the same sources, with the same filters,
		// continuing from the same cursors: Pull New Traces in it brings
		// what the original's would, never what its filter left out.
		if _, err := t.ExecContext(ctx, `INSERT INTO source_cursors(dataset_id, source_id, since, high, floor, token, filter, last_new, updated_at)
			SELECT ?, source_id, since, high, floor, token, filter, last_new, updated_at FROM source_cursors WHERE dataset_id = ?`, nid, id); err != nil {
			return err
		}
		// The grader goes along (every version, and the one in force): the
		// copy is graded as the original until the user changes it.
		if _, err := t.ExecContext(ctx, `INSERT INTO graders(dataset_id, version, spec, created_at)
			SELECT ?, version, spec, created_at FROM graders WHERE dataset_id = ?`, nid, id); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO grader_current(dataset_id, version, updated_at)
			SELECT ?, version, updated_at FROM grader_current WHERE dataset_id = ?`, nid, id); err != nil {
			return err
		}
		// what RecordTx.Commit writes for an import: the totals, and the
		// copies' ids for the indexer (index_backlog.go)
		if _, err := t.ExecContext(ctx, `INSERT INTO record_counts(dataset_id, code, n)
			SELECT ?, code, n FROM record_counts WHERE dataset_id = ? AND n > 0`, nid, id); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO index_backlog(dataset_id, lo, hi)
			SELECT dataset_id, MIN(id), MAX(id) FROM records WHERE dataset_id = ? GROUP BY dataset_id`, nid); err != nil {
			return err
		}
		out, err = scanDataset(t.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM datasets WHERE id=?`, nid))
		return err
	})
	if err == nil {
		s.backlogAdded()
	}
	return out, err
}

// Counts are a dataset's record totals.
type Counts struct {
	Total   int `json:"total"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	Topics  int `json:"topics"`
}

// DatasetCounts returns record and topic totals for a dataset. Record
// totals come from the per-code counts an import keeps (record_counts), not
// from counting rows: the datasets list stays instant at a million records.
func (s *Store) DatasetCounts(ctx context.Context, id int64) (Counts, error) {
	var c Counts
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(SUM(n), 0) FROM record_counts WHERE dataset_id=?1),
		(SELECT COALESCE(SUM(n), 0) FROM record_counts WHERE dataset_id=?1 AND code=''),
		(SELECT COUNT(*) FROM topics WHERE dataset_id=?1)`, id).Scan(&c.Total, &c.Valid, &c.Topics)
	c.Invalid = c.Total - c.Valid
	return c, err
}
