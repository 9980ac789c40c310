package testutil

import (
	"encoding/json"
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
