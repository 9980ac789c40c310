package llm

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"tracetune/backend/testutil"
	"tracetune/backend/tokens"
)

// A streamed answer arrives in several deltas that concatenate to the
// whole answer, and its tokens are recorded once, with the provider's
// figures from the usage chunk it asked for.
func TestChatStreamDeliversTheAnswerAsItArrives(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), st)
	actx := WithAction(ctx, 0, "playground")
	var deltas []string
	resp, err := c.ChatStream(actx, Request("fake-chat", User("tell me about streaming answers")), func(d string) { deltas = append(deltas, d) })
	if err != nil {
		t.Fatal(err)
	}
	const want = "echo: tell me about streaming answers"
	if len(deltas) < 3 || strings.Join(deltas, "") != want {
		t.Fatalf("deltas %q, want several making %q", deltas, want)
	}
	if Text(resp) != want || resp.Choices[0].FinishReason != openai.FinishReasonStop {
		t.Fatalf("response %+v", resp.Choices)
	}
	var body struct {
		Stream        bool `json:"stream"`
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	reqs := f.Requests()
	if len(reqs) != 1 || json.Unmarshal(reqs[0].Body, &body) != nil || !body.Stream || !body.StreamOptions.IncludeUsage {
		t.Fatalf("%d requests, first %s", len(reqs), reqs[0].Body)
	}
	// The fake's usage chunk counts words: 5 prompt, 6 completion.
	if resp.Usage.PromptTokens != 5 || resp.Usage.CompletionTokens != 6 {
		t.Fatalf("usage %+v, want the provider's 5 + 6", resp.Usage)
	}
	us, _ := st.UsageFor(ctx, 0)
	if len(us) != 1 || us[0].Calls != 1 || us[0].Action != "playground" || us[0].PromptTokens != 5 || us[0].CompletionTokens != 6 {
		t.Fatalf("usage rows %+v, want one call of 5 + 6 under playground", us)
	}
	if tot := MeterFrom(actx).Totals(); tot.Calls != 1 || tot.CompletionTokens != 6 {
		t.Fatalf("meter %+v", tot)
	}
}

