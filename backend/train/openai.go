package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"tracetune/backend/llm"
	"tracetune/backend/record"
)

// openaiTrainer talks to the OpenAI fine-tuning API, on OpenAI or on Azure
// OpenAI's v1 API (same paths under {endpoint}/openai/v1, api-key header).
type openaiTrainer struct {
	info  Info
	azure bool
	files openai.FileService
	jobs  openai.FineTuningJobService
}

// newOpenAITrainer builds a client for a provider. It never reads the
// OPENAI_* environment itself (openai.NewClient would): the provider's
// settings say where to go and which key to send.
func newOpenAITrainer(info Info, cfg llm.Config, hc *http.Client) *openaiTrainer {
	base := strings.TrimRight(cfg.BaseURL, "/")
	azure := cfg.Kind == llm.KindAzure
	if azure && !strings.HasSuffix(base, "/openai/v1") {
		base = strings.TrimSuffix(base, "/openai") + "/openai/v1"
	}
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	opts := []option.RequestOption{option.WithHTTPClient(hc), option.WithBaseURL(base + "/"), option.WithMaxRetries(3)}
	switch {
	case azure:
		opts = append(opts, option.WithHeader("api-key", cfg.APIKey))
	case cfg.APIKey != "":
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	return &openaiTrainer{info: info, azure: azure, files: openai.NewFileService(opts...), jobs: openai.NewFineTuningJobService(opts...)}
}

func (t *openaiTrainer) Info() Info { return t.info }

// Line is a record's line in an RFT file.
func (t *openaiTrainer) Line(rec record.Record) ([]byte, error) { return rftLine(rec) }

func remoteOf(j *openai.FineTuningJob) Remote {
	r := Remote{ID: j.ID, Status: string(j.Status), FineTunedModel: j.FineTunedModel, TrainFile: j.TrainingFile,
		ValidFile: j.ValidationFile, TrainedTokens: j.TrainedTokens}
	if j.FinishedAt > 0 {
		r.FinishedAt = time.Unix(j.FinishedAt, 0).UTC()
	}
	// error is {} while the job is healthy
	if j.Error.Code != "" || j.Error.Message != "" {
		r.Error = strings.TrimSpace(j.Error.Message)
		if r.Error == "" {
			r.Error = j.Error.Code
		}
	}
	if r.Status == "pending" { // Azure's legacy word for queued
		r.Status = StatusQueued
	}
	return r
}

func (t *openaiTrainer) upload(ctx context.Context, name string, data []byte) (string, error) {
	f, err := t.files.New(ctx, openai.FileNewParams{File: openai.File(bytes.NewReader(data), name, "application/jsonl"), Purpose: openai.FilePurposeFineTune})
	if err != nil {
		return "", t.explain("upload "+name, err)
	}
	return f.ID, nil
}

// Submit uploads the training and validation files and creates the RFT
// job. The grader goes in as raw JSON: the SDK's multi grader type is a
// single grader where the API wants a map.
func (t *openaiTrainer) Submit(ctx context.Context, s Submission) (Remote, error) {
	var uploaded []string
	cleanup := func() {
		// The files are of no use without the job; the account's file
		// quota is small on Azure. A cancelled ctx must not stop this.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, id := range uploaded {
			_, _ = t.files.Delete(bg, id)
		}
	}
	trainID, err := t.upload(ctx, "train.jsonl", s.Train)
	if err != nil {
		return Remote{}, err
	}
	uploaded = append(uploaded, trainID)
	validID, err := t.upload(ctx, "validation.jsonl", s.Valid)
	if err != nil {
		cleanup()
		return Remote{}, err
	}
	uploaded = append(uploaded, validID)

	hp := map[string]any{}
	h := s.Hyper
	if h.Epochs > 0 {
		hp["n_epochs"] = h.Epochs
	}
	if h.BatchSize > 0 {
		hp["batch_size"] = h.BatchSize
	}
	if h.LearningRateMultiplier > 0 {
		hp["learning_rate_multiplier"] = h.LearningRateMultiplier
	}
	if h.ComputeMultiplier > 0 {
		hp["compute_multiplier"] = h.ComputeMultiplier
	}
	if h.EvalInterval > 0 {
		hp["eval_interval"] = h.EvalInterval
	}
	if h.EvalSamples > 0 {
		hp["eval_samples"] = h.EvalSamples
	}
	if h.ReasoningEffort != "" {
		hp["reasoning_effort"] = h.ReasoningEffort
	}
	reinf := map[string]any{"grader": s.Grader, "hyperparameters": hp}
	if len(s.ResponseFormat) > 0 {
		reinf["response_format"] = s.ResponseFormat
	}
	body := map[string]any{"model": s.Model, "training_file": trainID, "validation_file": validID,
		"method": map[string]any{"type": "reinforcement", "reinforcement": reinf}}
	if s.Suffix != "" {
		body["suffix"] = s.Suffix
	}
	if s.Seed != 0 {
		body["seed"] = s.Seed
	}
	if len(s.Metadata) > 0 {
		body["metadata"] = s.Metadata
	}
	raw, err := json.Marshal(body)
	if err != nil {
		cleanup()
		return Remote{}, err
	}
	j, err := t.jobs.New(ctx, openai.FineTuningJobNewParams{}, option.WithRequestBody("application/json", raw))
	if err != nil {
		cleanup()
		return Remote{}, t.explain("create the fine-tuning job", err)
	}
	r := remoteOf(j)
	r.TrainFile, r.ValidFile = trainID, validID
	return r, nil
}

