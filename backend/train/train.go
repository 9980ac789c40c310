// Package train is Step 6: it splits a dataset's valid records into
// training and validation sets, writes them in a trainer's format, starts
// and follows the training job (OpenAI, Azure OpenAI and Fireworks reinforcement
// fine-tuning, or a TRL GRPO bundle for the user's own GPUs) and keeps the
// job, its split, logs, reward curves and checkpoints in the store, so a job
// survives the app and polling resumes where it stopped.
package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"tracetune/backend/llm"
	"tracetune/backend/store"
)

// Job statuses. The remote platform's own statuses (validating_files,
// queued, running, paused, succeeded, failed, cancelled) are used as they
// come; preparing and exported are this package's.
const (
	StatusPreparing  = "preparing" // splitting, writing and uploading files
	StatusValidating = "validating_files"
	StatusQueued     = "queued"
	StatusRunning    = "running"
	StatusPaused     = "paused"
	StatusSucceeded  = "succeeded"
	StatusFailed     = "failed"
	StatusCancelled  = "cancelled"
	StatusExported   = "exported" // a TRL bundle was written; training runs elsewhere
)

// Final says whether a status is an end state (nothing more to poll).
func Final(status string) bool {
	switch status {
	case StatusSucceeded, StatusFailed, StatusCancelled, StatusExported:
		return true
	}
	return false
}

// Split parts.
const (
	PartTrain      = "train"
	PartValidation = "validation"
)

// Errors the UI and CLI branch on (wrapped with %w).
var (
	ErrInvalid     = errors.New("invalid")     // bad options
	ErrNotFound    = store.ErrNotFound         // no such job
	ErrRefused     = errors.New("refused")     // the platform refused the job
	ErrUnsupported = errors.New("unsupported") // the trainer cannot do that
	ErrFinal       = errors.New("job is over") // cancel/pause on a finished job
)

// kindError is a message for a person that still answers errors.Is for
// its kind, without the kind's word in the text.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func invalid(format string, a ...any) error {
	return &kindError{msg: fmt.Sprintf(format, a...), kind: ErrInvalid}
}

// Info describes a trainer for the panel, the CLI and validation.
type Info struct {
	Name          string   `json:"name"`
	Label         string   `json:"label"`
	Remote        bool     `json:"remote"`         // a platform runs the job (polling, logs, cancel)
	ProviderKinds []string `json:"provider_kinds"` // provider kinds it talks to (none for trl)
	DefaultModel  string   `json:"default_model"`
	Models        []string `json:"models"` // base models known to work
	MaxTrain      int      `json:"max_train"`
	MaxValidation int      `json:"max_validation"`
	CanPause      bool     `json:"can_pause"`
	Note          string   `json:"note"`
}

// Trainers are the trainers in the order the panel offers them.
var Trainers = []Info{
	{Name: "openai", Label: "OpenAI fine-tuning API", Remote: true,
		ProviderKinds: []string{llm.KindOpenAI, llm.KindOther}, DefaultModel: "o4-mini-2025-04-16", Models: []string{"o4-mini-2025-04-16"},
		MaxTrain: 50000, MaxValidation: 1000, CanPause: true,
		Note: "OpenAI has closed fine-tuning to new customers; existing fine-tuning accounts can still train."},
	{Name: "azure", Label: "Azure OpenAI fine-tuning", Remote: true,
		ProviderKinds: []string{llm.KindAzure}, DefaultModel: "o4-mini-2025-04-16", Models: []string{"o4-mini-2025-04-16", "gpt-5-2025-08-07"},
		MaxTrain: 50000, MaxValidation: 1000, CanPause: true,
		Note: "o4-mini RFT is generally available on Azure OpenAI; the judge model must be gpt-4o-2024-08-06 or o3-mini-2025-01-31."},
	{Name: "fireworks", Label: "Fireworks reinforcement fine-tuning", Remote: true,
		ProviderKinds: []string{llm.KindFireworks}, DefaultModel: "accounts/fireworks/models/qwen3-0p6b",
		Models: []string{"accounts/fireworks/models/qwen3-0p6b", "accounts/fireworks/models/llama-v3p1-8b-instruct"},
		Note:   "Open to any Fireworks account; RFT is free for base models under 16B parameters. The tuned LoRA model deploys on an on-demand deployment."},
	{Name: "trl", Label: "TRL GRPO bundle (your GPUs)", DefaultModel: "Qwen/Qwen3-1.7B",
		Models: []string{"Qwen/Qwen3-1.7B", "Qwen/Qwen3-4B", "meta-llama/Llama-3.2-3B-Instruct"},
		Note:   "Writes a folder (and .zip) with the data, reward.py, train.py and pinned requirements; run it on a GPU machine."},
}

