package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tracetune/backend/deploy"
	"tracetune/backend/grader"
	"tracetune/backend/record"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

const cliTuned = "ft:gpt-4o-mini-2024-07-18:acme::Zz9"

var cliNumber = regexp.MustCompile(`question (\d+)`)

// seedTrained adds to a dataset a string-check grader and a finished
// training job holding every other record out for validation.
func seedTrained(t *testing.T, dir, dataset string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.FindDataset(ctx, dataset)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := grader.Save(ctx, st, d.ID, grader.Grader{Components: []grader.Component{{Name: "exact", Kind: grader.KindStringCheck, Weight: 1,
		Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"}}}); err != nil {
		t.Fatal(err)
	}
	var split []store.SplitRow
	for after := int64(0); ; {
		page, err := st.RecordPage(ctx, d.ID, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			part := "train"
			if r.ID%2 == 0 {
				part = "validation"
			}
			split = append(split, store.SplitRow{RecordID: r.ID, Part: part})
		}
		after = page[len(page)-1].ID
	}
	j, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: d.ID, Trainer: "openai", Provider: "environment", BaseModel: "gpt-4o-mini", Status: "running"}, split)
	if err != nil {
		t.Fatal(err)
	}
	j.Status, j.FineTunedModel = "succeeded", cliTuned
	if err := st.UpdateTrainJob(ctx, j); err != nil {
		t.Fatal(err)
	}
}

// TestDeployJourney: benchmark, playground, deploy as A/B to a LiteLLM
// proxy, status, rollback, and replace + rollback leaving the proxy's table
// as it was — with the JSON shapes of the issue.
func TestDeployJourney(t *testing.T) {
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	old := sourceSecrets
	sourceSecrets = func() *secrets.Store { return sec }
	t.Cleanup(func() { sourceSecrets = old })
	oa := testutil.StartOpenAI(t)
	oa.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		m := cliNumber.FindStringSubmatch(r.LastUser())
		if m == nil {
			return testutil.ChatReply{Content: "?"}
		}
		n, _ := strconv.Atoi(m[1])
		if r.Model == cliTuned || n%4 == 0 {
			return testutil.ChatReply{Content: "answer " + m[1]}
		}
		return testutil.ChatReply{Content: "no idea"}
	})
	proxy := testutil.StartLiteLLM(t, "sk-master-cli")
	proxy.Models.AddDBModel("gpt-4o-mini", map[string]any{"model": "openai/gpt-4o-mini", "api_base": oa.URL, "api_key": "sk-prod"}, nil)

	dir := t.TempDir()
	var lines []string
	for i := 1; i <= 16; i++ {
		lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"support question %d about my invoice"}],"reference_answer":"answer %d"}`, i, i))
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "dep", "--file", fixture(t, lines...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	if _, errs, code := runIn(t, dir, "sources", "add", "--name", "gw", "--kind", "litellm", "--url", proxy.URL, "--key", "sk-master-cli"); code != 0 {
		t.Fatalf("sources add: %s", errs)
	}
	seedTrained(t, dir, "dep")
	// The models come in after Create & Start, which ran offline.
	t.Setenv("OPENAI_API_KEY", "sk-test-0000000000")
	t.Setenv("OPENAI_BASE_URL", oa.URL)
	info := func() []byte {
		req, _ := http.NewRequest(http.MethodGet, proxy.URL+"/model/info", nil)
		req.Header.Set("Authorization", "Bearer sk-master-cli")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}

	t.Run("benchmark prints the issue's shape", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "benchmark", "--dataset", "dep", "--json")
		if code != 0 {
			t.Fatalf("benchmark: %s", errs)
		}
		var r struct {
			Base     struct{ Mean *float64 } `json:"base"`
			Tuned    struct{ Mean *float64 } `json:"tuned"`
			Diff     *float64                `json:"diff"`
			CI95     []float64               `json:"ci95"`
			PerTopic map[string]any          `json:"per_topic"`
			Wins     *int                    `json:"wins"`
			Ties     *int                    `json:"ties"`
			Losses   *int                    `json:"losses"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Base.Mean == nil || r.Tuned.Mean == nil || r.Diff == nil || len(r.CI95) != 2 ||
			r.PerTopic == nil || r.Wins == nil || r.Ties == nil || r.Losses == nil {
			t.Fatalf("shape: %v %s", err, out)
		}
		// 8 validation records (even ids); the base answers right for n%4==0.
		if *r.Tuned.Mean != 1 || *r.Losses != 0 || *r.Wins+*r.Ties != 8 || *r.Diff <= 0 {
			t.Fatalf("figures: %s", out)
		}
	})
	t.Run("benchmark against another base model", func(t *testing.T) {
		// The production model, say: the responder answers right only as
		// the tuned model, so "gpt-4o" on the same provider scores like
		// the base did on these records.
		out, errs, code := runIn(t, dir, "benchmark", "--dataset", "dep", "--base-model", "gpt-4o", "--json")
		var r struct {
			Base struct {
				Model string   `json:"model"`
				Mean  *float64 `json:"mean"`
			} `json:"base"`
			Tuned struct{ Model string } `json:"tuned"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Base.Model != "gpt-4o" || r.Tuned.Model != cliTuned || r.Base.Mean == nil {
			t.Fatalf("benchmark --base-model: %d %s %s", code, out, errs)
		}
		asked := 0
		for _, q := range oa.Requests() {
			var body struct{ Model string }
			if strings.HasSuffix(q.Path, "/chat/completions") && json.Unmarshal(q.Body, &body) == nil && body.Model == "gpt-4o" {
				asked++
			}
		}
		if got := asked; got != 8 {
			t.Fatalf("gpt-4o was asked %d times, want the 8 validation records", got)
		}
	})
	t.Run("playground answers with both models", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "playground", "--dataset", "dep", "--prompt", "support question 5 please", "--json")
		var r struct {
			Base  struct{ Text string } `json:"base"`
			Tuned struct{ Text string } `json:"tuned"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Base.Text != "no idea" || r.Tuned.Text != "answer 5" {
			t.Fatalf("playground %d %s %s", code, out, errs)
		}
	})
	t.Run("on a terminal the playground streams, and --json does not", func(t *testing.T) {
		old := isTerminal
		isTerminal = func(io.Writer) bool { return true }
		t.Cleanup(func() { isTerminal = old })
		oa.Reset()
		out, errs, code := runIn(t, dir, "playground", "--dataset", "dep", "--prompt", "support question 8 please")
		want := "── base\nanswer 8\n(gpt-4o-mini, "
		if code != 0 || (!strings.Contains(out, want) && !strings.Contains(out, "── tuned\nanswer 8\n("+cliTuned+", ")) ||
			strings.Count(out, "answer 8") != 2 || strings.Count(out, "── ") != 2 {
			t.Fatalf("playground %d %q %s", code, out, errs)
		}
		for _, r := range oa.Requests() {
			if !bytes.Contains(r.Body, []byte(`"stream":true`)) {
				t.Fatalf("not streamed: %s", r.Body)
			}
		}
		oa.Reset()
		out, errs, code = runIn(t, dir, "playground", "--dataset", "dep", "--prompt", "support question 8 please", "--json")
		if code != 0 || !strings.HasPrefix(out, "{") || strings.Contains(out, "stopped") {
			t.Fatalf("playground --json %d %s %s", code, out, errs)
		}
		for _, r := range oa.Requests() {
			if bytes.Contains(r.Body, []byte(`"stream":true`)) {
				t.Fatalf("streamed with --json: %s", r.Body)
			}
		}
	})
	t.Run("deploy as A/B creates two weighted deployments", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "deploy", "--dataset", "dep", "--target", "litellm", "--mode", "ab", "--split", "10", "--json")
		var d struct {
			State   string `json:"state"`
			Changes []struct {
				Op string `json:"op"`
			} `json:"changes"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.State != "active" || len(d.Changes) != 2 {
			t.Fatalf("deploy %d %s %s", code, out, errs)
		}
		w := proxy.Models.Weights("gpt-4o-mini")
		if w["openai/gpt-4o-mini"] != 90 || w["openai/"+cliTuned] != 10 {
			t.Fatalf("weights %v", w)
		}
	})
	t.Run("status shows the deployment and its live report", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "deploy", "status", "--dataset", "dep", "--json")
		var s struct {
			Current *struct{ Mode string } `json:"current"`
			Live    *struct{}              `json:"live"`
			History []any                  `json:"history"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.Current == nil || s.Current.Mode != "ab" || s.Live == nil || len(s.History) != 1 {
			t.Fatalf("status %d %s %s", code, out, errs)
		}
	})
	t.Run("rollback, then replace and rollback leaves the proxy as it was", func(t *testing.T) {
		if out, errs, code := runIn(t, dir, "deploy", "rollback", "--dataset", "dep", "--json"); code != 0 {
			t.Fatalf("rollback %s %s", out, errs)
		}
		if w := proxy.Models.Weights("gpt-4o-mini"); len(w) != 1 {
			t.Fatalf("after rollback %v", w)
		}
		proxy2 := info()
		if _, errs, code := runIn(t, dir, "deploy", "--dataset", "dep", "--target", "litellm", "--mode", "replace", "--json"); code != 0 {
			t.Fatalf("replace: %s", errs)
		}
		if _, errs, code := runIn(t, dir, "deploy", "rollback", "--dataset", "dep"); code != 0 {
			t.Fatalf("rollback: %s", errs)
		}
		if !bytes.Equal(proxy2, info()) {
			t.Fatal("replace + rollback changed the table")
		}
	})
	t.Run("bad usage exits 2", func(t *testing.T) {
		if _, _, code := runIn(t, dir, "deploy", "--dataset", "dep", "--target", "nginx", "--mode", "ab"); code != 2 {
			t.Fatalf("exit %d", code)
		}
	})
}

