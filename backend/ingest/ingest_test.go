package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/health"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func importString(t *testing.T, st *store.Store, ds int64, text string, mode Mode) Result {
	t.Helper()
	res, err := Import(context.Background(), st, ds, strings.NewReader(text), int64(len(text)), Options{Mode: mode, Source: "file:test.jsonl"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func allRecords(t *testing.T, st *store.Store, ds int64) []record.Record {
	t.Helper()
	var out []record.Record
	var after int64
	for {
		page, err := st.Records(context.Background(), store.RecordFilter{DatasetID: ds, AfterID: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

const (
	goodChat = `{"messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"What is the capital of France?"}]}`
	goodGW   = `{"input":{"messages":[{"role":"user","content":"Translate good morning to German"}],"tools":[]},"output":{"role":"assistant","content":"Guten Morgen"},"metadata":{"trace_id":"tr-1"}}`
)

// TestReaderLines covers the reader's contract: BOM, CRLF, blank lines
// (counted for numbering but not records), a line of tens of MB, and a
// last line without a newline.
func TestReaderLines(t *testing.T) {
	st := testutil.OpenStore(t)
	ds := newDataset(t, st, "lines")
	long := `{"messages":[{"role":"user","content":"` + strings.Repeat("word ", 5_000_000) + `"}]}` // 25 MB
	text := "\xEF\xBB\xBF" + goodChat + "\r\n" + "\r\n" + "   \n" + goodGW + "\r\n" + "not json\n" + long + "\n" + `[1,2]`
	res := importString(t, st, ds, text, Append)
	if res.Lines != 7 || res.Total != 5 {
		t.Fatalf("lines %d total %d, want 7 and 5", res.Lines, res.Total)
	}
	recs := allRecords(t, st, ds)
	wantLines := []int{1, 4, 5, 6, 7}
	wantCodes := []record.Code{record.Valid, record.Valid, record.InvalidDataStructure, record.ExceedsMaxTokens, record.InvalidDataStructure}
	for i, r := range recs {
		if r.Line != wantLines[i] || r.Code != wantCodes[i] {
			t.Errorf("record %d: line %d code %q detail %q, want line %d code %q", i, r.Line, r.Code, r.Detail, wantLines[i], wantCodes[i])
		}
	}
	if recs[0].Raw != goodChat {
		t.Errorf("BOM not stripped from raw: %q", recs[0].Raw[:10])
	}
	if strings.HasSuffix(recs[1].Raw, "\r") {
		t.Error("CR kept in raw")
	}
	if recs[2].Raw != "not json" || !strings.Contains(recs[2].Detail, "column") {
		t.Errorf("bad JSON stored as %q with detail %q", recs[2].Raw, recs[2].Detail)
	}
	if len(recs[3].Raw) != len(long) {
		t.Errorf("long line stored with %d bytes, want %d", len(recs[3].Raw), len(long))
	}
	if recs[4].Detail != "the line is an array, not a JSON object" {
		t.Errorf("array detail %q", recs[4].Detail)
	}
	if recs[1].TraceID != "tr-1" || recs[1].Source != "file:test.jsonl" {
		t.Errorf("trace %q source %q", recs[1].TraceID, recs[1].Source)
	}
}

func TestNormalizeShapes(t *testing.T) {
	cases := []struct {
		name, line string
		shape      record.Shape
		code       record.Code
		msgs       string
		output     string
		fields     string
	}{
		{"chat moves trailing assistant turns", `{"messages":[{"role":"user","content":"Tell me a joke please"},{"role":"assistant","content":"A"},{"role":"assistant","content":"B"}],"reference_answer":"42"}`,
			record.ShapeChat, record.Valid, `[{"role":"user","content":"Tell me a joke please"}]`, `{"messages":[{"role":"assistant","content":"A"},{"role":"assistant","content":"B"}]}`, `{"reference_answer":"42"}`},
		{"all-assistant chat stays whole", `{"messages":[{"role":"assistant","content":"Hello there"}]}`, record.ShapeChat, record.NoUserMessage, `[{"role":"assistant","content":"Hello there"}]`, "", ""},
		{"gateway keeps tool_choice and extras as fields", `{"input":{"messages":[{"role":"user","content":"What is the weather in Paris?"}],"tool_choice":"auto"},"output":{"x":1},"customer":"acme"}`,
			record.ShapeGateway, record.Valid, `[{"role":"user","content":"What is the weather in Paris?"}]`, `{"x":1}`, `{"customer":"acme","tool_choice":"auto"}`},
		{"input not an object", `{"input":"hello"}`, record.ShapeRaw, record.InvalidDataStructure, "", "", ""},
		{"messages not an array", `{"messages":{"role":"user"}}`, record.ShapeRaw, record.InvalidDataStructure, "", "", ""},
		{"output without input", `{"output":{"content":"hi"}}`, record.ShapeOther, record.MissingInput, "", `{"content":"hi"}`, ""},
		{"neither", `{"prompt":"hello world here"}`, record.ShapeOther, record.MissingMessages, "", "", `{"prompt":"hello world here"}`},
		{"gateway without messages", `{"input":{"tools":[]}}`, record.ShapeGateway, record.MissingMessages, "", "", ""},
		{"string line", `"just a string"`, record.ShapeRaw, record.InvalidDataStructure, "", "", ""},
		{"null line", `null`, record.ShapeRaw, record.InvalidDataStructure, "", "", ""},
		{"content parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"Describe this picture in detail"},{"type":"image_url","image_url":{"url":"x"}}]}]}`,
			record.ShapeChat, record.Valid, `[{"role":"user","content":[{"type":"text","text":"Describe this picture in detail"},{"type":"image_url","image_url":{"url":"x"}}]}]`, "", ""},
		{"empty parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"  "}]}]}`, record.ShapeChat, record.EmptyUserMessage, `[{"role":"user","content":[{"type":"text","text":"  "}]}]`, "", ""},
		{"developer role ok", `{"messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"Explain recursion simply"}]}`, record.ShapeChat, record.Valid,
			`[{"role":"developer","content":"Be brief."},{"role":"user","content":"Explain recursion simply"}]`, "", ""},
		{"message not an object", `{"messages":["hello there friend"]}`, record.ShapeChat, record.InvalidRole, `["hello there friend"]`, "", ""},
		{"short after trim", `{"messages":[{"role":"user","content":"   hi there    "}]}`, record.ShapeChat, record.UserMessageTooShort, `[{"role":"user","content":"   hi there    "}]`, "", ""},
		{"exactly ten chars", `{"messages":[{"role":"user","content":"abcdefghij"}]}`, record.ShapeChat, record.Valid, `[{"role":"user","content":"abcdefghij"}]`, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Normalize([]byte(c.line), 3)
			health.Check(&r, record.DefaultSettings())
			if r.Shape != c.shape || r.Code != c.code {
				t.Fatalf("shape %q code %q (%s), want %q %q", r.Shape, r.Code, r.Detail, c.shape, c.code)
			}
			if string(r.Messages) != c.msgs || string(r.Output) != c.output || string(r.Fields) != c.fields {
				t.Errorf("messages %s\noutput %s\nfields %s", r.Messages, r.Output, r.Fields)
			}
			if r.Line != 3 || r.Raw != c.line {
				t.Errorf("line %d raw %q", r.Line, r.Raw)
			}
			if c.code != record.Valid && r.Detail == "" {
				t.Error("invalid record without detail")
			}
			if (c.code == record.Valid) != (r.Hash != "") {
				t.Errorf("hash %q for code %q", r.Hash, r.Code)
			}
		})
	}
}

func TestToolChecks(t *testing.T) {
	call := func(id string) string {
		if id == "" {
			return `{"role":"assistant","content":null,"tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}`
		}
		return `{"role":"assistant","content":null,"tool_calls":[{"id":"` + id + `","type":"function","function":{"name":"f","arguments":"{}"}}]}`
	}
	u := `{"role":"user","content":"Look up order 12345 please"}`
	cases := map[string]record.Code{
		`[` + u + `,` + call("c1") + `,{"role":"tool","tool_call_id":"c1","content":"ok"},` + u + `]`: record.Valid,
		`[` + u + `,` + call("") + `,{"role":"tool","tool_call_id":"c1","content":"ok"},` + u + `]`:   record.MissingToolCallID,
		`[` + u + `,` + call("c1") + `,{"role":"tool","content":"ok"},` + u + `]`:                     record.MissingToolCallID,
		`[` + u + `,{"role":"tool","tool_call_id":"c9","content":"ok"},` + u + `]`:                    record.OrphanToolResult,
		`[` + u + `,` + call("c1") + `,{"role":"tool","tool_call_id":"c1","content":"ok"}]`:           record.LastMessageNotUser,
		// check order: a short user message wins over a tool problem
		`[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"zz","content":"ok"}]`: record.UserMessageTooShort,
	}
	for msgs, want := range cases {
		r := Normalize([]byte(`{"input":{"messages":`+msgs+`}}`), 1)
		health.Check(&r, record.DefaultSettings())
		if r.Code != want {
			t.Errorf("%s: code %q (%s), want %q", msgs, r.Code, r.Detail, want)
		}
	}
}

func TestTokenLimitIsPerDatasetSetting(t *testing.T) {
	words := strings.Repeat("alpha beta gamma delta ", 30) // 120 words
	line := `{"messages":[{"role":"user","content":"` + words + `"}]}`
	r := Normalize([]byte(line), 1)
	health.Check(&r, record.Settings{MinUserChars: 10, MaxTokens: 100})
	if r.Code != record.ExceedsMaxTokens {
		t.Fatalf("code %q (%s), want exceeds_max_tokens at a 100-token limit", r.Code, r.Detail)
	}
	health.Check(&r, record.Settings{MinUserChars: 10, MaxTokens: 8000})
	if r.Code != record.Valid {
		t.Fatalf("code %q (%s), want valid at the default limit", r.Code, r.Detail)
	}
	// near the limit the exact count decides: 120 words + framing ≈ 130 tokens
	health.Check(&r, record.Settings{MinUserChars: 10, MaxTokens: 125})
	if r.Code != record.ExceedsMaxTokens || !strings.Contains(r.Detail, "tokens") {
		t.Fatalf("code %q (%s) at a 125-token limit", r.Code, r.Detail)
	}
	health.Check(&r, record.Settings{MinUserChars: 10, MaxTokens: 140})
	if r.Code != record.Valid {
		t.Fatalf("code %q (%s) at a 140-token limit", r.Code, r.Detail)
	}
}

// TestDuplicates: key order and white space do not matter, content does;
// trace ids count; the first stays valid; deleting the first of two makes
// the second valid; editing keeps codes equal to a fresh validation.
func TestDuplicatesDeleteEdit(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	ds := newDataset(t, st, "dups")
	a := `{"messages":[{"role":"user","content":"How do I reset my password?"}]}`
	aReordered := `{"messages": [ {"content": "How do I reset my password?",  "role": "user"} ] , "metadata":{"trace_id":"t-9"}}`
	b := `{"messages":[{"role":"user","content":"How do I reset my password!"}]}`
	c := `{"input":{"messages":[{"role":"user","content":"Completely different question here"}]},"metadata":{"trace_id":"t-9"}}`
	res := importString(t, st, ds, a+"\n"+aReordered+"\n"+b+"\n"+c+"\n", Append)
	if res.Valid != 2 || res.ByCode["duplicate"] != 2 {
		t.Fatalf("valid %d, by code %v; want 2 valid and 2 duplicates", res.Valid, res.ByCode)
	}
	recs := allRecords(t, st, ds)
	if recs[1].Code != record.Duplicate || !strings.Contains(recs[1].Detail, "line 1") {
		t.Errorf("reordered copy: %q %q", recs[1].Code, recs[1].Detail)
	}
	if recs[3].Code != record.Duplicate || !strings.Contains(recs[3].Detail, "trace") {
		t.Errorf("same trace id: %q %q", recs[3].Code, recs[3].Detail)
	}
	// append the same file again: everything new is a duplicate
	res = importString(t, st, ds, a+"\n"+b+"\n", Append)
	if res.ByCode["duplicate"] != 2 {
		t.Fatalf("re-append: %v", res.ByCode)
	}
	// delete the first record: its copy becomes valid, the re-appended
	// copy of a stays a duplicate (of the second record now)
	n, err := DeleteRecords(ctx, st, ds, []int64{recs[0].ID})
	if err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
	r1, _ := st.Record(ctx, recs[1].ID)
	if r1.Code != record.Valid {
		t.Fatalf("after deleting the first, the second is %q (%s)", r1.Code, r1.Detail)
	}
	assertFresh(t, st, ds)

	// edit b into a copy of a: b becomes a duplicate
	edited, err := EditRecord(ctx, st, recs[2].ID, "{\n  \"messages\": [{\"role\": \"user\", \"content\": \"How do I reset my password?\"}]\n}")
	if err != nil {
		t.Fatal(err)
	}
	if edited.Code != record.Duplicate {
		t.Fatalf("edited into a copy: %q", edited.Code)
	}
	assertFresh(t, st, ds)
	// a syntax error names line and column and stores nothing
	_, err = EditRecord(ctx, st, recs[2].ID, "{\n  \"messages\": [\n  }")
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "column") {
		t.Fatalf("syntax error: %v", err)
	}
	again, _ := st.Record(ctx, recs[2].ID)
	if again.Raw != edited.Raw {
		t.Fatal("a failed edit changed the record")
	}
	// fix an invalid record by editing
	bad := importString(t, st, ds, `{"messages":[{"role":"user","content":"hi"}]}`+"\n", Append)
	if bad.ByCode["user_message_too_short"] != 1 {
		t.Fatalf("%v", bad.ByCode)
	}
	all := allRecords(t, st, ds)
	last := all[len(all)-1]
	fixed, err := EditRecord(ctx, st, last.ID, `{"messages":[{"role":"user","content":"hi, which plans do you offer?"}]}`)
	if err != nil || fixed.Code != record.Valid {
		t.Fatalf("fixed: %q %v", fixed.Code, err)
	}
	assertFresh(t, st, ds)
}

// assertFresh checks that a full revalidation would change nothing.
func assertFresh(t *testing.T, st *store.Store, ds int64) {
	t.Helper()
	before := allRecords(t, st, ds)
	if err := health.Revalidate(context.Background(), st, ds); err != nil {
		t.Fatal(err)
	}
	after := allRecords(t, st, ds)
	for i := range before {
		if before[i].Code != after[i].Code || before[i].Detail != after[i].Detail {
			t.Errorf("record %d: stored %q (%s), fresh %q (%s)", before[i].ID, before[i].Code, before[i].Detail, after[i].Code, after[i].Detail)
		}
	}
	rep, err := health.ReportFor(context.Background(), st, ds)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != len(after) {
		t.Errorf("report total %d, records %d", rep.Total, len(after))
	}
}

// TestReplaceIsAtomic: replace swaps the records in one transaction, and a
// failed replace (here: cancelled) leaves the old records.
func TestReplaceIsAtomic(t *testing.T) {
	st := testutil.OpenStore(t)
	ds := newDataset(t, st, "replace")
	importString(t, st, ds, goodChat+"\n"+goodGW+"\n", Append)
	res := importString(t, st, ds, goodGW+"\n", Replace)
	if res.Total != 1 {
		t.Fatal(res)
	}
	recs := allRecords(t, st, ds)
	if len(recs) != 1 || recs[0].Code != record.Valid {
		t.Fatalf("after replace: %d records", len(recs))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var big bytes.Buffer
	for i := 0; i < 5000; i++ {
		big.WriteString(goodChat + "\n")
	}
	_, err := Import(ctx, st, ds, &big, int64(big.Len()), Options{Mode: Replace}, func(done, total int64) {
		if done > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled replace returned %v", err)
	}
	after := allRecords(t, st, ds)
	if len(after) != 1 || after[0].ID != recs[0].ID {
		t.Fatalf("a failed replace changed the dataset: %d records", len(after))
	}
	rep, _ := health.ReportFor(context.Background(), st, ds)
	if rep.Total != 1 {
		t.Fatalf("counts after failed replace: %+v", rep)
	}
}

// TestExportRFTRoundTrip: export valid-only in RFT shape, re-import into a
// new dataset: 100 % valid, same count, same prompts, same grader fields
// (those a chat line's trajectory gave are now the record's own, so its
// duplicate key keeps the prompt half and changes the fields half).
func TestExportRFTRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "t.jsonl")
	testutil.Tracegen(t, "-n", "3000", "-seed", "5", "-out", data)
	st := testutil.OpenStore(t)
	src := newDataset(t, st, "src")
	res, err := ImportFile(ctx, st, src, data, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rft.jsonl")
	n, err := ExportFile(ctx, st, src, out, ExportOptions{ValidOnly: true, Format: "rft"})
	if err != nil {
		t.Fatal(err)
	}
	if n != res.Valid {
		t.Fatalf("exported %d, valid %d", n, res.Valid)
	}
	dst := newDataset(t, st, "dst")
	res2, err := ImportFile(ctx, st, dst, out, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Total != n || res2.Valid != n {
		t.Fatalf("re-import: %d records, %d valid, %v; want %d all valid", res2.Total, res2.Valid, res2.ByCode, n)
	}
	a, _ := st.Records(ctx, store.RecordFilter{DatasetID: src, Code: "valid", Limit: store.MaxPageSize})
	b := allRecords(t, st, dst)
	for i := range b {
		if a[i].Hash[:health.PromptPrefix] != b[i].Hash[:health.PromptPrefix] || string(a[i].Messages) != string(b[i].Messages) || string(a[i].Tools) != string(b[i].Tools) {
			t.Fatalf("record %d: prompt changed on the round trip:\n%s\n%s", i, a[i].Messages, b[i].Messages)
		}
		fa, err := record.OfferedFields(a[i])
		if err != nil {
			t.Fatal(err)
		}
		fb, err := record.OfferedFields(b[i])
		if err != nil {
			t.Fatal(err)
		}
		if canonicalJSON(t, orEmpty(fa.JSON)) != canonicalJSON(t, orEmpty(fb.JSON)) || len(fb.Derived) > 0 {
			t.Fatalf("record %d: grader fields changed on the round trip: %s, then %s (derived %v)", i, fa.JSON, fb.JSON, fb.Labels())
		}
	}
	// original-shape export of everything gives back the file's non-blank lines
	orig := filepath.Join(dir, "orig.jsonl")
	if _, err := ExportFile(ctx, st, src, orig, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(data)
	y, _ := os.ReadFile(orig)
	if !bytes.Equal(x, y) {
		t.Fatal("original export differs from the imported file")
	}
}

// TestTargetedRecheckEqualsFull deletes and edits records of a dataset full
// of duplicates (prompts and trace ids chained together) and checks after
// each change that the stored codes equal a full revalidation.
func TestTargetedRecheckEqualsFull(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	ds := newDataset(t, st, "chains")
	data := filepath.Join(t.TempDir(), "t.jsonl")
	testutil.Tracegen(t, "-n", "600", "-seed", "21", "-dup", "0.4", "-out", data)
	if _, err := ImportFile(ctx, st, ds, data, Options{}, nil); err != nil {
		t.Fatal(err)
	}
	// gateway pulls: prompts that repeat file prompts, linked by trace ids
	recs := allRecords(t, st, ds)
	var pulled []record.Record
	for i := 0; i < 40; i++ {
		src := recs[(i*37)%len(recs)]
		if len(src.Messages) == 0 {
			continue
		}
		pulled = append(pulled, record.Record{Shape: record.ShapeGateway, Messages: src.Messages, TraceID: fmt.Sprintf("tr-%d", i%7), Source: "test:pull"})
	}
	if _, err := ImportRecords(ctx, st, ds, pulled); err != nil {
		t.Fatal(err)
	}
	assertFresh(t, st, ds)
	for step := 0; step < 12; step++ {
		recs = allRecords(t, st, ds)
		// delete the original of some duplicate, or edit a record into a copy
		var target record.Record
		for _, r := range recs[step*7%len(recs):] {
			if r.Code == record.Valid {
				target = r
				break
			}
		}
		if target.ID == 0 {
			continue
		}
		if step%3 == 2 {
			other := recs[(step*53)%len(recs)]
			text := `{"messages":` + string(target.Messages) + `}`
			if _, err := EditRecord(ctx, st, other.ID, text); err != nil {
				t.Fatal(err)
			}
		} else if _, err := DeleteRecords(ctx, st, ds, []int64{target.ID}); err != nil {
			t.Fatal(err)
		}
		assertFresh(t, st, ds)
		if t.Failed() {
			t.Fatalf("step %d", step)
		}
	}
}

// TestSearchAfterImport: the search text computed during import (message
// text, or the raw line when there are no messages) is what search finds.
func TestSearchAfterImport(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	ds := newDataset(t, st, "search")
	importString(t, st, ds, goodChat+"\n"+goodGW+"\nplain words about zanzibar\n"+
		`{"messages":[{"role":"user","content":[{"type":"text","text":"Parts mention Quixotic travel plans"}]}]}`+"\n", Append)
	for q, want := range map[string]int{"capital france": 1, "GERMAN": 1, "zanzibar": 1, "quixot": 1, "helpful": 1, "nothing-here": 0} {
		n, err := st.CountRecords(ctx, store.RecordFilter{DatasetID: ds, Search: q})
		if err != nil || n != want {
			t.Errorf("search %q: %d (%v), want %d", q, n, err, want)
		}
	}
}
