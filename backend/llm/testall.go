package llm

import (
	"context"
	"fmt"
)

// TestResult is one provider's connection test.
type TestResult struct {
	Provider string   `json:"provider"`
	OK       bool     `json:"ok"`
	Models   []string `json:"models"`
	Error    string   `json:"error,omitempty"`
}

// TestAll tests every configured provider, the environment one included,
// one after the other; a failure is reported in its result, not returned.
func (m *Manager) TestAll(ctx context.Context) ([]TestResult, error) {
	ps, err := m.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TestResult, 0, len(ps))
	for _, p := range ps {
		r := TestResult{Provider: p.Name, Models: []string{}}
		models, err := m.Test(ctx, p.Name)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.OK, r.Models = true, models
		}
		out = append(out, r)
	}
	return out, nil
}

// Failed counts the results that did not connect.
func Failed(rs []TestResult) error {
	n := 0
	for _, r := range rs {
		if !r.OK {
			n++
		}
	}
	if n > 0 {
		return fmt.Errorf("%d of %d providers failed the test", n, len(rs))
	}
	return nil
}