// Two answers streamed at once come out one after the other: the first to
// start live, the other caught up when the first ends, and then live.
func TestStreamPrinterKeepsTheAnswersApart(t *testing.T) {
	var b bytes.Buffer
	p := &streamPrinter{w: &b}
	p.delta("tuned", "The ")
	p.delta("base", "I ")
	p.delta("tuned", "answer")
	p.delta("base", "think ")
	p.done(deploy.Answer{Side: "tuned", Model: "ft:m", LatencyMS: 12, ToolCalls: []record.ToolCall{{Function: record.FunctionCall{Name: "f", Arguments: "{}"}}}})
	p.delta("base", "so.\n")
	p.done(deploy.Answer{Side: "base", Model: "m", LatencyMS: 30, Stopped: true})
	p.finish(deploy.PlaygroundResult{Base: deploy.Answer{Side: "base", Text: "I think so.\n"}, Tuned: deploy.Answer{Side: "tuned", Text: "The answer"}})
	want := "── tuned\nThe answer\n→ f({})\n(ft:m, 12 ms)\n── base\nI think so.\n(m, 30 ms, stopped)\n"
	if b.String() != want {
		t.Fatalf("printed\n%s\nwant\n%s", b.String(), want)
	}

	// A side that failed before any text, and a run that ended before the
	// callbacks (both printed by finish).
	b.Reset()
	p = &streamPrinter{w: &b}
	p.done(deploy.Answer{Side: "base", Model: "m", Error: "404 from x"})
	p.finish(deploy.PlaygroundResult{Base: deploy.Answer{Side: "base"}, Tuned: deploy.Answer{Side: "tuned", Model: "t", Text: "late"}})
	if want := "── base\nerror: 404 from x\n(m, 0 ms)\n── tuned\nlate\n(t, 0 ms)\n"; b.String() != want {
		t.Fatalf("printed\n%s\nwant\n%s", b.String(), want)
	}
}
