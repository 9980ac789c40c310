package dryrun

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Finding is one diagnosis in plain words: what is wrong, the figures that
// show it, and what to do next (the seed's Workflow 4).
type Finding struct {
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Evidence string `json:"evidence"`
	Next     string `json:"next"`
}

// Kinds of finding.
const (
	FindTooHard      = "too_hard"
	FindTooEasy      = "too_easy"
	FindFlat         = "flat_grader"
	FindBinary       = "binary_grader"
	FindWeakTopic    = "weak_topic"
	FindDominant     = "dominant_component"
	FindGeneratedGap = "generated_apart"
	FindErrors       = "grader_errors"
)

// facts is what the diagnosis reads.
type facts struct {
	Stats      Stats
	Scores     []float64
	PerTopic   map[string]TopicStats
	Components map[string]float64 // mean score of each component
	Weights    map[string]float64 // each component's weight
	Real, Gen  Group
	Errors     int
	FirstError string
}

// Group is the part of the sample from real or from generated records.
type Group struct {
	Mean  float64 `json:"mean"`
	Count int     `json:"count"`
}

// diagnose lists what the figures say, most serious first.
func diagnose(f facts) []Finding {
	var out []Finding
	s := f.Stats
	if s.N == 0 {
		return out
	}
	if f.Errors > 0 {
		next := "Open Adjust Grader, fix the failing component (Test Sample shows the error), then re-grade: the stored answers are reused."
		if strings.Contains(f.FirstError, "has no field") {
			// The data, not the component, is short: a preset that needs
			// a reference field the records do not carry (tool usage on
			// records that offer no tools, say).
			next = "These records do not carry the field the grader compares with. Pick a grader that fits the data (Adjust Grader), or give the records that field (a column or key in the file), then re-grade: the stored answers are reused."
		}
		out = append(out, Finding{Kind: FindErrors, Title: "The grader failed on some samples",
			Evidence: fmt.Sprintf("%d of %d samples (%s) had a grader error and count as 0; first: %s", f.Errors, s.N, pctStr(float64(f.Errors)/float64(s.N)), f.FirstError),
			Next:     next})
	}
	if s.Mean <= 0.2+eps {
		out = append(out, Finding{Kind: FindTooHard, Title: "Too hard, or the grader is too strict",
			Evidence: fmt.Sprintf("mean score %.3f (GO needs > 0.2); %s of scores are above 0", s.Mean, pctStr(s.SharePositive)),
			Next:     "Read the lowest samples: if the answers are reasonable the grader is too strict (loosen it, change weights or try another preset, then re-grade); if they are poor the data is too hard (delete poor records, import better examples, or generate easier prompts)."})
	}
	if s.Mean > 0.65 || s.SharePerfect > 0.5 {
		out = append(out, Finding{Kind: FindTooEasy, Title: "Too easy, or the grader is too lenient",
			Evidence: fmt.Sprintf("mean score %.3f, %s of samples score a perfect 1.0: little room left for training to improve", s.Mean, pctStr(s.SharePerfect)),
			Next:     "Make the grader stricter (add a component for what good answers do beyond the basics, raise its weight) or add harder prompts, then re-run."})
	}
	if s.Std <= 0.10+eps {
		out = append(out, Finding{Kind: FindFlat, Title: "Flat grader: scores barely differ",
			Evidence: fmt.Sprintf("std dev %.3f (GO needs > 0.10); half the scores lie between %.2f and %.2f", s.Std, s.P25, s.P75),
			Next:     "RFT learns from differences between answers. Use a graded scale instead of pass/fail, or add components that separate better answers from worse ones, then re-grade."})
	}
	if ext, zeros, ones := extremes(f.Scores); float64(ext) >= 0.9*float64(s.N) && zeros > 0 && ones > 0 {
		out = append(out, Finding{Kind: FindBinary, Title: "Binary grader: nearly every score is 0 or 1",
			Evidence: fmt.Sprintf("%d of %d scores are exactly 0 (%d) or 1 (%d)", ext, s.N, zeros, ones),
			Next:     "Give partial credit (a judge with a 0–1 scale, text similarity instead of an exact match) so that training sees which answers are nearly right."})
	}
	var weak []string
	for name, t := range f.PerTopic {
		if t.Count >= 3 && s.Std > 0 && t.Mean < s.Mean-2*s.Std {
			weak = append(weak, name)
		}
	}
	sort.Strings(weak)
	for _, name := range weak {
		t := f.PerTopic[name]
		out = append(out, Finding{Kind: FindWeakTopic, Title: fmt.Sprintf("Topic %s scores far below the rest", name),
			Evidence: fmt.Sprintf("%s: mean %.3f over %d samples, more than two std devs under the overall %.3f (std %.3f)", name, t.Mean, t.Count, s.Mean, s.Std),
			Next:     fmt.Sprintf("Read %s's samples: generate more or better prompts for it in Coverage, delete poor records, or check that the grader suits that kind of request.", name)})
	}
	if d := dominant(f.Components, f.Weights); d != "" {
		share := contribution(f.Components, f.Weights)
		out = append(out, Finding{Kind: FindDominant, Title: fmt.Sprintf("Component %s dominates the score", d),
			Evidence: fmt.Sprintf("%s gives %s of the mean total score; the other components add little", d, pctStr(share[d])),
			Next:     "Check the other components' scores in the samples: if they are always near 0 they are too strict or broken; rebalance the weights, then re-grade."})
	}
	if f.Real.Count >= 3 && f.Gen.Count >= 3 && math.Abs(f.Real.Mean-f.Gen.Mean) > 0.15 {
		out = append(out, Finding{Kind: FindGeneratedGap, Title: "Generated records score apart from real ones",
			Evidence: fmt.Sprintf("generated: mean %.3f over %d samples; real: mean %.3f over %d", f.Gen.Mean, f.Gen.Count, f.Real.Mean, f.Real.Count),
			Next:     "Generated prompts may not be like production traffic: review them in the records browser (filter Generated), delete the unlike ones or regenerate with another strategy."})
	}
	return out
}

// extremes counts scores at exactly 0 and at 1.
func extremes(scores []float64) (both, zeros, ones int) {
	for _, x := range scores {
		switch {
		case x <= 0:
			zeros++
		case x >= 1:
			ones++
		}
	}
	return zeros + ones, zeros, ones
}

// contribution is each component's share of the mean total: weight × mean,
// over the sum of them.
func contribution(means, weights map[string]float64) map[string]float64 {
	total := 0.0
	for name, m := range means {
		total += weightOf(weights, name) * m
	}
	out := map[string]float64{}
	if total <= 0 {
		return out
	}
	for name, m := range means {
		out[name] = weightOf(weights, name) * m / total
	}
	return out
}

func weightOf(weights map[string]float64, name string) float64 {
	if w, ok := weights[name]; ok {
		return w
	}
	if len(weights) == 0 {
		return 1
	}
	return 0
}

// dominant names the component giving more than 80 % of the total while
// weighing at most 60 %, when there are several.
func dominant(means, weights map[string]float64) string {
	if len(means) < 2 {
		return ""
	}
	best := ""
	for name, share := range contribution(means, weights) {
		if share > 0.8 && weightOf(weights, name) <= 0.6 && (best == "" || name < best) {
			best = name
		}
	}
	return best
}
