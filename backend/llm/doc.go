// Package llm is Tracetune's one client for OpenAI-compatible model
// endpoints (OpenAI, Azure OpenAI, OpenRouter, Ollama, LM Studio, vLLM, …),
// built on github.com/sashabaranov/go-openai. Every later step talks to
// models through it, so it carries the resilience and the accounting:
// per-provider concurrency and requests-per-minute limits, retries with
// exponential backoff and jitter on 429/5xx/network errors honouring
// Retry-After, a per-attempt timeout, context cancellation, errors a person
// can act on (never containing the key), token and cost accounting, and an
// SQLite embedding cache.
//
// Usage:
//
//	cli, model, err := llm.ForRole(ctx, st, llm.RoleGeneration)
//	if errors.Is(err, llm.ErrNoProvider) { /* offline fallback */ }
//	ctx = llm.WithAction(ctx, datasetID, "topics") // accounting key
//
//	// Structured output: json_schema, falling back to json_object, then to
//	// extracting and validating JSON from text, per what the provider accepts.
//	var out struct{ Topics []string `json:"topics"` }
//	_, err = cli.ChatJSON(ctx, llm.Request(model, llm.System("…"), llm.User("…")),
//		llm.Schema{Name: "topics", Schema: schemaJSON}, &out)
//
//	// Embeddings: batched, cached by model + sha256(text); a re-run is free.
//	ec, emodel, err := llm.ForRole(ctx, st, llm.RoleEmbedding)
//	vecs, err := ec.Embed(ctx, emodel, texts)
//
//	// Or both at once, shaped like topics.AI:
//	a, err := llm.NewAssistant(ctx, st) // a.Embed(ctx, texts); a.JSON(ctx, system, user, name, schema, &out)
//
//	// Many independent calls; completed results are kept when one fails:
//	res, err := cli.ChatAll(ctx, reqs, func(i int, r openai.ChatCompletionResponse, err error) { /* store */ })
//
// Provider settings and keys are managed by Manager (backend/store for the
// settings, backend/secrets for keys). OPENAI_API_KEY / OPENAI_BASE_URL in
// the environment give a provider named "environment" with no setup.
package llm
