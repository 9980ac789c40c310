package llm

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func fastConfig(f *testutil.OpenAI) Config {
	return Config{Name: "fake", Kind: KindOther, BaseURL: f.URL, Concurrency: 4, BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, Timeout: 5 * time.Second}
}

func TestRetryAfter429IsWaitedOut(t *testing.T) {
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), nil)
	f.Fail("chat", testutil.Failure{Status: 429, RetryAfter: time.Second})
	start := time.Now()
	resp, err := c.Chat(context.Background(), Request("fake-chat", User("hello there")))
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < 950*time.Millisecond {
		t.Fatalf("retried after %v; Retry-After said 1s", got)
	}
	if Text(resp) != "echo: hello there" {
		t.Fatalf("reply = %q", Text(resp))
	}
	if n := f.Count("/chat/completions"); n != 2 {
		t.Fatalf("%d requests, want 2 (the 429 and the retry)", n)
	}
}

func TestServerErrorsBackOffAndSucceed(t *testing.T) {
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), nil)
	f.Fail("chat", testutil.Failure{Status: 500}, testutil.Failure{Status: 502}, testutil.Failure{Status: 503})
	start := time.Now()
	if _, err := c.Chat(context.Background(), Request("fake-chat", User("x"))); err != nil {
		t.Fatal(err)
	}
	// Backoff with jitter in [d/2, d] for d = 20, 40, 80 ms: at least 70 ms.
	if got := time.Since(start); got < 70*time.Millisecond {
		t.Fatalf("three retries took %v: no backoff", got)
	}
	reqs := f.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	gap1, gap3 := reqs[1].At.Sub(reqs[0].At), reqs[3].At.Sub(reqs[2].At)
	if gap3 < gap1 {
		t.Logf("gaps %v then %v (jitter)", gap1, gap3)
	}
	if gap3 < 40*time.Millisecond {
		t.Fatalf("third backoff %v, want ≥ 40ms (exponential)", gap3)
	}

	// Exhausted retries give an actionable error naming the provider and URL.
	c2 := New(Config{Name: "flaky", BaseURL: f.URL, MaxRetries: 2, BackoffBase: time.Millisecond}, nil)
	f.Fail("chat", testutil.Failure{Status: 500}, testutil.Failure{Status: 500}, testutil.Failure{Status: 500})
	_, err := c2.Chat(context.Background(), Request("fake-chat", User("x")))
	var e *Error
	if !errors.As(err, &e) || e.Status != 500 || e.Attempts != 3 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "500 from "+f.URL) || !strings.Contains(err.Error(), "flaky") || !strings.Contains(err.Error(), "3 attempts") {
		t.Fatalf("error not actionable: %v", err)
	}
}

func TestHangHitsTimeout(t *testing.T) {
	f := testutil.StartOpenAI(t)
	cfg := fastConfig(f)
	cfg.Timeout = 200 * time.Millisecond
	cfg.MaxRetries = -1
	c := New(cfg, nil)
	f.Fail("chat", testutil.Failure{Hang: true})
	start := time.Now()
	_, err := c.Chat(context.Background(), Request("fake-chat", User("x")))
	el := time.Since(start)
	var e *Error
	if !errors.As(err, &e) || !e.Timeout {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if el < 200*time.Millisecond || el > time.Second {
		t.Fatalf("timed out after %v, want ~200ms", el)
	}
	if !strings.Contains(err.Error(), "no answer from "+f.URL) {
		t.Fatalf("error = %v", err)
	}

	// With retries, a hang is retried and the next attempt succeeds.
	cfg.MaxRetries = 2
	c = New(cfg, nil)
	f.Fail("chat", testutil.Failure{Hang: true})
	if _, err := c.Chat(context.Background(), Request("fake-chat", User("x"))); err != nil {
		t.Fatalf("retry after timeout: %v", err)
	}
}

func TestCancelStopsWithinOneSecond(t *testing.T) {
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), nil)
	for _, fl := range []testutil.Failure{{Hang: true}, {Status: 429, RetryAfter: 30 * time.Second}} {
		f.Reset()
		f.Fail("chat", fl)
		ctx, cancel := context.WithCancel(context.Background())
		var canceledAt atomic.Int64
		go func() {
			time.Sleep(300 * time.Millisecond)
			canceledAt.Store(time.Now().UnixNano())
			cancel()
		}()
		_, err := c.Chat(ctx, Request("fake-chat", User("x")))
		stop := time.Since(time.Unix(0, canceledAt.Load()))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%+v: err = %v, want context.Canceled", fl, err)
		}
		if stop > time.Second {
			t.Fatalf("%+v: stopped %v after cancel", fl, stop)
		}
		t.Logf("%+v: stopped %v after cancel", fl, stop)
	}
}

