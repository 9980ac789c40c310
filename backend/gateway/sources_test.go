package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/health"
	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

// httpSource is one HTTP source kind with its fake, for table tests.
type httpSource struct {
	kind  gateway.Kind
	start func(t *testing.T) (fake interface {
		Add(...testutil.GatewayTrace)
		FailListAfter(int)
		Recover()
	}, good, bad gateway.Config)
}

const (
	lfPublic, lfSecret = "pk-lf-1234", "sk-lf-secret-5678"
	litellmKey         = "sk-litellm-master-9999"
	vlloraKey          = "vllora-key-4242"
)

var httpSources = []httpSource{
	{gateway.KindLangfuse, func(t *testing.T) (f interface {
		Add(...testutil.GatewayTrace)
		FailListAfter(int)
		Recover()
	}, good, bad gateway.Config) {
		fk := testutil.StartLangfuse(t, lfPublic, lfSecret)
		good = gateway.Config{Name: "prod", Kind: gateway.KindLangfuse, URL: fk.URL, PublicKey: lfPublic, SecretKey: lfSecret}
		bad = good
		bad.SecretKey = "sk-lf-WRONG-secret"
		return fk, good, bad
	}},
	{gateway.KindLiteLLM, func(t *testing.T) (f interface {
		Add(...testutil.GatewayTrace)
		FailListAfter(int)
		Recover()
	}, good, bad gateway.Config) {
		fk := testutil.StartLiteLLM(t, litellmKey)
		good = gateway.Config{Name: "proxy", Kind: gateway.KindLiteLLM, URL: fk.URL, Key: litellmKey}
		bad = good
		bad.Key = "sk-litellm-WRONG-key"
		return fk, good, bad
	}},
	{gateway.KindVllora, func(t *testing.T) (f interface {
		Add(...testutil.GatewayTrace)
		FailListAfter(int)
		Recover()
	}, good, bad gateway.Config) {
		fk := testutil.StartVllora(t, vlloraKey)
		good = gateway.Config{Name: "edge", Kind: gateway.KindVllora, URL: fk.URL, Key: vlloraKey, Project: "default"}
		bad = good
		bad.Key = "vllora-WRONG-key"
		return fk, good, bad
	}},
}

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func listAll(t *testing.T, src gateway.Source, f gateway.Filter, limit int) ([]gateway.Trace, int) {
	t.Helper()
	var out []gateway.Trace
	token, pages := "", 0
	for {
		p, err := src.List(context.Background(), f, token, limit)
		if err != nil {
			t.Fatalf("list page %d: %v", pages+1, err)
		}
		pages++
		out = append(out, p.Traces...)
		if p.Next == "" {
			return out, pages
		}
		token = p.Next
		if pages > 1000 {
			t.Fatal("pagination never ends")
		}
	}
}

func TestHTTPSourcesListFilterAndConvert(t *testing.T) {
	for _, hs := range httpSources {
		t.Run(string(hs.kind), func(t *testing.T) {
			fake, good, _ := hs.start(t)
			fake.Add(testutil.SampleGatewayTraces("a", 30, t0, time.Minute)...)
			src, err := gateway.Open(good)
			if err != nil {
				t.Fatal(err)
			}
			all, pages := listAll(t, src, gateway.Filter{}, 7)
			if len(all) != 30 || pages != 5 {
				t.Fatalf("got %d traces in %d pages, want 30 in 5", len(all), pages)
			}
			for i := 1; i < len(all); i++ {
				if all[i].Time.After(all[i-1].Time) {
					t.Fatalf("not newest first at %d: %v after %v", i, all[i].Time, all[i-1].Time)
				}
			}
			if all[0].ID != "a-0029" || !all[0].Time.Equal(t0.Add(29*time.Minute)) {
				t.Fatalf("newest = %s at %v", all[0].ID, all[0].Time)
			}

			// Time window [from, to) and model filter.
			f := gateway.Filter{From: t0.Add(5 * time.Minute), To: t0.Add(25 * time.Minute), Model: "gpt-4o-mini"}
			sel, _ := listAll(t, src, f, 4)
			want := 0
			for _, g := range testutil.SampleGatewayTraces("a", 30, t0, time.Minute) {
				if !g.Time.Before(f.From) && g.Time.Before(f.To) && g.Model == "gpt-4o-mini" {
					want++
				}
			}
			if len(sel) != want || want == 0 {
				t.Fatalf("window+model selected %d, want %d", len(sel), want)
			}
			for _, tr := range sel {
				if tr.Model != "gpt-4o-mini" || tr.Time.Before(f.From) || !tr.Time.Before(f.To) {
					t.Fatalf("trace %s (%s at %v) escapes the filter", tr.ID, tr.Model, tr.Time)
				}
			}

			// has tools, errors excluded, free text.
			tools, _ := listAll(t, src, gateway.Filter{HasTools: true, ExcludeErrors: true}, 10)
			for _, tr := range tools {
				if !tr.HasTools || tr.Error {
					t.Fatalf("trace %s: has_tools=%v error=%v", tr.ID, tr.HasTools, tr.Error)
				}
			}
			if len(tools) != 9 { // i%3==2 among 30 = 10, minus i=20 (i%7==6)
				t.Fatalf("tool traces without errors = %d, want 9", len(tools))
			}
			text, _ := listAll(t, src, gateway.Filter{Text: "REFUND policy"}, 10)
			if len(text) == 0 {
				t.Fatal("free text found nothing")
			}
			for _, tr := range text {
				if !strings.Contains(strings.ToLower(string(tr.Record.Messages)), "refund policy") {
					t.Fatalf("trace %s does not mention the text", tr.ID)
				}
			}

			// A tool-calling trace keeps tools, tool calls and results and passes health.
			tr, err := src.Fetch(context.Background(), "a-0002")
			if err != nil {
				t.Fatal(err)
			}
			checkToolTrace(t, tr, gateway.SourceLabel(src))
			// A failed call is flagged.
			bad, err := src.Fetch(context.Background(), "a-0006")
			if err != nil {
				t.Fatal(err)
			}
			if !bad.Error {
				t.Fatal("a-0006 should be an error trace")
			}
		})
	}
}

