package deploy_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"tracetune/backend/deploy"
	"tracetune/backend/gateway"
	"tracetune/backend/grader"
	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

// expected is what the fake models should score on the validation split,
// from the same oracle the fake answers with: mean per side and the paired
// wins/ties/losses of the tuned model.
func expected(t *testing.T, w *world) (base, tuned float64, wins, ties, losses int) {
	t.Helper()
	for _, id := range w.valid {
		rec, err := w.st.Record(w.ctx, id)
		must(t, err)
		var fields struct {
			Ref string `json:"reference_answer"`
		}
		must(t, json.Unmarshal(rec.Fields, &fields))
		var msgs []record.Message
		must(t, json.Unmarshal(rec.Messages, &msgs))
		b := score(answerFor(baseModel, record.LastUserText(msgs)), fields.Ref)
		tu := score(answerFor(tunedID, record.LastUserText(msgs)), fields.Ref)
		base += b / float64(len(w.valid))
		tuned += tu / float64(len(w.valid))
		switch {
		case tu > b:
			wins++
		case tu < b:
			losses++
		default:
			ties++
		}
	}
	return
}

func score(answer, ref string) float64 {
	if answer == ref {
		return 1
	}
	return 0
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestBenchmarkComparesBaseAndTunedOnTheValidationSplit(t *testing.T) {
	w := newWorld(t, 6)
	wantBase, wantTuned, wins, ties, losses := expected(t, w)
	var rep deploy.Report
	t.Run("both models answer every validation record once", func(t *testing.T) {
		var err error
		rep, err = w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{Seed: 5}, nil)
		must(t, err)
		if got := w.oa.Count("/chat/completions"); got != 2*len(w.valid) || rep.Asked != got {
			t.Fatalf("calls = %d, asked = %d, want %d", got, rep.Asked, 2*len(w.valid))
		}
		if rep.Base.Model != baseModel || rep.Tuned.Model != tunedID || rep.JobID != w.job || rep.GraderVersion == "" {
			t.Fatalf("report identity = %+v", rep)
		}
	})
	t.Run("means, paired difference and wins match the models' behaviour", func(t *testing.T) {
		if !near(rep.Base.Mean, wantBase) || !near(rep.Tuned.Mean, wantTuned) || !near(rep.Diff, wantTuned-wantBase) {
			t.Fatalf("base %g tuned %g diff %g, want %g %g", rep.Base.Mean, rep.Tuned.Mean, rep.Diff, wantBase, wantTuned)
		}
		if rep.Wins != wins || rep.Ties != ties || rep.Losses != losses || rep.Paired != len(w.valid) {
			t.Fatalf("w/t/l = %d/%d/%d of %d, want %d/%d/%d", rep.Wins, rep.Ties, rep.Losses, rep.Paired, wins, ties, losses)
		}
		if !(rep.CI95[0] <= rep.Diff && rep.Diff <= rep.CI95[1]) || rep.CI95[0] <= 0 {
			t.Fatalf("ci95 %v around diff %g", rep.CI95, rep.Diff)
		}
	})
	t.Run("every topic has its before and after", func(t *testing.T) {
		if len(rep.PerTopic) != len(topics) {
			t.Fatalf("per topic = %v", rep.PerTopic)
		}
		n := 0
		for _, name := range topics {
			tr := rep.PerTopic[name]
			n += tr.N
			if !near(tr.Diff, tr.Tuned-tr.Base) || tr.Tuned != 1 {
				t.Errorf("%s: %+v", name, tr)
			}
		}
		if n != len(w.valid) {
			t.Fatalf("topics cover %d records, want %d", n, len(w.valid))
		}
	})
	t.Run("latency and tokens are measured per model", func(t *testing.T) {
		for _, s := range []deploy.SideReport{rep.Base, rep.Tuned} {
			if s.N != len(w.valid) || s.PromptTokens == 0 || s.CompletionTokens == 0 || s.LatencyP95MS < s.LatencyP50MS {
				t.Fatalf("side = %+v", s)
			}
		}
		if rep.Base.Cost <= 0 {
			t.Fatalf("base cost %g: gpt-4o-mini has a price", rep.Base.Cost)
		}
	})
	t.Run("a re-run asks nothing and reports the same", func(t *testing.T) {
		calls := w.oa.Count("/chat/completions")
		again, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{Seed: 5}, nil)
		must(t, err)
		if w.oa.Count("/chat/completions") != calls || again.Asked != 0 {
			t.Fatalf("re-run made %d calls", w.oa.Count("/chat/completions")-calls)
		}
		if again.BenchmarkID != rep.BenchmarkID || again.Diff != rep.Diff || again.CI95 != rep.CI95 {
			t.Fatalf("re-run report %+v differs from %+v", again, rep)
		}
	})
	t.Run("the benchmark is kept with its job, grader and models", func(t *testing.T) {
		runs, err := w.svc.Benchmarks(w.ctx, w.ds)
		must(t, err)
		if len(runs) != 1 || runs[0].Report == nil || runs[0].JobID != w.job || runs[0].TunedModel != tunedID || runs[0].State != "done" {
			t.Fatalf("runs = %+v", runs)
		}
	})
}