func TestChatAllKeepsCompletedResults(t *testing.T) {
	st := testutil.OpenStore(t)
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), st)
	f.Fail("chat", testutil.Failure{Status: 401, Message: "bad key"}) // not retryable
	reqs := make([]openai.ChatCompletionRequest, 10)
	for i := range reqs {
		reqs[i] = Request("fake-chat", User("question "+string(rune('a'+i))))
	}
	var stored atomic.Int32
	ctx := WithAction(context.Background(), 0, "batch")
	res, err := c.ChatAll(ctx, reqs, func(i int, r openai.ChatCompletionResponse, err error) {
		if err == nil {
			stored.Add(1)
		}
	})
	if err == nil {
		t.Fatal("want the failure reported")
	}
	ok := 0
	for i, r := range res {
		if r.Err == nil {
			ok++
			if want := "echo: question " + string(rune('a'+i)); Text(r.Response) != want {
				t.Fatalf("result %d = %q, want %q (order kept)", i, Text(r.Response), want)
			}
		}
	}
	if ok != 9 || stored.Load() != 9 {
		t.Fatalf("%d results, %d stored; want 9 and 9", ok, stored.Load())
	}
	if got := MeterFrom(ctx).Totals().Calls; got != 9 {
		t.Fatalf("meter counted %d calls, want 9", got)
	}
	us, _ := st.UsageFor(context.Background(), 0)
	if len(us) != 1 || us[0].Calls != 9 || us[0].Action != "batch" {
		t.Fatalf("usage rows = %+v", us)
	}
}

func TestEmbeddingsCachedAndPartialFailureKept(t *testing.T) {
	st := testutil.OpenStore(t)
	f := testutil.StartOpenAI(t)
	cfg := fastConfig(f)
	cfg.EmbedBatch = 100
	c := New(cfg, st)
	ctx := context.Background()
	texts := make([]string, 450)
	for i := range texts {
		texts[i] = "refund for order number " + string(rune('A'+i%26)) + " " + strings.Repeat("x", i/26+1)
	}
	texts = append(texts, texts[0], "   ") // a duplicate and a blank
	v1, err := c.Embed(ctx, "fake-embed", texts)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Count("/embeddings"); n != 5 {
		t.Fatalf("%d embedding requests for 450 unique texts in batches of 100, want 5", n)
	}
	if v1[450] == nil || v1[451] != nil {
		t.Fatal("duplicate should share the vector; blank should be nil")
	}
	f.Reset()
	v2, err := c.Embed(ctx, "fake-embed", texts)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Requests()); n != 0 {
		t.Fatalf("re-run made %d HTTP requests, want 0", n)
	}
	for i := range v1 {
		if len(v1[i]) != len(v2[i]) || (len(v1[i]) > 0 && v1[i][3] != v2[i][3]) {
			t.Fatalf("cached vector %d differs", i)
		}
	}

	// One failing batch: the other batches are returned and cached.
	more := []string{"alpha one", "beta two", "gamma three", "delta four", "epsilon five", "zeta six"}
	cfg.EmbedBatch, cfg.Concurrency, cfg.MaxRetries = 2, 1, -1
	c = New(cfg, st)
	f.Fail("embeddings", testutil.Failure{Status: 400, Message: "bad input"})
	vs, err := c.Embed(ctx, "fake-embed", more)
	if err == nil || !strings.Contains(err.Error(), "2 of 6 texts not embedded") {
		t.Fatalf("err = %v", err)
	}
	got := 0
	for _, v := range vs {
		if v != nil {
			got++
		}
	}
	if got != 4 {
		t.Fatalf("%d vectors kept, want 4", got)
	}
	f.Reset()
	if _, err := c.Embed(ctx, "fake-embed", more); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("/embeddings"); n != 1 {
		t.Fatalf("second run made %d requests, want 1 (only the failed batch)", n)
	}
}

func TestFakeEmbeddingsAreMeaningful(t *testing.T) {
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), nil)
	vs, err := c.Embed(context.Background(), "fake-embed", []string{
		"How do I get a refund for my order?", "I want a refund for this order", "What is the weather in Paris tomorrow?"})
	if err != nil {
		t.Fatal(err)
	}
	cos := func(a, b []float32) (s float32) {
		for i := range a {
			s += a[i] * b[i]
		}
		return
	}
	if !(cos(vs[0], vs[1]) > 0.5 && cos(vs[0], vs[2]) < 0.3) {
		t.Fatalf("similar %.2f, unrelated %.2f", cos(vs[0], vs[1]), cos(vs[0], vs[2]))
	}
}

var topicsSchema = json.RawMessage(`{"type":"object","properties":{"topics":{"type":"array","items":{"type":"string"},"minItems":1},"confidence":{"type":"number","minimum":0,"maximum":1}},"required":["topics","confidence"],"additionalProperties":false}`)

