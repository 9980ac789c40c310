package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"tracetune/backend/llm"
	"tracetune/backend/store"
)

// Attachment names the model a TRL bundle trained, as the user serves it:
// a Tracetune provider (vLLM, Ollama, LM Studio, any OpenAI-compatible
// server) and the model id it answers to.
type Attachment struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
}

// Validate checks the names on their own (the provider and the model are
// checked by asking the server).
func (a Attachment) Validate() error {
	p, m := strings.TrimSpace(a.Provider), strings.TrimSpace(a.Model)
	switch {
	case p == "":
		return invalid("name the provider that serves the trained model (add the server in Settings → Providers first)")
	case m == "":
		return invalid("name the model id the server serves the trained model as")
	case len(m) > 256:
		return invalid("the model id is longer than 256 characters")
	case strings.IndexFunc(m, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		return invalid("the model id %q has spaces or control characters: copy it as the server lists it", m)
	}
	return nil
}

// attachTimeout bounds the check request (a local server loading the
// model may take a while to answer the first time).
const attachTimeout = 90 * time.Second

// Attach records the model a TRL job trained, as a provider serves it:
// one tiny chat request must come back from that provider and model, or
// nothing changes. The job becomes succeeded with that model (its bundle
// stays where it is), so Step 7 benchmarks, the playground and gateway
// deployments call it like any trained model. A job with a model attached
// takes another (replace); Detach goes back to the bundle alone.
func (s *Service) Attach(ctx context.Context, jobID int64, a Attachment) (Job, error) {
	if err := a.Validate(); err != nil {
		return Job{}, err
	}
	a.Provider, a.Model = strings.TrimSpace(a.Provider), strings.TrimSpace(a.Model)
	row, err := s.attachable(ctx, jobID)
	if err != nil {
		return Job{}, err
	}
	name, err := s.checkServed(ctx, row.DatasetID, a)
	if err != nil {
		return fromRow(row), err
	}
	notes := jobNotes(row)
	if row.FineTunedModel != "" {
		notes = append(notes, fmt.Sprintf("model %s (provider %s) replaced", row.FineTunedModel, row.Provider))
	}
	notes = append(notes, fmt.Sprintf("trained model attached: %s served by provider %s (answered a check on %s)",
		a.Model, name, time.Now().UTC().Format("2006-01-02 15:04 UTC")))
	nb, _ := json.Marshal(notes)
	if err := s.Store.SetTrainJobModel(ctx, row.ID, name, a.Model, StatusSucceeded, string(nb)); err != nil {
		return fromRow(row), err
	}
	return Get(ctx, s.Store, row.ID)
}

// Detach forgets the model attached to a TRL job: the job is an exported
// bundle again. Deployments made with the model stay until rolled back.
func (s *Service) Detach(ctx context.Context, jobID int64) (Job, error) {
	row, err := s.attachable(ctx, jobID)
	if err != nil {
		return Job{}, err
	}
	if row.FineTunedModel == "" {
		return fromRow(row), invalid("job %d has no model attached", jobID)
	}
	notes := append(jobNotes(row), fmt.Sprintf("model %s (provider %s) detached", row.FineTunedModel, row.Provider))
	nb, _ := json.Marshal(notes)
	if err := s.Store.SetTrainJobModel(ctx, row.ID, "", "", StatusExported, string(nb)); err != nil {
		return fromRow(row), err
	}
	return Get(ctx, s.Store, row.ID)
}

// attachable reads a job that may take a model: a TRL job whose bundle
// was written.
func (s *Service) attachable(ctx context.Context, jobID int64) (store.TrainJob, error) {
	row, err := s.Store.TrainJob(ctx, jobID)
	if err != nil {
		return row, err
	}
	info, err := TrainerInfo(row.Trainer)
	if err != nil {
		return row, err
	}
	if info.Remote {
		return row, invalid("job %d trained on %s, which names its own model: attaching a model is for a TRL bundle trained on your own GPUs", jobID, info.Label)
	}
	if row.Status != StatusExported && row.Status != StatusSucceeded {
		return row, invalid("job %d is %s: a model can be attached once its bundle was written", jobID, row.Status)
	}
	return row, nil
}

func jobNotes(row store.TrainJob) []string {
	var notes []string
	_ = json.Unmarshal([]byte(row.Notes), &notes)
	return notes
}

// checkServed asks the provider for one short answer from the model and
// returns the provider's name as stored. The error says what to fix: the
// provider, the server, or the model id (with the ids the server lists).
func (s *Service) checkServed(ctx context.Context, datasetID int64, a Attachment) (string, error) {
	m := s.providers()
	p, err := m.Get(ctx, a.Provider)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", invalid("there is no provider named %q: add the server that serves the model in Settings → Providers (kind vllm, ollama, lmstudio or other) and pick it here", a.Provider)
		}
		return "", fmt.Errorf("provider %s: %w", a.Provider, err)
	}
	cfg, err := m.Endpoint(ctx, p.Name)
	if err != nil {
		return "", fmt.Errorf("provider %s: %w", p.Name, err)
	}
	// A check answers quickly: one retry, not the long ladder of a run.
	cfg.MaxRetries, cfg.Timeout = 1, attachTimeout
	c := llm.New(cfg, s.Store)
	cctx, cancel := context.WithTimeout(llm.WithAction(ctx, datasetID, "attach"), attachTimeout)
	defer cancel()
	req := llm.Request(a.Model, llm.User("Reply with the word OK."))
	req.MaxTokens = 16
	resp, err := c.Chat(cctx, req)
	if err == nil && len(resp.Choices) == 0 {
		err = errors.New("the server answered with no reply")
	}
	if err == nil {
		return p.Name, nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	msg := fmt.Sprintf("provider %s did not answer as model %q, so nothing was attached: %v", p.Name, a.Model, err)
	lctx, lcancel := context.WithTimeout(ctx, 15*time.Second)
	defer lcancel()
	if ids, lerr := c.Models(lctx); lerr == nil && len(ids) > 0 && !slices.Contains(ids, a.Model) {
		if len(ids) > 12 {
			ids = append(ids[:12:12], "…")
		}
		msg += fmt.Sprintf(". The server lists: %s — use the id it serves the trained model as", strings.Join(ids, ", "))
	}
	return "", &kindError{msg: msg, kind: ErrRefused}
}
