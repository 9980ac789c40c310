package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tracetune/backend/store"
)

// Endpoint returns a provider's settings with its key, for the packages
// that call APIs this client does not wrap (the fine-tuning API of
// backend/train). The key must go only into request headers.
func (m *Manager) Endpoint(ctx context.Context, name string) (Config, error) {
	if strings.EqualFold(name, EnvProviderName) {
		p, key, ok := envProvider()
		if !ok {
			return Config{}, fmt.Errorf("provider %q: OPENAI_API_KEY and OPENAI_BASE_URL are not set: %w", name, ErrNoProvider)
		}
		return configOf(p.Provider, key).withDefaults(), nil
	}
	p, err := m.Store.ProviderByName(ctx, name)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Config{}, fmt.Errorf("provider %q is not configured (add it in Settings): %w", name, ErrNoProvider)
		}
		return Config{}, err
	}
	key, err := m.key(ctx, p)
	if err != nil {
		return Config{}, err
	}
	return configOf(p, key).withDefaults(), nil
}
