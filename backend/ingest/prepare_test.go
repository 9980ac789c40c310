package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tracetune/backend/health"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// refRecord is what the import did with a line before lineParser: the
// reference Normalize, CheckText (whose text the search index got) and
// CompactRaw.
func refRecord(line []byte, lineNo int, set record.Settings, source string) (record.Record, string) {
	rec := refNormalize(line, lineNo)
	rec.Source = source
	text := refCheckText(&rec, set)
	store.CompactRaw(&rec)
	return rec, text
}

// nastyLines are edge cases of JSON and of the record rules.
func nastyLines() []string {
	user := `{"role":"user","content":"hello there friend"}`
	chat := func(extra string) string { return `{"messages":[` + user + `]` + extra + `}` }
	msg := func(extra string) string {
		return `{"messages":[{"role":"user","content":"hello there friend"` + extra + `}]}`
	}
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	lines := []string{
		// from the first reference test of Normalize
		`{"input":{"messages":[{"role":"user","content":"a \\"quoted\\" word and \\u00e9"}],"tool_choice":{"type":"auto"}},"x":[1,{"y":"}"}],"metadata":{"trace_id":"t1"}}`,
		` { "messages" : [ {"role":"user","content":"hello there friend"} , {"role" : "assistant", "content":"hi"} ] , "metadata": {"traceId": 42} } `,
		`{"messages":[{"role":"assistant","content":"only me"}]}`,
		`{"messages":[{"role":"user","content":"x"},"not an object",{"role":"assistant"}]}`,
		`{"input":{"messages":[{"role":"user","content":"hi there you"}]},"input":{"tools":[]}}`,
		`{"messages":[{"role":"user","content":"é ✓ 東京"}],"tools":[{"type":"function"}],"reference_answer":{"k":[true,false,null,-1.5e3]}}`,
		"{\"messages\":[{\"role\":\"user\",\"content\":\"tab\\there\"}],\r\n\"z\":0}",
		`{"input":{"messages":[`, `not json`,
		// shapes and classification
		`{}`, `[]`, `"s"`, `12`, `null`, `true`, `[{"messages":[]}]`, `{"a":1,"a":2,"b":3}`,
		`{"input":[]}`, `{"input":null}`, `{"input":"x"}`, `{"input":{}}`, `{"input":{"messages":[]}}`,
		`{"input":{"messages":null}}`, `{"input":{"messages":{"role":"user"}}}`, `{"messages":{}}`,
		`{"messages":null}`, `{"messages":"str"}`, `{"messages":12}`, `{"messages":[]}`, `{"messages":[{}]}`,
		`{"messages":[[]]}`, `{"messages":["str"]}`, `{"output":{"a":1},"k\u0065y":true}`, `{"output":null}`,
		`{"in\u0070ut":{"messages":[` + user + `]}}`, `{"input":{"m\u0065ssages":[` + user + `]}}`,
		`{"input":{"messages":[` + user + `]},"input":{"tools":[]}}`,
		`{"input":{"messages":[` + user + `],"tool_choice":"auto"},"tool_choice":"none"}`,
		`{"input":{"messages":[` + user + `],"tool_choice":{"type":"auto"},"tools":[{"type":"function"}]},"tools":"dropped","x":1}`,
		`{"messages":[` + user + `],"input":{"messages":[` + user + `]}}`,
		// duplicate keys
		`{"messages":[{"role":"user","content":"x"}],"messages":[` + user + `]}`,
		`{"messages":[{"role":"assistant","role":"user","content":"short","content":"long enough content"}]}`,
		msg(`,"r\u006fle":"tool","tool_call_id":"x"`),
		msg(`,"a":1,"a":2,"\u0061":3`),
		msg(`,"k\ud800":1,"k\udbff":2`),
		msg(`,"k\ud800":1,"k\ufffd":2,"k` + "\uFFFD" + `":3`),
		// escapes
		`{"messages":[{"role":"user","content":"\u0041BCDEFGHIJKL"}]}`,
		`{"messages":[{"role":"user","content":"ABCDEFGHIJKL"}]}`,
		`{"messages":[{"role":"us\u0065r","content":"hello there friend"}]}`,
		`{"messages":[{"role":"user","content":"tab\there\nnewline \"q\" \\ back \/ slash \b\f\r \u0000 \u001f \u007f"}]}`,
		`{"messages":[{"role":"user","content":"pair \ud83d\ude00 lone \ud83d high+A \ud83d\u0041 low \ude00 end \ud83d"}]}`,
		`{"messages":[{"role":"user","content":"\uDBFF\uDFFF \uD800\uDC00 \ud83dx \udc00\ud800 \u2028\u2029"}]}`,
		msg(`,"a\\b":1,"a\"b":2,"a\/b":3,"a\nb":4,"\u0001":5,"\ud83d\ude00":6,"x\u0000y":7`),
		msg(`,"\ud800\u0041":1,"\udc00\udc00":2,"\\ud800":3`),
		// non-ASCII and invalid UTF-8
		`{"messages":[{"role":"user","content":"héllo wörld ✓ 東京 😀"}],"clé":"ü","東京":[1]}`,
		msg(`,"clé":1,"東京":2,"zz":"` + "\x7f" + `"`),
		"{\"messages\":[{\"role\":\"user\",\"content\":\"bad \xff utf8 \xc3 trunc \xed\xa0\x80 surr \xc0\x80 overlong ok\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hello there friend\",\"k\xff\":1,\"k\xfe\":2}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hello there friend\",\"k\xff\\u0041\":1}]}",
		"{\"messages\":[" + user + "],\"\xffbad\":1,\"\xff\\u0041\":2,\"ok\":\"\xfe\"}",
		"{\"messages\":[{\"role\":\"us\xffer\",\"content\":\"hello there friend\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"hello there friend\"}],\"metadata\":{\"trace_id\":\"t\xff\\u00e9\"}}",
		// grader fields encoded like json.Marshal
		chat(`,"ref<>&":"a<b>&c \u2028 x ` + "\u2028\u2029" + `","other":{ "k" : [ 1 , 2 ] , "s" : "a b" }`),
		chat(`,"z":1,"a":{"b":"` + "\u2029" + `"},"m":"tab\t\\u003c","E":[true,false,null]`),
		chat(",\"ctl\\u0001\\b\\f\\n\\r\\t\":\"x\",\"\u2028k\":0"),
		// white space everywhere, CR, BOM, Unicode spaces at the ends
		` { "messages" : [ { "role" : "user" , "content" : "hello there friend" } , { "role" : "assistant" , "content" : "hi" } ] , "metadata" : { "trace_id" : "t1" } , "x" : [ 1 , 2 ] } `,
		"\t{\t\"input\"\t:\r{ \"messages\" :\t[ " + user + " ,\r" + user + " ] , \"tools\" : [ { \"a\" : 1 } ] } , \"output\" : { } , \"metadata\" : { } }\r",
		"\uFEFF" + chat(""), "\uFEFF\uFEFF" + chat(""), "\u00a0" + chat("") + "\u00a0\u2003", "\v" + chat("") + "\f",
		chat("") + "\r", "  " + chat("") + "  ", "\r\n",
		`{"messages":[ {"role":"user","content":"hello there friend"} , {"role":"assistant","content":"one"} ,{"role" : "assistant","content":"two"} ]}`,
		// trailing assistant turns (chat split)
		`{"messages":[{"role":"assistant","content":"only me"}]}`,
		`{"messages":[` + user + `,{"role":"assistant","content":"a"}],"output":{"kept":true}}`,
		`{"messages":[` + user + `,{"role":"assist\u0061nt","content":"a"}]}`,
		`{"messages":[` + user + `,{"role":"assistant","role":"user"},{"role":"user","role":"assistant"}]}`,
		`{"messages":[` + user + `,"x",{"role":"assistant"}]}`,
		`{"messages":[` + user + `,{"role":"assistant","content":"a"},{"role":"assistant","tool_calls":[{"id":"c1"}]}],"tools":[],"metadata":{"spanId":"s"}}`,
		`{"input":{"messages":[` + user + `,{"role":"assistant","content":"a"}]}}`,
		// roles and contents
		`{"messages":[{"content":"hello there friend"}]}`, `{"messages":[{"role":null}]}`,
		`{"messages":[{"role":5}]}`, `{"messages":[{"role":"User","content":"hello there friend"}]}`,
		`{"messages":[{"role":"` + strings.Repeat("é", 30) + `"}]}`,
		`{"messages":[{"role":"system","content":"s"}]}`, `{"messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[{"role":"user","content":" \u00a0\t "}]}`, `{"messages":[{"role":"user","content":null}]}`,
		`{"messages":[{"role":"user","content":12}]}`, `{"messages":[{"role":"user","content":{"text":"hello there friend"}}]}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"hello"},{"type":"image_url","image_url":{"url":"x"}},"raw part",{"type":"text","text":" world there"}]}]}`,
		`{"messages":[{"role":"user","content":[{"type":"image"},{"type":"text","text":"abcdefghijkl"},{"text":5},[["nested"]],"tail"]}]}`,
		`{"messages":[{"role":"user","content":["a","b",{"text":"c"}]}],"tools":null}`,
		`{"messages":[{"role":"user","content":[]}]}`, `{"messages":[{"role":"user","content":[{"text":""},{"text":"hello there friend"}]}]}`,
		`{"messages":[{"role":"user","content":"  ten chars  ","name":"n"},{"role":"user","content":"0123456789","name":7}]}`,
		// tool calls
		`{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"r"},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"tool","tool_call_id":"nope","content":"r"},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"tool","content":"r"},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"tool","tool_call_id":" ","content":"r"},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"tool","tool_call_id":5},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"function":{}}]},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"assistant","tool_calls":["x"]},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":7}]},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"assistant","tool_calls":{"id":"c"}},{"role":"tool","tool_call_id":"c"},` + user + `]}`,
		`{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"c\u0031","function":"f"},{"id":"c2","function":{"name":1,"arguments":{}}}]},{"role":"tool","tool_call_id":"c1"},{"role":"tool","tool_call_id":"c2"},` + user + `]}`,
		`{"messages":[{"role":"user","tool_calls":[{"function":{"name":"f","arguments":"x"}}],"content":"hello there friend"}]}`,
		`{"messages":[{"role":"tool","tool_call_id":"` + strings.Repeat("x", 80) + `"},` + user + `]}`,
		`{"input":{"messages":[` + user + `,{"role":"assistant","content":"a"}]},"metadata":{"trace_id":""}}`,
		// numbers in odd forms
		msg(`,"n":[1e400,-0,0.0,1E+2,-1.5e-3,123456789012345678901234567890,0,-0.0e-0]`),
		chat(`,"metadata":{"trace_id":1e400,"span_id":42}`), chat(`,"metadata":{"trace_id":null,"traceId":"\u0041b"}`),
		chat(`,"metadata":{"trace_id":true,"traceId":{},"span_id":-0.5e1}`), chat(`,"metadata":[1]`), chat(`,"metadata":"m"`),
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":+1}`, `{"a":NaN}`, `{"a":Infinity}`, `{"a":-inf}`, `{"a":1e}`,
		`{"a":--1}`, `{"a":0x10}`, `{"a":1.2.3}`, `{"a":1-2}`, `{"a":nan}`, `[-]`, `-`, `1e400`, `[1e400]`, `-0`,
		// not JSON, truncated, bad strings
		`{"messages":[{"role":"user"`, `{"a":"unterminated`, `{"a":"esc\`, `{`, `{"a"`, `{"a":}`, `{"a":1,}`,
		`[1,]`, `{"a":1}}`, `{"a":1} x`, `{"a":1}{}`, `not json`, `{'a':1}`, `{"a":tru}`, `{"a":nul}`,
		`{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12G4"}`, `{"a":"\'"}`, "{\"a\":\"raw\ttab\"}", "{\"a\tb\":1}",
		"{\"a\":\"nul\x00\"}", "{\"a\":1}\x00", "\x00{}", `{"a":1 "b":2}`, `{"a" 1}`, `{,}`, `{"a":[1 2]}`,
		`{"input":{"messages":[`, "{\"messages\":[{\"role\":\"user\",\"content\":\"ok\"}]}\xff",
		// nesting: encoding/json allows 10000 levels, fastjson parses 300
		`{"a":` + deep(9999) + `}`, `{"a":` + deep(10000) + `}`, deep(10001), deep(10000),
		`{"a":"` + strings.Repeat("[", 20000) + `"}`, strings.Repeat("[", 200000),
		chat(`,"output":` + deep(400)), msg(`,"x":` + deep(290)),
		// big strings: token counting, search text clipping
		msg(`,"big":"` + strings.Repeat("ab\\u00e9 ", 5000) + `"`),
		`{"messages":[{"role":"user","content":"` + strings.Repeat("word ", 9000) + `"}]}`,
		`{"messages":[{"role":"user","content":"` + strings.Repeat("1234.5678, ", 1500) + `"}],"tools":[{"d":"` + strings.Repeat("9", 300) + `"}]}`,
		`{"messages":[{"role":"user","content":"` + strings.Repeat("é", 20000) + `"},{"role":"user","content":"` + strings.Repeat("x", 70000) + `"}]}`,
		`{"messages":[{"role":"user","content":"` + strings.Repeat("long text ", 7000) + `"},{"role":"user","content":"more text here"}]}`,
	}
	return lines
}

// equivalenceLines gathers every line the equivalence test runs: tracegen
// files, every fixture under testdata, and nastyLines.
func equivalenceLines(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for _, g := range [][]string{
		{"-n", "20000", "-seed", "7"},
		{"-n", "3000", "-seed", "3", "-invalid", "0.5", "-shape", "chat", "-dup", "0.2"},
		{"-n", "2000", "-seed", "5", "-invalid", "0.3", "-shape", "gateway", "-pad", "300"},
	} {
		path := filepath.Join(dir, strconv.Itoa(len(files))+".jsonl")
		testutil.Tracegen(t, append(g, "-out", path)...)
		files = append(files, path)
	}
	filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	var lines []string
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if len(bytes.TrimSpace([]byte(l))) > 0 {
				lines = append(lines, l)
			}
		}
	}
	return append(lines, nastyLines()...)
}

