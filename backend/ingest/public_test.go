package ingest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

// TestPublicSamples imports real files nobody here wrote (OpenAI Cookbook
// samples, MIT; see testdata/public/LICENSE-openai-cookbook) and checks
// every line is accounted for with the code it deserves.
func TestPublicSamples(t *testing.T) {
	cases := []struct {
		file         string
		total, valid int
		codes        map[string]int
		check        func(t *testing.T, recs []record.Record)
	}{
		// SFT chat file: answers move out of the prompt; a conversation
		// with no user turn is reported, not dropped.
		{"toy_chat_fine_tuning.jsonl", 5, 4, map[string]int{"no_user_message": 1}, func(t *testing.T, recs []record.Record) {
			var out struct {
				Messages []record.Message `json:"messages"`
			}
			if err := json.Unmarshal(recs[1].Output, &out); err != nil || len(out.Messages) != 1 || out.Messages[0].Text() != "It's easy to learn!" {
				t.Errorf("multi-turn output %s", recs[1].Output)
			}
			var msgs []record.Message
			json.Unmarshal(recs[1].Messages, &msgs)
			if len(msgs) != 8 || record.LastUserText(msgs) != "I don't even know how to play golf." {
				t.Errorf("multi-turn prompt has %d messages", len(msgs))
			}
			// the 26 KB answer is output, not prompt: the prompt is short
			if recs[4].Code != record.Valid || len(recs[4].Output) < 26000 {
				t.Errorf("long-answer line: %q, output %d bytes", recs[4].Code, len(recs[4].Output))
			}
		}},
		// function-calling file: 16 tools, the assistant's tool call moves
		// to output, parallel_tool_calls stays as a grader field.
		{"drone_training_first2.jsonl", 2, 2, map[string]int{}, func(t *testing.T, recs []record.Record) {
			var tools []any
			if err := json.Unmarshal(recs[0].Tools, &tools); err != nil || len(tools) != 16 {
				t.Errorf("tools: %d, %v", len(tools), err)
			}
			if string(recs[0].Fields) != `{"parallel_tool_calls":false}` {
				t.Errorf("fields %s", recs[0].Fields)
			}
			if !strings.Contains(string(recs[0].Output), `"takeoff_drone"`) {
				t.Errorf("output %s", recs[0].Output)
			}
		}},
		// two pretty-printed JSON objects saved as .jsonl (issue 16): each
		// is a record, numbered by the line it starts on; the answers
		// move out of the prompt.
		{"testing_example_first2_pretty.jsonl", 2, 2, map[string]int{}, func(t *testing.T, recs []record.Record) {
			if recs[0].Line != 1 || recs[1].Line != 17 || !strings.HasPrefix(recs[0].Raw, "{\n    \"messages\"") {
				t.Errorf("lines %d, %d; first raw %.20q", recs[0].Line, recs[1].Line, recs[0].Raw)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			st := testutil.OpenStore(t)
			ds := newDataset(t, st, c.file)
			res, err := ImportFile(context.Background(), st, ds, filepath.Join("testdata", "public", c.file), Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != c.total || res.Valid != c.valid || len(res.ByCode) != len(c.codes) {
				t.Fatalf("total %d valid %d codes %v; want %d, %d, %v", res.Total, res.Valid, res.ByCode, c.total, c.valid, c.codes)
			}
			for code, n := range c.codes {
				if res.ByCode[code] != n {
					t.Errorf("%s: %d, want %d", code, res.ByCode[code], n)
				}
			}
			recs := allRecords(t, st, ds)
			c.check(t, recs)
			t.Logf("%s: total %d, valid %d, invalid %d, codes %v", c.file, res.Total, res.Valid, res.Invalid, res.ByCode)
		})
	}
}
