package deploy

import (
	"context"
	"fmt"
	"strings"

	"tracetune/backend/llm"
	"tracetune/backend/train"
)

func init() {
	linkTraining = func(s *Service) {
		s.TunedFor = func(ctx context.Context, datasetID, jobID int64) (Tuned, error) {
			return tunedFromTraining(ctx, s, datasetID, jobID)
		}
		s.ValidationIDs = func(ctx context.Context, jobID int64) ([]int64, error) {
			return train.ValidationRecordIDs(ctx, s.Store, jobID)
		}
	}
}

// tunedFromTraining reads the job (or the dataset's latest job that
// produced a model) and the provider that serves it.
func tunedFromTraining(ctx context.Context, s *Service, datasetID, jobID int64) (Tuned, error) {
	var job train.Job
	if jobID > 0 {
		j, err := train.Get(ctx, s.Store, jobID)
		if err != nil {
			return Tuned{}, fmt.Errorf("training job %d: %w", jobID, err)
		}
		if j.DatasetID != datasetID {
			return Tuned{}, fmt.Errorf("training job %d belongs to another dataset: %w", jobID, ErrInvalid)
		}
		job = j
	} else {
		jobs, err := train.List(ctx, s.Store, datasetID)
		if err != nil {
			return Tuned{}, err
		}
		for _, j := range jobs {
			if j.FineTunedModel != "" {
				job = j
				break
			}
		}
		if job.ID == 0 {
			return Tuned{}, fmt.Errorf("no training job of this dataset has produced a model yet: train one in step 6: %w", ErrNotFound)
		}
	}
	if job.FineTunedModel == "" {
		return Tuned{}, fmt.Errorf("training job %d has no fine-tuned model (status %s): %w", job.ID, job.Status, ErrNotFound)
	}
	t := Tuned{JobID: job.ID, Provider: job.Provider, BaseModel: job.BaseModel, Model: job.FineTunedModel, GraderVersion: job.GraderVersion}
	if job.Provider != "" {
		p, err := s.LLM.Get(ctx, job.Provider)
		if err != nil && job.Attached {
			// a TRL model the user serves: its provider may have been removed since
			return Tuned{}, fmt.Errorf("training job %d: provider %s, which served the attached model %s: %w (attach it again in step 6)",
				job.ID, job.Provider, job.FineTunedModel, err)
		}
		if err != nil {
			return Tuned{}, fmt.Errorf("training job %d: its provider: %w", job.ID, err)
		}
		t.ProviderKind, t.BaseURL = p.Kind, p.BaseURL
		if t.BaseURL == "" {
			t.BaseURL = llm.DefaultBaseURL(p.Kind)
		}
	}
	if err := s.served(ctx, datasetID, &t); err != nil {
		return Tuned{}, err
	}
	return t, nil
}

// Overview is Step 7 at a glance: the model to deploy, the latest
// benchmark and the current deployment.
type Overview struct {
	JobID      int64        `json:"job_id"` // 0 when no training job produced a model
	TunedModel string       `json:"tuned_model"`
	BaseModel  string       `json:"base_model"`
	Benchmark  *Report      `json:"benchmark"` // the latest finished benchmark
	Current    *Deployment  `json:"current"`   // the newest deployment in effect, else the latest
	Targets    []TargetInfo `json:"targets"`
	Trainer    string       `json:"trainer"` // the job's trainer: a fireworks or azure model needs serving first
	// Serving is the Fireworks or Azure deployment in effect for the
	// dataset (nil when none): benchmarks and gateways call the model
	// through it.
	Serving *Deployment `json:"serving"`
}

// TargetInfo describes a target for the panel.
type TargetInfo struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"` // the gateway source kind it changes ("" for none)
	Modes []Mode `json:"modes"`
	Note  string `json:"note"`
}

// TargetInfos lists the targets in order.
func TargetInfos() []TargetInfo {
	notes := map[string]string{
		"litellm":   "changes the proxy's model table through its model management API (needs an admin key and STORE_MODEL_IN_DB=True)",
		"vllora":    "vllora's API cannot route a model name to another model: only the new endpoint works (called by its provider-qualified name); otherwise use the snippet",
		"snippet":   "changes nothing: configuration to paste into any gateway",
		"fireworks": "serves a Fireworks-trained model on an on-demand deployment of your Fireworks account (billed per GPU-second while a replica runs; min replicas 0 scales to zero when idle); needed before benchmarks, the playground or a gateway can call it",
		"azure":     "deploys an Azure-fine-tuned model on the provider's Azure OpenAI resource through Azure Resource Manager (hosting billed by the hour whether used or not; capacity 1 allows about 1 request per minute); needed before benchmarks, the playground or a gateway can call it",
	}
	modes := map[string][]Mode{"litellm": Modes, "vllora": {ModeEndpoint}, "snippet": Modes, "fireworks": {ModeServe}, "azure": {ModeServe}}
	out := make([]TargetInfo, 0, len(Targets))
	for _, t := range Targets {
		out = append(out, TargetInfo{Name: t.Name(), Kind: t.Kind(), Modes: modes[t.Name()], Note: notes[t.Name()]})
	}
	return out
}

// Overview reads Step 7's state without touching keys or the network.
func (s *Service) Overview(ctx context.Context, datasetID int64) (Overview, error) {
	o := Overview{Targets: TargetInfos()}
	jobs, err := train.List(ctx, s.Store, datasetID)
	if err != nil {
		return o, err
	}
	for _, j := range jobs {
		if j.FineTunedModel != "" {
			o.JobID, o.TunedModel, o.BaseModel, o.Trainer = j.ID, j.FineTunedModel, j.BaseModel, j.Trainer
			break
		}
	}
	runs, err := s.Benchmarks(ctx, datasetID)
	if err != nil {
		return o, err
	}
	for _, r := range runs {
		if r.Report != nil && !strings.HasPrefix(r.BaseProvider, "live:") {
			o.Benchmark = r.Report
			break
		}
	}
	if cur, ok, err := s.Current(ctx, datasetID); err != nil {
		return o, err
	} else if ok {
		o.Current = &cur
	}
	if sv, ok, err := s.inEffect(ctx, datasetID, isAnyServe); err != nil {
		return o, err
	} else if ok {
		o.Serving = &sv
	}
	return o, nil
}
