package topics

import (
	"context"
	"time"
)

// NewResult says what CategorizeNew did with the records after a record id.
type NewResult struct {
	Records       int      `json:"records"`        // valid records after the id that had no topic
	Categorized   int      `json:"categorized"`    // of them, stored on a topic (all unless stopped or failed)
	LowConfidence int      `json:"low_confidence"` // of those, under record.LowConfidence
	Vectors       string   `json:"vectors,omitempty"`
	Warnings      []string `json:"warnings,omitempty"`
}

// CategorizeNew categorizes the valid records without a topic whose id is
// after afterID — what a pull or an append import just added — exactly as
// Categorize does in unlabeled mode: the provider the app's settings name
// (embeddings, the generation model for what stays under 0.7) or TF-IDF
// offline, with the records already on each topic sharpening it. Older
// records, and new ones that arrived with a topic, are not touched. A stop
// or a failure keeps the batches already stored; the result counts them.
// Only these records are read and vectorized: offline from the model and
// topic sums cached per dataset (catmodel.go), which a run without them
// (or with stale ones) rebuilds from the whole dataset once.
func (s *Service) CategorizeNew(ctx context.Context, datasetID, afterID int64, progress Progress) (NewResult, error) {
	// Assignments are stamped in milliseconds: a millisecond of margin so
	// that none written by this call is missed.
	since := time.Now().UnixMilli() - 1
	before, err := s.st.CountNewRecords(ctx, datasetID, afterID, since)
	if err != nil {
		return NewResult{}, err
	}
	res := NewResult{Records: before.Uncategorized}
	if res.Records == 0 {
		return res, nil
	}
	c, err := s.Categorize(ctx, datasetID, CategorizeOptions{Mode: ModeUnlabeled, afterID: afterID}, progress)
	res.Vectors, res.Warnings = c.Vectors, c.Warnings
	if err == nil {
		res.Categorized, res.LowConfidence = c.Processed, c.LowConfidence
		return res, nil
	}
	// The count must be read even when the work was stopped.
	if n, cerr := s.st.CountNewRecords(context.WithoutCancel(ctx), datasetID, afterID, since); cerr == nil {
		res.Categorized, res.LowConfidence = n.Assigned, n.AssignedLow
	}
	return res, err
}
