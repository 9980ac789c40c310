package grader

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"tracetune/backend/record"
)

// The derivation itself is tested in package record; here: the grader's
// item carries exactly what ItemFields offers, and a derived
// reference_tool_calls is the production sample's calls, so the file's own
// response scores as its reference.
func TestItemFromRecordCarriesTheOfferedFields(t *testing.T) {
	const (
		prompt = `[{"role":"user","content":"What is the weather in Paris today?"}]`
		tools  = `[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}]`
		called = `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"assistant","content":"It is 18 °C."}]}`
	)
	cases := []struct {
		name    string
		rec     record.Record
		keys    string // the item's field names, sorted
		derived int
	}{
		{"a tool-use chat line", record.Record{Shape: record.ShapeChat, Messages: json.RawMessage(prompt), Tools: json.RawMessage(tools), Output: json.RawMessage(called), Fields: json.RawMessage(`{"n":3}`)},
			"n,reference_answer,reference_tool_calls", 2},
		{"an Alpaca item", record.Record{Shape: record.ShapeChat, Messages: json.RawMessage(prompt), Output: json.RawMessage(`{"role":"assistant","content":"Sunny."}`), Fields: json.RawMessage(`{"reference_answer":"Sunny."}`)},
			"reference_answer", 0},
		{"a gateway trace", record.Record{Shape: record.ShapeGateway, Messages: json.RawMessage(prompt), Tools: json.RawMessage(tools), Output: json.RawMessage(called)},
			"", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ItemFields(c.rec)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Derived) != c.derived {
				t.Errorf("derived %v, want %d", f.Labels(), c.derived)
			}
			it, err := ItemFromRecord(c.rec)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range it.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if strings.Join(keys, ",") != c.keys {
				t.Errorf("item fields %v, want %s", keys, c.keys)
			}
			var want map[string]any // nil when none is offered, as the item's
			if len(f.JSON) > 0 {
				if err := json.Unmarshal(f.JSON, &want); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := json.Marshal(it.Fields)
			w, _ := json.Marshal(want)
			if string(got) != string(w) {
				t.Errorf("item fields %s, offered %s", got, w)
			}
			if raw, ok := it.Fields[FieldReferenceToolCalls]; ok {
				s, _ := ProductionSample(c.rec)
				b, _ := json.Marshal(s.OutputTools)
				var v any
				_ = json.Unmarshal(b, &v)
				calls, _ := json.Marshal(v) // keys sorted, as the item's are
				ref, _ := json.Marshal(raw)
				if string(calls) != string(ref) {
					t.Errorf("reference_tool_calls %s, the production sample calls %s", ref, calls)
				}
			}
		})
	}
}

func TestItemFieldsRefuseFieldsThatAreNoObject(t *testing.T) {
	rec := record.Record{ID: 7, Shape: record.ShapeChat, Messages: json.RawMessage(`[{"role":"user","content":"hello there"}]`), Fields: json.RawMessage(`[1,2]`)}
	if _, err := ItemFields(rec); err == nil || !strings.Contains(err.Error(), "record 7 fields") {
		t.Fatalf("ItemFields err = %v", err)
	}
	if _, err := ItemFromRecord(rec); err == nil || !strings.Contains(err.Error(), "record 7 fields") {
		t.Fatalf("ItemFromRecord err = %v", err)
	}
}