type topicsOut struct {
	Topics     []string `json:"topics"`
	Confidence float64  `json:"confidence"`
}

func TestStructuredOutputFallbacks(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	f := testutil.StartOpenAI(t)
	m := &Manager{Store: st, Secrets: testSecrets(t)}
	if _, err := m.Add(ctx, ProviderInput{Name: "local", Kind: KindOther, BaseURL: f.URL, MaxRetries: 1}); err != nil {
		t.Fatal(err)
	}
	c, err := m.Client(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	schema := Schema{Name: "topics", Schema: topicsSchema, Strict: true}

	// 1. json_schema works: the server gets the schema; the answer conforms.
	var out topicsOut
	if _, err := c.ChatJSON(ctx, Request("fake-chat", User("billing")), schema, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Topics) != 1 || out.Topics[0] != "billing" {
		t.Fatalf("out = %+v", out)
	}
	if !strings.Contains(string(f.Requests()[0].Body), `"type":"json_schema"`) {
		t.Fatal("json_schema not sent")
	}

	// 2. json_schema rejected → json_object (schema in the prompt), learned.
	f.RejectJSONSchema.Store(true)
	f.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		if !strings.Contains(r.AllText(), `"topics"`) {
			return testutil.ChatReply{Content: "no schema in prompt"}
		}
		return testutil.ChatReply{Content: `Sure! Here it is: {"topics":["shipping"],"confidence":0.9} hope that helps`}
	})
	f.Reset()
	out = topicsOut{}
	// json_object answers must be pure JSON; this one is prose, so it is
	// retried as text and extracted.
	if _, err := c.ChatJSON(ctx, Request("fake-chat", User("x")), schema, &out); err != nil {
		t.Fatal(err)
	}
	if out.Topics[0] != "shipping" || out.Confidence != 0.9 {
		t.Fatalf("out = %+v", out)
	}
	if c.StructuredMode() != ModeJSONObject {
		t.Fatalf("mode = %s, want json_object learned from the 400", c.StructuredMode())
	}
	p, _ := st.ProviderByName(ctx, "local")
	if p.StructuredMode != ModeJSONObject {
		t.Fatalf("stored mode = %q", p.StructuredMode)
	}
	// Next call skips json_schema entirely.
	f.Reset()
	f.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		return testutil.ChatReply{Content: `{"topics":["returns"],"confidence":1}`}
	})
	if _, err := c.ChatJSON(ctx, Request("fake-chat", User("x")), schema, &out); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Requests()); n != 1 || !strings.Contains(string(f.Requests()[0].Body), `"json_object"`) {
		t.Fatalf("%d requests; first body %s", n, f.Requests()[0].Body)
	}

	// 3. json_object rejected too → text, JSON extracted from a fence.
	f.RejectJSONObject.Store(true)
	f.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		return testutil.ChatReply{Content: "Here:\n```json\n{\"topics\":[\"accounts\"],\"confidence\":0.4}\n```"}
	})
	if _, err := c.ChatJSON(ctx, Request("fake-chat", User("x")), schema, &out); err != nil {
		t.Fatal(err)
	}
	if out.Topics[0] != "accounts" || c.StructuredMode() != ModeText {
		t.Fatalf("out = %+v mode %s", out, c.StructuredMode())
	}

	// 4. Answers that do not match the schema are an error naming it.
	f.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		return testutil.ChatReply{Content: `{"topics":"not-a-list"}`}
	})
	_, err = c.ChatJSON(ctx, Request("fake-chat", User("x")), schema, &out)
	if err == nil || !strings.Contains(err.Error(), `schema "topics"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestToolCalls(t *testing.T) {
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), nil)
	req := Request("fake-chat", User("weather in Paris"))
	req.Tools = []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "get_weather",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`)}}}
	resp, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.FinishReason != openai.FinishReasonToolCalls || len(ch.Message.ToolCalls) != 1 || ch.Message.ToolCalls[0].Function.Name != "get_weather" {
		t.Fatalf("choice = %+v", ch)
	}
	var args map[string]string
	if err := json.Unmarshal([]byte(ch.Message.ToolCalls[0].Function.Arguments), &args); err != nil || args["city"] == "" {
		t.Fatalf("arguments %q: %v", ch.Message.ToolCalls[0].Function.Arguments, err)
	}
}

