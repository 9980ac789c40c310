package llm

import (
	"context"
	"errors"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"
)

// Message helpers, so callers need not spell go-openai's role constants.
func System(text string) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: text}
}

// User is a user message.
func User(text string) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: text}
}

// AssistantMsg is an assistant message.
func AssistantMsg(text string) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: text}
}

// Request is a chat request for model with messages.
func Request(model string, msgs ...openai.ChatCompletionMessage) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: model, Messages: msgs}
}

// Chat sends one chat completion (tools allowed) with the provider's limits,
// timeout and retries, and accounts its tokens.
func (c *Client) Chat(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	var resp openai.ChatCompletionResponse
	if req.Model == "" {
		return resp, fmt.Errorf("chat on provider %s: no model given", c.cfg.Name)
	}
	req.Stream = false
	err := c.do(ctx, "chat", req.Model, func(actx context.Context) error {
		r, err := c.oa.CreateChatCompletion(actx, req)
		if err != nil {
			return err
		}
		resp = r
		return nil
	})
	if err != nil {
		return resp, err
	}
	c.account(ctx, req.Model, resp.Usage.PromptTokens, resp.Usage.CompletionTokens)
	if len(resp.Choices) == 0 {
		return resp, fmt.Errorf("chat on provider %s (model %q): the response has no choices", c.cfg.Name, req.Model)
	}
	return resp, nil
}

// Text returns the first choice's content.
func Text(resp openai.ChatCompletionResponse) string {
	if len(resp.Choices) == 0 {
		return ""
	}
	return resp.Choices[0].Message.Content
}

// Result is the outcome of one call of ChatAll.
type Result struct {
	Response openai.ChatCompletionResponse
	Err      error
}

// ChatAll runs independent chat calls concurrently (up to the provider's
// concurrency) and returns every outcome in order. One failure does not stop
// the others: completed results are returned, and onDone (optional, called
// from worker goroutines as each call ends) lets the caller store them at
// once so that nothing finished is lost even if the process stops. The error
// joins the failures (nil when all succeeded); cancellation stops the rest.
func (c *Client) ChatAll(ctx context.Context, reqs []openai.ChatCompletionRequest, onDone func(i int, resp openai.ChatCompletionResponse, err error)) ([]Result, error) {
	out := make([]Result, len(reqs))
	var g errgroup.Group
	// Twice the provider's concurrency: the HTTP semaphore in do() is the real
	// limit, and the extra workers keep it full while others write accounting.
	g.SetLimit(2 * c.cfg.Concurrency)
	for i := range reqs {
		if ctx.Err() != nil {
			out[i].Err = c.canceled("chat", ctx.Err())
			continue
		}
		g.Go(func() error {
			r, err := c.Chat(ctx, reqs[i])
			out[i] = Result{Response: r, Err: err}
			if onDone != nil {
				onDone(i, r, err)
			}
			return nil
		})
	}
	g.Wait()
	var errs []error
	for i, r := range out {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("call %d: %w", i, r.Err))
			if len(errs) == 5 { // enough to act on; the rest are in the results
				break
			}
		}
	}
	return out, errors.Join(errs...)
}
