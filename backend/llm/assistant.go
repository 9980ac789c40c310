package llm

import (
	"context"
	"encoding/json"
	"errors"

	"tracetune/backend/store"
)

// Assistant pairs the embedding role with the generation role in the shape
// the topics package wants (topics.AI): Embed and JSON.
type Assistant struct {
	Embedder   *Client // nil when the embedding role is unassigned
	EmbedModel string
	Generator  *Client // nil when the generation role is unassigned
	GenModel   string
}

// NewAssistant resolves the embedding and generation roles. It fails with
// ErrNoProvider only when neither is configured; a missing one makes its
// method return ErrNoProvider.
func NewAssistant(ctx context.Context, st *store.Store) (*Assistant, error) {
	a := &Assistant{}
	var errE, errG error
	a.Embedder, a.EmbedModel, errE = ForRole(ctx, st, RoleEmbedding)
	a.Generator, a.GenModel, errG = ForRole(ctx, st, RoleGeneration)
	if errE != nil && !errors.Is(errE, ErrNoProvider) {
		return nil, errE
	}
	if errG != nil && !errors.Is(errG, ErrNoProvider) {
		return nil, errG
	}
	if a.Embedder == nil && a.Generator == nil {
		return nil, errE
	}
	return a, nil
}

// Embed embeds texts with the embedding role's model (cached).
func (a *Assistant) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if a.Embedder == nil {
		return nil, errors.Join(ErrNoProvider, errors.New("no provider/model is assigned to the embedding role"))
	}
	return a.Embedder.Embed(ctx, a.EmbedModel, texts)
}

// JSON asks the generation model for an object matching schema.
func (a *Assistant) JSON(ctx context.Context, system, user, schemaName string, schema json.RawMessage, out any) error {
	if a.Generator == nil {
		return errors.Join(ErrNoProvider, errors.New("no provider/model is assigned to the generation role"))
	}
	_, err := a.Generator.ChatJSON(ctx, Request(a.GenModel, System(system), User(user)), Schema{Name: schemaName, Schema: schema}, out)
	return err
}