// tooDeepForFastjson says whether line's messages nest deeper than
// fastjson parses: the one kind of line whose record differs from the
// reference (see TestPrepareTooDeep).
func tooDeepForFastjson(line string) bool {
	msgs := bytes.TrimSpace(refNormalize([]byte(line), 1).Messages)
	depth, deepest := 0, 0
	for i := 0; i < len(msgs); i++ {
		switch msgs[i] {
		case '"':
			i = skipString(msgs, i) - 1
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth--
		}
	}
	return deepest > 300
}

// TestPrepareMatchesReference requires lineParser.record, Normalize,
// health.Check and health.SearchText to give exactly what the reference
// implementation gives, line by line, with two settings.
func TestPrepareMatchesReference(t *testing.T) {
	lines := equivalenceLines(t)
	firstNasty := len(lines) - len(nastyLines())
	small := record.Settings{MinUserChars: 3, MaxTokens: 60}
	for _, set := range []record.Settings{{}, small} {
		lp := newLineParser(set, "file:t.jsonl")
		n := 0
		for i, l := range lines {
			if set == small && i%10 != 0 && i < firstNasty {
				continue // token counting is slow: a sample
			}
			if tooDeepForFastjson(l) {
				continue
			}
			n++
			want, wantText := refRecord([]byte(l), i+1, set, "file:t.jsonl")
			got := lp.record([]byte(l), i+1)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("settings %+v, line %d %s\n%s", set, i+1, clipQuote(l), recDiff(got, want))
			}
			if text := health.SearchText(&got); text != wantText {
				t.Fatalf("line %d %s: search text\n got  %s\n want %s", i+1, clipQuote(l), clipQuote(text), clipQuote(wantText))
			}
			norm, refNorm := Normalize([]byte(l), i+1), refNormalize([]byte(l), i+1)
			if !reflect.DeepEqual(norm, refNorm) {
				t.Fatalf("Normalize line %d %s\n%s", i+1, clipQuote(l), recDiff(norm, refNorm))
			}
			// Check on its own (edits, pulls, revalidation) parses the
			// messages itself.
			checked, refChecked := refNorm, refNorm
			health.Check(&checked, set)
			refCheck(&refChecked, set)
			if !reflect.DeepEqual(checked, refChecked) {
				t.Fatalf("Check line %d %s\n%s", i+1, clipQuote(l), recDiff(checked, refChecked))
			}
		}
		t.Logf("settings %+v: %d lines identical", set, n)
	}
}

