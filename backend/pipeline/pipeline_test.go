package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func writeJSONL(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func stepByNumber(steps []Step, n int) Step { return steps[n-1] }

// ruleStep reads one node through its rule, with the dataset's counts as
// the facts.
func ruleStep(t *testing.T, st *store.Store, ds int64, number int, rule Rule) Step {
	t.Helper()
	counts, err := st.DatasetCounts(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	s := Step{Number: number}
	if err := rule(context.Background(), st, ds, Facts{Counts: counts}, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// numberedQuestions are n answered gateway records whose item field n is
// their index, for graders that score by it.
func numberedQuestions(n int) []record.Record {
	var recs []record.Record
	for i := 0; i < n; i++ {
		m, _ := json.Marshal([]map[string]any{{"role": "user", "content": fmt.Sprintf("question number %d about my order", i)}})
		recs = append(recs, record.Record{Line: i + 1, Shape: record.ShapeGateway, Messages: m,
			Output: json.RawMessage(`{"role":"assistant","content":"an answer"}`), Fields: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
	}
	return recs
}

func TestExtractRuleFollowsInvalidShare(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "empty", "")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := Steps(ctx, st, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 7 {
		t.Fatalf("%d steps", len(steps))
	}
	if s := stepByNumber(steps, 1); s.Status != Waiting || s.Needs == "" {
		t.Fatalf("empty dataset extract = %+v", s)
	}
	for _, n := range []int{4, 5, 6, 7} {
		if s := stepByNumber(steps, n); s.Status != Waiting || s.Needs == "" {
			t.Fatalf("step %d = %+v: an unbuilt step must wait and say what it needs", n, s)
		}
	}

	good := `{"messages":[{"role":"user","content":"How do I export my invoices as PDF?"}]}`
	cases := []struct {
		name  string
		lines []string
		want  Status
	}{
		// 1 invalid of 20 = 5 %: not more than 5 %, so Complete.
		{"five percent", append(repeatDistinct(good, 19), `not json`), Complete},
		// 2 invalid of 20 = 10 %: Attention.
		{"ten percent", append(repeatDistinct(good, 18), `not json`, `[1]`), Attention},
	}
	for _, c := range cases {
		d, work, err := CreateFromFile(ctx, st, c.name, "", writeJSONL(t, c.lines...))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := work.Work(ctx, func(int64, int64, string) {}); err != nil {
			t.Fatal(err)
		}
		steps, err := Steps(ctx, st, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s := stepByNumber(steps, 1); s.Status != c.want {
			t.Errorf("%s: extract = %s (%s), want %s", c.name, s.Status, s.Figure, c.want)
		}
	}
}

// repeatDistinct makes n valid lines with distinct prompts (no duplicates).
func repeatDistinct(line string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strings.Replace(line, "PDF?", "PDF? case "+strings.Repeat("x", i+1), 1)
	}
	return out
}

func TestChainMarksStepsAndStopsAtFailure(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	saved := autoSteps
	t.Cleanup(func() { autoSteps = saved })
	var order []string
	autoSteps = []AutoStep{
		{Step: StepTopics, Name: "Topics", Run: func(ctx context.Context, st *store.Store, id int64, r jobs.Reporter) (string, error) {
			order = append(order, "topics")
			return "3 topics", nil
		}},
		{Step: StepCoverage, Name: "Coverage", Run: func(ctx context.Context, st *store.Store, id int64, r jobs.Reporter) (string, error) {
			order = append(order, "coverage")
			return "", errors.New("no categorized records")
		}},
	}
	d, job, err := CreateFromFile(ctx, st, "chain", "", writeJSONL(t, `{"messages":[{"role":"user","content":"What is the capital of Portugal?"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	runner := jobs.New(st, nil)
	_, err = runner.Run(ctx, job)
	if err == nil || !strings.Contains(err.Error(), "no categorized records") {
		t.Fatalf("chain error = %v", err)
	}
	if strings.Join(order, ",") != "topics,coverage" {
		t.Fatalf("ran %v", order)
	}
	states, _ := st.StepStates(ctx, d.ID)
	if states[1].State != "done" || states[2].State != "done" || states[2].Message != "3 topics" || states[3].State != "failed" {
		t.Fatalf("states = %+v", states)
	}
	steps, _ := Steps(ctx, st, d.ID)
	if stepByNumber(steps, 3).Status != Failed {
		t.Fatalf("coverage status = %s", stepByNumber(steps, 3).Status)
	}
	if c, _ := st.DatasetCounts(ctx, d.ID); c.Total != 1 {
		t.Fatalf("the extract before the failure was lost: %+v", c)
	}
}

func TestOverall(t *testing.T) {
	mk := func(ss ...Status) []Step {
		out := make([]Step, len(ss))
		for i, s := range ss {
			out[i] = Step{Number: i + 1, Name: StepDefs[i].Name, Status: s}
		}
		return out
	}
	cases := []struct {
		steps []Step
		want  string
	}{
		{mk(Waiting, Waiting, Waiting), "New"},
		{mk(Complete, Processing, Waiting), "Processing: Topics & Categorization"},
		{mk(Complete, Complete, Attention), "Needs attention: Coverage"},
		{mk(Complete, Failed, Waiting), "Failed: Topics & Categorization"},
		{mk(Complete, Complete, Complete, Waiting), "Done: Coverage"},
	}
	for _, c := range cases {
		if got := Overall(c.steps); got != c.want {
			t.Errorf("Overall = %q, want %q", got, c.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
