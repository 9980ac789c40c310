package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"tracetune/backend/grader"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// TestTrainExportBindingWritesTheSplitFiles: the Step 6 button's binding
// exports the dataset's grader for the trainer and writes the split files,
// and refuses without a folder or a grader.
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
	if _, err := tr.Export(ds.ID, o, dir); err == nil {
		t.Fatal("an export without a grader went through")
	}
	if _, err := grader.Save(ctx, st, ds.ID, grader.Grader{Components: []grader.Component{{Name: "exact", Kind: grader.KindStringCheck, Weight: 1,
		Input: "{{sample.output_text}}", Reference: "{{item.answer}}", Operation: "eq"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Export(ds.ID, o, " "); err == nil {
		t.Fatal("an export without a folder went through")
	}
	ex, err := tr.Export(ds.ID, o, dir)
	if err != nil {
		t.Fatal(err)
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
