package grader

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// judgeResponder answers judge requests with a score that depends on the
// prompt (0.75 when it mentions Paris, else 0.25), and anything else as the
// default fake does.
func judgeResponder(req testutil.ChatRequest) testutil.ChatReply {
	if rf := req.ResponseFormat; rf != nil && rf.JSONSchema != nil && rf.JSONSchema.Name == "judge" {
		score := 0.25
		if strings.Contains(req.LastUser(), "Paris") {
			score = 0.75
		}
		return testutil.ChatReply{Content: fmt.Sprintf(`{"score": %v, "reasoning": "checked against the reference"}`, score)}
	}
	return testutil.DefaultResponder(req)
}

type judgeFixture struct {
	st   *store.Store
	fake *testutil.OpenAI
	ds   int64
}

// setupJudge makes a store whose judge and base roles use the fake, and a
// dataset of three valid records, two with a production response.
func setupJudge(t *testing.T) judgeFixture {
	t.Helper()
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := context.Background()
	st := testutil.OpenStore(t)
	f := testutil.StartOpenAI(t)
	f.SetResponder(judgeResponder)
	if _, err := st.CreateProvider(ctx, store.Provider{Name: "fake", Kind: llm.KindOther, BaseURL: f.URL, MaxRetries: -1}); err != nil {
		t.Fatal(err)
	}
	for role, model := range map[string]string{llm.RoleJudge: "fake-judge", llm.RoleBase: "fake-base"} {
		if err := st.SetRole(ctx, store.RoleAssignment{Role: role, Provider: "fake", Model: model}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := st.CreateDataset(ctx, "judged "+t.Name(), "answer geography questions")
	if err != nil {
		t.Fatal(err)
	}
	var recs []record.Record
	for i, q := range []string{"What is the capital of France?", "What is the capital of Italy?", "Name the capital of Spain please."} {
		m, _ := json.Marshal([]map[string]any{{"role": "system", "content": "Answer in one word."}, {"role": "user", "content": q}})
		r := record.Record{Line: i + 1, Shape: record.ShapeChat, Messages: m, Fields: json.RawMessage(fmt.Sprintf(`{"reference_answer":%q}`, []string{"Paris", "Rome", "Madrid"}[i]))}
		if i < 2 {
			r.Output = json.RawMessage(fmt.Sprintf(`{"role":"assistant","content":%q}`, []string{"Paris", "Milan"}[i]))
		}
		recs = append(recs, r)
	}
	testutil.InsertRecords(t, st, d.ID, recs)
	return judgeFixture{st: st, fake: f, ds: d.ID}
}

func judgeGrader() Grader {
	return Grader{Components: []Component{
		{Name: "correctness", Kind: KindJudge, Weight: 0.6, Prompt: CorrectnessPrompt},
		{Name: "exact", Kind: KindStringCheck, Weight: 0.4, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"},
	}}
}

func TestTestSampleWithAJudgeRecordsUsage(t *testing.T) {
	fx := setupJudge(t)
	ctx := context.Background()
	if _, err := TestSample(ctx, fx.st, fx.ds, TestOptions{}); err == nil || !strings.Contains(err.Error(), "no grader") {
		t.Fatalf("without a grader: %v", err)
	}
	v, err := Save(ctx, fx.st, fx.ds, judgeGrader())
	if err != nil {
		t.Fatal(err)
	}
	var res TestResult
	t.Run("every valid record is graded when n exceeds them", func(t *testing.T) {
		res, err = TestSample(ctx, fx.st, fx.ds, TestOptions{N: 10, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Version != v || len(res.Samples) != 3 {
			t.Fatalf("version %s samples %d", res.Version, len(res.Samples))
		}
	})
	t.Run("production responses are graded as they are, the rest answered by the base model", func(t *testing.T) {
		sources := map[string]int{}
		for _, s := range res.Samples {
			sources[s.Source]++
			if len(s.Errors) > 0 {
				t.Errorf("record %d errors %v", s.RecordID, s.Errors)
			}
			if s.Reasoning != "checked against the reference" {
				t.Errorf("record %d reasoning %q", s.RecordID, s.Reasoning)
			}
			want := 0.6 * 0.25
			if strings.Contains(s.Response, "Paris") {
				want = 0.6*0.75 + 0.4
			}
			if !near(s.Score, want) {
				t.Errorf("record %d (%q) scored %v, want %v", s.RecordID, s.Response, s.Score, want)
			}
		}
		if sources[FromProduction] != 2 || sources[FromBaseModel] != 1 {
			t.Errorf("sources %v", sources)
		}
	})
	t.Run("the judge's and the base model's tokens are in usage under grader", func(t *testing.T) {
		us, err := fx.st.UsageFor(ctx, fx.ds)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]store.Usage{}
		for _, u := range us {
			if u.Action == "grader" {
				got[u.Model] = u
			}
		}
		if j := got["fake-judge"]; j.Calls != 3 || j.PromptTokens == 0 || j.CompletionTokens == 0 {
			t.Errorf("judge usage %+v", j)
		}
		if b := got["fake-base"]; b.Calls != 1 || b.PromptTokens == 0 {
			t.Errorf("base usage %+v", b)
		}
	})
	t.Run("the same seed draws the same records", func(t *testing.T) {
		a, _ := TestSample(ctx, fx.st, fx.ds, TestOptions{N: 2, Seed: 9})
		b, _ := TestSample(ctx, fx.st, fx.ds, TestOptions{N: 2, Seed: 9})
		if len(a.Samples) != 2 || a.Samples[0].RecordID != b.Samples[0].RecordID || a.Samples[1].RecordID != b.Samples[1].RecordID {
			t.Errorf("%v vs %v", a.Samples, b.Samples)
		}
		last, ok, err := LastTest(ctx, fx.st, fx.ds)
		if err != nil || !ok || len(last.Samples) != 2 || last.Version != v {
			t.Errorf("last test %+v %v %v", last, ok, err)
		}
	})
}

func TestAJudgeAnswerOutsideTheRangeIsAnErrorOfThatComponent(t *testing.T) {
	fx := setupJudge(t)
	fx.fake.SetResponder(func(req testutil.ChatRequest) testutil.ChatReply {
		return testutil.ChatReply{Content: `{"score": 7, "reasoning": "great"}`}
	})
	g := Grader{Components: []Component{{Name: "judge", Kind: KindJudge, Weight: 0.5, Prompt: "Grade {{response}}", Schema: json.RawMessage(`{"type":"object","properties":{"score":{"type":"number"}},"required":["score"]}`)},
		{Name: "one", Kind: KindScript, Weight: 0.5, Source: "def grade(sample, item):\n    return 1"}}}
	r := NewEvaluator(fx.st, g).Grade(context.Background(), Item{}, Sample{OutputText: "x"})
	if !near(r.Score, 0.5) || len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0], "judge: ") || !strings.Contains(r.Errors[0], "outside 0–1") {
		t.Fatalf("%+v", r)
	}
}

func TestTheExportedJudgeSendsTheAppsRequestBody(t *testing.T) {
	fx := setupJudge(t)
	g := Grader{Components: []Component{{Name: "correctness", Kind: KindJudge, Weight: 1, Prompt: CorrectnessPrompt + "\nTools: {{tools}} Calls: {{toolCalls}} Last: {{lastUserMessage}} System: {{systemPrompt}}", Model: "fake-judge"}}}
	items, samples := paritySamples(3, 11)
	samples[0].OutputText = "Paris"
	var app []Result
	ev := NewEvaluator(fx.st, g)
	for i := range items {
		app = append(app, ev.Grade(context.Background(), items[i], samples[i]))
	}
	appBodies := chatBodies(fx.fake)
	fx.fake.Reset()
	module, err := ExportPython(g)
	if err != nil {
		t.Fatal(err)
	}
	py := runPython(t, module, items, samples, "TRACETUNE_JUDGE_BASE_URL="+fx.fake.URL, "TRACETUNE_JUDGE_API_KEY=test-key")
	pyBodies := chatBodies(fx.fake)
	if len(appBodies) != 3 || len(pyBodies) != 3 {
		t.Fatalf("%d app requests, %d python requests", len(appBodies), len(pyBodies))
	}
	for i := range appBodies {
		if !reflect.DeepEqual(appBodies[i], pyBodies[i]) {
			a, _ := json.Marshal(appBodies[i])
			b, _ := json.Marshal(pyBodies[i])
			t.Errorf("request %d differs:\napp    %s\npython %s", i, a, b)
		}
		if !near(app[i].Score, py[i].Score) || app[i].Reasoning["correctness"] != py[i].Reasoning["correctness"] {
			t.Errorf("sample %d: app %+v, python %+v", i, app[i], py[i])
		}
	}
	if !near(app[0].Score, 0.75) {
		t.Errorf("the judge saw another prompt: %v", app[0].Score)
	}
}

func chatBodies(f *testutil.OpenAI) []map[string]any {
	var out []map[string]any
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/chat/completions") {
			var m map[string]any
			_ = json.Unmarshal(r.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

func TestAJudgeAnswerThatIsNotJSONIsAnError(t *testing.T) {
	fx := setupJudge(t)
	fx.fake.SetResponder(func(req testutil.ChatRequest) testutil.ChatReply {
		return testutil.ChatReply{Content: "I think it is quite good."}
	})
	g := Grader{Components: []Component{{Name: "judge", Kind: KindJudge, Weight: 1, Prompt: "Grade {{response}}"}}}
	r := NewEvaluator(fx.st, g).Grade(context.Background(), Item{}, Sample{OutputText: "x"})
	if r.Score != 0 || len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0], "judge: ") || !strings.Contains(r.Errors[0], "not JSON") {
		t.Fatalf("%+v", r)
	}
}

func TestGradeIsSafeForConcurrentUse(t *testing.T) {
	g := parityGrader()
	ev := NewEvaluator(nil, g)
	items, samples := paritySamples(40, 1)
	want := make([]float64, len(items))
	for i := range items {
		want[i] = ev.Grade(context.Background(), items[i], samples[i]).Score
	}
	done := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			for i := range items {
				if got := NewEvaluator(nil, g).Grade(context.Background(), items[i], samples[i]).Score; got != want[i] {
					done <- fmt.Errorf("sample %d: %v, then %v", i, want[i], got)
					return
				}
				if got := ev.Grade(context.Background(), items[i], samples[i]).Score; got != want[i] {
					done <- fmt.Errorf("sample %d (shared evaluator): %v, then %v", i, want[i], got)
					return
				}
			}
			done <- nil
		}()
	}
	for w := 0; w < 4; w++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