// TrainerInfo returns a trainer by name.
func TrainerInfo(name string) (Info, error) {
	for _, t := range Trainers {
		if t.Name == name {
			return t, nil
		}
	}
	names := make([]string, len(Trainers))
	for i, t := range Trainers {
		names[i] = t.Name
	}
	return Info{}, invalid("trainer %q is not one of %s", name, strings.Join(names, ", "))
}

// Hyperparameters of a job. Zero values mean "auto" (the platform
// chooses) for OpenAI/Azure and the defaults of DefaultHyperparameters for
// TRL.
type Hyperparameters struct {
	Epochs                 int     `json:"n_epochs"`                 // 1–50
	BatchSize              int     `json:"batch_size"`               // 1–256
	LearningRateMultiplier float64 `json:"learning_rate_multiplier"` // > 0 (OpenAI/Azure)
	ReasoningEffort        string  `json:"reasoning_effort"`         // default, low, medium, high (OpenAI/Azure)
	ComputeMultiplier      float64 `json:"compute_multiplier"`       // (0.00001, 10] (OpenAI/Azure)
	EvalInterval           int     `json:"eval_interval"`            // steps between evaluations (OpenAI/Azure)
	EvalSamples            int     `json:"eval_samples"`             // samples per validation prompt (OpenAI/Azure)

	LearningRate        float64 `json:"learning_rate"`         // TRL
	NumGenerations      int     `json:"num_generations"`       // TRL: completions per prompt
	MaxCompletionLength int     `json:"max_completion_length"` // TRL
	LoRARank            int     `json:"lora_r"`                // TRL
}

// DefaultHyperparameters are the values shown for a trainer (zero = auto).
func DefaultHyperparameters(trainer string) Hyperparameters {
	if trainer == "trl" {
		return Hyperparameters{Epochs: 1, BatchSize: 8, LearningRate: 1e-5, NumGenerations: 8, MaxCompletionLength: 1024, LoRARank: 16}
	}
	if trainer == "fireworks" {
		return fireworksDefaults
	}
	return Hyperparameters{ReasoningEffort: "default"}
}

// Validate checks the ranges the platforms accept.
func (h Hyperparameters) Validate() error {
	bad := invalid
	switch {
	case h.Epochs < 0 || h.Epochs > 50:
		return bad("epochs must be 1–50 (or 0 for auto), not %d", h.Epochs)
	case h.BatchSize < 0 || h.BatchSize > 256:
		return bad("batch size must be 1–256 (or 0 for auto), not %d", h.BatchSize)
	case h.LearningRateMultiplier < 0:
		return bad("learning-rate multiplier must be above 0, not %g", h.LearningRateMultiplier)
	case h.ComputeMultiplier < 0 || h.ComputeMultiplier > 10 || (h.ComputeMultiplier > 0 && h.ComputeMultiplier <= 0.00001):
		return bad("compute multiplier must be in (0.00001, 10], not %g", h.ComputeMultiplier)
	case h.EvalInterval < 0:
		return bad("eval interval must be 1 or more, not %d", h.EvalInterval)
	case h.EvalSamples < 0:
		return bad("eval samples must be 1 or more, not %d", h.EvalSamples)
	case !slices.Contains([]string{"", "default", "low", "medium", "high"}, h.ReasoningEffort):
		return bad("reasoning effort must be default, low, medium or high, not %q", h.ReasoningEffort)
	case h.LearningRate < 0 || h.LearningRate > 1:
		return bad("learning rate must be in (0, 1], not %g", h.LearningRate)
	case h.NumGenerations < 0 || h.NumGenerations == 1 || h.NumGenerations > 64:
		return bad("generations per prompt must be 2–64, not %d", h.NumGenerations)
	case h.MaxCompletionLength < 0 || h.MaxCompletionLength > 65536:
		return bad("max completion length must be up to 65,536 tokens, not %d", h.MaxCompletionLength)
	case h.LoRARank < 0 || h.LoRARank > 512:
		return bad("LoRA rank must be up to 512, not %d", h.LoRARank)
	}
	return nil
}

