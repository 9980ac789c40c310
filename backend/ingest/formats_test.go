package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"tracetune/backend/health"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// sharedData is a file of ../shared/data, the real third-party files beside
// the repository (see its SOURCES.md).
func sharedData(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(testutil.RepoRoot(tb), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("%s must sit beside the repository (as CI's shared/ does): %v", p, err)
	}
	return p
}

// TestAdaptersOnRealFiles imports each real file and compares with counts
// read from the files by hand (jq/python over SOURCES.md's files): records,
// valid ones, codes, items that hold no LLM call, imported topics.
func TestAdaptersOnRealFiles(t *testing.T) {
	cases := []struct {
		name, file string
		opt        AdaptOptions
		format     Format
		adapter    string
		total      int
		valid      int
		codes      map[string]int
		skipped    int
		topics     int // distinct topics created
		assigned   int // records categorized by an imported topic
	}{
		// 300 conversations; 70 repeat an earlier prompt (the turns up to
		// the last human turn), no grader fields
		{"sharegpt with tool calls", "sharegpt/llamafactory_glaive_toolcall_en_demo.json", AdaptOptions{}, FormatJSONArray, "sharegpt",
			300, 230, map[string]int{"duplicate": 70}, 0, 0, 0},
		// 999 items, 14 repeat instruction+input and output
		{"alpaca", "sharegpt/llamafactory_alpaca_en_demo.json", AdaptOptions{}, FormatJSONArray, "alpaca",
			999, 985, map[string]int{"duplicate": 14}, 0, 0, 0},
		// 91 items, 44 with instruction+input under 10 characters ("hi", "你好")
		{"alpaca identity", "sharegpt/llamafactory_identity.json", AdaptOptions{}, FormatJSONArray, "alpaca",
			91, 47, map[string]int{"user_message_too_short": 44}, 0, 0, 0},
		// 6 conversations user/assistant/…; 2 have a user turn under 10 characters
		{"llamafactory multimodal chat array", "sharegpt/llamafactory_mllm_demo.json", AdaptOptions{}, FormatJSONArray, "openai-chat",
			6, 4, map[string]int{"user_message_too_short": 2}, 0, 0, 0},
		// 200 lines, 10 topics × 20, 50 repeat an earlier prompt
		{"vllora export jsonl", "gateway/vllora_dataset_export_sample.jsonl", AdaptOptions{}, FormatJSONL, "vllora-export",
			200, 150, map[string]int{"duplicate": 50}, 0, 10, 150},
		{"vllora export json", "gateway/vllora_dataset_export_sample.json", AdaptOptions{}, FormatJSON, "vllora-export",
			200, 150, map[string]int{"duplicate": 50}, 0, 10, 150},
		// GENERATION observations: 4, 2, 2, 2, 4, 2
		{"langfuse claude agent", "gateway/langfuse_trace_claude-agent-2025-12-22.json", AdaptOptions{}, FormatJSON, "langfuse-trace", 4, -1, nil, 0, 0, 0},
		{"langfuse google adk", "gateway/langfuse_trace_google-adk-2025-08-28.json", AdaptOptions{}, FormatJSON, "langfuse-trace", 2, -1, nil, 0, 0, 0},
		{"langfuse langgraph", "gateway/langfuse_trace_langgraph-python-2025-08-22.json", AdaptOptions{}, FormatJSON, "langfuse-trace", 2, -1, nil, 0, 0, 0},
		{"langfuse openai agents", "gateway/langfuse_trace_openai-agents-2025-09-30.json", AdaptOptions{}, FormatJSON, "langfuse-trace", 2, -1, nil, 0, 0, 0},
		{"langfuse pydantic ai", "gateway/langfuse_trace_pydantic-ai-tools-2025-12-04.json", AdaptOptions{}, FormatJSON, "langfuse-trace", 4, -1, nil, 0, 0, 0},
		{"langfuse vercel ai sdk", "gateway/langfuse_trace_vercel-aisdk-2025-11-17.json", AdaptOptions{}, FormatJSON, "langfuse-trace", 2, -1, nil, 0, 0, 0},
		// one generation-create event, user "Hello!" (6 characters)
		{"langfuse ingestion batch from litellm", "gateway/litellm_langfuse_ingestion_batch_completion.json", AdaptOptions{}, FormatJSON, "langfuse-trace",
			1, 0, map[string]int{"user_message_too_short": 1}, 0, 0, 0},
		// messages "{}": the proxy stored no prompt
		{"litellm spend log", "gateway/litellm_spend_logs_payload.json", AdaptOptions{}, FormatJSON, "litellm-log",
			1, 0, map[string]int{"empty_messages": 1}, 0, 0, 0},
		// messages is a Python repr: [{'role': 'user', 'content': 'Hello, world!'}]
		{"litellm standard logging payload", "gateway/litellm_standard_logging_payload.json", AdaptOptions{}, FormatJSON, "litellm-log",
			1, 1, map[string]int{}, 0, 0, 0},
		// 3 spans: 2 chat, 1 execute_tool; the second chat goes on after
		// the same system+user turns as the first: a duplicate
		{"otel genai spans array", "gateway/vllora_otel_genai_spans_mock.json", AdaptOptions{}, FormatJSONArray, "otel-spans",
			2, 1, map[string]int{"duplicate": 1}, 1, 0, 0},
		{"otel genai spans template", "gateway/vllora_sample_otel_trace_template.json", AdaptOptions{}, FormatJSONArray, "otel-spans",
			2, 2, map[string]int{}, 1, 0, 0},
		// one span, no gen_ai attributes: the document holds no LLM call
		{"otlp without genai", "gateway/otlp_proto_example_trace.json", AdaptOptions{}, FormatJSON, "otel-otlp",
			0, 0, map[string]int{}, 1, 0, 0},
		// 100 items {target, nums}, all distinct
		{"evals items with a template", "eval/foundry_countdown_eval_100_items.jsonl",
			AdaptOptions{Template: "Using the numbers {{item.nums}}, write an equation that equals {{item.target}}."}, FormatJSONL, "openai-evals",
			100, 100, map[string]int{}, 0, 0, 0},
		{"evals items without a template", "eval/foundry_countdown_eval_100_items.jsonl", AdaptOptions{}, FormatJSONL, "openai-evals",
			100, 0, map[string]int{"missing_messages": 100}, 0, 0, 0},
		// 10 output items whose item has developer+user messages
		{"evals run output items", "eval/foundry_zava_eval_run_output_items_head10.jsonl", AdaptOptions{}, FormatJSONL, "openai-evals", 10, -1, nil, 0, 0, 0},
		// 3,080 rows text,category: 77 categories × 40, no repeated text
		{"csv with a topic column", "intents/banking77_test.csv", AdaptOptions{}, FormatCSV, AdapterCSV,
			3080, 3080, map[string]int{}, 0, 77, 3080},
		// 4,500 rows text,intent: 150 intents × 30
		{"csv with an explicit mapping", "intents/clinc150_test.csv", AdaptOptions{Map: map[string]string{"text": "user", "intent": "topic"}}, FormatCSV, AdapterCSV,
			4500, -1, nil, 0, 150, -1},
		// 10 lines, 3 pairs share a prompt but not clause_type (and some
		// contracts are over the default token limit)
		{"rft clause matching", "rft/foundry_clause_matching_validation_head10.jsonl", AdaptOptions{}, FormatJSONL, "openai-chat",
			10, -1, nil, 0, 0, 0},
		// {"question","answer"}: not a known item format
		{"jsonl that is not chat", "chat/foundry_sarcasm_qa_not_chat.jsonl", AdaptOptions{}, FormatJSONL, "",
			500, 0, map[string]int{"missing_messages": 500}, 0, 0, 0},
	}
	ctx := context.Background()
	st := testutil.OpenStore(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := newDataset(t, st, c.name)
			res, err := ImportFile(ctx, st, ds, sharedData(t, c.file), Options{Adapt: c.opt}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Detected.Format != c.format || res.Detected.Adapter != c.adapter {
				t.Errorf("detected %s/%s, want %s/%s", res.Detected.Format, res.Detected.Adapter, c.format, c.adapter)
			}
			if res.Total != c.total {
				t.Errorf("%d records, want %d (by code %v)", res.Total, c.total, res.ByCode)
			}
			if c.valid >= 0 && res.Valid != c.valid {
				t.Errorf("%d valid, want %d (by code %v)", res.Valid, c.valid, res.ByCode)
			}
			if c.codes != nil && !equalCounts(res.ByCode, c.codes) {
				t.Errorf("by code %v, want %v", res.ByCode, c.codes)
			}
			if res.Skipped != c.skipped {
				t.Errorf("%d items skipped, want %d", res.Skipped, c.skipped)
			}
			topics, err := st.Topics(ctx, ds)
			if err != nil {
				t.Fatal(err)
			}
			if len(topics) != c.topics {
				t.Errorf("%d topics, want %d", len(topics), c.topics)
			}
			recs := allRecords(t, st, ds)
			assigned := 0
			for _, r := range recs {
				if r.TopicID != 0 {
					assigned++
					if r.Method != record.MethodImport || r.Confidence != 1 {
						t.Fatalf("record %d: categorized by %q at %v, want import at 1", r.ID, r.Method, r.Confidence)
					}
				}
				if r.Raw == "" {
					t.Fatalf("record %d (line %d) keeps no raw value", r.ID, r.Line)
				}
			}
			if c.assigned >= 0 && assigned != c.assigned {
				t.Errorf("%d records categorized, want %d", assigned, c.assigned)
			}
			if c.assigned < 0 && assigned != res.Valid {
				t.Errorf("%d records categorized, want every valid one (%d)", assigned, res.Valid)
			}
		})
	}
}

func equalCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// importFile imports a real file into a new dataset and returns its records.
func importFile(t *testing.T, st *store.Store, rel string, opt Options) (Result, []record.Record) {
	t.Helper()
	ds := newDataset(t, st, rel)
	res, err := ImportFile(context.Background(), st, ds, sharedData(t, rel), opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res, allRecords(t, st, ds)
}

// TestAdaptedRecords looks inside the records adapters make.
func TestAdaptedRecords(t *testing.T) {
	st := testutil.OpenStore(t)
	t.Run("a sharegpt tool-use conversation splits after its last human turn", func(t *testing.T) {
		_, recs := importFile(t, st, "sharegpt/llamafactory_glaive_toolcall_en_demo.json", Options{})
		// element 1: human, gpt, human, function_call, observation, gpt, human, gpt
		first := recs[0]
		if first.Line != 1 || first.Shape != record.ShapeChat {
			t.Fatalf("first record: line %d shape %s", first.Line, first.Shape)
		}
		var msgs []record.Message
		mustJSON(t, first.Messages, &msgs)
		roles := []string{}
		for _, m := range msgs {
			roles = append(roles, m.Role)
		}
		if strings.Join(roles, ",") != "user,assistant,user,assistant,tool,assistant,user" {
			t.Fatalf("prompt roles %v", roles)
		}
		if msgs[3].ToolCalls[0].Function.Name != "search_recipes" || msgs[4].ToolCallID != msgs[3].ToolCalls[0].ID {
			t.Fatalf("tool call and result not paired: %s", first.Messages)
		}
		if !strings.Contains(string(first.Tools), `"type":"function"`) {
			t.Fatalf("tools not an OpenAI tools array: %s", first.Tools)
		}
		// 101 conversations call a function after their last human turn
		withCalls := 0
		for _, r := range recs {
			if strings.Contains(string(r.Output), `"tool_calls"`) {
				withCalls++
			}
		}
		if withCalls != 101 {
			t.Fatalf("%d records keep tool calls in their output, want 101", withCalls)
		}
		if !strings.HasPrefix(first.Raw, `{`) || !strings.Contains(first.Raw, `"conversations"`) {
			t.Fatalf("raw is not the original item: %.80s", first.Raw)
		}
	})
	t.Run("alpaca output is the production response and the reference answer", func(t *testing.T) {
		_, recs := importFile(t, st, "sharegpt/llamafactory_alpaca_en_demo.json", Options{})
		r := recs[0]
		var f map[string]string
		mustJSON(t, r.Fields, &f)
		var out record.Message
		mustJSON(t, r.Output, &out)
		if f["reference_answer"] == "" || f["reference_answer"] != out.Text() {
			t.Fatalf("reference %q, output %q", f["reference_answer"], out.Text())
		}
	})
	t.Run("a vllora export keeps evaluation as metadata and its position as the line", func(t *testing.T) {
		_, recs := importFile(t, st, "gateway/vllora_dataset_export_sample.json", Options{})
		for i, r := range recs {
			if r.Line != i+1 {
				t.Fatalf("record %d has line %d, want its index %d", i, r.Line, i+1)
			}
		}
		var meta struct {
			Evaluation struct {
				Score float64 `json:"score"`
			} `json:"evaluation"`
		}
		mustJSON(t, recs[0].Metadata, &meta)
		if meta.Evaluation.Score != 3 {
			t.Fatalf("metadata %s", recs[0].Metadata)
		}
		if recs[0].Topic != "math" {
			t.Fatalf("topic %q", recs[0].Topic)
		}
	})
	t.Run("otel spans: the conversation after the user turn is the output", func(t *testing.T) {
		_, recs := importFile(t, st, "gateway/vllora_otel_genai_spans_mock.json", Options{})
		// array element 3: system, user, assistant tool_call, tool
		r := recs[1]
		if r.Line != 3 || r.TraceID != "d667f32656bebd31" {
			t.Fatalf("line %d trace %q", r.Line, r.TraceID)
		}
		if !strings.Contains(string(r.Output), `"tool_calls"`) || !strings.Contains(string(r.Output), `"role":"tool"`) {
			t.Fatalf("output %s", r.Output)
		}
	})
	t.Run("langfuse openai agents: responses api items become chat messages", func(t *testing.T) {
		_, recs := importFile(t, st, "gateway/langfuse_trace_openai-agents-2025-09-30.json", Options{})
		// observations 3 and 4 are the generations; 4 asks the user's question alone
		if recs[0].Line != 3 || recs[1].Line != 4 {
			t.Fatalf("lines %d, %d", recs[0].Line, recs[1].Line)
		}
		// generation 3 asked the same question, then called get_weather;
		// split after the user turn, generation 4's prompt is the same
		if recs[0].Code != record.Valid || recs[1].Code != record.Duplicate {
			t.Fatalf("generations: %s %s / %s %s", recs[0].Code, recs[0].Detail, recs[1].Code, recs[1].Detail)
		}
		if !strings.Contains(string(recs[0].Output), `get_weather`) {
			t.Fatalf("generation 1 output %s", recs[0].Output)
		}
	})
	t.Run("evals items: the template fills the user turn, the item is the grader fields", func(t *testing.T) {
		_, recs := importFile(t, st, "eval/foundry_countdown_eval_100_items.jsonl",
			Options{Adapt: AdaptOptions{Template: "Using the numbers {{item.nums}}, write an equation that equals {{item.target}}."}})
		var msgs []record.Message
		mustJSON(t, recs[0].Messages, &msgs)
		// line 1: {"item": {"target": "89", "nums": "[68, 96, 59, 44]"}}
		if got := msgs[0].Text(); got != "Using the numbers [68, 96, 59, 44], write an equation that equals 89." {
			t.Fatalf("user turn %q", got)
		}
		if string(recs[0].Fields) != `{"nums":"[68, 96, 59, 44]","target":"89"}` {
			t.Fatalf("fields %s", recs[0].Fields)
		}
	})
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := jsonUnmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// TestDuplicatesNeedEqualFields is issue 16's acceptance: lines sharing a
// prompt but not their grader fields are distinct items; equal prompt and
// fields are duplicates.
func TestDuplicatesNeedEqualFields(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	// some contracts are over the default 8,000 tokens: a limit that takes them all
	longPrompts := func(name string) int64 {
		ds := newDataset(t, st, name)
		d, err := st.Dataset(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		d.Settings.MaxTokens = 32000
		if err := st.UpdateDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		return ds
	}
	t.Run("the clause-matching file imports with no duplicate", func(t *testing.T) {
		ds := longPrompts("clauses")
		res, err := ImportFile(ctx, st, ds, sharedData(t, "rft/foundry_clause_matching_validation_head10.jsonl"), Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.ByCode["duplicate"] != 0 || res.Valid != 10 {
			t.Fatalf("valid %d, by code %v", res.Valid, res.ByCode)
		}
		rep, err := health.ReportFor(ctx, st, ds)
		if err != nil {
			t.Fatal(err)
		}
		// 3 pairs of lines share a contract but differ in clause_type
		if len(rep.SamePrompt) != 3 {
			t.Fatalf("same-prompt groups %+v, want 3", rep.SamePrompt)
		}
		for _, g := range rep.SamePrompt {
			if g.Records != 2 || g.Variants != 2 {
				t.Fatalf("group %+v, want 2 records in 2 variants", g)
			}
		}
	})
	t.Run("two lines equal in prompt and fields are still duplicates", func(t *testing.T) {
		data, err := os.ReadFile(sharedData(t, "rft/foundry_clause_matching_validation_head10.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		first := bytes.SplitN(data, []byte("\n"), 2)[0]
		two := append(append(append([]byte{}, first...), '\n'), first...)
		ds := longPrompts("clauses twice")
		res, err := Import(ctx, st, ds, bytes.NewReader(two), int64(len(two)), Options{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Valid != 1 || res.ByCode["duplicate"] != 1 {
			t.Fatalf("valid %d, by code %v", res.Valid, res.ByCode)
		}
	})
}

// TestEncodingsAndContainers imports the same real file as UTF-16 LE and
// BE with a BOM, gzipped and UTF-8 with a BOM and CRLF, and refuses a
// binary file, storing nothing.
func TestEncodingsAndContainers(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	src, err := os.ReadFile(sharedData(t, "gateway/vllora_dataset_export_sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	utf16le := func(le bool) []byte {
		var b bytes.Buffer
		if le {
			b.Write([]byte{0xFF, 0xFE})
		} else {
			b.Write([]byte{0xFE, 0xFF})
		}
		for _, u := range utf16.Encode([]rune(strings.ReplaceAll(string(src), "\n", "\r\n"))) {
			if le {
				binary.Write(&b, binary.LittleEndian, u)
			} else {
				binary.Write(&b, binary.BigEndian, u)
			}
		}
		return b.Bytes()
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(src)
	zw.Close()
	cases := []struct {
		name, enc string
		data      []byte
		gzip      bool
	}{
		{"utf-16 le with bom and crlf (PowerShell's >)", EncUTF16LE, utf16le(true), false},
		{"utf-16 be with bom", EncUTF16BE, utf16le(false), false},
		{"gzip", EncUTF8, gz.Bytes(), true},
		{"utf-8 with bom and crlf", EncUTF8BOM, append(append([]byte{}, bom...), strings.ReplaceAll(string(src), "\n", "\r\n")...), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := newDataset(t, st, c.name)
			res, err := Import(ctx, st, ds, bytes.NewReader(c.data), int64(len(c.data)), Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Detected.Encoding != c.enc || res.Detected.Gzip != c.gzip || res.Detected.Adapter != "vllora-export" {
				t.Fatalf("detected %+v", res.Detected)
			}
			if res.Total != 200 || res.Valid != 150 {
				t.Fatalf("%d records, %d valid (by code %v)", res.Total, res.Valid, res.ByCode)
			}
		})
	}
	t.Run("a binary file is refused and nothing is stored", func(t *testing.T) {
		bin, err := os.Executable() // this test binary: a real program
		if err != nil {
			t.Fatal(err)
		}
		ds := newDataset(t, st, "binary")
		_, err = ImportFile(ctx, st, ds, bin, Options{}, nil)
		if !errors.Is(err, ErrNotText) {
			t.Fatalf("err = %v, want ErrNotText", err)
		}
		counts, err := st.CodeCounts(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 0 {
			t.Fatalf("records stored: %v", counts)
		}
	})
}

var jsonUnmarshal = func(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestOddContainers: nothing a file holds is dropped, whatever its shape.
func TestOddContainers(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	chat := `{"messages":[{"role":"user","content":"What is the capital of France?"}]}`
	cases := []struct {
		name, text   string
		format       Format
		total, valid int
	}{
		{"lines that are arrays are JSONL", "[1,2]\n[3]\n" + chat + "\n", FormatJSONL, 3, 1},
		{"text after an array's end is one more (invalid) item", "[\n" + chat + "\n]\n{broken", FormatJSONArray, 2, 1},
		{"a one-line array", "[" + chat + "," + chat + "]", FormatJSONArray, 2, 1},
		{"a pretty array", "[\n  " + chat + "\n]\n", FormatJSONArray, 1, 1},
		{"two pretty documents", "{\n \"messages\": [{\"role\":\"user\",\"content\":\"Where is my parcel today?\"}]\n}\n" + "{\n \"messages\": [{\"role\":\"user\",\"content\":\"Where is my invoice today?\"}]\n}\n", FormatJSON, 2, 2},
		{"a truncated document", "{\n \"messages\": [\n", FormatJSON, 1, 0},
		{"plain text lines", "hello there\nsecond line\n", FormatJSONL, 2, 0},
		{"an empty file", "", FormatJSONL, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := newDataset(t, st, c.name)
			res, err := Import(ctx, st, ds, strings.NewReader(c.text), int64(len(c.text)), Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Detected.Format != c.format || res.Total != c.total || res.Valid != c.valid {
				t.Fatalf("format %s, %d records, %d valid (%v); want %s, %d, %d", res.Detected.Format, res.Total, res.Valid, res.ByCode, c.format, c.total, c.valid)
			}
		})
	}
}