func TestBenchmarkResumesOnlyWhatFailed(t *testing.T) {
	w := newWorld(t, 4)
	w.oa.Fail("chat", testutil.Failure{Status: 400, Message: "context length exceeded"}, testutil.Failure{Status: 400, Message: "context length exceeded"})
	first, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{}, nil)
	must(t, err)
	if first.Base.Failed+first.Tuned.Failed != 2 || first.Paired != len(w.valid)-2 && first.Paired != len(w.valid)-1 {
		t.Fatalf("first run: %+v", first)
	}
	calls := w.oa.Count("/chat/completions")
	second, err := w.svc.Benchmark(w.ctx, w.ds, deploy.BenchmarkOptions{}, nil)
	must(t, err)
	if got := w.oa.Count("/chat/completions") - calls; got != 2 || second.Asked != 2 || second.Paired != len(w.valid) {
		t.Fatalf("second run made %d calls, paired %d", got, second.Paired)
	}
}

func TestPlaygroundAnswersSideBySide(t *testing.T) {
	w := newWorld(t, 2)
	t.Run("a typed prompt goes to both models with the same settings", func(t *testing.T) {
		temp := 0.0
		res, err := w.svc.Playground(w.ctx, w.ds, deploy.PlaygroundInput{Prompt: "question number 4 about billing", Temperature: &temp, MaxTokens: 200})
		must(t, err)
		if res.Base.Text != "Please contact support." || res.Tuned.Text != "answer 4 about billing" {
			t.Fatalf("answers = %q / %q", res.Base.Text, res.Tuned.Text)
		}
		reqs := w.oa.Requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests", len(reqs))
		}
		var a, b map[string]any
		must(t, json.Unmarshal(reqs[0].Body, &a))
		must(t, json.Unmarshal(reqs[1].Body, &b))
		delete(a, "model")
		delete(b, "model")
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("settings differ:\n%v\n%v", a, b)
		}
	})
	t.Run("a record is graded on demand", func(t *testing.T) {
		res, err := w.svc.Playground(w.ctx, w.ds, deploy.PlaygroundInput{RecordID: w.valid[0], Grade: true})
		must(t, err)
		if res.Base.Grade == nil || res.Tuned.Grade == nil || res.Tuned.Grade.Score != 1 {
			t.Fatalf("grades = %+v / %+v", res.Base.Grade, res.Tuned.Grade)
		}
		g, err := w.svc.GradeAnswer(w.ctx, w.ds, deploy.PlaygroundInput{RecordID: w.valid[0]}, res.Base.Message)
		must(t, err)
		if g.Score != res.Base.Grade.Score {
			t.Fatalf("grade on demand %g, in playground %g", g.Score, res.Base.Grade.Score)
		}
	})
	t.Run("tool calls are shown", func(t *testing.T) {
		line := `{"messages":[{"role":"user","content":"book a flight to Oslo"}],"tools":[{"type":"function","function":{"name":"book_flight","parameters":{"type":"object","properties":{"to":{"type":"string"}}}}}]}`
		recs := []record.Record{ingest.Normalize([]byte(line), 99)}
		w.insert(t, recs, nil)
		rec := recs[0]
		w.oa.SetResponder(nil) // the default fake calls the offered tool
		res, err := w.svc.Playground(w.ctx, w.ds, deploy.PlaygroundInput{RecordID: rec.ID})
		must(t, err)
		for _, a := range []deploy.Answer{res.Base, res.Tuned} {
			if len(a.ToolCalls) != 1 || a.ToolCalls[0].Function.Name != "book_flight" {
				t.Fatalf("%s answer = %+v", a.Side, a)
			}
		}
	})
	t.Run("a prompt and a record together are refused", func(t *testing.T) {
		if _, err := w.svc.Playground(w.ctx, w.ds, deploy.PlaygroundInput{Prompt: "x", RecordID: 1}); err == nil {
			t.Fatal("accepted")
		}
	})
}

