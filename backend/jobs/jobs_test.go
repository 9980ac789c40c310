package jobs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tracetune/backend/testutil"
)

func TestRunRecordsProgressAndResult(t *testing.T) {
	st := testutil.OpenStore(t)
	var mu sync.Mutex
	var seen []Progress
	r := New(st, func(p Progress) { mu.Lock(); seen = append(seen, p); mu.Unlock() })
	r.EmitEvery = 0
	p, err := r.Run(context.Background(), Job{Kind: "count", Work: func(ctx context.Context, report Reporter) (any, error) {
		for i := int64(1); i <= 10; i++ {
			report(i, 10, "counting")
		}
		return map[string]int{"n": 10}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p.State != Done || p.Done != 10 || p.Total != 10 {
		t.Fatalf("final progress = %+v", p)
	}
	row, err := st.Job(context.Background(), p.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if row.State != Done || row.Done != 10 || row.Result != `{"n":10}` || row.FinishedAt.IsZero() {
		t.Fatalf("stored job = %+v", row)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 3 || seen[0].State != Running || seen[len(seen)-1].State != Done {
		t.Fatalf("notifications = %+v", seen)
	}
}

func TestStopCancelsAndKeepsState(t *testing.T) {
	st := testutil.OpenStore(t)
	r := New(st, nil)
	started := make(chan struct{})
	id, err := r.Start(Job{Kind: "slow", Work: func(ctx context.Context, report Reporter) (any, error) {
		report(3, 100, "working")
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	if len(r.Active(0)) != 1 {
		t.Fatalf("active = %v", r.Active(0))
	}
	t0 := time.Now()
	if err := r.Stop(id); err != nil {
		t.Fatal(err)
	}
	p := r.Wait(id)
	if p.State != Stopped || p.Done != 3 {
		t.Fatalf("after stop: %+v", p)
	}
	if d := time.Since(t0); d > time.Second {
		t.Fatalf("stop took %v", d)
	}
	if got := r.Status(id); got.State != Stopped {
		t.Fatalf("stored state = %q", got.State)
	}
}

func TestFailureAndPanicBecomeErrors(t *testing.T) {
	st := testutil.OpenStore(t)
	r := New(st, nil)
	_, err := r.Run(context.Background(), Job{Kind: "bad", Work: func(ctx context.Context, report Reporter) (any, error) {
		return nil, errors.New("line 7: broken")
	}})
	if err == nil || err.Error() != "line 7: broken" {
		t.Fatalf("err = %v", err)
	}
	p, err := r.Run(context.Background(), Job{Kind: "panics", Work: func(ctx context.Context, report Reporter) (any, error) {
		var m map[string]int
		m["x"] = 1
		return nil, nil
	}})
	if err == nil || p.State != Failed {
		t.Fatalf("panic not turned into failure: %+v %v", p, err)
	}
}

func TestRateAndETA(t *testing.T) {
	st := testutil.OpenStore(t)
	r := New(st, nil)
	r.EmitEvery = 0
	var last Progress
	r.notify = func(p Progress) { last = p }
	_, err := r.Run(context.Background(), Job{Kind: "eta", Work: func(ctx context.Context, report Reporter) (any, error) {
		time.Sleep(50 * time.Millisecond)
		report(50, 100, "half")
		if last.Rate <= 0 || last.ETASeconds <= 0 {
			t.Errorf("rate %v eta %v after half the work", last.Rate, last.ETASeconds)
		}
		return nil, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// A job that ends before Wait is called must still give its typed result,
// not the JSON copy read back from the store.
func TestWaitAfterTheJobEndedKeepsTypedResult(t *testing.T) {
	type counts struct{ New, Skipped int }
	r := New(testutil.OpenStore(t), nil)
	id, err := r.Start(Job{Kind: "fast", Work: func(ctx context.Context, report Reporter) (any, error) {
		return counts{New: 5}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	for len(r.Active(0)) > 0 {
		time.Sleep(time.Millisecond)
	}
	p := r.Wait(id)
	if c, ok := p.Result.(counts); !ok || c.New != 5 {
		t.Fatalf("result = %#v (%T)", p.Result, p.Result)
	}
	if c, ok := r.Status(id).Result.(counts); !ok || c.New != 5 {
		t.Fatalf("status result = %#v", r.Status(id).Result)
	}
}

// A message reported within EmitEvery of the last event is held and sent
// when the interval is over, not dropped: the window shows the latest.
func TestAQuickSecondMessageStillReachesTheWindow(t *testing.T) {
	st := testutil.OpenStore(t)
	got := make(chan Progress, 16)
	r := New(st, func(p Progress) { got <- p })
	r.EmitEvery = 100 * time.Millisecond
	release := make(chan struct{})
	if _, err := r.Start(Job{Kind: "serve", Work: func(ctx context.Context, report Reporter) (any, error) {
		report(0, 3, "creating")
		report(1, 3, "still starting")
		<-release
		return nil, nil
	}}); err != nil {
		t.Fatal(err)
	}
	defer close(release)
	deadline := time.After(2 * time.Second)
	for {
		select {
		case p := <-got:
			if p.Message == "still starting" {
				return
			}
		case <-deadline:
			t.Fatal(`"still starting" never reached the window`)
		}
	}
}
