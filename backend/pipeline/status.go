// Package pipeline knows the seven steps of a dataset: their statuses, computed
// from the data by the rules of PRODUCT.md §4, and the chain that runs the
// automatic steps (Extract → Topics → Categorize → Coverage) by itself.
package pipeline

import (
	"context"
	"fmt"

	"tracetune/backend/store"
)

// Status is a step's badge.
type Status string

const (
	Waiting    Status = "waiting"
	Processing Status = "processing"
	Complete   Status = "complete"
	Attention  Status = "attention"
	Failed     Status = "failed"
	NotStarted Status = "not_started"
)

// Step numbers.
const (
	StepExtract = 1 + iota
	StepTopics
	StepCoverage
	StepGrader
	StepDryRun
	StepTrain
	StepDeploy
)

// Step is one node of the canvas.
type Step struct {
	Number   int      `json:"number"`
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	Status   Status   `json:"status"`
	Figure   string   `json:"figure"`           // a short figure for the node ("1,204 records")
	Needs    string   `json:"needs"`            // what the step waits for, in words
	AutoRuns bool     `json:"auto_runs"`        // whether the chain runs it by itself
	Message  string   `json:"message"`          // the last run's message or error
	Score    *float64 `json:"score,omitempty"`  // a step's key number (coverage: balance)
	Action   string   `json:"action,omitempty"` // the action the node offers now (e.g. "categorize_unlabeled")
}

// StepDef defines one of the seven steps: its place, its names and the rule
// that computes its status from the data.
type StepDef struct {
	Number int
	Key    string
	Name   string
	Rule   Rule
}

// Facts are the figures the status rules read, gathered once per call.
type Facts struct {
	Counts store.Counts
	States map[int]store.StepState
}

// Rule computes one step's status from the facts.
type Rule func(ctx context.Context, st *store.Store, datasetID int64, f Facts, s *Step) error

// StepDefs are the seven steps in pipeline order; the canvas, the datasets
// list and the commands all read this list.
var StepDefs = []StepDef{
	{StepExtract, "extract", "Extract", extractRule},
	{StepTopics, "topics", "Topics & Categorization", topicsRule},
	{StepCoverage, "coverage", "Coverage", coverageRule},
	{StepGrader, "grader", "Grader", graderRule},
	{StepDryRun, "dryrun", "Dry Run", dryrunRule},
	{StepTrain, "train", "Train", trainRule},
	{StepDeploy, "deploy", "Deploy", deployRule},
}

// Name returns a step's display name.
func Name(step int) string {
	for _, d := range StepDefs {
		if d.Number == step {
			return d.Name
		}
	}
	return fmt.Sprintf("step %d", step)
}

// Steps returns the seven steps of a dataset with their current status.
func Steps(ctx context.Context, st *store.Store, datasetID int64) ([]Step, error) {
	counts, err := st.DatasetCounts(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	states, err := st.StepStates(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	f := Facts{Counts: counts, States: states}
	out := make([]Step, 0, len(StepDefs))
	for _, d := range StepDefs {
		n := d.Number
		s := Step{Number: n, Key: d.Key, Name: d.Name, Status: Waiting, AutoRuns: n <= StepCoverage}
		if err := d.Rule(ctx, st, datasetID, f, &s); err != nil {
			return nil, fmt.Errorf("step %d status: %w", n, err)
		}
		// A running or failed run overrides what the data says.
		if ss, ok := states[n]; ok {
			switch ss.State {
			case "processing":
				s.Status = Processing
			case "failed":
				s.Status = Failed
			}
			if ss.Message != "" {
				s.Message = ss.Message
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func extractRule(_ context.Context, _ *store.Store, _ int64, f Facts, s *Step) error {
	c := f.Counts
	if c.Total == 0 {
		s.Status, s.Needs = Waiting, "records: import a JSONL file or pull traces from a gateway"
		return nil
	}
	s.Status = Complete
	s.Figure = fmt.Sprintf("%s records", thousands(c.Total))
	if c.Invalid*100 > c.Total*5 { // more than 5 % invalid
		s.Status = Attention
		s.Figure = fmt.Sprintf("%s records, %s invalid", thousands(c.Total), thousands(c.Invalid))
	}
	return nil
}

// Overall summarizes a dataset's steps as one status for the datasets list:
// the furthest step reached and whether anything needs attention.
func Overall(steps []Step) string {
	for _, s := range steps {
		if s.Status == Processing {
			return "Processing: " + s.Name
		}
	}
	for _, s := range steps {
		if s.Status == Failed {
			return "Failed: " + s.Name
		}
	}
	last := ""
	for _, s := range steps {
		if s.Status == Complete || s.Status == Attention {
			last = s.Name
		}
	}
	for _, s := range steps {
		if s.Status == Attention {
			return "Needs attention: " + s.Name
		}
	}
	if last == "" {
		return "New"
	}
	return "Done: " + last
}

// thousands formats 1234567 as "1,234,567".
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
