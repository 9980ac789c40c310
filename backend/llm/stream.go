package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	openai "github.com/sashabaranov/go-openai"

	"tracetune/backend/tokens"
)

// ChatStream sends one chat completion as a stream and returns the complete
// answer as Chat does: onDelta (optional) receives the answer's text as it
// arrives, in order, from the calling goroutine; tool calls are assembled
// from their deltas and appear only in the returned message. It has Chat's
// limits, timeout and retries until the first part of the answer arrives
// (text already handed on is never sent twice), and accounts tokens once:
// the provider's figures when it reports usage in the stream
// (stream_options.include_usage), else a local count.
//
// When ctx is canceled mid-stream the response holds the partial answer and
// the error says the answer was stopped (errors.Is(err, context.Canceled)).
func (c *Client) ChatStream(ctx context.Context, req openai.ChatCompletionRequest, onDelta func(delta string)) (openai.ChatCompletionResponse, error) {
	if req.Model == "" {
		return openai.ChatCompletionResponse{}, fmt.Errorf("chat on provider %s: no model given", c.cfg.Name)
	}
	// A stopped answer is counted locally: load the encoder (a second or
	// so, once per process) now rather than when the user presses Stop.
	warmTokens.Do(func() { go tokens.Count("") })
	var (
		acc    streamAnswer
		broken error // the stream failed after text was handed on: not retried
	)
	for {
		req.StreamOptions = nil
		askUsage := !c.streamNoUsage.Load()
		if askUsage {
			req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
		}
		err := c.do(ctx, "chat", req.Model, func(actx context.Context) error {
			acc = streamAnswer{}
			s, err := c.oa.CreateChatCompletionStream(actx, req)
			if err != nil {
				return err
			}
			defer s.Close()
			for {
				chunk, err := s.Recv()
				if errors.Is(err, io.EOF) && acc.finish == "" && acc.started() {
					// A clean end without a finish reason: cut off.
					err = io.ErrUnexpectedEOF
				} else if errors.Is(err, io.EOF) {
					acc.complete = true
					return nil
				}
				if err != nil {
					if acc.started() {
						broken = err
						return nil
					}
					return err
				}
				acc.add(chunk, onDelta)
			}
		})
		if err != nil && askUsage && refusesStreamOptions(err) {
			// Remembered for this client: later streams count locally at once.
			c.streamNoUsage.Store(true)
			continue
		}
		resp := acc.response()
		if acc.started() || acc.complete {
			c.accountStream(ctx, req, &resp, acc.usage)
		}
		switch {
		case ctx.Err() != nil:
			return resp, fmt.Errorf("chat on provider %s stopped with %d characters of the answer: %w", c.cfg.Name, acc.text.Len(), ctx.Err())
		case err != nil:
			return resp, err
		case broken != nil && errors.Is(broken, context.DeadlineExceeded):
			e := c.classify("chat", req.Model, broken, 200, true)
			e.Attempts = 1
			return resp, fmt.Errorf("the answer broke off after %d characters: %w", acc.text.Len(), e)
		case broken != nil:
			// Not retried: the text so far was handed on already.
			return resp, fmt.Errorf("chat on provider %s (model %q): the answer broke off after %d characters: %w",
				c.cfg.Name, req.Model, acc.text.Len(), redacted{broken, c.cfg.APIKey})
		case !acc.complete:
			return resp, fmt.Errorf("chat on provider %s (model %q): the stream ended without [DONE]", c.cfg.Name, req.Model)
		}
		return resp, nil
	}
}

var warmTokens sync.Once

// refusesStreamOptions says whether err is an endpoint rejecting the
// stream_options parameter (older OpenAI-compatible servers).
func refusesStreamOptions(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == 400 || e.Status == 422) &&
		strings.Contains(strings.ToLower(e.Message), "stream_options")
}

// streamAnswer assembles one streamed answer (choice 0) from its chunks.
type streamAnswer struct {
	id, model, fingerprint string
	created                int64
	text, refusal, reason  strings.Builder
	calls                  []openai.ToolCall
	byIndex                map[int]int // a delta's tool-call index → position in calls
	finish                 openai.FinishReason
	usage                  *openai.Usage
	complete               bool // data: [DONE] arrived
}

func (a *streamAnswer) started() bool { return a.text.Len() > 0 || len(a.calls) > 0 }

