package testutil

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The raw wire shapes, checked without any client library in between.
func TestWireShapes(t *testing.T) {
	f := StartOpenAI(t)
	f.Fail("chat", Failure{Status: 429, RetryAfter: 1500 * time.Millisecond})
	resp, err := http.Post(f.URL+"/chat/completions", "application/json", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Error struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Param   *string `json:"param"`
			Code    string  `json:"code"`
		} `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || e.Error.Code != "rate_limit_exceeded" || e.Error.Message == "" {
		t.Fatalf("429: status %d retry-after %q body %+v", resp.StatusCode, resp.Header.Get("Retry-After"), e)
	}

	resp, err = http.Post(f.URL+"/embeddings", "application/json", strings.NewReader(`{"model":"e","input":["a cat","a cat"],"dimensions":32}`))
	if err != nil {
		t.Fatal(err)
	}
	var emb struct {
		Object string `json:"object"`
		Data   []struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float64 `json:"embedding"`
		} `json:"data"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	json.NewDecoder(resp.Body).Decode(&emb)
	resp.Body.Close()
	if emb.Object != "list" || len(emb.Data) != 2 || emb.Data[1].Index != 1 || len(emb.Data[0].Embedding) != 32 || emb.Usage.PromptTokens != 4 {
		t.Fatalf("embeddings = %+v", emb)
	}
	for i := range emb.Data[0].Embedding {
		if emb.Data[0].Embedding[i] != emb.Data[1].Embedding[i] {
			t.Fatal("embeddings not deterministic")
		}
	}
	if n := len(f.Requests()); n != 2 {
		t.Fatalf("%d recorded requests", n)
	}
}

func TestSampleJSONConformsToSchema(t *testing.T) {
	got := string(SampleJSON(json.RawMessage(`{"type":"object","properties":{"label":{"enum":["a","b"]},"n":{"type":"integer","minimum":3},"tags":{"type":"array","items":{"type":"string"},"minItems":2}}}`), "seed"))
	if got != `{"label":"a","n":3,"tags":["seed","seed"]}` {
		t.Fatalf("got %s", got)
	}
}

// A streamed reply is OpenAI's server-sent events, read raw: data: lines
// of chat.completion.chunk objects (the role, then the content, or each
// tool call's index, id and name and then its arguments), a finish chunk,
// a usage chunk with no choices when asked for, and data: [DONE].
func TestStreamWireShape(t *testing.T) {
	f := StartOpenAI(t)
	events := func(body string) []string {
		t.Helper()
		resp, err := http.Post(f.URL+"/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/event-stream") {
			t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
		}
		raw, _ := io.ReadAll(resp.Body)
		var out []string
		for _, ev := range strings.Split(strings.TrimSuffix(string(raw), "\n\n"), "\n\n") {
			if !strings.HasPrefix(ev, "data: ") {
				t.Fatalf("event %q is not a data: line", ev)
			}
			out = append(out, strings.TrimPrefix(ev, "data: "))
		}
		if out[len(out)-1] != "[DONE]" {
			t.Fatalf("last event %q, want [DONE]", out[len(out)-1])
		}
		return out[:len(out)-1]
	}
	type chunk struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Choices []struct {
			Index int `json:"index"`
			Delta struct {
				Role      string  `json:"role"`
				Content   *string `json:"content"`
				ToolCalls []struct {
					Index    int    `json:"index"`
					ID       string `json:"id"`
					Type     string `json:"type"`
					Function struct {
						Name      string `json:"name"`
						Arguments string `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"delta"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
		Usage *struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	parse := func(evs []string) []chunk {
		out := make([]chunk, len(evs))
		for i, ev := range evs {
			if err := json.Unmarshal([]byte(ev), &out[i]); err != nil || out[i].Object != "chat.completion.chunk" || out[i].ID != out[0].ID {
				t.Fatalf("chunk %d %s: %v", i, ev, err)
			}
		}
		return out
	}

	t.Run("text with usage", func(t *testing.T) {
		evs := events(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi there"}]}`)
		cs := parse(evs)
		if cs[0].Choices[0].Delta.Role != "assistant" || !strings.Contains(evs[0], `"usage":null`) {
			t.Fatalf("first chunk %s", evs[0])
		}
		var text strings.Builder
		for _, c := range cs[1 : len(cs)-2] {
			text.WriteString(*c.Choices[0].Delta.Content)
		}
		fin, use := cs[len(cs)-2], cs[len(cs)-1]
		if text.String() != "echo: hi there" || *fin.Choices[0].FinishReason != "stop" || !strings.Contains(evs[len(evs)-2], `"delta":{}`) {
			t.Fatalf("text %q, finish chunk %s", text.String(), evs[len(evs)-2])
		}
		if len(use.Choices) != 0 || use.Usage == nil || use.Usage.PromptTokens != 2 || use.Usage.CompletionTokens != 3 {
			t.Fatalf("usage chunk %s", evs[len(evs)-1])
		}
	})
	t.Run("tool call without usage", func(t *testing.T) {
		evs := events(`{"model":"m","stream":true,"messages":[{"role":"user","content":"Paris"}],
			"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"country":{"type":"string"}}}}}]}`)
		cs := parse(evs)
		head := cs[1].Choices[0].Delta.ToolCalls[0]
		if head.Index != 0 || head.ID == "" || head.Type != "function" || head.Function.Name != "weather" || head.Function.Arguments != "" {
			t.Fatalf("first tool-call chunk %s", evs[1])
		}
		var args strings.Builder
		for _, c := range cs[2 : len(cs)-1] {
			tc := c.Choices[0].Delta.ToolCalls[0]
			if tc.Index != 0 || tc.ID != "" || tc.Function.Name != "" {
				t.Fatalf("argument chunk %+v", tc)
			}
			args.WriteString(tc.Function.Arguments)
		}
		if args.String() != `{"city":"Paris","country":"Paris"}` || len(cs) < 5 {
			t.Fatalf("arguments %q in %d chunks", args.String(), len(cs))
		}
		last := cs[len(cs)-1]
		if *last.Choices[0].FinishReason != "tool_calls" || last.Usage != nil || strings.Contains(strings.Join(evs, ""), `"usage"`) {
			t.Fatalf("last chunk %s", evs[len(evs)-1])
		}
	})
	t.Run("stream options without stream", func(t *testing.T) {
		resp, err := http.Post(f.URL+"/chat/completions", "application/json", strings.NewReader(`{"model":"m","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("status %d, want 400", resp.StatusCode)
		}
	})
}