// TestPrepareMutations runs randomly damaged lines (bytes JSON and UTF-8
// care about inserted, replaced, deleted; lines cut short) through both
// implementations: the line scanner must accept exactly what json.Valid
// accepts, and everything else must agree too.
func TestPrepareMutations(t *testing.T) {
	var seeds []string
	for _, l := range equivalenceLines(t) {
		if len(l) < 3000 && !tooDeepForFastjson(l) {
			seeds = append(seeds, l)
		}
	}
	special := []byte("\"\\{}[],: \t0-+.eEuntfl19a/\x00\x1f\x7f\xff\xe2\x80\xa8\xc3")
	rnd := rand.New(rand.NewPCG(1, 2))
	lp := newLineParser(record.Settings{}, "m")
	var scan lineScanner
	valid := 0
	for i := 0; i < 30000; i++ {
		b := []byte(seeds[rnd.IntN(len(seeds))])
		for n := 1 + rnd.IntN(3); n > 0 && len(b) > 0; n-- {
			at := rnd.IntN(len(b))
			c := special[rnd.IntN(len(special))]
			switch rnd.IntN(5) {
			case 0:
				b[at] = c
			case 1:
				b = slices.Insert(b, at, c)
			case 2:
				b = slices.Delete(b, at, at+1)
			case 3:
				b = b[:at]
			case 4:
				b = slices.Insert(b, at, '\\', 'u', "dD0"[rnd.IntN(3)], "8c0"[rnd.IntN(3)], '0', '0')
			}
		}
		l := string(b)
		trimmed := bytes.TrimSpace(b)
		if got, want := scan.scan(bytes.Clone(trimmed)), json.Valid(trimmed) && len(trimmed) > 0 && trimmed[0] == '{'; got != want {
			t.Fatalf("scan(%s) = %v, json.Valid and an object: %v", clipQuote(l), got, want)
		}
		if len(trimmed) == 0 || tooDeepForFastjson(l) {
			continue
		}
		if json.Valid(trimmed) {
			valid++
		}
		want, wantText := refRecord(b, i+1, record.Settings{}, "m")
		got := lp.record(b, i+1)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("line %s\n%s", clipQuote(l), recDiff(got, want))
		}
		if text := health.SearchText(&got); text != wantText {
			t.Fatalf("line %s: search text %s, want %s", clipQuote(l), clipQuote(text), clipQuote(wantText))
		}
	}
	t.Logf("%d of 30000 mutated lines still valid JSON", valid)
}

