package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/grader"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestGraderBindingEditTestExport walks the Step 4 panel's calls: empty
// state, presets, live checks with inline script errors, save, Test Sample
// as a job, export.
func TestGraderBindingEditTestExport(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st, err := store.Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := NewDeps(st, t.TempDir())
	g := &Grader{d}
	ctx := context.Background()
	ds, err := st.CreateDataset(ctx, "graded", "")
	if err != nil {
		t.Fatal(err)
	}
	var recs []record.Record
	for i := 0; i < 4; i++ {
		m, _ := json.Marshal([]map[string]any{{"role": "user", "content": fmt.Sprintf("question %d please", i)}})
		recs = append(recs, record.Record{Line: i + 1, Shape: record.ShapeChat, Messages: m, Output: json.RawMessage(`{"role":"assistant","content":"ok"}`)})
	}
	testutil.InsertRecords(t, st, ds.ID, recs)

	state, err := g.Get(ds.ID)
	if err != nil || state.Configured || len(state.Kinds) != 5 {
		t.Fatalf("%+v %v", state, err)
	}
	if len(g.Presets()) != 4 {
		t.Fatal("presets")
	}
	bad := grader.Grader{Components: []grader.Component{
		{Name: "loop", Kind: grader.KindScript, Weight: 0.5, Source: "def grade(sample, item)\n    return 1"},
		{Name: "ok", Kind: grader.KindScript, Weight: 0.2, Source: "def grade(sample, item):\n    return 1"},
	}}
	c := g.Check(bad)
	if len(c.Problems) != 2 || c.Problems[0].Component != 0 || c.Problems[1].Component != -1 || !strings.Contains(c.Problems[1].Message, "0.7") {
		t.Fatalf("problems %+v", c.Problems)
	}
	if msg := g.CheckScript(bad.Components[0].Source); !strings.Contains(msg, "does not compile") {
		t.Fatalf("inline error %q", msg)
	}
	if _, err := g.Save(ds.ID, bad); err == nil {
		t.Fatal("saved an invalid grader")
	}
	good := grader.Grader{Components: []grader.Component{{Name: "endless", Kind: grader.KindScript, Weight: 1, Source: "def grade(sample, item):\n    while True:\n        pass"}}}
	v, err := g.Save(ds.ID, good)
	if err != nil {
		t.Fatal(err)
	}
	id, err := g.Test(ds.ID, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := d.Jobs.Wait(id)
	res, ok := p.Result.(grader.TestResult)
	if !ok || len(res.Samples) != 2 || res.Version != v || !strings.Contains(strings.Join(res.Samples[0].Errors, ""), "endless: stopped") {
		t.Fatalf("test sample %+v", p)
	}
	last, err := g.LastTest(ds.ID)
	if err != nil || last == nil || last.Version != v {
		t.Fatalf("last %+v %v", last, err)
	}
	out := filepath.Join(t.TempDir(), "reward.py")
	if r, err := g.Export(ds.ID, "trl", out); err != nil || len(r.Files) != 1 {
		t.Fatalf("export %+v %v", r, err)
	}
	state, _ = g.Get(ds.ID)
	if !state.Configured || state.Version != v || state.LastTest == nil || len(state.Versions) != 1 {
		t.Fatalf("state %+v", state)
	}
}
