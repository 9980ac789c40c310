package topics

import (
	"context"
	"encoding/json"
	"fmt"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// LowItem is a categorized record under record.LowConfidence, for review.
type LowItem struct {
	RecordID   int64   `json:"record_id"`
	Text       string  `json:"text"` // the last user message, as plain text
	TopicID    int64   `json:"topic_id"`
	Topic      string  `json:"topic"`
	Confidence float64 `json:"confidence"`
	Method     string  `json:"method"`
}

// LowConfidence returns one keyset page (records with id > afterID) of
// categorized valid records whose confidence is under 0.7.
func (s *Service) LowConfidence(ctx context.Context, datasetID, afterID int64, limit int) ([]LowItem, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	ps, err := s.st.Prompts(ctx, store.PromptFilter{DatasetID: datasetID, AfterID: afterID, Limit: limit, LowConfidence: true})
	if err != nil {
		return nil, fmt.Errorf("low-confidence records of dataset %d: %w", datasetID, err)
	}
	out := make([]LowItem, 0, len(ps))
	for _, p := range ps {
		out = append(out, LowItem{RecordID: p.ID, Text: promptText(p.Messages), TopicID: p.TopicID, Topic: p.Topic,
			Confidence: p.Confidence, Method: p.Method})
	}
	return out, nil
}

// promptText is the last user message of a stored prompt.
func promptText(messages string) string {
	var msgs []record.Message
	if json.Unmarshal([]byte(messages), &msgs) != nil {
		return ""
	}
	return record.LastUserText(msgs)
}

// Confirm accepts the current topic of the records: method manual,
// confidence 1. Uncategorized records are refused.
func (s *Service) Confirm(ctx context.Context, datasetID int64, recordIDs []int64) error {
	as := make([]store.Assignment, 0, len(recordIDs))
	for _, id := range recordIDs {
		p, err := s.prompt(ctx, datasetID, id)
		if err != nil {
			return err
		}
		if p.TopicID == 0 {
			return fmt.Errorf("record %d has no topic to confirm; move it to a topic instead", id)
		}
		as = append(as, store.Assignment{RecordID: id, TopicID: p.TopicID, Confidence: 1, Method: record.MethodManual})
	}
	return s.st.SetAssignments(ctx, datasetID, as)
}

// Move assigns the records to a leaf topic by hand: method manual,
// confidence 1.
func (s *Service) Move(ctx context.Context, datasetID int64, recordIDs []int64, topicID int64) error {
	ts, err := s.st.Topics(ctx, datasetID)
	if err != nil {
		return err
	}
	var ok bool
	for _, t := range record.Leaves(ts) {
		ok = ok || t.ID == topicID
	}
	if !ok {
		return fmt.Errorf("topic %d is not a leaf topic of dataset %d (records go to leaves)", topicID, datasetID)
	}
	missing, err := s.st.MissingRecords(ctx, datasetID, recordIDs)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("records %v are not valid records of dataset %d", missing, datasetID)
	}
	as := make([]store.Assignment, 0, len(recordIDs))
	for _, id := range recordIDs {
		as = append(as, store.Assignment{RecordID: id, TopicID: topicID, Confidence: 1, Method: record.MethodManual})
	}
	return s.st.SetAssignments(ctx, datasetID, as)
}

func (s *Service) prompt(ctx context.Context, datasetID, id int64) (store.Prompt, error) {
	ps, err := s.st.Prompts(ctx, store.PromptFilter{DatasetID: datasetID, AfterID: id - 1, Limit: 1})
	if err != nil {
		return store.Prompt{}, err
	}
	if len(ps) == 0 || ps[0].ID != id {
		return store.Prompt{}, fmt.Errorf("record %d is not a valid record of dataset %d", id, datasetID)
	}
	return ps[0], nil
}

// lowIDs lists every low-confidence record of a dataset.
func (s *Service) lowIDs(ctx context.Context, datasetID int64) ([]int64, error) {
	var ids []int64
	var after int64
	for {
		ps, err := s.st.Prompts(ctx, store.PromptFilter{DatasetID: datasetID, AfterID: after, Limit: 5000, LowConfidence: true})
		if err != nil {
			return nil, fmt.Errorf("low-confidence records of dataset %d: %w", datasetID, err)
		}
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		if len(ps) < 5000 {
			return ids, nil
		}
		after = ps[len(ps)-1].ID
	}
}

// ConfirmAllLow confirms every low-confidence record's topic at once (in
// one transaction) and returns how many.
func (s *Service) ConfirmAllLow(ctx context.Context, datasetID int64) (int, error) {
	ids, err := s.lowIDs(ctx, datasetID)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return len(ids), s.Confirm(ctx, datasetID, ids)
}

// MoveAllLow moves every low-confidence record to a leaf topic at once (in
// one transaction) and returns how many.
func (s *Service) MoveAllLow(ctx context.Context, datasetID, topicID int64) (int, error) {
	ids, err := s.lowIDs(ctx, datasetID)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return len(ids), s.Move(ctx, datasetID, ids, topicID)
}
