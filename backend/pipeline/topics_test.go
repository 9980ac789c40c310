package pipeline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/coverage"
	"tracetune/backend/ingest"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/topics"
)

// tracegenFile writes n tracegen records (../shared beside the repository,
// as in CI).
func tracegenFile(t *testing.T, n, seed int) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("go.mod not found")
		}
		dir = filepath.Dir(dir)
	}
	src := filepath.Join(dir, "..", "shared", "tools", "tracegen", "main.go")
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("tracegen source missing: %s must sit beside the repository (as CI's shared/ does): %v", src, err)
	}
	out := filepath.Join(t.TempDir(), fmt.Sprintf("tg%d.jsonl", seed))
	if b, err := exec.Command("go", "run", src, "-n", fmt.Sprint(n), "-seed", fmt.Sprint(seed), "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("tracegen: %v\n%s", err, b)
	}
	return out
}

// TestCreateAndStartRunsTopicsCategorizeCoverage: with no provider the
// chain discovers topics offline, categorizes, computes coverage, and each
// node shows its status; new records then make step 2 offer "categorize
// unlabeled".
func TestCreateAndStartRunsTopicsCategorizeCoverage(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, work, err := CreateFromFile(ctx, st, "auto", "", tracegenFile(t, 1500, 3))
	if err != nil {
		t.Fatal(err)
	}
	runner := jobs.New(st, nil)
	p, err := runner.Run(ctx, work)
	if err != nil {
		t.Fatal(err)
	}
	res := p.Result.(ChainResult)
	if strings.Join(res.Ran, ",") != "Extract,Topics,Categorize,Coverage" {
		t.Fatalf("ran %v", res.Ran)
	}
	steps, err := Steps(ctx, st, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	s2, s3 := stepByNumber(steps, StepTopics), stepByNumber(steps, StepCoverage)
	if s2.Status != Complete || !strings.Contains(s2.Figure, "topics, 100 % categorized") {
		t.Errorf("step 2: %+v", s2)
	}
	// Step 3 follows the balance: Complete above 0.6, Attention below.
	if s3.Score == nil {
		t.Fatalf("step 3 has no balance: %+v", s3)
	}
	if want := coverage.RatingFor(*s3.Score); !strings.Contains(s3.Figure, want) || (s3.Status == Complete) != (want == coverage.Good) {
		t.Errorf("step 3 with balance %.2f: %+v", *s3.Score, s3)
	}
	states, _ := st.StepStates(ctx, d.ID)
	if !strings.Contains(states[StepTopics].Message, "records categorized") || !strings.Contains(states[StepCoverage].Message, "balance") {
		t.Errorf("step messages: %+v", states)
	}

	// New records arrive: the append import categorizes them (autocat.go).
	if _, err := runner.Run(ctx, ImportWork(st, d.ID, tracegenFile(t, 200, 4), ingest.Append)); err != nil {
		t.Fatal(err)
	}
	steps, _ = Steps(ctx, st, d.ID)
	s2 = stepByNumber(steps, StepTopics)
	if s2.Status != Complete || !strings.Contains(s2.Message, "new records categorized") {
		t.Fatalf("after import, step 2: %+v", s2)
	}
	// Records left without a topic (a provider failed, say): step 2 offers the action.
	ps, _ := st.Prompts(ctx, store.PromptFilter{DatasetID: d.ID, Limit: 50})
	cleared := make([]store.Assignment, len(ps))
	for i, p := range ps {
		cleared[i] = store.Assignment{RecordID: p.ID}
	}
	if err := st.SetAssignments(ctx, d.ID, cleared); err != nil {
		t.Fatal(err)
	}
	steps, _ = Steps(ctx, st, d.ID)
	s2 = stepByNumber(steps, StepTopics)
	if s2.Status != Attention || s2.Action != ActionCategorizeUnlabeled || !strings.Contains(s2.Needs, "categorize unlabeled") {
		t.Fatalf("with records left uncategorized, step 2: %+v", s2)
	}
	// Re-running the automatic steps keeps the topics and categorizes only the new records.
	before, _ := st.Topics(ctx, d.ID)
	if err := RunAuto(ctx, st, d.ID, func(int64, int64, string) {}, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := st.Topics(ctx, d.ID)
	if len(after) != len(before) || after[0].ID != before[0].ID {
		t.Errorf("re-run replaced the topics")
	}
	steps, _ = Steps(ctx, st, d.ID)
	if s := stepByNumber(steps, StepTopics); s.Status != Complete || s.Action != "" {
		t.Errorf("after categorize unlabeled, step 2: %+v", s)
	}
}

func TestTopicAndCoverageRules(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	lines := make([]string, 0, 20)
	for i := 0; i < 20; i++ {
		lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"question number %d about something"}]}`, i))
	}
	d, _ := st.CreateDataset(ctx, "rules", "")
	if _, err := ingest.ImportFile(ctx, st, d.ID, writeJSONL(t, lines...), ingest.Options{Mode: ingest.Append}, nil); err != nil {
		t.Fatal(err)
	}
	steps, _ := Steps(ctx, st, d.ID)
	if s := stepByNumber(steps, StepTopics); s.Status != Waiting || !strings.Contains(s.Needs, "topics") {
		t.Errorf("no topics: %+v", s)
	}
	if s := stepByNumber(steps, StepCoverage); s.Status != Waiting {
		t.Errorf("coverage without topics: %+v", s)
	}
	a, _ := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "a"})
	b, _ := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "b"})
	var recs []record.Record
	recs, _ = st.Records(ctx, store.RecordFilter{DatasetID: d.ID, Code: "valid", Limit: 100})
	assign := func(split, low int) {
		var as []store.Assignment
		for i, r := range recs {
			a := store.Assignment{RecordID: r.ID, TopicID: a.ID, Confidence: 0.9, Method: record.MethodKeyword}
			if i >= split {
				a.TopicID = b.ID
			}
			if i < low {
				a.Confidence = 0.5
			}
			as = append(as, a)
		}
		if err := st.SetAssignments(ctx, d.ID, as); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		split, low     int
		topics, cover  Status
		rating, figure string
	}{
		{10, 0, Complete, Complete, coverage.Good, "100 % categorized"},
		{10, 1, Attention, Complete, coverage.Good, "5 % low confidence"}, // 1 of 20 = 5 %: attention
		{13, 0, Complete, Attention, coverage.Attention, ""},              // 7/13 = 0.54
		{17, 0, Complete, Attention, coverage.Poor, ""},                   // 3/17 = 0.18
	} {
		assign(c.split, c.low)
		steps, _ := Steps(ctx, st, d.ID)
		s2, s3 := stepByNumber(steps, StepTopics), stepByNumber(steps, StepCoverage)
		if s2.Status != c.topics || !strings.Contains(s2.Figure, c.figure) {
			t.Errorf("split %d low %d: step 2 %+v", c.split, c.low, s2)
		}
		if s3.Status != c.cover || !strings.Contains(s3.Figure, c.rating) {
			t.Errorf("split %d low %d: step 3 %+v", c.split, c.low, s3)
		}
		if c.rating == coverage.Poor && !strings.Contains(s3.Needs, "generation recommended") {
			t.Errorf("poor coverage should recommend generation: %+v", s3)
		}
	}
	if n, _ := topics.New(st).AssignmentCount(ctx, d.ID); n != 20 {
		t.Errorf("assignments %d", n)
	}
}

// A file with no valid record runs the chain to the end without failing:
// the topic and coverage nodes wait for valid records.
func TestChainWithoutValidRecordsWaits(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, work, err := CreateFromFile(ctx, st, "invalid", "", writeJSONL(t, `{"messages":[{"role":"user","content":"ok"}]}`, `not json`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.New(st, nil).Run(ctx, work); err != nil {
		t.Fatal(err)
	}
	steps, _ := Steps(ctx, st, d.ID)
	if s := stepByNumber(steps, StepTopics); s.Status != Waiting || !strings.Contains(s.Needs, "valid records") {
		t.Errorf("step 2: %+v", s)
	}
	if s := stepByNumber(steps, StepCoverage); s.Status != Waiting {
		t.Errorf("step 3: %+v", s)
	}
}
