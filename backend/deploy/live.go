package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// LiveSide is one model's figures on real traffic.
type LiveSide struct {
	Model  string  `json:"model"`
	Traces int     `json:"traces"` // pulled traces answered by this model since the deployment
	Graded int     `json:"graded"` // of which had a response to grade
	Mean   float64 `json:"mean"`
}

// LiveReport compares base and tuned on the traces pulled since an A/B
// deployment, by the model each trace records: the production responses
// are graded with the dataset's grader, no model is asked anything.
type LiveReport struct {
	DeploymentID int64      `json:"deployment_id"`
	Since        time.Time  `json:"since"`
	Base         LiveSide   `json:"base"`
	Tuned        LiveSide   `json:"tuned"`
	Diff         float64    `json:"diff"`
	CI95         [2]float64 `json:"ci95"`
	Note         string     `json:"note,omitempty"`
}

// Live computes the live report of the dataset's current (or latest) A/B
// deployment. Grades are kept, so a later call grades only new traces.
func (s *Service) Live(ctx context.Context, datasetID int64) (LiveReport, error) {
	rows, err := s.Store.Deployments(ctx, datasetID)
	if err != nil {
		return LiveReport{}, err
	}
	var dep store.DeploymentRow
	for _, r := range rows {
		if r.Mode == string(ModeAB) && r.State != store.DeployFailed {
			dep = r
			break
		}
	}
	if dep.ID == 0 {
		return LiveReport{}, fmt.Errorf("no A/B deployment yet: deploy as A/B to compare on real traffic: %w", ErrNotFound)
	}
	rep := LiveReport{DeploymentID: dep.ID, Since: dep.CreatedAt, Base: LiveSide{Model: dep.BaseModel}, Tuned: LiveSide{Model: dep.TunedModel}}
	g, ok, err := grader.Load(ctx, s.Store, datasetID)
	if err != nil {
		return rep, err
	}
	if !ok {
		return rep, fmt.Errorf("dataset %d has no grader: %w", datasetID, ErrNotFound)
	}
	// Live grades are kept as a benchmark of their own, keyed by deployment.
	id := store.Benchmark{DatasetID: datasetID, GraderVersion: g.Version(), BaseProvider: fmt.Sprintf("live:deployment-%d", dep.ID),
		BaseModel: dep.BaseModel, TunedProvider: "live", TunedModel: dep.TunedModel}
	bm, found, err := s.Store.FindBenchmark(ctx, id)
	if err != nil {
		return rep, err
	}
	if !found {
		if bm, err = s.Store.CreateBenchmark(ctx, id); err != nil {
			return rep, err
		}
	}
	stored, err := s.Store.BenchmarkAnswers(ctx, bm.ID)
	if err != nil {
		return rep, err
	}
	graded := map[int64]store.BenchmarkAnswer{}
	for _, a := range stored {
		graded[a.RecordID] = a
	}
	ev := grader.NewEvaluator(s.Store, g)
	ctx = llm.WithAction(ctx, datasetID, "live report")
	scores := map[string][]float64{}
	label := "litellm:" + dep.Source
	for after := int64(0); ; {
		page, err := s.Store.RecordPage(ctx, datasetID, after, 500)
		if err != nil {
			return rep, err
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].ID
		for _, rec := range page {
			side, ok := liveSide(rec, label, dep)
			if !ok {
				continue
			}
			a, done := graded[rec.ID]
			if !done || a.Side != side {
				smp, has := grader.ProductionSample(rec)
				a = store.BenchmarkAnswer{BenchmarkID: bm.ID, RecordID: rec.ID, Side: side}
				if !has {
					a.Error = "no production response"
				} else {
					it, err := grader.ItemFromRecord(rec)
					if err != nil {
						a.Error = err.Error()
					} else {
						r := ev.Grade(ctx, it, smp)
						js, _ := json.Marshal(r)
						a.GradedVersion, a.Score, a.Result = g.Version(), r.Score, string(js)
					}
				}
				if err := s.Store.SaveBenchmarkAnswer(ctx, a); err != nil {
					return rep, err
				}
				if a.GradedVersion != "" {
					if err := s.Store.SaveBenchmarkGrade(ctx, bm.ID, rec.ID, side, a.GradedVersion, a.Score, a.Result); err != nil {
						return rep, err
					}
				}
				graded[rec.ID] = a
			}
			ls := &rep.Base
			if side == SideTuned {
				ls = &rep.Tuned
			}
			ls.Traces++
			if a.GradedVersion != "" {
				ls.Graded++
				scores[side] = append(scores[side], a.Score)
			}
		}
	}
	rep.Base.Mean, rep.Tuned.Mean = mean(scores[SideBase]), mean(scores[SideTuned])
	rep.Diff = rep.Tuned.Mean - rep.Base.Mean
	lo, hi := BootstrapDiffCI(scores[SideBase], scores[SideTuned], dep.ID, Resamples)
	rep.CI95 = [2]float64{lo, hi}
	if rep.Base.Graded == 0 || rep.Tuned.Graded == 0 {
		rep.Note = "no graded traffic on one side yet: pull new traces from the gateway"
		if dep.Source == "" {
			rep.Note = "this deployment changed no gateway: nothing to pull"
		}
	}
	return rep, nil
}

// liveSide says which side of an A/B deployment a pulled trace belongs to:
// it came from the deployment's source after the deployment, and its model
// (as the gateway logged it, with or without a provider prefix) is the
// tuned or the base model.
func liveSide(rec record.Record, sourceLabel string, dep store.DeploymentRow) (string, bool) {
	if len(rec.Metadata) == 0 || rec.Source != sourceLabel {
		return "", false
	}
	var meta struct {
		Model     string `json:"model"`
		CreatedAt string `json:"created_at"`
	}
	if json.Unmarshal(rec.Metadata, &meta) != nil || meta.Model == "" {
		return "", false
	}
	if t, err := time.Parse(time.RFC3339Nano, meta.CreatedAt); err == nil && t.Before(dep.CreatedAt) {
		return "", false
	}
	m := bare(meta.Model)
	switch {
	case dep.TunedModel != "" && m == bare(dep.TunedModel):
		return SideTuned, true
	case m == bare(dep.BaseModel) || m == bare(dep.ModelName):
		return SideBase, true
	}
	return "", false
}

// bare drops a LiteLLM provider prefix ("openai/gpt-4o" → "gpt-4o").
func bare(model string) string {
	if i := strings.Index(model, "/"); i > 0 && !strings.HasPrefix(model, "ft:") {
		return strings.ToLower(model[i+1:])
	}
	return strings.ToLower(model)
}

// BootstrapDiffCI is the 95 % percentile bootstrap interval of mean(b) −
// mean(a) for two independent samples.
func BootstrapDiffCI(a, b []float64, seed int64, resamples int) (lo, hi float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x6c697665)) // "live"
	draw := func(xs []float64) float64 {
		var s float64
		for range xs {
			s += xs[r.IntN(len(xs))]
		}
		return s / float64(len(xs))
	}
	diffs := make([]float64, resamples)
	for i := range diffs {
		diffs[i] = draw(b) - draw(a)
	}
	sort.Float64s(diffs)
	return percentile(diffs, 0.025), percentile(diffs, 0.975)
}
