package health

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

func TestDeduperFirstStaysValid(t *testing.T) {
	h1 := CanonicalHash(json.RawMessage(`[{"role":"user","content":"Where is my parcel, order 12?"}]`))
	h1b := CanonicalHash(json.RawMessage(`[ { "content" : "Where is my parcel, order 12?", "role":"user" } ]`))
	h2 := CanonicalHash(json.RawMessage(`[{"role":"user","content":"Where is my parcel, order 13?"}]`))
	if h1 == "" || h1 != h1b || h1 == h2 {
		t.Fatalf("canonical hashes: %q %q %q", h1, h1b, h2)
	}
	d := NewDeduper()
	steps := []struct {
		id          int64
		hash, trace string
		want        record.Code
	}{
		{1, h1, "", record.Valid},
		{2, h1b, "", record.Duplicate},    // same prompt, other key order and spaces
		{3, h2, "tr-1", record.Valid},     // new prompt, new trace
		{4, h2, "", record.Duplicate},     // same prompt again
		{5, "", "tr-1", record.Duplicate}, // same trace id
		{6, "", "tr-2", record.Valid},
	}
	for _, s := range steps {
		code, detail := d.Add(s.id, int(s.id), s.hash, s.trace)
		if code != s.want {
			t.Fatalf("record %d: %q (%s), want %q", s.id, code, detail, s.want)
		}
		if code == record.Duplicate && !strings.Contains(detail, "record") {
			t.Errorf("detail %q", detail)
		}
	}
}

func TestReportOrderAndAdvice(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, _ := st.CreateDataset(ctx, "h", "")
	var recs []record.Record
	add := func(n int, code record.Code) {
		for i := 0; i < n; i++ {
			recs = append(recs, record.Record{Line: len(recs) + 1, Shape: record.ShapeChat, Code: code})
		}
	}
	add(80, record.Valid)
	add(12, record.OrphanToolResult)
	add(3, record.InvalidDataStructure)
	add(5, record.Duplicate)
	rt, err := st.BeginRecords(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Insert(recs); err != nil {
		t.Fatal(err)
	}
	rt.Commit()
	rep, err := ReportFor(ctx, st, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 100 || rep.Valid != 80 || rep.Invalid != 20 || rep.InvalidPercent != 20 {
		t.Fatalf("%+v", rep)
	}
	order := []string{"invalid_data_structure", "orphan_tool_result", "duplicate"}
	if len(rep.Codes) != 3 {
		t.Fatalf("codes %+v", rep.Codes)
	}
	for i, c := range rep.Codes {
		if c.Code != order[i] || c.Title == "" || c.Advice == "" {
			t.Errorf("codes[%d] = %+v", i, c)
		}
	}
	if oc := rep.Codes[1]; len(oc.Lines) != 12 || oc.Lines[0] != 81 || len(oc.Examples) != 5 {
		t.Errorf("orphan samples: lines %v examples %v", oc.Lines, oc.Examples)
	}
	joined := strings.Join(rep.Advice, " ")
	if !strings.Contains(joined, "tool-chain") || !strings.Contains(joined, "more than 5") {
		t.Errorf("advice %q", joined)
	}
	b, _ := json.Marshal(rep)
	if !strings.Contains(string(b), `"by_code":{`) || !strings.Contains(string(b), `"invalid_percent":20`) {
		t.Errorf("json %s", b)
	}
}

// TestHugePromptDecidedFast: a 60 MB user message is marked
// exceeds_max_tokens in well under a second (issue 16, item 5).
func TestHugePromptDecidedFast(t *testing.T) {
	big := strings.Repeat("Lorem-ipsum_dolor/sit:amet;", (60<<20)/27)
	line, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": big}}})
	rec := record.Record{Shape: record.ShapeChat, Messages: line[len(`{"messages":`) : len(line)-1]}
	// CPU time of this process, not the wall clock: other processes on a
	// busy machine must not fail the test
	start, wall := cpuTime(), time.Now()
	Check(&rec, record.DefaultSettings())
	if took := cpuTime() - start; took > time.Second {
		t.Errorf("took %v of CPU (%v wall)", took, time.Since(wall))
	}
	if rec.Code != record.ExceedsMaxTokens {
		t.Fatalf("code %q (%s)", rec.Code, rec.Detail)
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A function name OpenAI and Azure would reject (they refuse the whole
// training file for it) makes the record invalid_data_structure, with the
// rule named; a valid name passes.
func TestToolNamesFollowOpenAIsRule(t *testing.T) {
	user := `{"role":"user","content":"What is the weather in Lisbon today?"}`
	tool := func(name string) string {
		return `[{"type":"function","function":{"name":` + strconv.Quote(name) + `,"parameters":{"type":"object"}}}]`
	}
	call := func(name string) string {
		return `[` + user + `,{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":` +
			strconv.Quote(name) + `,"arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"},` + user + `]`
	}
	cases := []struct {
		name           string
		messages, tool string
		want           record.Code
		detail         string
	}{
		{"a valid tool", `[` + user + `]`, tool("get_weather-v2"), record.Valid, ""},
		{"a space in a tool's name", `[` + user + `]`, tool("get weather"), record.InvalidDataStructure, `tool 1 has the name "get weather"`},
		{"a dot in a tool's name", `[` + user + `]`, tool("weather.get"), record.InvalidDataStructure, "^[a-zA-Z0-9_-]{1,64}$"},
		{"a name of 65 characters", `[` + user + `]`, tool(strings.Repeat("a", 65)), record.InvalidDataStructure, "tool 1"},
		{"a bad name in a tool call", call("get/weather"), "", record.InvalidDataStructure, `tool call 1 of message 2 has the name "get/weather"`},
		{"a valid tool call", call("get_weather"), "", record.Valid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := record.Record{Shape: record.ShapeChat, Messages: json.RawMessage(c.messages)}
			if c.tool != "" {
				rec.Tools = json.RawMessage(c.tool)
			}
			Check(&rec, record.DefaultSettings())
			if rec.Code != c.want || !strings.Contains(rec.Detail, c.detail) {
				t.Fatalf("code %q detail %q, want %q containing %q", rec.Code, rec.Detail, c.want, c.detail)
			}
		})
	}
}