// Tool calls come as deltas (index, id and name, then the arguments in
// pieces) and are assembled into the same calls Chat returns; no text is
// handed on.
func TestChatStreamAssemblesToolCalls(t *testing.T) {
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), nil)
	req := Request("fake-chat", User("weather in Paris and a long city name to split"))
	req.Tools = []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "get_weather",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}`)}}}
	whole, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	resp, err := c.ChatStream(context.Background(), req, func(string) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	got, want := resp.Choices[0].Message.ToolCalls, whole.Choices[0].Message.ToolCalls
	if len(got) != 1 || got[0].Function != want[0].Function || got[0].Type != openai.ToolTypeFunction || got[0].ID == "" || got[0].Index != nil {
		t.Fatalf("assembled %+v, want %+v", got, want)
	}
	if len(want[0].Function.Arguments) <= 8 {
		t.Fatalf("arguments %q fit one piece: the test proves no assembly", want[0].Function.Arguments)
	}
	if calls != 0 || resp.Choices[0].FinishReason != openai.FinishReasonToolCalls {
		t.Fatalf("%d text deltas, finish %q", calls, resp.Choices[0].FinishReason)
	}
}

// A stream that merges several calls by index: deltas of two calls
// interleaved, as parallel tool calls arrive.
func TestStreamAnswerMergesInterleavedCalls(t *testing.T) {
	i0, i1 := 0, 1
	var a streamAnswer
	for _, tc := range []openai.ToolCall{
		{Index: &i0, ID: "a", Type: "function", Function: openai.FunctionCall{Name: "one"}},
		{Index: &i1, ID: "b", Type: "function", Function: openai.FunctionCall{Name: "two", Arguments: `{"y"`}},
		{Index: &i0, Function: openai.FunctionCall{Arguments: `{"x":`}},
		{Index: &i1, Function: openai.FunctionCall{Arguments: `:2}`}},
		{Index: &i0, Function: openai.FunctionCall{Arguments: `1}`}},
	} {
		a.add(openai.ChatCompletionStreamResponse{Choices: []openai.ChatCompletionStreamChoice{{Delta: openai.ChatCompletionStreamChoiceDelta{ToolCalls: []openai.ToolCall{tc}}}}}, nil)
	}
	got := a.response().Choices[0].Message.ToolCalls
	if len(got) != 2 || got[0].ID != "a" || got[0].Function.Arguments != `{"x":1}` || got[1].Function.Name != "two" || got[1].Function.Arguments != `{"y":2}` {
		t.Fatalf("calls %+v", got)
	}
}

// An endpoint that refuses stream_options still streams: the request is
// sent again without it, later streams skip it at once, and the tokens are
// counted locally and recorded once per call.
func TestChatStreamCountsLocallyWithoutUsage(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	f := testutil.StartOpenAI(t)
	f.RejectStreamOptions.Store(true)
	c := New(fastConfig(f), st)
	req := Request("fake-chat", System("Be brief."), User("count these words locally"))
	for i := range 2 {
		f.Reset()
		resp, err := c.ChatStream(WithAction(ctx, 0, "playground"), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{2, 1}[i]; f.Count("/chat/completions") != want {
			t.Fatalf("call %d: %d requests, want %d", i, f.Count("/chat/completions"), want)
		}
		completion, _ := tokens.Count("echo: count these words locally")
		if resp.Usage.PromptTokens != PromptTokens(req) || resp.Usage.CompletionTokens != completion {
			t.Fatalf("usage %+v, want %d + %d counted locally", resp.Usage, PromptTokens(req), completion)
		}
	}
	us, _ := st.UsageFor(ctx, 0)
	if len(us) != 1 || us[0].Calls != 2 || us[0].PromptTokens != 2*int64(PromptTokens(req)) {
		t.Fatalf("usage rows %+v, want 2 calls", us)
	}
}

// A failure before the first delta is retried like Chat's, and the
// answer's text is handed on once.
func TestChatStreamRetriesBeforeTheFirstDelta(t *testing.T) {
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), nil)
	f.Fail("chat", testutil.Failure{Status: 503})
	var b strings.Builder
	if _, err := c.ChatStream(context.Background(), Request("fake-chat", User("once only")), func(d string) { b.WriteString(d) }); err != nil {
		t.Fatal(err)
	}
	if b.String() != "echo: once only" || f.Count("/chat/completions") != 2 {
		t.Fatalf("text %q after %d requests", b.String(), f.Count("/chat/completions"))
	}
}

// Stopping mid-stream returns at once with the text so far and an error
// that says the answer was stopped; the partial answer's tokens are
// recorded once.
func TestChatStreamStopKeepsThePartialText(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	f := testutil.StartOpenAI(t)
	// The encoder that counts the stopped answer loads once per process
	// (seconds under -race); ChatStream starts loading it long before a
	// person could press Stop.
	tokens.Count("")
	f.SetChunkDelay(40 * time.Millisecond)
	c := New(fastConfig(f), st)
	sctx, cancel := context.WithCancel(WithAction(ctx, 0, "playground"))
	defer cancel()
	var mu sync.Mutex
	var seen strings.Builder
	n := 0
	var stoppedAt time.Time
	prompt := "one two three four five six seven eight nine ten eleven twelve"
	resp, err := c.ChatStream(sctx, Request("fake-chat", User(prompt)), func(d string) {
		mu.Lock()
		defer mu.Unlock()
		seen.WriteString(d)
		if n++; n == 3 {
			stoppedAt = time.Now()
			cancel()
		}
	})
	if err == nil || !strings.Contains(err.Error(), "stopped") || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want one that says stopped", err)
	}
	if d := time.Since(stoppedAt); d > time.Second {
		t.Fatalf("returned %v after the stop", d)
	}
	full := "echo: " + prompt
	if Text(resp) != seen.String() || Text(resp) == "" || !strings.HasPrefix(full, Text(resp)) || Text(resp) == full {
		t.Fatalf("partial text %q (seen %q), want a proper prefix of %q", Text(resp), seen.String(), full)
	}
	us, _ := st.UsageFor(ctx, 0)
	if len(us) != 1 || us[0].Calls != 1 || us[0].CompletionTokens == 0 {
		t.Fatalf("usage rows %+v, want the partial answer counted once", us)
	}
}

// A stream cut off mid-answer keeps the text so far and says it broke
// off; it is not sent again (the text was handed on), and its tokens are
// recorded once.
func TestChatStreamCutOffIsNotRetried(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), st)
	f.Fail("chat", testutil.Failure{CutAfter: 4}) // the role, then three words
	var b strings.Builder
	resp, err := c.ChatStream(WithAction(ctx, 0, "playground"), Request("fake-chat", User("one two three four five")), func(d string) { b.WriteString(d) })
	if err == nil || !strings.Contains(err.Error(), "broke off after 14 characters") {
		t.Fatalf("err = %v", err)
	}
	if Text(resp) != "echo: one two " || b.String() != Text(resp) || f.Count("/chat/completions") != 1 {
		t.Fatalf("text %q, handed on %q, %d requests", Text(resp), b.String(), f.Count("/chat/completions"))
	}
	us, _ := st.UsageFor(ctx, 0)
	if len(us) != 1 || us[0].Calls != 1 {
		t.Fatalf("usage rows %+v", us)
	}
}
