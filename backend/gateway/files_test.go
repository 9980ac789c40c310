package gateway_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/health"
	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

func sv(s string) map[string]any { return map[string]any{"stringValue": s} }

func kv(k string, v map[string]any) map[string]any { return map[string]any{"key": k, "value": v} }

func nanos(t time.Time) string { return json.Number(itoa(t.UnixNano())).String() }

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// otlpDoc wraps spans in an OTLP/JSON document.
func otlpDoc(spans ...map[string]any) map[string]any {
	return map[string]any{"resourceSpans": []any{map[string]any{
		"resource":   map[string]any{"attributes": []any{kv("service.name", sv("support-bot"))}},
		"scopeSpans": []any{map[string]any{"scope": map[string]any{"name": "opentelemetry.instrumentation.openai"}, "spans": spans}},
	}}}
}

// newConventionSpan is a tool-calling chat span in the current semantic
// conventions (gen_ai.input.messages / gen_ai.output.messages as JSON strings,
// tool definitions, system instructions).
func newConventionSpan(id string, at time.Time) map[string]any {
	input := `[{"role":"user","parts":[{"type":"text","content":"Weather in Paris today, please?"}]},
	 {"role":"assistant","parts":[{"type":"tool_call","id":"call_VSPygqKTWdrhaFErNvMV18Yl","name":"get_weather","arguments":{"location":"Paris"}}]},
	 {"role":"tool","parts":[{"type":"tool_call_response","id":" call_VSPygqKTWdrhaFErNvMV18Yl","result":"rainy, 57°F"}]},
	 {"role":"user","parts":[{"type":"text","content":"Should I take an umbrella then?"}]}]`
	output := `[{"role":"assistant","parts":[{"type":"text","content":"Yes, it is rainy in Paris."}],"finish_reason":"stop"}]`
	tools := `[{"type":"function","name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}]`
	return map[string]any{
		"traceId": "5b8aa5a2d2c872e8321cf37308d69df2", "spanId": id, "name": "chat gpt-4o", "kind": 3,
		"startTimeUnixNano": nanos(at), "endTimeUnixNano": nanos(at.Add(time.Second)),
		"attributes": []any{
			kv("gen_ai.operation.name", sv("chat")), kv("gen_ai.provider.name", sv("openai")),
			kv("gen_ai.request.model", sv("gpt-4o")),
			kv("gen_ai.system_instructions", sv(`[{"type":"text","content":"You are a weather bot."}]`)),
			kv("gen_ai.input.messages", sv(input)), kv("gen_ai.output.messages", sv(output)),
			kv("gen_ai.tool.definitions", sv(tools)),
		},
		"status": map[string]any{},
	}
}

// eventConventionSpan uses the earlier event convention: one span event
// per message and a gen_ai.choice event for the answer.
func eventConventionSpan(id string, at time.Time, failed bool) map[string]any {
	ev := func(name string, n int, attrs ...any) map[string]any {
		return map[string]any{"name": name, "timeUnixNano": nanos(at.Add(time.Duration(n) * time.Millisecond)), "attributes": attrs}
	}
	toolCalls := map[string]any{"arrayValue": map[string]any{"values": []any{map[string]any{"kvlistValue": map[string]any{"values": []any{
		kv("id", sv("call_1")), kv("type", sv("function")),
		kv("function", map[string]any{"kvlistValue": map[string]any{"values": []any{kv("name", sv("get_weather")), kv("arguments", sv(`{"location":"Oslo"}`))}}}),
	}}}}}}
	status := map[string]any{}
	if failed {
		status = map[string]any{"code": 2, "message": "rate limited"}
	}
	return map[string]any{
		"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": id, "name": "chat gpt-4o-mini",
		"startTimeUnixNano": nanos(at), "endTimeUnixNano": nanos(at.Add(time.Second)),
		"attributes": []any{kv("gen_ai.system", sv("openai")), kv("gen_ai.request.model", sv("gpt-4o-mini"))},
		"events": []any{
			ev("gen_ai.system.message", 0, kv("content", sv("You answer weather questions."))),
			ev("gen_ai.user.message", 1, kv("content", sv("What's the weather in Oslo right now?"))),
			ev("gen_ai.assistant.message", 2, kv("tool_calls", toolCalls)),
			ev("gen_ai.tool.message", 3, kv("content", sv("snow, -3°C")), kv("id", sv("call_1"))),
			ev("gen_ai.user.message", 4, kv("content", sv("Do I need boots for the walk?"))),
			ev("gen_ai.choice", 5, kv("index", map[string]any{"intValue": "0"}), kv("finish_reason", sv("stop")),
				kv("message", map[string]any{"kvlistValue": map[string]any{"values": []any{kv("content", sv("Yes, boots are a good idea."))}}})),
		},
		"status": status,
	}
}