// Options configure a training job.
type Options struct {
	Trainer          string          `json:"trainer"`                   // openai, azure, fireworks or trl
	Provider         string          `json:"provider,omitempty"`        // "" = the training role's provider (openai/azure)
	Model            string          `json:"model,omitempty"`           // "" = the training role's model, else the trainer's default
	Split            float64         `json:"split"`                     // training share, 0.5–0.99; 0 = 0.9
	NoStratify       bool            `json:"no_stratify"`               // split without regard to topics
	IncludeGenerated bool            `json:"include_generated"`         // let generated records into validation
	Seed             int64           `json:"seed"`                      // split seed; 0 = 42
	Suffix           string          `json:"suffix,omitempty"`          // in the fine-tuned model's name (≤ 64 chars)
	OverrideNoGo     bool            `json:"override_nogo"`             // the Train gate's one override: no fitting dry run, or a NO-GO
	Hyper            Hyperparameters `json:"hyperparameters"`           //
	OutDir           string          `json:"out_dir,omitempty"`         // trl: the bundle's folder ("" = next to the database)
	NoZip            bool            `json:"no_zip,omitempty"`          // trl: skip the .zip
	ResponseFormat   json.RawMessage `json:"response_format,omitempty"` // OpenAI/Azure: the JSON schema answers must follow
}

// DefaultSeed is the split seed when none is given.
const DefaultSeed = 42

