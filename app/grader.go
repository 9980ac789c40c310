package app

import (
	"fmt"
	"strings"

	"tracetune/backend/grader"
	"tracetune/backend/pipeline"
	"tracetune/backend/store"
)

// Grader serves step 4: the dataset's reward function (components,
// presets, validation), Test Sample in the background, and exports.
type Grader struct{ *Deps }

// GraderState is what the Step 4 panel opens with.
type GraderState struct {
	Configured bool                  `json:"configured"`
	Grader     grader.Grader         `json:"grader"`
	Version    string                `json:"version"`
	LastTest   *grader.TestResult    `json:"last_test"`
	Kinds      []grader.Kind         `json:"kinds"`
	Metrics    []string              `json:"metrics"`
	Trainers   []string              `json:"trainers"`
	Versions   []store.GraderVersion `json:"versions"`
}

// Get returns the dataset's current grader (an empty one when none is
// configured), its version, the last Test Sample and the editor's choices.
func (s *Grader) Get(datasetID int64) (GraderState, error) {
	ctx := s.ctx()
	if _, err := s.Store.Dataset(ctx, datasetID); err != nil {
		return GraderState{}, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	g, ok, err := grader.Load(ctx, s.Store, datasetID)
	if err != nil {
		return GraderState{}, err
	}
	st := GraderState{Configured: ok, Grader: g, Kinds: grader.Kinds, Metrics: grader.Metrics, Trainers: grader.Trainers}
	if st.Grader.Components == nil {
		st.Grader.Components = []grader.Component{}
	}
	if ok {
		st.Version = g.Version()
	}
	if t, ok, err := grader.LastTest(ctx, s.Store, datasetID); err != nil {
		return st, err
	} else if ok {
		st.LastTest = &t
	}
	if st.Versions, err = s.Store.GraderVersions(ctx, datasetID); err != nil {
		return st, err
	}
	if st.Versions == nil {
		st.Versions = []store.GraderVersion{}
	}
	return st, nil
}

// Presets returns the ready-made graders.
func (s *Grader) Presets() []grader.Preset { return grader.Presets() }

// Check lists what is wrong with an edited grader, component by component
// (empty when it can be saved), and its version.
func (s *Grader) Check(g grader.Grader) GraderCheck {
	p := g.Problems()
	if p == nil {
		p = []grader.Problem{}
	}
	return GraderCheck{Problems: p, Version: g.Version()}
}

// GraderCheck is the editor's live validation.
type GraderCheck struct {
	Problems []grader.Problem `json:"problems"`
	Version  string           `json:"version"`
}

// CheckScript compiles a script: "" when it defines grade(sample, item),
// else the error to show under the editor.
func (s *Grader) CheckScript(source string) string {
	if err := grader.CheckScript(source); err != nil {
		return err.Error()
	}
	return ""
}

// Save validates and stores the grader; it returns the new version.
func (s *Grader) Save(datasetID int64, g grader.Grader) (string, error) {
	v, err := grader.Save(s.ctx(), s.Store, datasetID, g)
	if err == nil {
		s.emit(EventChanged, map[string]int64{"dataset_id": datasetID})
	}
	return v, err
}

// Test starts Test Sample in the background (n records, 0 = 5; the seed
// makes the draw repeatable) and returns the job id; the job's result is a
// grader.TestResult, also kept as the last test.
func (s *Grader) Test(datasetID int64, n int, seed int64) (int64, error) {
	opts := grader.TestOptions{N: n, Seed: seed}
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	if _, err := s.Store.Dataset(s.ctx(), datasetID); err != nil {
		return 0, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	return s.Jobs.Start(pipeline.GraderTestWork(s.Store, datasetID, opts))
}

// LastTest returns the last Test Sample (nil when none ran).
func (s *Grader) LastTest(datasetID int64) (*grader.TestResult, error) {
	t, ok, err := grader.LastTest(s.ctx(), s.Store, datasetID)
	if err != nil || !ok {
		return nil, err
	}
	return &t, nil
}

// PickExportPath opens the native save dialog for an export (a file, or
// for fireworks the folder to create).
func (s *Grader) PickExportPath(datasetID int64, trainer string) (string, error) {
	names := map[string]string{"openai": "grader.openai.json", "azure": "grader.azure.json", "trl": "reward.py", "fireworks": "fireworks-evaluator"}
	name, ok := names[trainer]
	if !ok {
		return "", fmt.Errorf("trainer must be one of %s, not %q", strings.Join(grader.Trainers, ", "), trainer)
	}
	return s.pickSave("Export the grader for "+trainer, name)
}

// Export writes the grader for a trainer to path; what the trainer cannot
// express is refused with the reason.
func (s *Grader) Export(datasetID int64, trainer, path string) (grader.ExportResult, error) {
	if err := need("path", path); err != nil {
		return grader.ExportResult{}, err
	}
	return grader.ExportTo(s.ctx(), s.Store, datasetID, trainer, path)
}