// indexedSpan uses the earlier indexed attributes (gen_ai.prompt.N.*).
func indexedSpan(id string, at time.Time) map[string]any {
	return map[string]any{
		"traceId": "1af7651916cd43dd8448eb211c80319c", "spanId": id, "name": "openai.chat",
		"startTimeUnixNano": nanos(at),
		"attributes": []any{
			kv("gen_ai.request.model", sv("gpt-4o-mini")),
			kv("gen_ai.prompt.0.role", sv("user")), kv("gen_ai.prompt.0.content", sv("Book a table for two at eight tonight.")),
			kv("gen_ai.prompt.1.role", sv("assistant")),
			kv("gen_ai.prompt.1.tool_calls.0.id", sv("call_9")), kv("gen_ai.prompt.1.tool_calls.0.name", sv("book")),
			kv("gen_ai.prompt.1.tool_calls.0.arguments", sv(`{"people":2,"time":"20:00"}`)),
			kv("gen_ai.prompt.2.role", sv("tool")), kv("gen_ai.prompt.2.tool_call_id", sv("call_9")), kv("gen_ai.prompt.2.content", sv("booked")),
			kv("gen_ai.prompt.3.role", sv("user")), kv("gen_ai.prompt.3.content", sv("Great, and add a note about a birthday.")),
			kv("gen_ai.completion.0.role", sv("assistant")), kv("gen_ai.completion.0.content", sv("Done, the note is added.")),
			kv("llm.request.functions.0.name", sv("book")), kv("llm.request.functions.0.parameters", sv(`{"type":"object"}`)),
		},
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOTelFileBothConventions(t *testing.T) {
	dir := t.TempDir()
	// One document file, and a collector-style file with one document per line.
	writeJSON(t, filepath.Join(dir, "a.json"), otlpDoc(
		newConventionSpan("aaaa000000000001", t0.Add(3*time.Minute)),
		map[string]any{"traceId": "x", "spanId": "http0000", "name": "GET /health", "startTimeUnixNano": nanos(t0)}, // not GenAI: skipped
	))
	l1, _ := json.Marshal(otlpDoc(eventConventionSpan("bbbb000000000002", t0.Add(2*time.Minute), false)))
	// The current convention carried by a gen_ai.client.inference.operation.details event.
	details := newConventionSpan("dddd000000000005", t0.Add(30*time.Second))
	details["events"] = []any{map[string]any{"name": "gen_ai.client.inference.operation.details", "timeUnixNano": nanos(t0), "attributes": details["attributes"]}}
	details["attributes"] = []any{kv("gen_ai.request.model", sv("gpt-4o"))}
	l2, _ := json.Marshal(otlpDoc(eventConventionSpan("bbbb000000000003", t0.Add(4*time.Minute), true), indexedSpan("cccc000000000004", t0.Add(time.Minute)), details))
	if err := os.WriteFile(filepath.Join(dir, "collector.jsonl"), []byte(string(l1)+"\n"+string(l2)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := gateway.Open(gateway.Config{Name: "spans", Kind: gateway.KindOTel, URL: dir})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := listAll(t, src, gateway.Filter{}, 2)
	ids := []string{}
	for _, tr := range all {
		ids = append(ids, tr.ID)
	}
	if strings.Join(ids, ",") != "bbbb000000000003,aaaa000000000001,bbbb000000000002,cccc000000000004,dddd000000000005" {
		t.Fatalf("spans newest first = %v", ids)
	}
	for _, tr := range all {
		r := tr.Record
		health.Check(&r, record.DefaultSettings())
		if r.Code != record.Valid {
			t.Fatalf("%s fails health: %s (%s) %s", tr.ID, r.Code, r.Detail, r.Messages)
		}
		if !tr.HasTools {
			t.Fatalf("%s lost its tool calls: %s", tr.ID, r.Messages)
		}
		if len(r.Output) == 0 {
			t.Fatalf("%s lost its output", tr.ID)
		}
	}

	// New convention: system instructions first, tool call/result paired (ids
	// trimmed), tools converted to OpenAI shape.
	tr, err := src.Fetch(context.Background(), "aaaa000000000001")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []record.Message
	_ = json.Unmarshal(tr.Record.Messages, &msgs)
	if len(msgs) != 5 || msgs[0].Role != "system" || msgs[2].ToolCalls[0].ID != msgs[3].ToolCallID ||
		msgs[2].ToolCalls[0].Function.Arguments != `{"location":"Paris"}` || msgs[3].Text() != "rainy, 57°F" {
		t.Fatalf("new convention messages = %s", tr.Record.Messages)
	}
	if !strings.Contains(string(tr.Record.Tools), `"function":{"description":"Current weather","name":"get_weather"`) {
		t.Fatalf("tools = %s", tr.Record.Tools)
	}
	if tr.Model != "gpt-4o" || !strings.Contains(string(tr.Record.Output), "rainy in Paris") {
		t.Fatalf("model %q output %s", tr.Model, tr.Record.Output)
	}

	// Event convention: events in order, tool call from structured values,
	// the choice as output, status ERROR flagged.
	ev, _ := src.Fetch(context.Background(), "bbbb000000000003")
	_ = json.Unmarshal(ev.Record.Messages, &msgs)
	if len(msgs) != 5 || msgs[2].ToolCalls[0].Function.Name != "get_weather" || msgs[3].ToolCallID != "call_1" || !ev.Error {
		t.Fatalf("event convention: %s (error %v)", ev.Record.Messages, ev.Error)
	}
	if !strings.Contains(string(ev.Record.Output), "boots are a good idea") {
		t.Fatalf("choice output = %s", ev.Record.Output)
	}
	noErr, _ := listAll(t, src, gateway.Filter{ExcludeErrors: true, Model: "gpt-4o-mini"}, 10)
	if len(noErr) != 2 {
		t.Fatalf("errors excluded + model: %d spans, want 2", len(noErr))
	}

	// Indexed attributes.
	ix, _ := src.Fetch(context.Background(), "cccc000000000004")
	_ = json.Unmarshal(ix.Record.Messages, &msgs)
	if len(msgs) != 4 || msgs[1].ToolCalls[0].ID != "call_9" || msgs[2].ToolCallID != "call_9" || len(ix.Record.Tools) == 0 {
		t.Fatalf("indexed convention: %s tools %s", ix.Record.Messages, ix.Record.Tools)
	}
}

func TestJSONLSource(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"input":{"messages":[{"role":"user","content":"How do I export my invoices as PDF?"}]},"output":{"role":"assistant","content":"Use Billing → Export."},"metadata":{"trace_id":"j-1","model":"gpt-4o-mini","created_at":"2026-11-01T10:00:00Z"}}`,
		``,
		`{"input":{"messages":[{"role":"user","content":"What is the weather in Rome this week?"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"user","content":"And is the weekend any different?"}],"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}]},"output":{"role":"assistant","content":"Also sunny."},"metadata":{"model":"gpt-4o","timestamp":1793613600}}`,
		`not json at all`,
	}
	path := filepath.Join(dir, "export.jsonl")
	if err := os.WriteFile(path, []byte("\ufeff"+strings.Join(lines, "\r\n")+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := gateway.Open(gateway.Config{Name: "dump", Kind: gateway.KindJSONL, URL: dir})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := listAll(t, src, gateway.Filter{}, 10)
	if len(all) != 3 {
		t.Fatalf("%d traces, want 3 (the blank line is none)", len(all))
	}
	byID := map[string]gateway.Trace{}
	for _, tr := range all {
		byID[tr.ID] = tr
	}
	j1, ok := byID["j-1"]
	if !ok || !j1.Time.Equal(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)) || j1.Model != "gpt-4o-mini" {
		t.Fatalf("j-1 = %+v", j1)
	}
	var tool gateway.Trace
	var bad gateway.Trace
	for id, tr := range byID {
		if strings.HasPrefix(id, "sha256:") && tr.Record.Shape == record.ShapeGateway {
			tool = tr
		}
		if tr.Record.Shape == record.ShapeRaw {
			bad = tr
		}
	}
	if !tool.HasTools || !tool.Time.Equal(time.Unix(1793613600, 0).UTC()) || tool.Record.Line != 3 {
		t.Fatalf("tool line: %+v", tool)
	}
	r := tool.Record
	health.Check(&r, record.DefaultSettings())
	if r.Code != record.Valid {
		t.Fatalf("tool line fails health: %s %s", r.Code, r.Detail)
	}
	r = bad.Record
	health.Check(&r, record.DefaultSettings())
	if bad.ID == "" || r.Code != record.InvalidDataStructure || bad.Record.Raw != "not json at all" {
		t.Fatalf("bad line: id %q code %q raw %q", bad.ID, r.Code, bad.Record.Raw)
	}
	// Ids are stable across re-reads (a second pull must skip them).
	again, _ := listAll(t, src, gateway.Filter{}, 10)
	for _, tr := range again {
		if _, ok := byID[tr.ID]; !ok {
			t.Fatalf("id %s changed between reads", tr.ID)
		}
	}
	// A single file works too.
	one, err := gateway.Open(gateway.Config{Name: "one", Kind: gateway.KindJSONL, URL: path})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := listAll(t, one, gateway.Filter{Text: "invoices"}, 10); len(got) != 1 || got[0].ID != "j-1" {
		t.Fatalf("text filter on a file: %v", got)
	}
}

// sharedData is a real third-party file of ../shared/data (SOURCES.md).
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(testutil.RepoRoot(t), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s must sit beside the repository (as CI's shared/ does): %v", p, err)
	}
	return p
}

// TestFileSourcesReadRealFiles: the otel source reads JSON arrays of
// flattened GenAI spans, and the jsonl source reads a folder of files in
// any format a file import takes (issue 16).
func TestFileSourcesReadRealFiles(t *testing.T) {
	ctx := context.Background()
	t.Run("otel: a JSON array of spans, tool spans left out", func(t *testing.T) {
		for file, want := range map[string]int{
			// 3 spans each: 2 chat calls and an execute_tool span
			"gateway/vllora_otel_genai_spans_mock.json":      2,
			"gateway/vllora_sample_otel_trace_template.json": 2,
		} {
			src, err := gateway.Open(gateway.Config{Name: "spans", Kind: gateway.KindOTel, URL: sharedData(t, file)})
			if err != nil {
				t.Fatal(err)
			}
			p, err := src.List(ctx, gateway.Filter{}, "", 100)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(p.Traces) != want {
				t.Fatalf("%s: %d traces, want %d", file, len(p.Traces), want)
			}
			for _, tr := range p.Traces {
				if tr.FirstUser == "" || tr.Time.IsZero() {
					t.Fatalf("%s: trace %+v", file, tr)
				}
			}
		}
	})
	t.Run("jsonl: a folder of a vllora export and a sharegpt file", func(t *testing.T) {
		dir := t.TempDir()
		for _, f := range []string{"gateway/vllora_dataset_export_sample.json", "sharegpt/llamafactory_glaive_toolcall_en_demo.json"} {
			data, err := os.ReadFile(sharedData(t, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		src, err := gateway.Open(gateway.Config{Name: "folder", Kind: gateway.KindJSONL, URL: dir})
		if err != nil {
			t.Fatal(err)
		}
		p, err := src.List(ctx, gateway.Filter{}, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		// 200 export records and 300 conversations
		if p.Total != 500 {
			t.Fatalf("%d traces, want 500", p.Total)
		}
		valid := 0
		for _, tr := range p.Traces {
			if tr.Record.Shape == record.ShapeGateway && tr.FirstUser != "" {
				valid++
			}
		}
		if valid != 500 {
			t.Fatalf("%d traces with a user turn, want 500", valid)
		}
	})
}
