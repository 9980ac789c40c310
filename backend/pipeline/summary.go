package pipeline

import (
	"context"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Summary is one row of the datasets list.
type Summary struct {
	record.Dataset
	Total   int      `json:"total"`
	Valid   int      `json:"valid"`
	Invalid int      `json:"invalid"`
	Topics  int      `json:"topics"`
	Balance *float64 `json:"balance"` // nil until coverage has been computed
	Steps   []Step   `json:"steps"`
	Status  string   `json:"status"`
}

// Summarize gathers a dataset's list row.
func Summarize(ctx context.Context, st *store.Store, d record.Dataset) (Summary, error) {
	c, err := st.DatasetCounts(ctx, d.ID)
	if err != nil {
		return Summary{}, err
	}
	steps, err := Steps(ctx, st, d.ID)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Dataset: d, Total: c.Total, Valid: c.Valid, Invalid: c.Invalid, Topics: c.Topics, Steps: steps, Status: Overall(steps)}
	s.Balance = steps[StepCoverage-1].Score
	return s, nil
}

// SummarizeAll returns the list rows of every dataset.
func SummarizeAll(ctx context.Context, st *store.Store) ([]Summary, error) {
	ds, err := st.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(ds))
	for _, d := range ds {
		s, err := Summarize(ctx, st, d)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
