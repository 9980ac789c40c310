package topics

import (
	"context"
	"errors"

	"tracetune/backend/llm"
	"tracetune/backend/store"
)

// DefaultResolver returns the provider configured for the embedding and
// generation roles, or (nil, nil) when neither is configured (offline).
func DefaultResolver(ctx context.Context, st *store.Store) (AI, error) {
	a, err := llm.NewAssistant(ctx, st)
	if errors.Is(err, llm.ErrNoProvider) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// noProvider reports whether err means "this role has no provider", in
// which case the offline path is taken instead of failing.
func noProvider(err error) bool { return errors.Is(err, llm.ErrNoProvider) }