func TestActionableErrorsNeverShowTheKey(t *testing.T) {
	f := testutil.StartOpenAI(t)
	f.RequireKey("sk-the-right-key-000000")
	key := "sk-proj-WRONGkeyABCDEF123456"
	c := New(Config{Name: "prod-openai", BaseURL: f.URL, APIKey: key}, nil)
	_, err := c.Chat(context.Background(), Request("fake-chat", User("x")))
	var e *Error
	if !errors.As(err, &e) || e.Status != 401 || e.Attempts != 1 {
		t.Fatalf("err = %v (401 must not be retried)", err)
	}
	want := "401 from " + f.URL + ": check the API key for provider prod-openai"
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q\nwant prefix %q", err, want)
	}
	for _, frag := range []string{key, key[len(key)-8:], "sk-pro", "3456"} {
		if strings.Contains(err.Error(), frag) {
			t.Fatalf("error contains key fragment %q: %v", frag, err)
		}
	}
	// Network errors say to check the URL.
	c = New(Config{Name: "down", BaseURL: "http://127.0.0.1:1/v1", MaxRetries: -1}, nil)
	_, err = c.Models(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot reach http://127.0.0.1:1/v1 for provider down") {
		t.Fatalf("err = %v", err)
	}
}

func TestAzureShape(t *testing.T) {
	f := testutil.StartOpenAI(t)
	f.RequireKey("azure-key-123456789")
	base := strings.TrimSuffix(f.URL, "/v1")
	c := New(Config{Name: "az", Kind: KindAzure, BaseURL: base, APIKey: "azure-key-123456789", APIVersion: "2024-10-21"}, nil)
	if _, err := c.Chat(context.Background(), Request("my-gpt4o-deployment", User("hi"))); err != nil {
		t.Fatal(err)
	}
	r := f.Requests()[0]
	if r.Path != "/openai/deployments/my-gpt4o-deployment/chat/completions" || r.Query != "api-version=2024-10-21" {
		t.Fatalf("path %s?%s", r.Path, r.Query)
	}
	if r.Header.Get("api-key") != "azure-key-123456789" || r.Header.Get("Authorization") != "" {
		t.Fatal("azure must authenticate with the api-key header only")
	}
}

func TestRPMLimit(t *testing.T) {
	f := testutil.StartOpenAI(t)
	cfg := fastConfig(f)
	cfg.RPM = 600 // 10 per second, burst 1
	c := New(cfg, nil)
	reqs := make([]openai.ChatCompletionRequest, 6)
	for i := range reqs {
		reqs[i] = Request("fake-chat", User("x"))
	}
	start := time.Now()
	if _, err := c.ChatAll(context.Background(), reqs, nil); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 450*time.Millisecond {
		t.Fatalf("6 calls at 600 rpm took %v, want ≥ 500ms", el)
	}
}

func TestCostAndPrices(t *testing.T) {
	st := testutil.OpenStore(t)
	ctx := context.Background()
	ps, err := st.Prices(ctx)
	if err != nil || len(ps) < 10 {
		t.Fatalf("seeded prices: %d, %v", len(ps), err)
	}
	cost, ok := Cost(ps, "gpt-4o-mini-2024-07-18", 1_000_000, 1_000_000)
	if !ok || cost < 0.749 || cost > 0.751 { // 0.15 + 0.60
		t.Fatalf("cost = %v %v", cost, ok)
	}
	if c, ok := Cost(ps, "openai/gpt-4o", 1_000_000, 0); !ok || c != 2.5 {
		t.Fatalf("vendor-prefixed: %v %v", c, ok)
	}
	if _, ok := Cost(ps, "llama3:8b", 10, 10); ok {
		t.Fatal("unknown model priced")
	}
	if err := st.SetPrice(ctx, store.Price{Model: "fake-chat", PromptPerM: 1, CompletionPerM: 2}); err != nil {
		t.Fatal(err)
	}
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), st)
	actx := WithAction(ctx, 0, "judge")
	resp, err := c.Chat(actx, Request("fake-chat", User("one two three four")))
	if err != nil {
		t.Fatal(err)
	}
	want := (float64(resp.Usage.PromptTokens)*1 + float64(resp.Usage.CompletionTokens)*2) / 1e6
	tot := MeterFrom(actx).Totals()
	us, _ := st.UsageFor(ctx, 0)
	if len(us) != 1 || us[0].PromptTokens != 4 || abs(us[0].Cost-want) > 1e-12 || abs(tot.Cost-want) > 1e-6 {
		t.Fatalf("usage %+v meter %+v want cost %v", us, tot, want)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestInsufficientQuotaIsNotRetried(t *testing.T) {
	f := testutil.StartOpenAI(t)
	c := New(fastConfig(f), nil)
	f.Fail("chat", testutil.Failure{Status: 429, Code: "insufficient_quota", Message: "You exceeded your current quota, please check your plan and billing details."})
	_, err := c.Chat(context.Background(), Request("fake-chat", User("x")))
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 1 || !strings.Contains(err.Error(), "out of quota") {
		t.Fatalf("err = %v", err)
	}
	if n := f.Count("/chat/completions"); n != 1 {
		t.Fatalf("%d requests; a quota 429 must not be retried", n)
	}
}
