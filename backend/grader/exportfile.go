package grader

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"tracetune/backend/store"
)

// Trainers an export can target, in the order the panel offers them.
var Trainers = []string{"openai", "azure", "fireworks", "trl"}

// ExportResult says what ExportTo wrote.
type ExportResult struct {
	Trainer     string       `json:"trainer"`
	Version     string       `json:"version"`
	Files       []string     `json:"files"`
	RemoteCheck *RemoteCheck `json:"remote_check,omitempty"`
}

// ExportTo writes a dataset's current grader for a trainer: openai/azure →
// out is the JSON object for method.reinforcement.grader (checked with the
// training provider's validate endpoint when one is assigned); trl → out is
// reward.py; fireworks → out is a folder of evaluator files.
func ExportTo(ctx context.Context, st *store.Store, datasetID int64, trainer, out string) (ExportResult, error) {
	if !contains(Trainers, trainer) {
		return ExportResult{}, fmt.Errorf("trainer must be one of %s, not %q", strings.Join(Trainers, ", "), trainer)
	}
	if strings.TrimSpace(out) == "" {
		return ExportResult{}, fmt.Errorf("no output path given")
	}
	g, ok, err := Load(ctx, st, datasetID)
	if err != nil {
		return ExportResult{}, err
	}
	if !ok {
		return ExportResult{}, fmt.Errorf("dataset %d has no grader yet", datasetID)
	}
	res := ExportResult{Trainer: trainer, Version: g.Version(), Files: []string{}}
	write := func(path, content string) error {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		res.Files = append(res.Files, path)
		return nil
	}
	switch trainer {
	case "openai", "azure":
		raw, err := ExportOpenAI(g, trainer == "azure")
		if err != nil {
			return res, fmt.Errorf("cannot export for %s: %w", trainer, err)
		}
		var v any
		_ = json.Unmarshal(raw, &v)
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return res, err
		}
		if err := write(out, b.String()); err != nil {
			return res, err
		}
		rc, err := ValidateRemote(ctx, st, g)
		if err != nil {
			return res, err
		}
		res.RemoteCheck = &rc
	case "trl":
		src, err := ExportTRL(g)
		if err != nil {
			return res, err
		}
		if err := write(out, src); err != nil {
			return res, err
		}
	case "fireworks":
		files, err := ExportFireworks(g)
		if err != nil {
			return res, err
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return res, err
		}
		names := make([]string, 0, len(files))
		for k := range files {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if err := write(filepath.Join(out, k), files[k]); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}
