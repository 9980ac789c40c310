package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"tracetune/backend/record"
)

// MatchingIDs returns the ids of every record matching f (AfterID and Limit
// ignored), in id order: "all N matching" of the records browser. It pages
// through Records so that search, filters and the pending index ranges
// behave exactly as in the browser.
func (s *Store) MatchingIDs(ctx context.Context, f RecordFilter) ([]int64, error) {
	f.AfterID, f.Limit = 0, MaxPageSize
	var ids []int64
	for {
		page, err := s.Records(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			ids = append(ids, r.ID)
		}
		if len(page) < f.Limit {
			return ids, nil
		}
		f.AfterID = page[len(page)-1].ID
	}
}

// Validate checks a filter before any query runs.
func (f RecordFilter) Validate() error {
	if f.DatasetID <= 0 {
		return errors.New("dataset is required")
	}
	if f.MinConfidence != nil && f.MaxConfidence != nil && *f.MinConfidence > *f.MaxConfidence {
		return fmt.Errorf("confidence range is empty: minimum %.2f is above maximum %.2f", *f.MinConfidence, *f.MaxConfidence)
	}
	if f.Code != "" && f.Code != "valid" && f.Code != "invalid" && !slices.Contains(record.CheckOrder, record.Code(f.Code)) {
		return fmt.Errorf("unknown validation code %q", f.Code)
	}
	if f.TopicID < -1 {
		return fmt.Errorf("topic id %d is not a topic (0 any, -1 uncategorized)", f.TopicID)
	}
	if f.AfterID < 0 {
		return fmt.Errorf("cursor %d is negative", f.AfterID)
	}
	return nil
}
