package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/jobs"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

func TestTrainExportRunsAsAJobWithProgressAndStop(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "export", "")
	if err != nil {
		t.Fatal(err)
	}
	testutil.InsertRecords(t, st, d.ID, numberedQuestions(40))
	runner := jobs.New(st, nil)
	svc := &train.Service{Store: st}
	opts := train.Options{Trainer: "trl", Seed: 3, IncludeGenerated: true}
	base := t.TempDir()
	dir := filepath.Join(base, "export")

	t.Run("without a grader the job fails saying so and writes nothing", func(t *testing.T) {
		p, err := runner.Run(ctx, TrainExportWork(svc, d.ID, opts, dir))
		if err == nil || !strings.Contains(err.Error(), "no grader") || p.State != jobs.Failed {
			t.Fatalf("state %s, error %v", p.State, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("the folder exists: %v", err)
		}
	})
	saveGrader(t, st, d.ID, goGrader)
	before := trainStep(t, st, d.ID)
	t.Run("a stopped export is stopped and leaves no folder", func(t *testing.T) {
		stopped, cancel := context.WithCancel(ctx)
		cancel()
		p, err := runner.Run(stopped, TrainExportWork(svc, d.ID, opts, dir))
		if err == nil || p.State != jobs.Stopped {
			t.Fatalf("state %s, error %v", p.State, err)
		}
		if es, _ := os.ReadDir(base); len(es) != 0 {
			t.Errorf("left beside the target: %v", es)
		}
	})
	t.Run("the job writes the files, counting every line, and returns what it wrote", func(t *testing.T) {
		p, err := runner.Run(ctx, TrainExportWork(svc, d.ID, opts, dir))
		if err != nil {
			t.Fatal(err)
		}
		ex, ok := p.Result.(train.Exported)
		if !ok || p.Kind != KindTrainExport || p.State != jobs.Done {
			t.Fatalf("progress %+v", p)
		}
		if ex.Dir != dir || ex.TrainCount+ex.ValidationCount != 40 || len(ex.Files) == 0 || ex.Notes == nil {
			t.Errorf("exported %+v", ex)
		}
		for _, f := range ex.Files {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Name))); err != nil {
				t.Errorf("%s: %v", f.Name, err)
			}
		}
		if want := int64(40 + len(ex.Files) - 2); p.Done != want || p.Total != want {
			t.Errorf("progress %d/%d, want %d/%d (each line, one per other file)", p.Done, p.Total, want, want)
		}
	})
	t.Run("Step 6 does not take an export for training", func(t *testing.T) {
		if after := trainStep(t, st, d.ID); after.Status != before.Status || after.Figure != before.Figure {
			t.Errorf("step 6 went from %+v to %+v", before, after)
		}
	})
}
