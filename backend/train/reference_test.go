package train

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/grader"
	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// refCall is a tool call as a file writes it: a name and its arguments as
// a JSON value.
type refCall struct {
	Name string
	Args any
}

func sharedFile(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(testutil.RepoRoot(tb), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("%s must sit beside the repository (as CI's shared/ does): %v", p, err)
	}
	return p
}

func jsonValue(tb testing.TB, b []byte) any {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		tb.Fatalf("%s: %v", b, err)
	}
	return v
}

// canonical writes a value with sorted keys, numbers as written.
func canonical(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// fileCalls reads, from a record's source item itself (not from what the
// import made of it), the tool calls the file's assistant makes right after
// the last user turn: an OpenAI chat line's next assistant message, or a
// ShareGPT item's function_call turns right after the last human turn.
func fileCalls(tb testing.TB, raw string) []refCall {
	tb.Helper()
	var item struct {
		Messages []struct {
			Role      string `json:"role"`
			ToolCalls []struct {
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"messages"`
		Conversations []struct {
			From  string `json:"from"`
			Value string `json:"value"`
		} `json:"conversations"`
	}
	if err := json.Unmarshal([]byte(raw), &item); err != nil {
		tb.Fatalf("source item: %v", err)
	}
	calls := []refCall{}
	if item.Conversations != nil {
		last := -1
		for i, t := range item.Conversations {
			if t.From == "human" || t.From == "user" {
				last = i
			}
		}
		for _, t := range item.Conversations[last+1:] {
			if t.From != "function_call" {
				break
			}
			var fc struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			}
			if err := json.Unmarshal([]byte(t.Value), &fc); err != nil {
				tb.Fatalf("function_call %s: %v", t.Value, err)
			}
			calls = append(calls, refCall{fc.Name, jsonValue(tb, fc.Arguments)})
		}
		return calls
	}
	last := -1
	for i, m := range item.Messages {
		if m.Role == "user" {
			last = i
		}
	}
	for _, m := range item.Messages[last+1:] {
		if m.Role == "assistant" {
			for _, c := range m.ToolCalls {
				calls = append(calls, refCall{c.Function.Name, jsonValue(tb, []byte(c.Function.Arguments))})
			}
			break
		}
	}
	return calls
}

// fileToolsInSight says, from a record's source item itself, whether it
// offers tools (a non-empty "tools" list, or ShareGPT's list as a JSON
// string) or its turns after the last user turn call one: the records
// that get a reference_tool_calls.
func fileToolsInSight(tb testing.TB, raw string) bool {
	tb.Helper()
	var item struct {
		Tools    json.RawMessage `json:"tools"`
		Messages []struct {
			Role      string            `json:"role"`
			ToolCalls []json.RawMessage `json:"tool_calls"`
		} `json:"messages"`
		Conversations []struct {
			From string `json:"from"`
		} `json:"conversations"`
	}
	if err := json.Unmarshal([]byte(raw), &item); err != nil {
		tb.Fatalf("source item: %v", err)
	}
	tools := item.Tools
	var s string
	if json.Unmarshal(tools, &s) == nil {
		tools = json.RawMessage(s)
	}
	var list []json.RawMessage
	if len(tools) > 0 && json.Unmarshal(tools, &list) == nil && len(list) > 0 {
		return true
	}
	last := -1
	for i, t := range item.Conversations {
		if t.From == "human" || t.From == "user" {
			last = i
		}
	}
	for _, t := range item.Conversations[last+1:] {
		if t.From == "function_call" {
			return true
		}
	}
	last = -1
	for i, m := range item.Messages {
		if m.Role == "user" {
			last = i
		}
	}
	for _, m := range item.Messages[last+1:] {
		if m.Role == "assistant" && len(m.ToolCalls) > 0 {
			return true
		}
	}
	return false
}

// derivedCalls reads reference_tool_calls from the fields a record offers.
func derivedCalls(tb testing.TB, fields json.RawMessage) ([]refCall, bool) {
	tb.Helper()
	var f map[string]json.RawMessage
	if err := json.Unmarshal(fields, &f); err != nil {
		tb.Fatal(err)
	}
	raw, ok := f["reference_tool_calls"]
	if !ok {
		return nil, false
	}
	var calls []record.ToolCall
	if err := json.Unmarshal(raw, &calls); err != nil {
		tb.Fatalf("reference_tool_calls %s: %v", raw, err)
	}
	out := []refCall{}
	for _, c := range calls {
		out = append(out, refCall{c.Function.Name, jsonValue(tb, []byte(c.Function.Arguments))})
	}
	return out, true
}

func importShared(t *testing.T, st *store.Store, name, rel string) (ingest.Result, []record.Record) {
	t.Helper()
	ctx := context.Background()
	ds, err := st.CreateDataset(ctx, name, "call the right tool")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingest.ImportFile(ctx, st, ds.ID, sharedFile(t, rel), ingest.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.Records(ctx, store.RecordFilter{DatasetID: ds.ID, Code: "valid", Limit: store.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return res, recs
}

func toolUsage(t *testing.T) grader.Grader {
	t.Helper()
	for _, p := range grader.Presets() {
		if p.ID == "tool_usage" {
			return grader.Grader{Components: p.Components}
		}
	}
	t.Fatal("no tool usage preset")
	return grader.Grader{}
}

// lineFields are the grader fields of each trainer's line of a record, as
// canonical JSON: OpenAI/Azure's top-level keys but messages and tools,
// Fireworks' ground_truth (what its evaluator reads as item.*) and its
// top-level copies, and the TRL row's tracetune_item but messages and tools.
func lineFields(t *testing.T, rec record.Record) map[string]string {
	t.Helper()
	out := map[string]string{}
	strip := func(b []byte) map[string]any {
		m, ok := jsonValue(t, b).(map[string]any)
		if !ok {
			t.Fatalf("line %s is not an object", b)
		}
		delete(m, "messages")
		delete(m, "tools")
		return m
	}
	l, err := rftLine(rec)
	if err != nil {
		t.Fatal(err)
	}
	out["openai"] = canonical(t, strip(l))
	fw, err := fireworksLine(rec)
	if err != nil {
		t.Fatal(err)
	}
	row := strip(fw)
	gt, _ := row["ground_truth"].(string)
	out["fireworks ground_truth"] = canonical(t, jsonValue(t, []byte(gt)))
	delete(row, "ground_truth")
	out["fireworks top level"] = canonical(t, row)
	trl, err := trlRow(rec)
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		Item string `json:"tracetune_item"`
	}
	if err := json.Unmarshal(trl, &tr); err != nil {
		t.Fatal(err)
	}
	out["trl"] = canonical(t, strip([]byte(tr.Item)))
	return out
}

// TestReferencesFromImportedTrajectories imports the real SFT tool-use
// files and checks that the reference the file's trajectory holds is what
// the grader's item and every trainer's line carry. Counts are read from
// the files (python over the JSON: json.load / json.loads per line, the
// turns after the last user turn, "tools" parsed when a string; for glaive
// the first of each repeated prompt, keyed on its turns up to the last
// human one, 230 as the import finds): the turns after the last user turn
// start with an assistant turn that either calls one tool or answers in
// words, and reference_tool_calls is offered only where tools are in
// sight (listed, or called in those turns).
func TestReferencesFromImportedTrajectories(t *testing.T) {
	cases := []struct {
		name, file string
		total      int
		valid      int
		offering   int // valid records offered reference_tool_calls (tools in sight)
		calling    int // valid records whose response turn calls a tool
		answers    int // valid records with an assistant text in the trajectory
	}{
		// 86 lines, every one listing the two stock tools; 36 end with one
		// tool call, 50 with a text answer (a refusal or a question back);
		// no repeated prompt
		{"stock tool calls", "chat/foundry_stock_toolcall_training.jsonl", 86, 86, 86, 36, 50},
		// 55 lines, each listing tools and ending with one tool call and no
		// text after it
		{"zava tool use", "chat/foundry_zava_tooluse_sft_valid.jsonl", 55, 55, 55, 55, 0},
		// 300 conversations, 70 repeat an earlier prompt; of the 230 left,
		// 137 list tools ("tools" is "[]" in the other 93, none of which
		// calls one), 82 answer the last human turn with a function_call,
		// observation and gpt answer, 148 with a gpt answer alone
		{"glaive sharegpt", "sharegpt/llamafactory_glaive_toolcall_en_demo.json", 300, 230, 137, 82, 230},
	}
	st := testutil.OpenStore(t)
	g := toolUsage(t)
	ev := grader.NewEvaluator(nil, g)
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, recs := importShared(t, st, c.name, c.file)
			if res.Total != c.total || res.Valid != c.valid || len(recs) != c.valid {
				t.Fatalf("imported %d records, %d valid (%d read), want %d and %d (by code %v)", res.Total, res.Valid, len(recs), c.total, c.valid, res.ByCode)
			}
			offering, calling, answers := 0, 0, 0
			t.Run("a record with tools in sight offers the file's calls as reference_tool_calls", func(t *testing.T) {
				for _, rec := range recs {
					f, err := grader.ItemFields(rec)
					if err != nil {
						t.Fatalf("record line %d: %v", rec.Line, err)
					}
					labels := strings.Join(f.Labels(), ", ")
					got, ok := derivedCalls(t, f.JSON)
					if inSight := fileToolsInSight(t, rec.Raw); ok != inSight {
						t.Fatalf("record line %d: reference_tool_calls offered %v, tools in sight %v: %s", rec.Line, ok, inSight, f.JSON)
					}
					if !ok {
						if strings.Contains(labels, "reference_tool_calls") {
							t.Fatalf("record line %d: derived fields shown as %q", rec.Line, labels)
						}
						continue
					}
					offering++
					want := fileCalls(t, rec.Raw)
					if canonical(t, got) != canonical(t, want) {
						t.Fatalf("record line %d: reference_tool_calls %s, the file calls %s", rec.Line, canonical(t, got), canonical(t, want))
					}
					if len(got) > 0 {
						calling++
					}
					if !strings.Contains(labels, "reference_tool_calls (from the file's trajectory)") {
						t.Fatalf("record line %d: derived fields shown as %q", rec.Line, labels)
					}
				}
				for _, rec := range recs {
					f, _ := grader.ItemFields(rec)
					var m map[string]json.RawMessage
					_ = json.Unmarshal(f.JSON, &m)
					if _, ok := m["reference_answer"]; ok {
						answers++
					}
				}
				if offering != c.offering || calling != c.calling || answers != c.answers {
					t.Errorf("%d records offered reference_tool_calls, %d with calls, %d with a reference answer; want %d, %d and %d", offering, calling, answers, c.offering, c.calling, c.answers)
				}
			})
			t.Run("the production response scores 1 on tool usage where tools are in sight", func(t *testing.T) {
				scored := 0
				for _, rec := range recs {
					it, err := grader.ItemFromRecord(rec)
					if err != nil {
						t.Fatal(err)
					}
					s, ok := grader.ProductionSample(rec)
					if !ok {
						t.Fatalf("record line %d has no production response", rec.Line)
					}
					r := ev.Grade(ctx, it, s)
					if _, has := it.Fields["reference_tool_calls"]; !has {
						// no tools in sight: tool usage has nothing to compare
						// and says so rather than passing a record by default
						if r.Score != 0 || len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "no field reference_tool_calls") {
							t.Fatalf("record line %d without tools scores %v (%v)", rec.Line, r.Score, r.Errors)
						}
						continue
					}
					scored++
					if r.Score != 1 || len(r.Errors) > 0 {
						t.Fatalf("record line %d scores %v (%v)", rec.Line, r.Score, r.Errors)
					}
				}
				if scored != c.offering {
					t.Errorf("%d records scored, want %d", scored, c.offering)
				}
			})
			t.Run("every trainer's line carries the fields the grader saw", func(t *testing.T) {
				for _, rec := range recs {
					it, err := grader.ItemFromRecord(rec)
					if err != nil {
						t.Fatal(err)
					}
					want := canonical(t, it.Fields)
					for where, got := range lineFields(t, rec) {
						if got != want {
							t.Fatalf("record line %d: %s fields %s, the grader's item %s", rec.Line, where, got, want)
						}
					}
				}
			})
		})
	}
}

// TestReferencesCheckedByHand pins a few derived references to what the
// files say, read by eye.
func TestReferencesCheckedByHand(t *testing.T) {
	st := testutil.OpenStore(t)
	byLine := func(recs []record.Record, line int) record.Record {
		for _, r := range recs {
			if r.Line == line {
				return r
			}
		}
		t.Fatalf("no valid record at line %d", line)
		return record.Record{}
	}
	fields := func(rec record.Record) map[string]any {
		f, err := grader.ItemFields(rec)
		if err != nil {
			t.Fatal(err)
		}
		return jsonValue(t, f.JSON).(map[string]any)
	}
	_, stock := importShared(t, st, "stock", "chat/foundry_stock_toolcall_training.jsonl")
	_, zava := importShared(t, st, "zava", "chat/foundry_zava_tooluse_sft_valid.jsonl")
	_, glaive := importShared(t, st, "glaive", "sharegpt/llamafactory_glaive_toolcall_en_demo.json")
	cases := []struct {
		name  string
		rec   record.Record
		calls string // canonical reference_tool_calls, arguments parsed; "" when not offered
		ans   string // "" when none
	}{
		// line 1: "What was the highest price that Bank of America's stock reached last month?"
		{"stock line 1", byLine(stock, 1), `[{"Name":"get_last_nday_stock_price","Args":{"period":"1mo","symbol":"BAC"}}]`, ""},
		// line 4: earnings of Draco Drilling, which no tool gives: a refusal in words
		{"stock line 4", byLine(stock, 4), `[]`, "I'm sorry, but I can only provide information on the current stock price and price history of specific stocks. I don't have the ability to provide earnings reports or financial statements. You'll need to check Draco Drilling's official financial disclosures or contact the company directly for this information."},
		// line 1: the confirmed item modification
		{"zava line 1", byLine(zava, 1), `[{"Name":"modify_pending_order_items","Args":{"item_ids":["104599782"],"new_item_ids":["104599784"],"order_id":"#W0032109","payment_method_id":"credit_card_1098"}}]`, ""},
		// item 1: the stir fry ingredients cannot be ordered: a gpt answer, no call
		{"glaive item 1", byLine(glaive, 1), `[]`, "I'm sorry, but as an AI, I don't have the capability to perform external tasks such as ordering ingredients. However, I can help you find more recipes or provide cooking tips if you need."},
		// item 124: "tools": "[]", a question about bananas answered in
		// words: no tool in sight, so no reference_tool_calls at all
		{"glaive item 124", byLine(glaive, 124), "", "Yes, it is believed that the high levels of potassium in bananas can help prevent and alleviate muscle cramps. Potassium plays a key role in muscle function and helps to regulate fluid balance in the body."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fields(c.rec)
			calls, has := f["reference_tool_calls"]
			if !has {
				if c.calls != "" {
					t.Errorf("no reference_tool_calls, want %s", c.calls)
				}
			} else {
				raw, _ := json.Marshal(calls)
				got, _ := derivedCalls(t, []byte(`{"reference_tool_calls":`+string(raw)+`}`))
				if canonical(t, got) != c.calls {
					t.Errorf("reference_tool_calls %s, want %s", canonical(t, got), c.calls)
				}
			}
			ans, has := f["reference_answer"]
			if (c.ans == "") == has || (has && ans != c.ans) {
				t.Errorf("reference_answer %v (present %v), want %q", ans, has, c.ans)
			}
		})
	}
	t.Run("a glaive call after the last human turn", func(t *testing.T) {
		// the first valid conversation whose last human turn is answered by
		// a function_call: the call and the gpt answer after its observation
		for _, rec := range glaive {
			want := fileCalls(t, rec.Raw)
			if len(want) == 0 {
				continue
			}
			f := fields(rec)
			raw, _ := json.Marshal(f["reference_tool_calls"])
			got, _ := derivedCalls(t, []byte(`{"reference_tool_calls":`+string(raw)+`}`))
			if canonical(t, got) != canonical(t, want) || len(got) != 1 || got[0].Name == "" {
				t.Fatalf("line %d: %s, want %s", rec.Line, canonical(t, got), canonical(t, want))
			}
			var conv struct {
				Conversations []struct{ From, Value string } `json:"conversations"`
			}
			_ = json.Unmarshal([]byte(rec.Raw), &conv)
			last := conv.Conversations[len(conv.Conversations)-1]
			if last.From != "gpt" || f["reference_answer"] != last.Value {
				t.Fatalf("line %d: reference_answer %v, the file's last gpt turn %q", rec.Line, f["reference_answer"], last.Value)
			}
			return
		}
		t.Fatal("no glaive conversation calls a tool after its last human turn")
	})
}

// TestExplicitFieldsWin: a record that carries a reference keeps it; the
// trajectory only fills what is missing.
func TestExplicitFieldsWin(t *testing.T) {
	st := testutil.OpenStore(t)
	_, recs := importShared(t, st, "stock", "chat/foundry_stock_toolcall_training.jsonl")
	var rec record.Record
	for _, r := range recs {
		if r.Line == 1 {
			rec = r
		}
	}
	if rec.ID == 0 {
		t.Fatal("no record at line 1")
	}
	ev := grader.NewEvaluator(nil, toolUsage(t))
	cases := []struct {
		name, fields string
		derived      []string
		score        float64
	}{
		{"both given", `{"reference_tool_calls":[{"function":{"name":"get_current_stock_price","arguments":"{\"symbol\":\"BAC\"}"}}],"reference_answer":"mine"}`, nil, 0},
		{"only the answer given", `{"reference_answer":"mine"}`, []string{"reference_tool_calls (from the file's trajectory)"}, 1},
		{"calls given as an empty list", `{"reference_tool_calls":[]}`, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rec
			r.Fields = json.RawMessage(c.fields)
			f, err := grader.ItemFields(r)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(f.Labels(), ",") != strings.Join(c.derived, ",") {
				t.Errorf("derived %v, want %v", f.Labels(), c.derived)
			}
			given := jsonValue(t, []byte(c.fields)).(map[string]any)
			offered := jsonValue(t, f.JSON).(map[string]any)
			for k, v := range given {
				if canonical(t, offered[k]) != canonical(t, v) {
					t.Errorf("%s offered as %s, given %s", k, canonical(t, offered[k]), canonical(t, v))
				}
			}
			it, err := grader.ItemFromRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := grader.ProductionSample(r)
			if got := ev.Grade(context.Background(), it, s).Score; got != c.score {
				t.Errorf("tool usage %v, want %v", got, c.score)
			}
			for where, got := range lineFields(t, r) {
				if got != canonical(t, it.Fields) {
					t.Errorf("%s fields %s, the grader's item %s", where, got, canonical(t, it.Fields))
				}
			}
		})
	}
}

// TestPulledTracesOfferNoReference: a production trace's output is what
// the model said, not a reference, whether pulled from a gateway or
// imported from a file of exported traces.
func TestPulledTracesOfferNoReference(t *testing.T) {
	ctx := context.Background()
	const key = "sk-litellm-reference"
	fake := testutil.StartLiteLLM(t, key)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	fake.Add(testutil.SampleGatewayTraces("ref", 12, t0, time.Minute)...)
	st := testutil.OpenStore(t)
	ds, err := st.CreateDataset(ctx, "pulled", "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := gateway.Config{Name: "proxy", Kind: gateway.KindLiteLLM, URL: fake.URL, Key: key}
	row, err := st.AddSource(ctx, store.SourceRow{Name: cfg.Name, Kind: string(cfg.Kind), URL: cfg.URL}, false)
	if err != nil {
		t.Fatal(err)
	}
	src, err := gateway.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gateway.Pull(ctx, st, src, row.ID, ds.ID, gateway.PullOptions{Now: func() time.Time { return t0.Add(time.Hour) }}, nil)
	if err != nil || res.New != 12 {
		t.Fatalf("pull = %+v, %v", res, err)
	}
	recs, err := st.Records(ctx, store.RecordFilter{DatasetID: ds.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ev := grader.NewEvaluator(nil, toolUsage(t))
	withOutput, withTools := 0, 0
	for _, rec := range recs {
		if rec.Shape != record.ShapeGateway {
			t.Fatalf("pulled record %d has shape %s", rec.ID, rec.Shape)
		}
		f, err := grader.ItemFields(rec)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Derived) > 0 || bytes.Contains(f.JSON, []byte("reference_")) {
			t.Fatalf("pulled record %d offers %s (derived %v)", rec.ID, f.JSON, f.Labels())
		}
		s, ok := grader.ProductionSample(rec)
		if !ok {
			continue
		}
		withOutput++
		if len(rec.Tools) > 0 {
			withTools++
		}
		it, err := grader.ItemFromRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		if r := ev.Grade(ctx, it, s); r.Score != 0 || len(r.Errors) != 1 || !strings.Contains(r.Errors[0], "no field reference_tool_calls") {
			t.Fatalf("pulled record %d graded %v %v, want the missing field said", rec.ID, r.Score, r.Errors)
		}
		l, err := rftLine(rec)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(l, []byte("reference_")) {
			t.Fatalf("pulled record %d line %s", rec.ID, l)
		}
	}
	// 12 traces: every seventh (index 6) failed without output; indexes 2,
	// 5, 8 and 11 offer a tool and call it before the last user turn.
	if withOutput != 11 || withTools != 4 {
		t.Errorf("%d pulled records with a response, %d offering tools, want 11 and 4", withOutput, withTools)
	}
	t.Run("an imported file of exported traces", func(t *testing.T) {
		// a Langfuse trace export (pydantic-ai with tools): 4 GENERATION
		// observations, each a logged call whose output the model wrote
		_, recs := importShared(t, st, "langfuse export", "gateway/langfuse_trace_pydantic-ai-tools-2025-12-04.json")
		all, err := st.Records(ctx, store.RecordFilter{DatasetID: recs[0].DatasetID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		outputs := 0
		for _, rec := range all {
			if !strings.HasPrefix(rec.Source, "file:") || rec.Shape != record.ShapeGateway {
				t.Fatalf("record %d: source %q shape %s", rec.ID, rec.Source, rec.Shape)
			}
			if _, ok := grader.ProductionSample(rec); ok {
				outputs++
			}
			f, err := grader.ItemFields(rec)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Derived) > 0 {
				t.Fatalf("exported trace %d offers %v", rec.ID, f.Labels())
			}
		}
		if len(all) != 4 || outputs == 0 {
			t.Errorf("%d records, %d with a response; want 4 with responses", len(all), outputs)
		}
	})
}
