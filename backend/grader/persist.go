package grader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"tracetune/backend/store"
)

// Load returns a dataset's current grader; ok is false when none was
// configured.
func Load(ctx context.Context, st *store.Store, datasetID int64) (g Grader, ok bool, err error) {
	v, err := st.CurrentGrader(ctx, datasetID)
	if errors.Is(err, store.ErrNotFound) {
		return Grader{}, false, nil
	}
	if err != nil {
		return Grader{}, false, fmt.Errorf("load grader of dataset %d: %w", datasetID, err)
	}
	if err := json.Unmarshal([]byte(v.Spec), &g); err != nil {
		return Grader{}, false, fmt.Errorf("grader %s of dataset %d is not readable: %w", v.Version, datasetID, err)
	}
	return g, true, nil
}

// LoadVersion returns one stored version of a dataset's grader (the one a
// dry run or a training job used).
func LoadVersion(ctx context.Context, st *store.Store, datasetID int64, version string) (Grader, error) {
	v, err := st.GraderByVersion(ctx, datasetID, version)
	if err != nil {
		return Grader{}, fmt.Errorf("grader version %s of dataset %d: %w", version, datasetID, err)
	}
	var g Grader
	if err := json.Unmarshal([]byte(v.Spec), &g); err != nil {
		return Grader{}, fmt.Errorf("grader %s is not readable: %w", version, err)
	}
	return g, nil
}

// Save validates g and stores it as the dataset's current grader (earlier
// versions are kept). It returns the version.
func Save(ctx context.Context, st *store.Store, datasetID int64, g Grader) (version string, err error) {
	if err := g.Validate(); err != nil {
		return "", err
	}
	spec, err := g.Canonical()
	if err != nil {
		return "", err
	}
	version = g.Version()
	if err := st.SaveGrader(ctx, datasetID, version, string(spec)); err != nil {
		return "", fmt.Errorf("save grader of dataset %d: %w", datasetID, err)
	}
	_ = st.Touch(ctx, datasetID)
	return version, nil
}
