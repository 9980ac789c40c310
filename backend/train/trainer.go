package train

import (
	"context"
	"encoding/json"
	"time"

	"tracetune/backend/record"
)

// Remote is a remote job's state as a platform reports it.
type Remote struct {
	ID             string
	Status         string
	FineTunedModel string
	Error          string // the platform's reason when it failed
	TrainFile      string
	ValidFile      string
	TrainedTokens  int64
	FinishedAt     time.Time
	Location       string // where the result is, when not on a platform (the TRL bundle's folder)
	Native         string // the platform's own state word when Status is a mapping of it (Fireworks' JOB_STATE_*)
}

// RemoteEvent is an event as a platform reports it.
type RemoteEvent struct {
	ID        string
	CreatedAt time.Time
	Level     string
	Type      string
	Message   string
	Data      json.RawMessage
}

// RemoteCheckpoint is a checkpoint as a platform reports it.
type RemoteCheckpoint struct {
	ID        string
	Step      int
	Model     string
	Metrics   json.RawMessage
	CreatedAt time.Time
}

// Submission is what a trainer gets to start a job: the split's files in
// its line format, the grader, the hyperparameters.
type Submission struct {
	Model          string
	Suffix         string
	Seed           int64
	Train, Valid   []byte // the files, one Line per record
	Grader         json.RawMessage
	Hyper          Hyperparameters
	ResponseFormat json.RawMessage
	Metadata       map[string]string
	Bundle         BundleSpec        // trl only
	Evaluator      map[string]string // fireworks only: the evaluator package's files (grader.ExportFireworks)
}

// BundleSpec is where and with what a TRL bundle is written.
type BundleSpec struct {
	Dir        string
	Zip        bool
	RewardPy   string
	GraderJSON json.RawMessage
	Manifest   Manifest // the job's part; files, times and hyperparameters are filled in
}

// Trainer runs training jobs somewhere: a platform (OpenAI, Azure OpenAI)
// or, for the TRL bundle, the user's own machine. Line writes a record in
// the trainer's data format. Submit prepares the files and creates the
// job; when it fails nothing is left behind (uploaded files are deleted).
// Events returns the events newer than since (all when ""), oldest first.
// A trainer without a remote job answers ErrUnsupported to the rest.
type Trainer interface {
	Info() Info
	Line(rec record.Record) ([]byte, error)
	Submit(ctx context.Context, s Submission) (Remote, error)
	Poll(ctx context.Context, remoteID string) (Remote, error)
	Events(ctx context.Context, remoteID, since string) ([]RemoteEvent, error)
	Checkpoints(ctx context.Context, remoteID string) ([]RemoteCheckpoint, error)
	Cancel(ctx context.Context, remoteID string) (Remote, error)
	Pause(ctx context.Context, remoteID string) (Remote, error)
	Resume(ctx context.Context, remoteID string) (Remote, error)
	// Find returns the job created with this metadata, if any: a start
	// that died between creating the job and recording its id.
	Find(ctx context.Context, key, value string) (Remote, bool, error)
}
