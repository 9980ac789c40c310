package grader

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

// Test Sample carries the derived fields' summary lines the window shows
// and the CLI prints (record.DerivedSummary), so neither re-implements it.
func TestTestSampleSaysWhereDerivedFieldsCameFrom(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "derived "+t.Name(), "answer weather questions")
	if err != nil {
		t.Fatal(err)
	}
	const (
		prompt = `[{"role":"user","content":"What is the weather in Paris today?"}]`
		tools  = `[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}]`
		called = `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"assistant","content":"It is 18 °C."}]}`
	)
	testutil.InsertRecords(t, st, d.ID, []record.Record{
		{Line: 1, Shape: record.ShapeChat, Messages: json.RawMessage(prompt), Tools: json.RawMessage(tools), Output: json.RawMessage(called)},
		{Line: 2, Shape: record.ShapeChat, Messages: json.RawMessage(prompt), Output: json.RawMessage(`{"role":"assistant","content":"Sunny."}`),
			Fields: json.RawMessage(`{"reference_answer":"Sunny."}`)},
	})
	g := Grader{Components: []Component{{Name: "one", Kind: KindScript, Weight: 1, Source: "def grade(sample, item):\n    return 1.0\n"}}}
	if _, err := Save(ctx, st, d.ID, g); err != nil {
		t.Fatal(err)
	}
	res, err := TestSample(ctx, st, d.ID, TestOptions{N: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Samples) != 2 {
		t.Fatalf("%d samples", len(res.Samples))
	}
	check := func(t *testing.T, samples []SampleResult) {
		derived := 0
		for _, s := range samples {
			if len(s.DerivedFields) == 0 {
				if s.DerivedSummary != nil {
					t.Errorf("record %d carries its fields, yet a summary %q", s.RecordID, s.DerivedSummary)
				}
				continue
			}
			derived++
			if want := record.DerivedSummary(s.DerivedFields); !reflect.DeepEqual(s.DerivedSummary, want) {
				t.Errorf("record %d summary %q, want %q", s.RecordID, s.DerivedSummary, want)
			}
			if len(s.DerivedSummary) != 1 || !strings.HasPrefix(s.DerivedSummary[0], "Fields from ") ||
				!strings.Contains(s.DerivedSummary[0], "reference_tool_calls") {
				t.Errorf("record %d summary %q", s.RecordID, s.DerivedSummary)
			}
		}
		if derived != 1 {
			t.Errorf("%d samples with derived fields, want 1", derived)
		}
	}
	t.Run("the tool-use record's sample says its fields came from the file's trajectory", func(t *testing.T) {
		check(t, res.Samples)
	})
	t.Run("the stored last test carries the same lines", func(t *testing.T) {
		last, ok, err := LastTest(ctx, st, d.ID)
		if err != nil || !ok {
			t.Fatalf("last test %v %v", ok, err)
		}
		check(t, last.Samples)
	})
}
