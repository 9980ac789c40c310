package pipeline

import (
	"context"
	"fmt"
	"math"

	"tracetune/backend/coverage"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/topics"
)

// Steps 2 (Topics & Categorization) and 3 (Coverage): their status rules
// (PRODUCT.md §4) and their part of the Create & Start chain.

// ActionCategorizeUnlabeled is offered by step 2 when valid records have no
// topic (typically after new records were imported or pulled).
const ActionCategorizeUnlabeled = "categorize_unlabeled"

// Seed of automatic topic generation: a fixed seed makes Create & Start
// reproducible for the same records.
const autoSeed = 1

// runTopics generates topics when the dataset has none (offline when no
// provider is configured); an existing hierarchy is the user's and stays.
func runTopics(ctx context.Context, st *store.Store, datasetID int64, report jobs.Reporter) (string, error) {
	svc := topics.New(st)
	s, err := svc.Stats(ctx, datasetID)
	if err != nil {
		return "", err
	}
	if s.Topics > 0 {
		return fmt.Sprintf("%d topics kept", s.Leaves), nil
	}
	if s.Valid == 0 {
		// Nothing to discover from: the node waits for valid records
		// rather than failing the chain.
		return "no valid records yet", nil
	}
	g, err := svc.Generate(ctx, datasetID, topics.GenerateOptions{Seed: autoSeed}, report)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d topics found (%s, named by %s)", g.K, g.Vectors, g.Naming), nil
}

// runCategorize assigns the records that have no topic yet.
func runCategorize(ctx context.Context, st *store.Store, datasetID int64, report jobs.Reporter) (string, error) {
	svc := topics.New(st)
	if s, err := svc.Stats(ctx, datasetID); err != nil {
		return "", err
	} else if s.Topics == 0 {
		return "no topics yet", nil
	}
	c, err := svc.Categorize(ctx, datasetID, topics.CategorizeOptions{Mode: topics.ModeUnlabeled}, report)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s records categorized, %s under %.1f", thousands(c.Processed), thousands(c.LowConfidence), record.LowConfidence), nil
}

func runCoverage(ctx context.Context, st *store.Store, datasetID int64, _ jobs.Reporter) (string, error) {
	r, err := coverage.Compute(ctx, st, datasetID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("balance %.2f (%s)", r.Balance, r.Rating), nil
}

// topicsRule: Waiting without topics; Complete when every valid record is
// categorized and under 5 % are below record.LowConfidence; Attention otherwise
// (offering "categorize unlabeled" when records lack a topic).
func topicsRule(ctx context.Context, st *store.Store, datasetID int64, _ Facts, s *Step) error {
	x, err := topics.New(st).Stats(ctx, datasetID)
	if err != nil {
		return err
	}
	switch {
	case x.Valid == 0:
		s.Status, s.Needs = Waiting, "valid records (step 1)"
		return nil
	case x.Topics == 0:
		s.Status, s.Needs = Waiting, "topics: generate them, start from a template, or add them by hand"
		return nil
	}
	s.Figure = fmt.Sprintf("%d topics, %s %% categorized", x.Leaves, pct(x.Categorized, x.Valid))
	switch {
	case x.Uncategorized > 0:
		s.Status, s.Action = Attention, ActionCategorizeUnlabeled
		s.Needs = fmt.Sprintf("%s valid records have no topic: categorize unlabeled", thousands(x.Uncategorized))
	case x.LowConfidence*100 >= x.Valid*5:
		s.Status = Attention
		s.Needs = fmt.Sprintf("%s records (%s %%) are under %.1f confidence: review Low Confidence", thousands(x.LowConfidence), pct(x.LowConfidence, x.Valid), record.LowConfidence)
	default:
		s.Status = Complete
	}
	if x.LowConfidence > 0 {
		s.Figure += fmt.Sprintf(", %s %% low confidence", pct(x.LowConfidence, x.Valid))
	}
	return nil
}

// coverageRule: balance above 0.6 Complete (Good), 0.3–0.6 Attention, under
// 0.3 Attention too with the Poor rating and generation recommended.
func coverageRule(ctx context.Context, st *store.Store, datasetID int64, _ Facts, s *Step) error {
	r, err := coverage.Compute(ctx, st, datasetID)
	if err != nil {
		return err
	}
	if len(r.Topics) == 0 || r.Categorized == 0 {
		s.Status, s.Needs = Waiting, "categorized records (step 2)"
		return nil
	}
	b := r.Balance
	s.Score = &b
	s.Figure = fmt.Sprintf("balance %.2f · %s", b, r.Rating)
	under := 0
	for _, t := range r.Topics {
		if t.Status == coverage.Under {
			under++
		}
	}
	switch r.Rating {
	case coverage.Single:
		s.Status, s.Score = Complete, nil
		s.Figure = "one topic: balance does not apply"
	case coverage.Good:
		s.Status = Complete
	case coverage.Attention:
		s.Status = Attention
		s.Needs = fmt.Sprintf("%d under-served topics: see the recommendations", under)
	default:
		s.Status = Attention
		s.Needs = fmt.Sprintf("more records for %d under-served topics: generation recommended", under)
	}
	return nil
}

// pct formats part/whole as a percentage with at most one decimal.
func pct(part, whole int) string {
	if whole == 0 {
		return "0"
	}
	p := math.Round(1000*float64(part)/float64(whole)) / 10
	if p == math.Trunc(p) {
		return fmt.Sprintf("%.0f", p)
	}
	return fmt.Sprintf("%.1f", p)
}
