package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"tracetune/backend/grader"
	"tracetune/backend/pipeline"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// TestTrainBindingStartsAndFollowsAJob walks the Step 6 panel's calls
// against the fake platform: trainers, the gate, the preview, Start as a
// job, then the window following the job until it succeeds; and a job
// left open by an earlier run is followed again at startup.
func TestTrainBindingStartsAndFollowsAJob(t *testing.T) {
	fake := testutil.StartFineTune(t)
	t.Setenv("OPENAI_API_KEY", "sk-app-train-00000")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	t.Setenv("TRACETUNE_TRAIN_POLL_MS", "2")
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := NewDeps(st, t.TempDir())
	tr := &Train{d}
	ctx := context.Background()
	ds, err := st.CreateDataset(ctx, "trained", "")
	if err != nil {
		t.Fatal(err)
	}
	var recs []record.Record
	for i := 0; i < 20; i++ {
		m, _ := json.Marshal([]map[string]any{{"role": "user", "content": fmt.Sprintf("question %d please", i)}})
		recs = append(recs, record.Record{Line: i + 1, Shape: record.ShapeChat, Messages: m, Fields: json.RawMessage(fmt.Sprintf(`{"answer":"a%d"}`, i))})
	}
	testutil.InsertRecords(t, st, ds.ID, recs)

	if got, want := len(tr.Trainers()), len(train.Trainers); got != want || want < 4 {
		t.Fatalf("%d trainers, want the %d of train.Trainers (openai, azure, fireworks, trl)", got, want)
	}
	if gate, err := tr.Check(ds.ID, train.Options{}); err != nil || gate.Ready {
		t.Fatalf("without a grader: %+v %v", gate, err)
	}
	if _, err := grader.Save(ctx, st, ds.ID, grader.Grader{Components: []grader.Component{{Name: "exact", Kind: grader.KindStringCheck, Weight: 1,
		Input: "{{sample.output_text}}", Reference: "{{item.answer}}", Operation: "eq"}}}); err != nil {
		t.Fatal(err)
	}
	o := train.Options{Trainer: "openai"}
	gate, err := tr.Check(ds.ID, o)
	if err != nil || gate.Ready || !gate.NeedsOverride || gate.Target.Model != "o4-mini" || len(gate.Issues) != 1 ||
		gate.Issues[0].Reason != pipeline.OverrideNoDryRun || gate.Issues[0].Next != "Run a dry run with o4-mini" {
		t.Fatalf("with a grader, no dry run: %+v %v", gate, err)
	}
	o.OverrideNoGo = true
	if gate, err = tr.Check(ds.ID, o); err != nil || !gate.Ready || gate.OverrideReason != pipeline.OverrideNoDryRun {
		t.Fatalf("with the override: %+v %v", gate, err)
	}
	p, err := tr.Preview(ds.ID, o)
	if err != nil || p.Train != 18 || p.Validation != 2 {
		t.Fatalf("preview %+v %v", p, err)
	}
	if empty, err := tr.Latest(ds.ID); err != nil || empty.ID != 0 {
		t.Fatalf("latest before start: %+v %v", empty, err)
	}
	id, err := tr.Start(ds.ID, o)
	if err != nil {
		t.Fatal(err)
	}
	pr := d.Jobs.Wait(id)
	started, ok := pr.Result.(pipeline.TrainStarted)
	if pr.Error != "" || !ok || started.RemoteID == "" || !started.OverrideNoGo || started.OverrideReason != pipeline.OverrideNoDryRun {
		t.Fatalf("start job: %+v", pr)
	}
	deadline := time.Now().Add(20 * time.Second)
	var det train.Detail
	for time.Now().Before(deadline) {
		if det, err = tr.Latest(ds.ID); err != nil {
			t.Fatal(err)
		}
		if det.Final {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if det.Status != train.StatusSucceeded || len(det.Metrics) != 6 || len(det.Checkpoints) != 3 {
		t.Fatalf("the window did not follow the job to the end: %+v", det.Job)
	}
	logs, err := tr.Logs(det.ID, 0)
	if err != nil || len(logs) == 0 {
		t.Fatalf("logs %d %v", len(logs), err)
	}
	if _, err := tr.Cancel(det.ID); err == nil {
		t.Error("cancelling a finished job should say it is over")
	}

	// A second job, left open as if the app had stopped, is followed at startup.
	j2, _, err := pipeline.StartTrain(ctx, d.trainService(), ds.ID, o)
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	d.resumeTraining(rctx)
	for rctx.Err() == nil {
		if j, _ := train.Get(ctx, st, j2.ID); j.Final {
			if j.Status != train.StatusSucceeded {
				t.Fatalf("resumed job %+v", j)
			}
			if fake.JobsCreated() != 2 {
				t.Errorf("%d jobs created", fake.JobsCreated())
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the job open at startup was not followed")
}
