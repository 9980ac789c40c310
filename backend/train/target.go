package train

import (
	"context"
	"fmt"
	"strings"

	"tracetune/backend/store"
)

// SaveTarget saves what the dataset trains (Step 6's form as the user
// changes it, `train target`): from then on ChosenTarget answers with it,
// so the dry run's default model and the model the Train gate expects are
// the one Step 6 shows, before any job starts. Provider and model "" follow
// the training role and the trainer's default. A choice that cannot train
// (unknown trainer, a provider of the wrong kind or none) is refused and
// nothing is saved. It returns the target resolved.
func (s *Service) SaveTarget(ctx context.Context, datasetID int64, t Target) (Target, error) {
	if _, err := s.Store.Dataset(ctx, datasetID); err != nil {
		return Target{}, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	info, err := TrainerInfo(strings.TrimSpace(t.Trainer))
	if err != nil {
		return Target{}, err
	}
	o := Options{Trainer: info.Name, Provider: strings.TrimSpace(t.Provider), Model: strings.TrimSpace(t.Model)}
	if !info.Remote {
		o.Provider = "" // a TRL bundle talks to no provider
	}
	resolved, err := s.Target(ctx, o)
	if err != nil {
		return Target{}, fmt.Errorf("training target: %w", err)
	}
	if _, err := s.Store.SetTrainTarget(ctx, store.TrainTarget{DatasetID: datasetID, Trainer: o.Trainer, Provider: o.Provider,
		Model: o.Model}); err != nil {
		return Target{}, err
	}
	return resolved, nil
}

// savedTarget is the target saved with SaveTarget when it is newer than the
// dataset's newest job (a job started later with other options, from the
// command line say, says what the dataset trains now). A saved target that
// no longer resolves (its provider was removed) still names its model.
func (s *Service) savedTarget(ctx context.Context, datasetID int64, newest *store.TrainJob) (Target, bool, error) {
	saved, ok, err := s.Store.TrainTarget(ctx, datasetID)
	if err != nil || !ok || newest != nil && saved.UpdatedAt.Before(newest.CreatedAt) {
		return Target{}, false, err
	}
	t, _ := s.Target(ctx, Options{Trainer: saved.Trainer, Provider: saved.Provider, Model: saved.Model})
	if t.Trainer == "" { // a trainer this version no longer knows
		return Target{}, false, nil
	}
	return t, true, nil
}
