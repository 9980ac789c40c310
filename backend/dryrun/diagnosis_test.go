package dryrun

import (
	"strings"
	"testing"
)

// repeat makes n copies of each value in turn.
func repeat(n int, vals ...float64) []float64 {
	var out []float64
	for i := 0; i < n; i++ {
		out = append(out, vals[i%len(vals)])
	}
	return out
}

func kinds(fs []Finding) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range fs {
		out[f.Kind] = f
	}
	return out
}

func TestTheDiagnosisNamesEachProblemWithEvidenceAndANextStep(t *testing.T) {
	spread := repeat(100, 0.2, 0.4, 0.6, 0.8, 0.5) // mean 0.5, std ~0.2: healthy
	cases := []struct {
		name   string
		f      facts
		want   string
		absent []string
		says   string
	}{
		{"a low mean is too hard or too strict", facts{Scores: repeat(100, 0, 0.1, 0.2, 0.3)}, FindTooHard, nil, "mean score 0.150"},
		{"a high mean is too easy or too lenient", facts{Scores: repeat(100, 0.6, 0.9, 1.0, 0.8)}, FindTooEasy, []string{FindTooHard}, "mean score 0.825"},
		{"over half perfect is too easy too", facts{Scores: repeat(100, 1, 1, 1, 0.2)}, FindTooEasy, nil, "75 %"},
		{"a narrow spread is a flat grader", facts{Scores: repeat(100, 0.5, 0.52, 0.48)}, FindFlat, []string{FindBinary}, "std dev 0.016"},
		{"only zeros and ones is a binary grader", facts{Scores: repeat(100, 0, 1, 1, 0, 1)}, FindBinary, nil, "exactly 0 (40) or 1 (60)"},
		{"a topic far below the rest is named", facts{Scores: spread, PerTopic: map[string]TopicStats{"billing": {Mean: 0.55, Count: 90}, "refunds": {Mean: 0.02, Std: 0.01, Count: 10}}}, FindWeakTopic, nil, "refunds: mean 0.020"},
		{"a component giving nearly all the score dominates", facts{Scores: spread, Components: map[string]float64{"format": 1, "correct": 0.02}, Weights: map[string]float64{"format": 0.5, "correct": 0.5}}, FindDominant, nil, "format gives 98 %"},
		{"generated records scoring apart are reported", facts{Scores: spread, Real: Group{Mean: 0.6, Count: 80}, Gen: Group{Mean: 0.2, Count: 20}}, FindGeneratedGap, nil, "generated: mean 0.200 over 20"},
		{"grader errors are reported with the first one", facts{Scores: spread, Errors: 3, FirstError: "judge: timeout"}, FindErrors, nil, "first: judge: timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.Stats = Compute(c.f.Scores)
			got := kinds(diagnose(c.f))
			f, ok := got[c.want]
			if !ok {
				t.Fatalf("no %s finding in %+v", c.want, got)
			}
			if f.Title == "" || f.Next == "" || !strings.Contains(f.Evidence, c.says) {
				t.Fatalf("%s: title %q, evidence %q (want %q), next %q", c.want, f.Title, f.Evidence, c.says, f.Next)
			}
			for _, k := range c.absent {
				if _, bad := got[k]; bad {
					t.Errorf("unexpected %s finding", k)
				}
			}
		})
	}
	t.Run("a field the records lack points at the data, not the component", func(t *testing.T) {
		f := facts{Scores: spread, Errors: 40, FirstError: "tools: the item has no field reference_tool_calls (the expected tool calls)"}
		f.Stats = Compute(f.Scores)
		got := kinds(diagnose(f))[FindErrors]
		if !strings.Contains(got.Next, "do not carry the field") || strings.Contains(got.Next, "fix the failing component") {
			t.Fatalf("next step %q", got.Next)
		}
	})
	t.Run("a healthy sample has nothing to report", func(t *testing.T) {
		f := facts{Scores: spread, PerTopic: map[string]TopicStats{"a": {Mean: 0.5, Count: 50}, "b": {Mean: 0.45, Count: 50}},
			Components: map[string]float64{"x": 0.5, "y": 0.5}, Weights: map[string]float64{"x": 0.5, "y": 0.5}}
		f.Stats = Compute(f.Scores)
		if got := diagnose(f); len(got) != 0 {
			t.Fatalf("findings %+v", got)
		}
	})
}
