// Package jobs runs long work in the background with progress (done, total,
// rate, ETA), cancellation, and a record of each job in the store, so the UI
// never blocks and a stopped or crashed job keeps what it finished.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"sync"
	"time"

	"tracetune/backend/store"
)

// Job states.
const (
	Running     = "running"
	Done        = "done"
	Failed      = "failed"
	Stopped     = "stopped"
	Interrupted = "interrupted" // the process died while it ran
)

// Reporter is how work tells the runner how far it is.
type Reporter func(done, total int64, message string)

// Work is a unit of background work. It must return soon after ctx is
// cancelled, keeping what it already stored.
type Work func(ctx context.Context, report Reporter) (result any, err error)

// Kind names what a job does ("import", "dryrun", …). The kinds are
// declared next to the work that has them, in backend/pipeline.
type Kind string

// Job is work ready to run: what it is, for which dataset, and the work.
// backend/pipeline builds every step's Job; the window starts it, a command
// runs it.
type Job struct {
	DatasetID int64
	Kind      Kind
	Work      Work
}

// StopNote is how work that was stopped says what stopping left, when that
// is not the usual "finished work was kept" (a replace that was rolled back
// kept nothing). It wraps the cancellation, so errors.Is(err,
// context.Canceled) still holds.
type StopNote struct {
	Text string
	Err  error
}

func (s *StopNote) Error() string { return s.Text }
func (s *StopNote) Unwrap() error { return s.Err }

// StopMessage is the message of stopped work.
func StopMessage(err error) string {
	var n *StopNote
	if errors.As(err, &n) {
		return n.Text
	}
	return "stopped; finished work was kept"
}

// Progress is a job's state as the UI and CLI see it.
type Progress struct {
	JobID      int64   `json:"job_id"`
	DatasetID  int64   `json:"dataset_id"`
	Kind       Kind    `json:"kind"`
	State      string  `json:"state"`
	Done       int64   `json:"done"`
	Total      int64   `json:"total"`
	Rate       float64 `json:"rate"`        // done units per second
	ETASeconds float64 `json:"eta_seconds"` // -1 when unknown
	Elapsed    float64 `json:"elapsed_seconds"`
	Message    string  `json:"message"`
	Error      string  `json:"error,omitempty"`
	Result     any     `json:"result,omitempty"`
}

// Runner starts, tracks and stops jobs.
type Runner struct {
	st     *store.Store
	notify func(Progress)
	// How often progress is pushed to notify and written to the store.
	EmitEvery, PersistEvery time.Duration

	mu       sync.Mutex
	running  map[int64]*job
	finished map[int64]*job // the most recent ended jobs, for Wait and Status
	order    []int64        // finished ids, oldest first
}

// keepFinished bounds how many ended jobs stay in memory with their typed
// results; older ones are read back from the store.
const keepFinished = 256

type job struct {
	cancel  context.CancelFunc
	done    chan struct{}
	persist chan struct{} // a signal: the latest progress should be written
	mu      sync.Mutex
	ended   bool // the work returned; late reports are ignored
	p       Progress
}

// New returns a runner that records jobs in st and sends progress to notify
// (which may be nil).
func New(st *store.Store, notify func(Progress)) *Runner {
	if notify == nil {
		notify = func(Progress) {}
	}
	return &Runner{st: st, notify: notify, EmitEvery: 150 * time.Millisecond, PersistEvery: time.Second,
		running: map[int64]*job{}, finished: map[int64]*job{}}
}

// Start runs work in the background and returns its job id at once.
func (r *Runner) Start(jb Job) (int64, error) {
	j, err := r.begin(jb.DatasetID, jb.Kind)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel = cancel
	go r.run(ctx, j, jb.Work)
	return j.p.JobID, nil
}

