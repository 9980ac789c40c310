package record

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestOfferedFieldsTakeReferencesOnlyFromAFilesTrajectory(t *testing.T) {
	const (
		prompt  = `[{"role":"user","content":"What is the weather in Paris today?"}]`
		tools   = `[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}]`
		called  = `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"assistant","content":"It is 18 °C."}]}`
		wantRef = `[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]`
		words   = `{"messages":[{"role":"assistant","content":"I cannot look that up."}]}`
		both    = "reference_answer (from the file's trajectory), reference_tool_calls (from the file's trajectory)"
		answer  = "reference_answer (from the file's trajectory)"
	)
	chat := func(tools, output, fields string) Record {
		r := Record{Shape: ShapeChat, Messages: json.RawMessage(prompt), Output: json.RawMessage(output)}
		if tools != "" {
			r.Tools = json.RawMessage(tools)
		}
		if fields != "" {
			r.Fields = json.RawMessage(fields)
		}
		return r
	}
	cases := []struct {
		name   string
		rec    Record
		fields string // the offered fields, "" for none
		labels string
	}{
		{"a chat line whose trajectory calls a tool, with no tools listed",
			chat("", called, ""),
			`{"reference_answer":"It is 18 °C.","reference_tool_calls":` + wantRef + `}`, both},
		{"a chat line that offers tools and calls one",
			chat(tools, called, ""),
			`{"reference_answer":"It is 18 °C.","reference_tool_calls":` + wantRef + `}`, both},
		{"a chat line that offers tools and answers in words: the empty list says no call is right",
			chat(tools, words, ""),
			`{"reference_answer":"I cannot look that up.","reference_tool_calls":[]}`, both},
		{"a chat line with no tools in sight gets no reference_tool_calls",
			chat("", words, ""),
			`{"reference_answer":"I cannot look that up."}`, answer},
		{"an empty tools list is no tool offered",
			chat(" [ ] ", words, ""),
			`{"reference_answer":"I cannot look that up."}`, answer},
		{"a call later in the trajectory is a tool in sight; the response turn answered in words",
			chat("", `{"messages":[{"role":"assistant","content":"Let me check."},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"18C"},{"role":"assistant","content":"18 °C."}]}`, ""),
			`{"reference_answer":"18 °C.","reference_tool_calls":[]}`, both},
		{"an Alpaca item: its output is one assistant message, its answer a field",
			chat("", `{"role":"assistant","content":"Sunny."}`, `{"reference_answer":"Sunny."}`),
			`{"reference_answer":"Sunny."}`, ""},
		{"explicit fields are kept byte for byte when nothing is derived",
			chat(tools, called, `{"reference_tool_calls":[],"reference_answer":"x","n":3.0}`),
			`{"reference_tool_calls":[],"reference_answer":"x","n":3.0}`, ""},
		{"a gateway trace's output is the model's answer",
			Record{Shape: ShapeGateway, Messages: json.RawMessage(prompt), Tools: json.RawMessage(tools), Output: json.RawMessage(called), Fields: json.RawMessage(`{"tool_choice":"auto"}`)},
			`{"tool_choice":"auto"}`, ""},
		{"a generated record has no trajectory of its own",
			Record{Shape: ShapeChat, Generated: true, Messages: json.RawMessage(prompt), Tools: json.RawMessage(tools), Output: json.RawMessage(called)},
			"", ""},
		{"a chat line that ends with its user turn",
			chat(tools, `null`, ""), "", ""},
		{"a trajectory with neither text nor calls",
			chat(tools, `{"messages":[{"role":"assistant","content":""}]}`, ""), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := OfferedFields(c.rec)
			if err != nil {
				t.Fatal(err)
			}
			if string(f.JSON) != c.fields {
				t.Errorf("fields %s, want %s", f.JSON, c.fields)
			}
			if got := strings.Join(f.Labels(), ", "); got != c.labels {
				t.Errorf("derived %q, want %q", got, c.labels)
			}
		})
	}
}

func TestOfferedFieldsRefuseFieldsThatAreNoObject(t *testing.T) {
	_, err := OfferedFields(Record{ID: 7, Shape: ShapeChat, Fields: json.RawMessage(`[1,2]`)})
	if err == nil || !strings.Contains(err.Error(), "record 7 fields") {
		t.Fatalf("err = %v", err)
	}
}

func TestDerivedSummaryGroupsFieldsByWhereTheyCameFrom(t *testing.T) {
	cases := []struct {
		name   string
		labels []string
		want   string // lines joined by " | "
	}{
		{"none", nil, ""},
		{"both from the trajectory",
			GraderFields{Derived: []DerivedField{{FieldReferenceAnswer, FromTrajectory}, {FieldReferenceToolCalls, FromTrajectory}}}.Labels(),
			"Fields from the file's trajectory: reference_answer, reference_tool_calls"},
		{"two origins keep their first order",
			[]string{"b (from elsewhere)", "a (from the file's trajectory)", "c (from elsewhere)"},
			"Fields from elsewhere: b, c | Fields from the file's trajectory: a"},
		{"a label without an origin", []string{"x"}, "Derived fields: x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(DerivedSummary(c.labels), " | "); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