// TestCheckMatchesReference covers what reaches health.Check but never
// comes from a line: stored records whose messages are not a span of a
// valid line.
func TestCheckMatchesReference(t *testing.T) {
	user := `{"role":"user","content":"hello there friend"}`
	messages := []string{
		``, ` `, `null`, ` null `, `[]`, ` [ ] `, `[` + user + `]`, ` [` + user + `] `, "\u00a0[" + user + "]\u00a0",
		`[` + user + `] trailing`, `[` + user + `][]`, `[` + user + `,]`, `[` + user, `[{"role":"user","content":"a\x"}]`,
		"[{\"role\":\"user\",\"content\":\"raw\ttab\"}]", `[1e400]`, `[{"role":"user","content":"hello there friend","n":01}]`,
		`{"role":"user"}`, `"x"`, `12`, `[` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `]`,
		`[` + user + `]` + strings.Repeat("[", 20000),
		"[{\"role\":\"user\",\"content\":\"hello there friend\",\"k\xff\":1,\"k\\ud800\":2}] x",
	}
	tools := []string{``, `null`, ` `, `[{"type":"function"}]`}
	for _, shape := range []record.Shape{record.ShapeGateway, record.ShapeChat, record.ShapeOther, record.ShapeRaw, ""} {
		for i, m := range messages {
			for _, tl := range tools {
				rec := record.Record{Shape: shape, Raw: "raw line", Messages: json.RawMessage(m), Tools: json.RawMessage(tl), Detail: "kept?"}
				if i%2 == 0 {
					rec.Output = json.RawMessage(`{}`)
				}
				got, want := rec, rec
				health.Check(&got, record.Settings{})
				wantText := refCheckText(&want, record.Settings{})
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("shape %q messages %s tools %q\n%s", shape, clipQuote(m), tl, recDiff(got, want))
				}
				if text := health.SearchText(&rec); text != wantText {
					t.Fatalf("shape %q messages %s: search text %q, want %q", shape, clipQuote(m), text, wantText)
				}
			}
		}
	}
	for _, m := range append(messages, `[{"b":1,"a":[true,null,-0,"\u00e9"]}]`, `[{"a":1,"a":2}]`, ` [1] `) {
		if got, want := health.CanonicalHash(json.RawMessage(m)), refCanonicalHash(json.RawMessage(m)); got != want {
			t.Fatalf("CanonicalHash(%s) = %q, want %q", clipQuote(m), got, want)
		}
	}
}