func (t *openaiTrainer) Poll(ctx context.Context, id string) (Remote, error) {
	j, err := t.jobs.Get(ctx, id)
	if err != nil {
		return Remote{}, t.explain("read job "+id, err)
	}
	return remoteOf(j), nil
}

// Events pages from the newest event back to since (events come newest
// first) and returns them oldest first.
func (t *openaiTrainer) Events(ctx context.Context, id, since string) ([]RemoteEvent, error) {
	var out []RemoteEvent
	p := openai.FineTuningJobListEventsParams{Limit: openai.Int(100)}
	for page := 0; page < 1000; page++ {
		res, err := t.jobs.ListEvents(ctx, id, p)
		if err != nil {
			return nil, t.explain("read the events of job "+id, err)
		}
		done := false
		for _, e := range res.Data {
			if e.ID == since {
				done = true
				break
			}
			var raw struct {
				Data json.RawMessage `json:"data"`
			}
			_ = json.Unmarshal([]byte(e.RawJSON()), &raw)
			out = append(out, RemoteEvent{ID: e.ID, CreatedAt: time.Unix(e.CreatedAt, 0).UTC(), Level: string(e.Level),
				Type: string(e.Type), Message: e.Message, Data: raw.Data})
		}
		if done || !res.HasMore || len(res.Data) == 0 {
			break
		}
		p.After = openai.String(res.Data[len(res.Data)-1].ID)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func (t *openaiTrainer) Checkpoints(ctx context.Context, id string) ([]RemoteCheckpoint, error) {
	var out []RemoteCheckpoint
	p := openai.FineTuningJobCheckpointListParams{Limit: openai.Int(100)}
	for page := 0; page < 100; page++ {
		res, err := t.jobs.Checkpoints.List(ctx, id, p)
		if err != nil {
			return nil, t.explain("read the checkpoints of job "+id, err)
		}
		for _, c := range res.Data {
			out = append(out, RemoteCheckpoint{ID: c.ID, Step: int(c.StepNumber), Model: c.FineTunedModelCheckpoint,
				Metrics: json.RawMessage(c.Metrics.RawJSON()), CreatedAt: time.Unix(c.CreatedAt, 0).UTC()})
		}
		if !res.HasMore || len(res.Data) == 0 {
			break
		}
		p.After = openai.String(res.Data[len(res.Data)-1].ID)
	}
	return out, nil
}

func (t *openaiTrainer) Cancel(ctx context.Context, id string) (Remote, error) {
	j, err := t.jobs.Cancel(ctx, id)
	if err != nil {
		return Remote{}, t.explain("cancel job "+id, err)
	}
	return remoteOf(j), nil
}

func (t *openaiTrainer) Pause(ctx context.Context, id string) (Remote, error) {
	j, err := t.jobs.Pause(ctx, id)
	if err != nil {
		return Remote{}, t.explain("pause job "+id, err)
	}
	return remoteOf(j), nil
}

func (t *openaiTrainer) Resume(ctx context.Context, id string) (Remote, error) {
	j, err := t.jobs.Resume(ctx, id)
	if err != nil {
		return Remote{}, t.explain("resume job "+id, err)
	}
	return remoteOf(j), nil
}

func (t *openaiTrainer) Find(ctx context.Context, key, value string) (Remote, bool, error) {
	res, err := t.jobs.List(ctx, openai.FineTuningJobListParams{Limit: openai.Int(100)})
	if err != nil {
		return Remote{}, false, t.explain("list jobs", err)
	}
	for i := range res.Data {
		if res.Data[i].Metadata[key] == value {
			return remoteOf(&res.Data[i]), true, nil
		}
	}
	return Remote{}, false, nil
}

// explain turns an API error into what a person can act on: what the
// platform said, and what to do next. Refusals wrap ErrRefused.
func (t *openaiTrainer) explain(what string, err error) error {
	var ae *openai.Error
	if !errors.As(err, &ae) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s: %w", what, err)
		}
		return fmt.Errorf("%s: %s could not be reached (%v); check the provider's base URL and your network", what, t.platform(), err)
	}
	msg := strings.TrimSpace(ae.Message)
	if msg == "" {
		msg = http.StatusText(ae.StatusCode)
	}
	lower := strings.ToLower(msg + " " + ae.Code)
	var advice string
	switch {
	case ae.StatusCode == http.StatusUnauthorized:
		advice = "the API key was not accepted: check the provider's key in Settings"
	case strings.Contains(lower, "not available for this account") || strings.Contains(lower, "does not have access") ||
		strings.Contains(lower, "not allowed") || strings.Contains(lower, "fine-tuning is not available") ||
		(ae.StatusCode == http.StatusForbidden && !t.azure):
		advice = "this account cannot fine-tune on OpenAI (OpenAI has closed fine-tuning to new customers). " +
			"Train on Azure OpenAI instead (trainer azure, o4-mini RFT is generally available there), " +
			"or export a TRL bundle (trainer trl) and train on your own GPUs"
	case ae.StatusCode == http.StatusForbidden:
		advice = "this Azure resource may not allow fine-tuning: use a resource in a region that offers o4-mini RFT and a key with access to it"
	case ae.Param == "model" || strings.Contains(lower, "model_not_available") || strings.Contains(lower, "does not support fine-tuning") ||
		strings.Contains(lower, "not available for reinforcement"):
		advice = "pick a base model the platform offers for reinforcement fine-tuning (o4-mini-2025-04-16)"
	case strings.Contains(lower, "grader"):
		advice = "the grader was not accepted: check it in Step 4 (Grader) and export it again"
	case ae.StatusCode == http.StatusTooManyRequests || strings.Contains(lower, "quota"):
		advice = "the account hit a rate or quota limit (Azure runs one training job at a time per resource): wait, or cancel another job"
	case ae.StatusCode >= 500:
		advice = "the platform had an internal error: try again in a few minutes"
	default:
		advice = "fix what the platform names and start again"
	}
	wrapped := fmt.Errorf("%s: %s said: %q. What to do: %s", what, t.platform(), msg, advice)
	if ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500 {
		return wrapped
	}
	return &kindError{msg: wrapped.Error(), kind: ErrRefused}
}

func (t *openaiTrainer) platform() string {
	if t.azure {
		return "Azure OpenAI"
	}
	return "OpenAI"
}
