package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"tracetune/backend/record"
)

// ErrTopicNameTaken is returned when a topic name is already used in the
// dataset (names are unique per dataset).
var ErrTopicNameTaken = errors.New("a topic with that name already exists in this dataset")

const topicCols = `id, dataset_id, COALESCE(parent_id,0), name, description, keywords, target, position`

func scanTopic(row interface{ Scan(...any) error }) (record.Topic, error) {
	var t record.Topic
	var kw string
	if err := row.Scan(&t.ID, &t.DatasetID, &t.ParentID, &t.Name, &t.Description, &kw, &t.Target, &t.Position); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return t, ErrNotFound
		}
		return t, err
	}
	t.Keywords = []string{}
	_ = json.Unmarshal([]byte(kw), &t.Keywords)
	return t, nil
}

func kwJSON(kw []string) string {
	if kw == nil {
		kw = []string{}
	}
	b, _ := json.Marshal(kw)
	return string(b)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func topicErr(name string, err error) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("topic %q: %w", name, ErrTopicNameTaken)
	}
	return err
}

// Topics returns a dataset's topics, parents before children, siblings in
// position order.
func (s *Store) Topics(ctx context.Context, datasetID int64) ([]record.Topic, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+topicCols+` FROM topics WHERE dataset_id=? ORDER BY COALESCE(parent_id,0), position, id`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var flat []record.Topic
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, err
		}
		flat = append(flat, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Order depth-first so that every parent precedes its children.
	kids := map[int64][]record.Topic{}
	for _, t := range flat {
		kids[t.ParentID] = append(kids[t.ParentID], t)
	}
	out := make([]record.Topic, 0, len(flat))
	var walk func(p int64)
	walk = func(p int64) {
		for _, t := range kids[p] {
			out = append(out, t)
			walk(t.ID)
		}
	}
	walk(0)
	return out, nil
}

// Topic returns one topic by id.
func (s *Store) Topic(ctx context.Context, id int64) (record.Topic, error) {
	t, err := scanTopic(s.db.QueryRowContext(ctx, `SELECT `+topicCols+` FROM topics WHERE id=?`, id))
	if errors.Is(err, ErrNotFound) {
		return t, fmt.Errorf("topic %d: %w", id, ErrNotFound)
	}
	return t, err
}

// InsertTopic adds a topic as the last child of its parent.
func (s *Store) InsertTopic(ctx context.Context, t record.Topic) (record.Topic, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO topics(dataset_id, parent_id, name, description, keywords, target, position)
		VALUES(?1, ?2, ?3, ?4, ?5, ?6, (SELECT COALESCE(MAX(position)+1, 0) FROM topics WHERE dataset_id=?1 AND COALESCE(parent_id,0)=?7))`,
		t.DatasetID, nullID(t.ParentID), t.Name, t.Description, kwJSON(t.Keywords), t.Target, t.ParentID)
	if err != nil {
		return t, topicErr(t.Name, err)
	}
	id, _ := res.LastInsertId()
	return s.Topic(ctx, id)
}

// UpdateTopic stores a topic's name, parent, description, keywords, target
// and position.
func (s *Store) UpdateTopic(ctx context.Context, t record.Topic) error {
	res, err := s.db.ExecContext(ctx, `UPDATE topics SET parent_id=?, name=?, description=?, keywords=?, target=?, position=? WHERE id=?`,
		nullID(t.ParentID), t.Name, t.Description, kwJSON(t.Keywords), t.Target, t.Position, t.ID)
	if err != nil {
		return topicErr(t.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("topic %d: %w", t.ID, ErrNotFound)
	}
	return nil
}

// subtreeSQL selects the ids of a topic and all its descendants (?1).
const subtreeSQL = `WITH RECURSIVE sub(id) AS (SELECT ?1 UNION ALL SELECT t.id FROM topics t JOIN sub ON t.parent_id = sub.id) SELECT id FROM sub`

// DeleteTopic removes a topic with its subtopics; their records become
// uncategorized. It returns how many assignments were cleared.
func (s *Store) DeleteTopic(ctx context.Context, id int64) (int, error) {
	var cleared int64
	err := s.tx(ctx, func(t *sql.Tx) error {
		var err error
		cleared, err = unassign(ctx, t, `topic_id IN (`+subtreeSQL+`)`, id)
		if err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, `DELETE FROM topics WHERE id=?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("topic %d: %w", id, ErrNotFound)
		}
		return nil
	})
	return int(cleared), err
}

// IsDescendant reports whether topic id lies in the subtree of ancestor
// (a topic is in its own subtree).
func (s *Store) IsDescendant(ctx context.Context, id, ancestor int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+subtreeSQL+`) WHERE id=?2`, ancestor, id).Scan(&n)
	return n > 0, err
}

