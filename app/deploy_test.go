package app

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/deploy"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/tokens"
)

// The streaming playground binding: both answers stream, StopPlayground
// stops both by run id and each keeps its text so far; a run id in use is
// refused, and stopping an ended run does nothing.
func TestPlaygroundStreamStopsByRunID(t *testing.T) {
	fake := testutil.StartOpenAI(t)
	fake.SetChunkDelay(40 * time.Millisecond)
	t.Setenv("OPENAI_API_KEY", "sk-app-play-00000")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	ds, err := st.CreateDataset(ctx, "played", "")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := json.Marshal([]map[string]any{{"role": "user", "content": "hello"}})
	recs := []record.Record{{Line: 1, Shape: record.ShapeChat, Messages: m}}
	testutil.InsertRecords(t, st, ds.ID, recs)
	j, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: ds.ID, Trainer: "openai", Provider: "environment", BaseModel: "gpt-4o-mini", Status: "running"},
		[]store.SplitRow{{RecordID: recs[0].ID, Part: "train"}})
	if err != nil {
		t.Fatal(err)
	}
	j.Status, j.FineTunedModel = "succeeded", "ft:gpt-4o-mini:acme::P1"
	if err := st.UpdateTrainJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	tokens.Count("") // the encoder counting a stopped answer loads once per process
	dep := &Deploy{NewDeps(st, t.TempDir())}
	in := deploy.PlaygroundInput{Prompt: "one two three four five six seven eight nine ten"}

	type outcome struct {
		res deploy.PlaygroundResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := dep.PlaygroundStream(ds.ID, "run-1", in)
		done <- outcome{res, err}
	}()
	for fake.Count("/chat/completions") < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a few words in
	if _, err := dep.PlaygroundStream(ds.ID, "run-1", in); err == nil || !strings.Contains(err.Error(), "already going") {
		t.Fatalf("a second run with the same id: %v", err)
	}
	dep.StopPlayground("run-1")
	var o outcome
	select {
	case o = <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the run did not end within 2 s of StopPlayground")
	}
	if o.err != nil {
		t.Fatal(o.err)
	}
	full := "echo: " + in.Prompt
	for _, a := range []deploy.Answer{o.res.Base, o.res.Tuned} {
		if !a.Stopped || a.Text == "" || a.Text == full || !strings.HasPrefix(full, a.Text) {
			t.Fatalf("%s: stopped %v with %q, want part of %q", a.Side, a.Stopped, a.Text, full)
		}
	}
	dep.StopPlayground("run-1") // ended: nothing to stop
	fake.SetChunkDelay(0)
	res, err := dep.PlaygroundStream(ds.ID, "run-1", in)
	if err != nil || res.Base.Text != full || res.Tuned.Stopped {
		t.Fatalf("the id again after its run ended: %+v %v", res, err)
	}
	if _, err := dep.PlaygroundStream(ds.ID, " ", in); err == nil {
		t.Fatal("an empty run id was accepted")
	}
	// A Stop can reach the app before its run does (each bound call runs
	// on its own goroutine): the run then ends at once, asking nothing.
	asked := fake.Count("/chat/completions")
	dep.StopPlayground("run-2")
	start := time.Now()
	res, err = dep.PlaygroundStream(ds.ID, "run-2", in)
	if err != nil || !res.Base.Stopped || !res.Tuned.Stopped || time.Since(start) > time.Second {
		t.Fatalf("a run stopped before it started: %+v %v after %v", res, err, time.Since(start))
	}
	if got := fake.Count("/chat/completions"); got != asked {
		t.Fatalf("a run stopped before it started asked the models %d times", got-asked)
	}
}