func (a *streamAnswer) add(chunk openai.ChatCompletionStreamResponse, onDelta func(string)) {
	if a.id == "" {
		a.id, a.model, a.created, a.fingerprint = chunk.ID, chunk.Model, chunk.Created, chunk.SystemFingerprint
	}
	if u := chunk.Usage; u != nil && (u.PromptTokens > 0 || u.CompletionTokens > 0) {
		a.usage = u
	}
	for _, ch := range chunk.Choices {
		if ch.Index != 0 {
			continue
		}
		d := ch.Delta
		if d.Content != "" {
			a.text.WriteString(d.Content)
			if onDelta != nil {
				onDelta(d.Content)
			}
		}
		a.refusal.WriteString(d.Refusal)
		a.reason.WriteString(d.ReasoningContent)
		for _, tc := range d.ToolCalls {
			a.addCall(tc)
		}
		if ch.FinishReason != "" {
			a.finish = ch.FinishReason
		}
	}
}

// addCall merges one tool-call delta: the first delta of a call carries its
// index, id, type and name; the following ones the same index and a piece
// of the arguments. Servers that send no index put each call in one delta.
func (a *streamAnswer) addCall(tc openai.ToolCall) {
	if a.byIndex == nil {
		a.byIndex = map[int]int{}
	}
	pos, ok := -1, false
	switch {
	case tc.Index != nil:
		pos, ok = a.byIndex[*tc.Index]
	case tc.ID == "" && len(a.calls) > 0:
		pos, ok = len(a.calls)-1, true
	}
	if !ok {
		a.calls = append(a.calls, openai.ToolCall{Type: openai.ToolTypeFunction})
		pos = len(a.calls) - 1
		if tc.Index != nil {
			a.byIndex[*tc.Index] = pos
		}
	}
	c := &a.calls[pos]
	if tc.ID != "" {
		c.ID = tc.ID
	}
	if tc.Type != "" {
		c.Type = tc.Type
	}
	if c.Function.Name == "" {
		c.Function.Name = tc.Function.Name
	}
	c.Function.Arguments += tc.Function.Arguments
}

// response is the assembled answer shaped as a non-streamed response.
func (a *streamAnswer) response() openai.ChatCompletionResponse {
	msg := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: a.text.String(),
		Refusal: a.refusal.String(), ReasoningContent: a.reason.String(), ToolCalls: a.calls}
	resp := openai.ChatCompletionResponse{ID: a.id, Object: "chat.completion", Created: a.created, Model: a.model,
		SystemFingerprint: a.fingerprint,
		Choices:           []openai.ChatCompletionChoice{{Index: 0, Message: msg, FinishReason: a.finish}}}
	if a.usage != nil {
		resp.Usage = *a.usage
	}
	return resp
}

// accountStream records the streamed call's tokens once, under the same
// action as Chat: the provider's usage, else (no usage chunk, or an answer
// stopped before it) a local count, which is also put in resp.Usage.
func (c *Client) accountStream(ctx context.Context, req openai.ChatCompletionRequest, resp *openai.ChatCompletionResponse, usage *openai.Usage) {
	if usage == nil {
		m := resp.Choices[0].Message
		completion := countTokens(m.Content) + countTokens(m.Refusal) + countTokens(m.ReasoningContent)
		for _, tc := range m.ToolCalls {
			completion += countTokens(tc.Function.Name) + countTokens(tc.Function.Arguments)
		}
		resp.Usage = openai.Usage{PromptTokens: PromptTokens(req), CompletionTokens: completion}
		resp.Usage.TotalTokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
	}
	c.account(ctx, req.Model, resp.Usage.PromptTokens, resp.Usage.CompletionTokens)
}

// PromptTokens estimates a request's prompt tokens offline (o200k_base):
// every message's text and tool calls, the tool definitions, and the few
// tokens of framing per message that chat formats add.
func PromptTokens(req openai.ChatCompletionRequest) int {
	n := 3 // the assistant reply's priming
	for _, m := range req.Messages {
		n += 3 + countTokens(m.Role) + countTokens(m.Name) + countTokens(m.Content)
		for _, p := range m.MultiContent {
			n += countTokens(p.Text)
		}
		for _, tc := range m.ToolCalls {
			n += countTokens(tc.Function.Name) + countTokens(tc.Function.Arguments)
		}
	}
	if len(req.Tools) > 0 {
		b, _ := json.Marshal(req.Tools)
		n += countTokens(string(b))
	}
	return n
}

func countTokens(s string) int {
	if s == "" {
		return 0
	}
	n, err := tokens.Count(s)
	if err != nil {
		return (len(s) + 3) / 4 // the encoder failed to load: the usual 4 bytes a token
	}
	return n
}