func TestLiveReportComparesPulledTracesByModel(t *testing.T) {
	w := newWorld(t, 2)
	dep, err := w.svc.Deploy(w.ctx, w.ds, deploy.Options{Target: "litellm", Mode: deploy.ModeAB, Split: 50})
	must(t, err)
	// Real traffic after the deployment, logged by the proxy: the tuned
	// model answers right, the base model only every third question.
	start := dep.CreatedAt.Add(time.Second)
	var traces []testutil.GatewayTrace
	for i := 1; i <= 12; i++ {
		model := baseModel
		if i%2 == 0 {
			model = tunedID
		}
		prompt := fmt.Sprintf("question number %d about travel, please help", 100+i)
		traces = append(traces, testutil.GatewayTrace{ID: fmt.Sprintf("req-%d", i), Time: start.Add(time.Duration(i) * time.Second), Model: model,
			Messages: []map[string]any{{"role": "user", "content": prompt}},
			Output:   map[string]any{"role": "assistant", "content": answerFor(model, prompt)}})
	}
	w.proxy.Add(traces...)
	src, row, err := gateway.Load(w.ctx, w.st, w.sec, "prod")
	must(t, err)
	_, err = gateway.Pull(w.ctx, w.st, src, row.ID, w.ds, gateway.PullOptions{Now: func() time.Time { return start.Add(time.Minute) }}, nil)
	must(t, err)
	// The grader compares with item.reference_answer, which pulled traces
	// lack: grade live traffic with a check of the answer's shape instead.
	// (The dataset's current grader is what the live report uses.)
	_, err = grader.Save(w.ctx, w.st, w.ds, grader.Grader{Components: []grader.Component{{Name: "answers", Kind: grader.KindStringCheck, Weight: 1,
		Input: "{{sample.output_text}}", Reference: "answer ", Operation: "like"}}})
	must(t, err)

	rep, err := w.svc.Live(w.ctx, w.ds)
	must(t, err)

	if rep.Base.Traces != 6 || rep.Tuned.Traces != 6 || rep.Base.Graded != 6 || rep.Tuned.Graded != 6 {
		t.Fatalf("report = %+v", rep)
	}
	// Base answers right for 102… only when n%3==0: 105, 111 of the odd ones.
	if !near(rep.Tuned.Mean, 1) || !near(rep.Base.Mean, 2.0/6) || !(rep.CI95[0] <= rep.Diff && rep.Diff <= rep.CI95[1]) {
		t.Fatalf("means %g / %g, ci %v", rep.Base.Mean, rep.Tuned.Mean, rep.CI95)
	}
	calls := w.oa.Count("/chat/completions")
	again, err := w.svc.Live(w.ctx, w.ds)
	must(t, err)
	if again.Diff != rep.Diff || w.oa.Count("/chat/completions") != calls || calls != 0 {
		t.Fatalf("the live report called a model (%d calls)", calls)
	}
	if !strings.Contains(dep.Summary, "50 %") {
		t.Fatalf("summary = %q", dep.Summary)
	}
}
