package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"tracetune/backend/grader"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// canonicalJSON writes a JSON value with sorted keys, numbers as written.
func canonicalJSON(tb testing.TB, b []byte) string {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		tb.Fatalf("%s: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// orEmpty is a fields object, {} when there are none.
func orEmpty(fields []byte) []byte {
	if len(bytes.TrimSpace(fields)) == 0 {
		return []byte("{}")
	}
	return fields
}

// TestRFTExportCarriesTheGradersFields imports the real SFT tool-use files,
// exports them in RFT shape and checks that every line carries exactly the
// fields the grader's item has (its own and those derived from the file's
// trajectory), the same ones the trainers upload; then that the export,
// imported again, offers the same fields, now as its own. The counts of
// lines with reference_tool_calls are read from the files (python over the
// JSON: records listing a non-empty "tools" or calling one after the last
// user turn; glaive: the first of each repeated prompt only).
func TestRFTExportCarriesTheGradersFields(t *testing.T) {
	cases := []struct {
		name, file  string
		valid       int
		withCalls   int // lines carrying reference_tool_calls
		withAnswers int // lines carrying reference_answer
	}{
		{"stock tool calls", "chat/foundry_stock_toolcall_training.jsonl", 86, 86, 50},
		{"zava tool use", "chat/foundry_zava_tooluse_sft_valid.jsonl", 55, 55, 0},
		{"glaive sharegpt", "sharegpt/llamafactory_glaive_toolcall_en_demo.json", 230, 137, 230},
	}
	ctx := context.Background()
	st := testutil.OpenStore(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := newDataset(t, st, c.name)
			if _, err := ImportFile(ctx, st, src, sharedData(t, c.file), Options{}, nil); err != nil {
				t.Fatal(err)
			}
			recs, err := st.Records(ctx, store.RecordFilter{DatasetID: src, Code: "valid", Limit: store.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "rft.jsonl")
			n, err := ExportFile(ctx, st, src, out, ExportOptions{ValidOnly: true, Format: "rft"})
			if err != nil {
				t.Fatal(err)
			}
			if n != c.valid || len(recs) != c.valid {
				t.Fatalf("exported %d lines of %d valid records, want %d", n, len(recs), c.valid)
			}
			t.Run("every line carries exactly the grader item's fields", func(t *testing.T) {
				f, err := os.Open(out)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				sc := bufio.NewScanner(f)
				sc.Buffer(nil, 1<<24)
				i, calls, answers := 0, 0, 0
				for ; sc.Scan(); i++ {
					rec := recs[i]
					var line map[string]json.RawMessage
					if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
						t.Fatalf("line %d: %v", i+1, err)
					}
					if canonicalJSON(t, line["messages"]) != canonicalJSON(t, rec.Messages) {
						t.Fatalf("line %d: messages are not record line %d's prompt", i+1, rec.Line)
					}
					delete(line, "messages")
					delete(line, "tools")
					it, err := grader.ItemFromRecord(rec)
					if err != nil {
						t.Fatal(err)
					}
					item, _ := json.Marshal(it.Fields)
					got, _ := json.Marshal(line)
					if canonicalJSON(t, got) != canonicalJSON(t, item) && !(len(line) == 0 && it.Fields == nil) {
						t.Fatalf("record line %d: export fields %s, the grader's item %s", rec.Line, canonicalJSON(t, got), canonicalJSON(t, item))
					}
					if _, ok := line[record.FieldReferenceToolCalls]; ok {
						calls++
					}
					if _, ok := line[record.FieldReferenceAnswer]; ok {
						answers++
					}
				}
				if err := sc.Err(); err != nil {
					t.Fatal(err)
				}
				if i != c.valid || calls != c.withCalls || answers != c.withAnswers {
					t.Errorf("%d lines, %d with reference_tool_calls, %d with reference_answer; want %d, %d and %d", i, calls, answers, c.valid, c.withCalls, c.withAnswers)
				}
			})
			t.Run("the export imported again offers the same fields as its own", func(t *testing.T) {
				dst := newDataset(t, st, c.name+" again")
				res, err := ImportFile(ctx, st, dst, out, Options{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				again := allRecords(t, st, dst)
				if res.Valid != c.valid || len(again) != c.valid {
					t.Fatalf("re-import: %d valid of %d (%v), want %d", res.Valid, len(again), res.ByCode, c.valid)
				}
				for i, rec := range again {
					want, err := record.OfferedFields(recs[i])
					if err != nil {
						t.Fatal(err)
					}
					got, err := record.OfferedFields(rec)
					if err != nil {
						t.Fatal(err)
					}
					if len(got.Derived) > 0 {
						t.Fatalf("re-imported line %d still derives %v", rec.Line, got.Labels())
					}
					if canonicalJSON(t, orEmpty(got.JSON)) != canonicalJSON(t, orEmpty(want.JSON)) {
						t.Fatalf("re-imported line %d offers %s, the original %s", rec.Line, got.JSON, want.JSON)
					}
				}
			})
		})
	}
}