// TestPrepareTooDeep pins the one known difference from the reference:
// fastjson refuses messages nested deeper than 300 levels (encoding/json
// accepted up to 10000), and such a record is invalid_data_structure.
func TestPrepareTooDeep(t *testing.T) {
	line := `{"messages":[{"role":"user","content":"hello there friend","x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}]}`
	if !tooDeepForFastjson(line) {
		t.Fatal("the line is not too deep")
	}
	rec := newLineParser(record.Settings{}, "").record([]byte(line), 1)
	if rec.Shape != record.ShapeChat || rec.Code != record.InvalidDataStructure || rec.Detail != "messages is nested more than 300 levels deep" {
		t.Fatalf("%+v", rec)
	}
	rec.Raw = line // as the search indexer reads it back (CompactRaw made it a marker)
	if text := health.SearchText(&rec); text != line {
		t.Fatalf("search text %q", text)
	}
}

func clipQuote(s string) string {
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strconv.Quote(s)
}

// recDiff lists the fields in which two records differ.
func recDiff(got, want record.Record) string {
	var b strings.Builder
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			name := gv.Type().Field(i).Name
			if r, ok := g.(json.RawMessage); ok {
				g = clipQuote(string(r))
				w = clipQuote(string(w.(json.RawMessage)))
			}
			b.WriteString(name + ":\n  got  " + strings.TrimSpace(strings.ReplaceAll(fmtValue(g), "\n", " ")) +
				"\n  want " + strings.TrimSpace(strings.ReplaceAll(fmtValue(w), "\n", " ")) + "\n")
		}
	}
	return b.String()
}

