package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// TopicModel is a dataset's cached categorization model (see
// schema_topic_models.go). Model and Seeds are encoded by package topics.
type TopicModel struct {
	Stamp   int64  // changes each time a model is stored
	Records int    // valid records the model was fitted on
	Model   []byte // the fitted vectorizer
	Seeds   []byte // per-topic vector sums for this model; nil when none
}

// TopicModel returns a dataset's cached categorization model; ok is false
// when there is none.
func (s *Store) TopicModel(ctx context.Context, datasetID int64) (m TopicModel, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT stamp, records, model, seeds FROM topic_models WHERE dataset_id=?`, datasetID).
		Scan(&m.Stamp, &m.Records, &m.Model, &m.Seeds)
	if err == sql.ErrNoRows {
		return TopicModel{}, false, nil
	}
	if err != nil {
		return TopicModel{}, false, fmt.Errorf("read the categorization model of dataset %d: %w", datasetID, err)
	}
	return m, true, nil
}

// SetTopicModel stores a freshly fitted model (its seeds, if any, with it)
// in place of the dataset's previous one and returns its stamp.
func (s *Store) SetTopicModel(ctx context.Context, datasetID int64, records int, model, seeds []byte) (int64, error) {
	stamp := time.Now().UnixNano()
	_, err := s.db.ExecContext(ctx, `INSERT INTO topic_models(dataset_id, stamp, records, model, seeds, updated_at)
		VALUES(?, ?, ?, ?, ?, ?)
		ON CONFLICT(dataset_id) DO UPDATE SET stamp=excluded.stamp, records=excluded.records,
			model=excluded.model, seeds=excluded.seeds, updated_at=excluded.updated_at`,
		datasetID, stamp, records, model, seeds, now())
	if err != nil {
		return 0, fmt.Errorf("store the categorization model of dataset %d: %w", datasetID, err)
	}
	return stamp, nil
}

// SetTopicSeeds replaces the per-topic sums of the model with that stamp
// (nothing happens when another model replaced it meanwhile).
func (s *Store) SetTopicSeeds(ctx context.Context, datasetID, stamp int64, seeds []byte) error {
	_, err := s.db.ExecContext(ctx, `UPDATE topic_models SET seeds=?, updated_at=? WHERE dataset_id=? AND stamp=?`,
		seeds, now(), datasetID, stamp)
	if err != nil {
		return fmt.Errorf("store the topic sums of dataset %d: %w", datasetID, err)
	}
	return nil
}

// DropTopicModel removes a dataset's cached model: the next categorization
// fits a new one.
func (s *Store) DropTopicModel(ctx context.Context, datasetID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM topic_models WHERE dataset_id=?`, datasetID); err != nil {
		return fmt.Errorf("drop the categorization model of dataset %d: %w", datasetID, err)
	}
	return nil
}

// TopicMembers is who is on one topic: how many records and the sum of
// their ids, a fingerprint that changes when records join or leave.
type TopicMembers struct {
	TopicID int64
	N       int64
	SumID   int64
}

// TopicMembership returns, per topic, the records on it (topic id order),
// valid or not: it reads only the per-topic index, never the records,
// whatever their size. A record whose validity changes drops the cached
// topic sums instead (schema_topic_models.go).
func (s *Store) TopicMembership(ctx context.Context, datasetID int64) ([]TopicMembers, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT topic_id, COUNT(*), SUM(id) FROM records
		WHERE dataset_id=? AND topic_id IS NOT NULL GROUP BY topic_id ORDER BY topic_id`, datasetID)
	if err != nil {
		return nil, fmt.Errorf("topic membership of dataset %d: %w", datasetID, err)
	}
	defer rows.Close()
	var out []TopicMembers
	for rows.Next() {
		var m TopicMembers
		if err := rows.Scan(&m.TopicID, &m.N, &m.SumID); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
