package store

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"tracetune/backend/record"
)

// TestRawRoundTrip: lines stored as a layout marker, lines stored whole, and
// a line that itself starts with NUL all read back byte for byte.
func TestRawRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "raw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, _ := st.CreateDataset(ctx, "raw", "")
	recs := []record.Record{
		{Shape: record.ShapeGateway, Raw: `{"input":{"messages":[{"role":"user","content":"Hello there friend"}],"tools":[]},"metadata":{"a":1},"output":{"x":1}}`,
			Messages: json.RawMessage(`[{"role":"user","content":"Hello there friend"}]`), Tools: json.RawMessage(`[]`), Metadata: json.RawMessage(`{"a":1}`), Output: json.RawMessage(`{"x":1}`)},
		{Shape: record.ShapeGateway, Raw: `{"input":{"messages":[{"role":"user","content":"Hello there friend"}]},"output":{"x":1},"metadata":{"a":1}}`,
			Messages: json.RawMessage(`[{"role":"user","content":"Hello there friend"}]`), Metadata: json.RawMessage(`{"a":1}`), Output: json.RawMessage(`{"x":1}`)},
		{Shape: record.ShapeChat, Raw: `{"messages":[{"role":"user","content":"Hello there friend"},{"role":"assistant","content":"Hi"}],"tools":[1]}`,
			Messages: json.RawMessage(`[{"role":"user","content":"Hello there friend"}]`), Output: json.RawMessage(`{"messages":[{"role":"assistant","content":"Hi"}]}`), Tools: json.RawMessage(`[1]`)},
		// spacing differs from every layout: kept whole
		{Shape: record.ShapeChat, Raw: `{"messages": [{"role":"user","content":"Hello there friend"}]}`, Messages: json.RawMessage(`[{"role":"user","content":"Hello there friend"}]`)},
		{Shape: record.ShapeRaw, Raw: "\x00s"},
		{Shape: record.ShapeRaw, Raw: "\x00\x00odd"},
	}
	want := make([]string, len(recs))
	markers := 0
	for i := range recs {
		want[i] = recs[i].Raw
		CompactRaw(&recs[i])
		if len(recs[i].Raw) == 2 && recs[i].Shape != record.ShapeRaw {
			markers++
		}
	}
	if markers != 3 {
		t.Fatalf("%d lines stored as markers, want 3", markers)
	}
	rt, err := st.BeginRecords(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Insert(recs); err != nil {
		t.Fatal(err)
	}
	rt.Commit()
	for i, r := range recs {
		got, err := st.Record(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Raw != want[i] {
			t.Errorf("record %d: raw %q, want %q", i, got.Raw, want[i])
		}
	}
}