// withDefaults fills the zero values.
func (o Options) withDefaults() Options {
	if o.Split == 0 {
		o.Split = 0.9
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	o.Suffix = strings.TrimSpace(o.Suffix)
	return o
}

// Validate checks the options on their own (the dataset, grader and
// provider are checked when the job starts).
func (o Options) Validate() error {
	info, err := TrainerInfo(o.Trainer)
	if err != nil {
		return err
	}
	o = o.withDefaults()
	if o.Split < 0.5 || o.Split > 0.99 {
		return invalid("split must be a training share between 0.5 and 0.99, not %g", o.Split)
	}
	if len(o.Suffix) > 64 {
		return invalid("suffix must be at most 64 characters")
	}
	for _, r := range o.Suffix {
		if !(r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return invalid("suffix %q: use letters, digits, '-', '_' or '.'", o.Suffix)
		}
	}
	if !info.Remote && o.Provider != "" {
		return invalid("trainer %s runs on your own machine and takes no provider", o.Trainer)
	}
	if info.Remote && o.OutDir != "" {
		return invalid("--out is for the trl bundle, not trainer %s", o.Trainer)
	}
	if len(o.ResponseFormat) > 0 && !json.Valid(o.ResponseFormat) {
		return invalid("response format is not valid JSON")
	}
	return o.Hyper.Validate()
}

// Job is a training job as the panel and the CLI show it.
type Job struct {
	ID             int64     `json:"job"`
	DatasetID      int64     `json:"dataset_id"`
	Trainer        string    `json:"trainer"`
	Provider       string    `json:"provider"`
	BaseModel      string    `json:"base_model"`
	Status         string    `json:"status"`
	Final          bool      `json:"final"`
	RemoteStatus   string    `json:"remote_status,omitempty"`
	RemoteID       string    `json:"remote_id,omitempty"`
	FineTunedModel string    `json:"fine_tuned_model"`
	Attached       bool      `json:"attached"` // a TRL job's model, attached as its provider serves it
	Error          string    `json:"error,omitempty"`
	GraderVersion  string    `json:"grader_version"`
	DryRunID       int64     `json:"dry_run_id"`
	DryRunVerdict  string    `json:"dry_run_verdict"`
	OverrideNoGo   bool      `json:"override_nogo"`   // started by the explicit override
	OverrideReason string    `json:"override_reason"` // what it went past: no dry run, grader changed, other model, production answers, NO-GO
	SplitSeed      int64     `json:"split_seed"`
	TrainCount     int       `json:"train_count"`
	ValidCount     int       `json:"validation_count"`
	TrainFile      string    `json:"train_file,omitempty"`
	ValidFile      string    `json:"validation_file,omitempty"`
	OutDir         string    `json:"out_dir,omitempty"`
	TrainedTokens  int64     `json:"trained_tokens,omitempty"`
	Notes          []string  `json:"notes"`
	Options        Options   `json:"options"`
	CreatedAt      time.Time `json:"created_at"`
	StartedAt      time.Time `json:"started_at"`
	FinishedAt     time.Time `json:"finished_at"`
	Elapsed        float64   `json:"elapsed_seconds"`
}

func fromRow(r store.TrainJob) Job {
	j := Job{ID: r.ID, DatasetID: r.DatasetID, Trainer: r.Trainer, Provider: r.Provider, BaseModel: r.BaseModel, Status: r.Status,
		Final: Final(r.Status), RemoteStatus: r.RemoteStatus, RemoteID: r.RemoteID, FineTunedModel: r.FineTunedModel, Error: r.Error,
		GraderVersion: r.GraderVersion, DryRunID: r.DryRunID, DryRunVerdict: r.DryRunVerdict, OverrideNoGo: r.OverrideNoGo, OverrideReason: r.OverrideReason,
		SplitSeed: r.SplitSeed, TrainCount: r.TrainCount, ValidCount: r.ValidCount, TrainFile: r.TrainFile, ValidFile: r.ValidFile,
		OutDir: r.OutDir, TrainedTokens: r.TrainedTokens, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt}
	if info, err := TrainerInfo(r.Trainer); err == nil && !info.Remote {
		j.Attached = r.FineTunedModel != ""
	}
	_ = json.Unmarshal([]byte(r.Options), &j.Options)
	_ = json.Unmarshal([]byte(r.Notes), &j.Notes)
	if j.Notes == nil {
		j.Notes = []string{}
	}
	end := r.FinishedAt
	if end.IsZero() {
		end = time.Now()
	}
	j.Elapsed = end.Sub(r.CreatedAt).Seconds()
	return j
}

// Metric is one step of the reward curves; a nil reward was not measured
// at that step (validation runs every eval_interval steps).
type Metric struct {
	Step            int      `json:"step"`
	TotalSteps      int      `json:"total_steps,omitempty"`
	TrainRewardMean *float64 `json:"train_reward_mean"`
	ValidRewardMean *float64 `json:"valid_reward_mean"`
}

// Event is one log line of a job.
type Event struct {
	Seq       int64           `json:"seq"`
	ID        string          `json:"id"`
	CreatedAt time.Time       `json:"created_at"`
	Level     string          `json:"level"`
	Type      string          `json:"type"`
	Message   string          `json:"message"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// Checkpoint is a saved model of a job, usable for inference like the final one.
type Checkpoint struct {
	ID        string          `json:"id"`
	Step      int             `json:"step"`
	Model     string          `json:"model"`
	Metrics   json.RawMessage `json:"metrics,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Detail is a job with its reward curves and checkpoints.
type Detail struct {
	Job
	Metrics     []Metric     `json:"metrics"`
	Checkpoints []Checkpoint `json:"checkpoints"`
	Split       []TopicSplit `json:"split"`
}

// TopicSplit is how many records of one topic went to each part.
type TopicSplit struct {
	TopicID    int64  `json:"topic_id"`
	Topic      string `json:"topic"`
	Train      int    `json:"train"`
	Validation int    `json:"validation"`
}

// Get returns a job.
func Get(ctx context.Context, st *store.Store, jobID int64) (Job, error) {
	r, err := st.TrainJob(ctx, jobID)
	if err != nil {
		return Job{}, err
	}
	return fromRow(r), nil
}

// Latest returns a dataset's most recent job (false when it has none).
func Latest(ctx context.Context, st *store.Store, datasetID int64) (Job, bool, error) {
	rows, err := st.TrainJobs(ctx, datasetID)
	if err != nil || len(rows) == 0 {
		return Job{}, false, err
	}
	return fromRow(rows[0]), true, nil
}

// List returns a dataset's jobs, newest first.
func List(ctx context.Context, st *store.Store, datasetID int64) ([]Job, error) {
	rows, err := st.TrainJobs(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	out := make([]Job, 0, len(rows))
	for _, r := range rows {
		out = append(out, fromRow(r))
	}
	return out, nil
}

// ValidationRecordIDs are the records a job held out for validation (the
// ones Deploy's benchmark may use: the model never trained on them).
func ValidationRecordIDs(ctx context.Context, st *store.Store, jobID int64) ([]int64, error) {
	if _, err := st.TrainJob(ctx, jobID); err != nil {
		return nil, err
	}
	return st.TrainSplit(ctx, jobID, PartValidation)
}

// TrainRecordIDs are the records a job trained on.
func TrainRecordIDs(ctx context.Context, st *store.Store, jobID int64) ([]int64, error) {
	if _, err := st.TrainJob(ctx, jobID); err != nil {
		return nil, err
	}
	return st.TrainSplit(ctx, jobID, PartTrain)
}

// GetDetail returns a job with its metrics, checkpoints and split per topic.
func GetDetail(ctx context.Context, st *store.Store, jobID int64) (Detail, error) {
	j, err := Get(ctx, st, jobID)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Job: j, Metrics: []Metric{}, Checkpoints: []Checkpoint{}, Split: []TopicSplit{}}
	ms, err := st.TrainMetrics(ctx, jobID)
	if err != nil {
		return d, err
	}
	for _, m := range ms {
		d.Metrics = append(d.Metrics, Metric{Step: m.Step, TotalSteps: m.TotalSteps, TrainRewardMean: m.TrainRewardMean, ValidRewardMean: m.ValidRewardMean})
	}
	cs, err := st.TrainCheckpoints(ctx, jobID)
	if err != nil {
		return d, err
	}
	for _, c := range cs {
		d.Checkpoints = append(d.Checkpoints, Checkpoint{ID: c.RemoteID, Step: c.Step, Model: c.Model, Metrics: rawOrNil(c.Metrics), CreatedAt: c.CreatedAt})
	}
	counts, err := st.TrainSplitCounts(ctx, jobID)
	if err != nil {
		return d, err
	}
	for _, c := range counts {
		if n := len(d.Split); n == 0 || d.Split[n-1].TopicID != c.TopicID {
			name := c.Topic
			if c.TopicID == 0 {
				name = "(no topic)"
			}
			d.Split = append(d.Split, TopicSplit{TopicID: c.TopicID, Topic: name})
		}
		ts := &d.Split[len(d.Split)-1]
		if c.Part == PartTrain {
			ts.Train = c.N
		} else {
			ts.Validation = c.N
		}
	}
	return d, nil
}

// Events returns a job's stored events after seq, oldest first (limit ≤ 0: all).
func Events(ctx context.Context, st *store.Store, jobID, afterSeq int64, limit int) ([]Event, error) {
	evs, err := st.TrainEvents(ctx, jobID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(evs))
	for _, e := range evs {
		out = append(out, Event{Seq: e.Seq, ID: e.RemoteID, CreatedAt: e.CreatedAt, Level: e.Level, Type: e.Type, Message: e.Message, Data: rawOrNil(e.Data)})
	}
	return out, nil
}

func rawOrNil(s string) json.RawMessage {
	if s == "" || s == "null" {
		return nil
	}
	return json.RawMessage(s)
}