// TopicSpec is one node of a topic hierarchy as imported, exported or
// generated: everything but ids.
type TopicSpec struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Keywords    []string    `json:"keywords"`
	Target      float64     `json:"target,omitempty"`
	Subtopics   []TopicSpec `json:"subtopics,omitempty"`
}

// ReplaceTopics makes a dataset's hierarchy equal to specs in one
// transaction. With keep, topics whose name survives keep their id and
// their records; records of topics that disappear, or that stop being
// leaves, become uncategorized. Without keep every assignment is cleared.
// It returns how many assignments were cleared.
func (s *Store) ReplaceTopics(ctx context.Context, datasetID int64, specs []TopicSpec, keep bool) (int, error) {
	var cleared int64
	err := s.tx(ctx, func(t *sql.Tx) error {
		if !keep {
			var err error
			if cleared, err = unassign(ctx, t, `dataset_id=?`, datasetID); err != nil {
				return err
			}
		}
		existing := map[string]int64{}
		rows, err := t.QueryContext(ctx, `SELECT id, name FROM topics WHERE dataset_id=?`, datasetID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return err
			}
			existing[name] = id
		}
		rows.Close()
		upd, err := t.PrepareContext(ctx, `UPDATE topics SET parent_id=?, description=?, keywords=?, target=?, position=? WHERE id=?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		ins, err := t.PrepareContext(ctx, `INSERT INTO topics(dataset_id, parent_id, name, description, keywords, target, position) VALUES(?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		kept := map[int64]bool{}
		var put func(parent int64, list []TopicSpec) error
		put = func(parent int64, list []TopicSpec) error {
			for i, sp := range list {
				var id int64
				if old, ok := existing[sp.Name]; ok && !kept[old] {
					if _, err := upd.ExecContext(ctx, nullID(parent), sp.Description, kwJSON(sp.Keywords), sp.Target, i, old); err != nil {
						return topicErr(sp.Name, err)
					}
					id = old
				} else {
					res, err := ins.ExecContext(ctx, datasetID, nullID(parent), sp.Name, sp.Description, kwJSON(sp.Keywords), sp.Target, i)
					if err != nil {
						return topicErr(sp.Name, err)
					}
					id, _ = res.LastInsertId()
				}
				kept[id] = true
				if err := put(id, sp.Subtopics); err != nil {
					return err
				}
			}
			return nil
		}
		if err := put(0, specs); err != nil {
			return err
		}
		// Records of vanished topics and of topics that gained children
		// lose their assignment (records belong to leaves).
		for _, id := range existing {
			if kept[id] {
				continue
			}
			n, err := unassign(ctx, t, `topic_id=?`, id)
			if err != nil {
				return err
			}
			cleared += n
		}
		n, err := unassign(ctx, t, `dataset_id=?1 AND topic_id IN (SELECT DISTINCT parent_id FROM topics WHERE dataset_id=?1 AND parent_id IS NOT NULL)`, datasetID)
		if err != nil {
			return err
		}
		cleared += n
		for _, id := range existing {
			if !kept[id] {
				if _, err := t.ExecContext(ctx, `DELETE FROM topics WHERE id=?`, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return int(cleared), err
}

// Assignment is one record's categorization.
type Assignment struct {
	RecordID   int64   `json:"record_id"`
	TopicID    int64   `json:"topic_id"` // 0 clears the assignment
	Confidence float64 `json:"confidence"`
	Method     string  `json:"method"`
}

// SetAssignments stores categorizations in one transaction with a prepared
// statement (callers pass batches of a few thousand).
func (s *Store) SetAssignments(ctx context.Context, datasetID int64, as []Assignment) error {
	if len(as) == 0 {
		return nil
	}
	return s.tx(ctx, func(t *sql.Tx) error {
		st, err := t.PrepareContext(ctx, `UPDATE records SET topic_id=?, confidence=?, method=?, updated_at=? WHERE id=? AND dataset_id=?`)
		if err != nil {
			return err
		}
		defer st.Close()
		ts := now()
		for _, a := range as {
			if _, err := st.ExecContext(ctx, nullID(a.TopicID), a.Confidence, a.Method, ts, a.RecordID, datasetID); err != nil {
				return fmt.Errorf("assign record %d: %w", a.RecordID, err)
			}
		}
		return nil
	})
}

// AssignmentCount counts a dataset's categorized records (what a
// regeneration would clear).
func (s *Store) AssignmentCount(ctx context.Context, datasetID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM records WHERE dataset_id=? AND topic_id IS NOT NULL`, datasetID).Scan(&n)
	return n, err
}

// ClearAssignments makes every record of a dataset uncategorized and returns
// how many were categorized.
func (s *Store) ClearAssignments(ctx context.Context, datasetID int64) (int, error) {
	var n int64
	err := s.tx(ctx, func(t *sql.Tx) error {
		var err error
		n, err = unassign(ctx, t, `dataset_id=?`, datasetID)
		return err
	})
	return int(n), err
}

// Prompt is the slice of a valid record that categorization reads.
type Prompt struct {
	ID         int64   `json:"id"`
	Messages   string  `json:"messages"` // raw JSON array
	TopicID    int64   `json:"topic_id"`
	Topic      string  `json:"topic"`
	Confidence float64 `json:"confidence"`
	Method     string  `json:"method"`
}

// PromptFilter selects valid records by keyset page.
type PromptFilter struct {
	DatasetID     int64
	AfterID       int64
	Limit         int
	Uncategorized bool // only records without a topic
	LowConfidence bool // only categorized records under record.LowConfidence
}

// Prompts returns one keyset page of valid records in id order.
func (s *Store) Prompts(ctx context.Context, f PromptFilter) ([]Prompt, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q := `SELECT r.id, COALESCE(` + unpackSQL("r.messages") + `,''), COALESCE(r.topic_id,0), COALESCE(t.name,''), r.confidence, r.method
		FROM records r LEFT JOIN topics t ON t.id = r.topic_id
		WHERE r.dataset_id=? AND r.code='' AND r.id>?`
	switch {
	case f.Uncategorized:
		q += ` AND r.topic_id IS NULL`
	case f.LowConfidence:
		q += ` AND r.topic_id IS NOT NULL AND r.confidence < ` + fmt.Sprint(record.LowConfidence)
	}
	q += ` ORDER BY r.id LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, f.DatasetID, f.AfterID, f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Prompt, 0, f.Limit)
	for rows.Next() {
		var p Prompt
		if err := rows.Scan(&p.ID, &p.Messages, &p.TopicID, &p.Topic, &p.Confidence, &p.Method); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// TopicCounts are the categorization figures of a dataset's valid records.
type TopicCounts struct {
	Valid         int           `json:"valid"`
	Categorized   int           `json:"categorized"`
	Uncategorized int           `json:"uncategorized"`
	Low           int           `json:"low_confidence"` // categorized under record.LowConfidence
	ByTopic       map[int64]int `json:"by_topic"`
}

// CountTopics counts valid records per topic from the per-topic totals
// (topic_counts); the valid total comes from the per-code totals.
func (s *Store) CountTopics(ctx context.Context, datasetID int64) (TopicCounts, error) {
	c := TopicCounts{ByTopic: map[int64]int{}}
	codes, err := s.CodeCounts(ctx, datasetID)
	if err != nil {
		return c, err
	}
	c.Valid = codes[string(record.Valid)]
	// topic_counts (schema_counts.go) keeps these per topic: a few rows
	// rather than a pass over every categorized record
	rows, err := s.db.QueryContext(ctx, `SELECT topic_id, n, low FROM topic_counts WHERE dataset_id=? AND n > 0`, datasetID)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n, low int
		if err := rows.Scan(&id, &n, &low); err != nil {
			return c, err
		}
		c.ByTopic[id] = n
		c.Categorized += n
		c.Low += low
	}
	c.Uncategorized = c.Valid - c.Categorized
	return c, rows.Err()
}

// MissingRecords returns the ids that are not valid records of the dataset
// (used to validate a manual confirm or move).
func (s *Store) MissingRecords(ctx context.Context, datasetID int64, ids []int64) ([]int64, error) {
	var missing []int64
	st, err := s.db.PrepareContext(ctx, `SELECT COUNT(*) FROM records WHERE id=? AND dataset_id=? AND code=''`)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for _, id := range ids {
		var n int
		if err := st.QueryRowContext(ctx, id, datasetID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// unassign makes the categorized records matching cond uncategorized, a few
// thousand rows per statement: SQLite rewrites whole rows on update and
// keeps each statement's undo journal in memory (temp_store=MEMORY), so one
// statement over a large dataset would hold hundreds of megabytes.
func unassign(ctx context.Context, t *sql.Tx, cond string, args ...any) (int64, error) {
	q := `UPDATE records SET topic_id=NULL, confidence=0, method='' WHERE id IN
		(SELECT id FROM records WHERE topic_id IS NOT NULL AND ` + cond + ` LIMIT 2000)`
	var total int64
	for {
		res, err := t.ExecContext(ctx, q, args...)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n == 0 {
			return total, nil
		}
	}
}