func fmtValue(v any) string {
	if s, ok := v.(string); ok {
		return clipQuote(s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// benchLines reads the lines of a file as the import hands them to a
// lineParser (line ends, BOM and blank lines dropped).
func benchLines(b *testing.B, path string) [][]byte {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<30)
	for sc.Scan() {
		l := bytes.TrimPrefix(bytes.TrimSuffix(sc.Bytes(), []byte("\r")), bom)
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return lines
}

// cpuTime is the process's user and system CPU time so far (all threads,
// the garbage collector's included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPrepare runs every line of the 100k bench file through prepare on
// one goroutine and reports ns/line and CPU seconds per 100k lines.
func benchPrepare(b *testing.B, prepare func() func(line []byte, lineNo int)) {
	lines := benchLines(b, benchFile(b, 100_000, 11, "0.03"))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		p := prepare()
		for n, l := range lines {
			p(l, n+1)
		}
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	total := float64(b.N) * float64(len(lines))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/line")
	b.ReportMetric(cpu.Seconds()/total*100_000, "cpu-s/100k")
}

func BenchmarkPrepare100k(b *testing.B) {
	benchPrepare(b, func() func([]byte, int) {
		lp := newLineParser(record.DefaultSettings(), "file:bench.jsonl")
		return func(l []byte, n int) { lp.record(l, n) }
	})
}

func BenchmarkPrepareReference100k(b *testing.B) {
	benchPrepare(b, func() func([]byte, int) {
		return func(l []byte, n int) { refRecord(l, n, record.DefaultSettings(), "file:bench.jsonl") }
	})
}
