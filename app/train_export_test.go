package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/grader"
	"tracetune/backend/jobs"
	"tracetune/backend/pipeline"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// TestTrainExportBindingWritesTheSplitFiles: the Step 6 button's binding
// starts a job that exports the dataset's grader for the trainer and
// writes the split files; it refuses without a folder, the job fails
// without a grader.
func TestTrainExportBindingWritesTheSplitFiles(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tr := &Train{NewDeps(st, t.TempDir())}
	ctx := context.Background()
	ds, err := st.CreateDataset(ctx, "exported", "")
	if err != nil {
		t.Fatal(err)
	}
	var recs []record.Record
	for i := 0; i < 20; i++ {
		m, _ := json.Marshal([]map[string]any{{"role": "user", "content": fmt.Sprintf("question %d please", i)}})
		recs = append(recs, record.Record{Line: i + 1, Shape: record.ShapeChat, Messages: m, Fields: json.RawMessage(fmt.Sprintf(`{"answer":"a%d"}`, i))})
	}
	testutil.InsertRecords(t, st, ds.ID, recs)
	dir := filepath.Join(t.TempDir(), "files")
	o := train.Options{Trainer: "openai", Provider: ""}
	t.Cleanup(tr.Jobs.StopAll)
	id, err := tr.Export(ds.ID, o, dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := tr.Jobs.Wait(id); p.State != jobs.Failed || !strings.Contains(p.Error, "no grader") {
		t.Fatalf("an export without a grader: %s %s", p.State, p.Error)
	}
	if _, err := grader.Save(ctx, st, ds.ID, grader.Grader{Components: []grader.Component{{Name: "exact", Kind: grader.KindStringCheck, Weight: 1,
		Input: "{{sample.output_text}}", Reference: "{{item.answer}}", Operation: "eq"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Export(ds.ID, o, " "); err == nil {
		t.Fatal("an export without a folder went through")
	}
	id, err = tr.Export(ds.ID, o, dir)
	if err != nil {
		t.Fatal(err)
	}
	p := tr.Jobs.Wait(id)
	ex, ok := p.Result.(train.Exported)
	if p.State != jobs.Done || p.Kind != pipeline.KindTrainExport || !ok {
		t.Fatalf("export job %+v", p)
	}
	if ex.TrainCount != 18 || ex.ValidationCount != 2 || len(ex.Files) != 4 {
		t.Fatalf("export %+v", ex)
	}
	for _, f := range ex.Files {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
}