// Run runs work in the calling goroutine (headless commands, tests) and
// returns its final progress; the error is the work's error.
func (r *Runner) Run(ctx context.Context, jb Job) (Progress, error) {
	j, err := r.begin(jb.DatasetID, jb.Kind)
	if err != nil {
		return Progress{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	j.cancel = cancel
	r.run(ctx, j, jb.Work)
	p := j.snapshot()
	if p.Error != "" {
		return p, errors.New(p.Error)
	}
	return p, nil
}

func (r *Runner) begin(datasetID int64, kind Kind) (*job, error) {
	id, err := r.st.InsertJob(context.Background(), datasetID, string(kind), Running)
	if err != nil {
		return nil, fmt.Errorf("record job %s: %w", kind, err)
	}
	j := &job{done: make(chan struct{}), p: Progress{JobID: id, DatasetID: datasetID, Kind: kind, State: Running, ETASeconds: -1}}
	r.mu.Lock()
	r.running[id] = j
	r.mu.Unlock()
	r.notify(j.snapshot())
	return j, nil
}

func (r *Runner) run(ctx context.Context, j *job, work Work) {
	defer close(j.done)
	defer j.cancel()
	// Progress is written by a goroutine of its own: the work may be inside a
	// write transaction, and a progress write must never make it wait.
	j.persist = make(chan struct{}, 1)
	persisted := make(chan struct{})
	go func() {
		defer close(persisted)
		for range j.persist {
			p := j.snapshot()
			_ = r.st.UpdateJobProgress(context.Background(), p.JobID, p.Done, p.Total, p.Message)
		}
	}()
	start := time.Now()
	var lastEmit, lastPersist time.Time
	// A report inside EmitEvery of the last event is held, not dropped:
	// trailing sends the newest one when the interval is over, so the
	// window always ends up showing the latest message.
	var trailing *time.Timer
	report := func(done, total int64, msg string) {
		j.mu.Lock()
		if j.ended {
			j.mu.Unlock()
			return
		}
		j.p.Done, j.p.Total, j.p.Message = done, total, msg
		el := time.Since(start).Seconds()
		j.p.Elapsed = el
		if el > 0 {
			j.p.Rate = float64(done) / el
		}
		j.p.ETASeconds = -1
		if j.p.Rate > 0 && total >= done {
			j.p.ETASeconds = float64(total-done) / j.p.Rate
		}
		p := j.p
		now := time.Now()
		emit := now.Sub(lastEmit) >= r.EmitEvery || done == total
		persist := now.Sub(lastPersist) >= r.PersistEvery
		if emit {
			lastEmit = now
		} else if trailing == nil {
			trailing = time.AfterFunc(r.EmitEvery-now.Sub(lastEmit), func() {
				j.mu.Lock()
				trailing = nil
				if j.ended {
					j.mu.Unlock()
					return
				}
				lastEmit = time.Now()
				p := j.p
				j.mu.Unlock()
				r.notify(p)
			})
		}
		if persist {
			lastPersist = now
			select { // under the lock, so it cannot race the close below
			case j.persist <- struct{}{}:
			default: // a write is already pending; it will take the latest
			}
		}
		j.mu.Unlock()
		if emit {
			r.notify(p)
		}
	}
	result, err := safeRun(ctx, work, report)
	j.mu.Lock()
	j.ended = true
	close(j.persist)
	j.mu.Unlock()
	<-persisted

	j.mu.Lock()
	j.p.Elapsed = time.Since(start).Seconds()
	j.p.ETASeconds = 0
	switch {
	case err == nil:
		j.p.State = Done
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		j.p.State, j.p.Error = Stopped, StopMessage(err)
	default:
		j.p.State, j.p.Error = Failed, err.Error()
	}
	j.p.Result = result
	p := j.p
	j.mu.Unlock()

	res := ""
	if result != nil {
		if b, mErr := json.Marshal(result); mErr == nil {
			res = string(b)
		}
	}
	r.recordEnd(p, res)
	r.mu.Lock()
	delete(r.running, p.JobID)
	r.finished[p.JobID] = j
	r.order = append(r.order, p.JobID)
	if len(r.order) > keepFinished {
		delete(r.finished, r.order[0])
		r.order = r.order[1:]
	}
	r.mu.Unlock()
	r.notify(p)
}

// recordEnd writes a job's final state. The database may be busy with
// another writer, so it tries a few times: a finished job must never stay
// "running" in the store.
func (r *Runner) recordEnd(p Progress, result string) {
	bg := context.Background()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = r.st.UpdateJobProgress(bg, p.JobID, p.Done, p.Total, p.Message); err == nil {
			if err = r.st.FinishJob(bg, p.JobID, p.State, p.Error, result); err == nil {
				return
			}
		}
		time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
	}
	log.Printf("job %d (%s): could not record its end (%s): %v", p.JobID, p.Kind, p.State, err)
}

// safeRun turns a panic in work into an error so one bad job cannot take
// the app down.
func safeRun(ctx context.Context, work Work, report Reporter) (result any, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("internal error: %v", v)
		}
	}()
	return work(ctx, report)
}

// Stop cancels a running job. Stopping a finished job is not an error.
func (r *Runner) Stop(id int64) error {
	r.mu.Lock()
	j := r.running[id]
	r.mu.Unlock()
	if j == nil {
		if _, err := r.st.Job(context.Background(), id); err != nil {
			return fmt.Errorf("job %d: %w", id, err)
		}
		return nil
	}
	j.cancel()
	return nil
}

// lookup finds a running or recently finished job of this runner.
func (r *Runner) lookup(id int64) *job {
	r.mu.Lock()
	defer r.mu.Unlock()
	if j := r.running[id]; j != nil {
		return j
	}
	return r.finished[id]
}

// Wait blocks until a job started by this runner finishes.
func (r *Runner) Wait(id int64) Progress {
	j := r.lookup(id)
	if j == nil {
		return r.Status(id)
	}
	<-j.done
	return j.snapshot()
}

// Status returns a job's progress, live if it runs or ended recently, else
// from the store.
func (r *Runner) Status(id int64) Progress {
	if j := r.lookup(id); j != nil {
		return j.snapshot()
	}
	row, err := r.st.Job(context.Background(), id)
	if err != nil {
		return Progress{JobID: id, State: Failed, Error: err.Error()}
	}
	p := Progress{JobID: row.ID, DatasetID: row.DatasetID, Kind: Kind(row.Kind), State: row.State, Done: row.Done, Total: row.Total, Message: row.Message, Error: row.Error}
	if !row.FinishedAt.IsZero() {
		p.Elapsed = row.FinishedAt.Sub(row.StartedAt).Seconds()
	}
	if row.Result != "" {
		var v any
		if json.Unmarshal([]byte(row.Result), &v) == nil {
			p.Result = v
		}
	}
	return p
}

// Active lists the running jobs of a dataset (all datasets when 0).
func (r *Runner) Active(datasetID int64) []Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Progress
	for _, j := range r.running {
		p := j.snapshot()
		if datasetID == 0 || p.DatasetID == datasetID {
			out = append(out, p)
		}
	}
	return out
}

// StopAll cancels every running job and waits for them (app shutdown).
func (r *Runner) StopAll() {
	r.mu.Lock()
	var js []*job
	for _, j := range r.running {
		js = append(js, j)
	}
	r.mu.Unlock()
	for _, j := range js {
		j.cancel()
		<-j.done
	}
}

func (j *job) snapshot() Progress {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.p
}