func checkToolTrace(t *testing.T, tr gateway.Trace, label string) {
	t.Helper()
	r := tr.Record
	if r.TraceID != tr.ID || r.Source != label || r.Shape != record.ShapeGateway {
		t.Fatalf("record ids: trace %q source %q shape %q", r.TraceID, r.Source, r.Shape)
	}
	var msgs []record.Message
	if err := json.Unmarshal(r.Messages, &msgs); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 5 || msgs[2].Role != "assistant" || len(msgs[2].ToolCalls) != 1 || msgs[3].Role != "tool" || msgs[4].Role != "user" {
		t.Fatalf("tool conversation lost its shape: %s", r.Messages)
	}
	call := msgs[2].ToolCalls[0]
	if call.ID == "" || call.ID != msgs[3].ToolCallID || call.Function.Name != "lookup_order" || !json.Valid([]byte(call.Function.Arguments)) {
		t.Fatalf("tool call %+v / result id %q", call, msgs[3].ToolCallID)
	}
	if !strings.Contains(msgs[3].Text(), "shipped") {
		t.Fatalf("tool result content lost: %q", msgs[3].Text())
	}
	var tools []map[string]any
	if err := json.Unmarshal(r.Tools, &tools); err != nil || len(tools) != 1 {
		t.Fatalf("tools = %s", r.Tools)
	}
	var out record.Message
	if err := json.Unmarshal(r.Output, &out); err != nil || out.Role != "assistant" || !strings.Contains(out.Text(), "shipped") {
		t.Fatalf("output = %s", r.Output)
	}
	var meta map[string]any
	if err := json.Unmarshal(r.Metadata, &meta); err != nil || meta["model"] == nil || meta["created_at"] == nil || meta["trace_id"] != tr.ID {
		t.Fatalf("metadata = %s", r.Metadata)
	}
	var line map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Raw), &line); err != nil || line["input"] == nil || line["output"] == nil {
		t.Fatalf("raw is not gateway shape: %s", r.Raw)
	}
	health.Check(&r, record.DefaultSettings())
	if r.Code != record.Valid {
		t.Fatalf("tool trace fails health: %s (%s)", r.Code, r.Detail)
	}
	if tr.Messages != 5 || !tr.HasTools || !strings.HasPrefix(tr.FirstUser, "Where is my order") {
		t.Fatalf("summary: %d messages, tools %v, first user %q", tr.Messages, tr.HasTools, tr.FirstUser)
	}
}

func TestHTTPSourcesWrongKeyNamesTheSource(t *testing.T) {
	for _, hs := range httpSources {
		t.Run(string(hs.kind), func(t *testing.T) {
			fake, _, bad := hs.start(t)
			fake.Add(testutil.SampleGatewayTraces("a", 3, t0, time.Minute)...)
			src, err := gateway.Open(bad)
			if err != nil {
				t.Fatal(err)
			}
			err = gateway.Test(context.Background(), src)
			var ae *gateway.AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("want an AuthError, got %v", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, string(hs.kind)+":"+bad.Name) || !strings.Contains(msg, "credentials") {
				t.Fatalf("message does not name the source: %q", msg)
			}
			for _, secret := range []string{bad.Key, bad.SecretKey, bad.PublicKey} {
				if secret != "" && strings.Contains(msg, secret) {
					t.Fatalf("message leaks a key: %q", msg)
				}
			}
		})
	}
}

func TestOpenValidates(t *testing.T) {
	cases := []struct {
		c    gateway.Config
		want string
	}{
		{gateway.Config{Name: "x", Kind: "splunk", URL: "http://h"}, "unknown source kind"},
		{gateway.Config{Name: "x", Kind: gateway.KindLangfuse, URL: "http://h", PublicKey: "p"}, "public key and a secret key"},
		{gateway.Config{Name: "x", Kind: gateway.KindLiteLLM, URL: "http://h"}, "needs an API key"},
		{gateway.Config{Name: "x", Kind: gateway.KindVllora, URL: "ftp://h"}, "not an http(s) address"},
		{gateway.Config{Name: "x", Kind: gateway.KindJSONL}, "no URL or path"},
	}
	for _, c := range cases {
		if _, err := gateway.Open(c.c); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.c, err, c.want)
		}
	}
}
