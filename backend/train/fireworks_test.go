package train_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

const fwKey = "fw-test-key-0123456789"

// fwGrader has a script and every built-in kind that runs without a model.
func fwGrader() grader.Grader {
	return grader.Grader{Components: []grader.Component{
		{Name: "exact", Kind: grader.KindStringCheck, Weight: 0.3, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"},
		{Name: "topic", Kind: grader.KindStringCheck, Weight: 0.1, Input: "{{sample.output_text}}", Reference: "{{item.case_id}}", Operation: "ilike"},
		{Name: "fuzzy", Kind: grader.KindTextSimilarity, Weight: 0.2, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Metric: "fuzzy_match"},
		{Name: "rouge", Kind: grader.KindTextSimilarity, Weight: 0.1, Input: "{{sample.output_text}}", Reference: "{{item.messages[-1].content}}", Metric: "rouge_l"},
		{Name: "script", Kind: grader.KindScript, Weight: 0.3, Source: `def grade(sample, item):
    text = sample["output_text"].lower()
    ref = item["reference_answer"].lower()
    words = [w for w in ref.split(" ") if w in text]
    score = len(words) / max(1, len(ref.split(" ")))
    if item["case_id"] in text:
        score = min(1.0, score + 0.25)
    return round(score, 6)
`},
	}}
}

// fwInputs are what the pipeline hands a Fireworks job for g.
func fwInputs(t *testing.T, g grader.Grader) train.Inputs {
	t.Helper()
	files, err := grader.ExportFireworks(g)
	if err != nil {
		t.Fatal(err)
	}
	canon, err := g.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return train.Inputs{GraderVersion: g.Version(), Grader: canon, Evaluator: files, DryRunID: 3, DryRunVerdict: "GO"}
}

// fwSetup is a store with the scenario dataset, the fake Fireworks and a
// service whose provider "fw" (kind fireworks) points at it.
func fwSetup(t *testing.T) (*store.Store, int64, *testutil.Fireworks, *train.Service, *llm.Manager) {
	t.Helper()
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st := testutil.OpenStore(t)
	ds := seedDataset(t, st, 0)
	fake := testutil.StartFireworks(t)
	fake.RequireKey(fwKey)
	m := &llm.Manager{Store: st, Secrets: secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})}
	if _, err := m.Add(context.Background(), llm.ProviderInput{Name: "fw", Kind: llm.KindFireworks, BaseURL: fake.URL, Account: fake.Account, APIKey: fwKey}); err != nil {
		t.Fatal(err)
	}
	return st, ds, fake, &train.Service{Store: st, Providers: m, PollMin: 2 * time.Millisecond, PollMax: 10 * time.Millisecond}, m
}

func fwOptions() train.Options {
	o := train.Options{Trainer: "fireworks", Provider: "fw", Model: "accounts/fireworks/models/qwen3-0p6b"}
	o.Hyper = train.DefaultHyperparameters("fireworks")
	return o
}

func TestAFireworksProviderKeepsItsAccountAndChatBase(t *testing.T) {
	st := testutil.OpenStore(t)
	m := &llm.Manager{Store: st, Secrets: secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})}
	ctx := context.Background()
	p, err := m.Add(ctx, llm.ProviderInput{Name: "fw", Kind: llm.KindFireworks, BaseURL: "https://api.fireworks.ai", Account: "my-acct", APIKey: "fw_x"})
	if err != nil {
		t.Fatal(err)
	}
	if p.BaseURL != "https://api.fireworks.ai/inference/v1" {
		t.Errorf("base URL %q, want the chat base", p.BaseURL)
	}
	cfg, err := m.Endpoint(ctx, "fw")
	if err != nil || cfg.Account != "my-acct" || cfg.APIKey != "fw_x" || cfg.APIVersion != "" {
		t.Fatalf("endpoint %+v %v", cfg, err)
	}
	if _, err := m.Add(ctx, llm.ProviderInput{Name: "fw2", Kind: llm.KindFireworks, APIKey: "fw_x"}); err == nil || !strings.Contains(err.Error(), "account") {
		t.Errorf("a provider without account: %v", err)
	}
	if d := llm.DefaultBaseURL(llm.KindFireworks); d != "https://api.fireworks.ai/inference/v1" {
		t.Errorf("default base %q", d)
	}
}

func TestAFireworksJobUploadsBuildsTrainsAndStoresTheModel(t *testing.T) {
	st, ds, fake, svc, _ := fwSetup(t)
	fake.SetSteps(4, 2)
	ctx := ctxT(t)
	var job train.Job
	t.Run("start uploads both datasets, builds the evaluator and creates the job", func(t *testing.T) {
		var err error
		job, err = svc.Start(ctx, ds, fwOptions(), fwInputs(t, fwGrader()))
		if err != nil {
			t.Fatal(err)
		}
		if job.RemoteID == "" || job.Trainer != "fireworks" || job.Provider != "fw" || fake.JobsCreated() != 1 {
			t.Fatalf("job %+v, %d created", job, fake.JobsCreated())
		}
		if !strings.HasPrefix(job.RemoteStatus, "JOB_STATE_") {
			t.Errorf("remote status %q should be Fireworks' own word", job.RemoteStatus)
		}
		dss := fake.Datasets()
		if len(dss) != 2 {
			t.Fatalf("datasets %v", dss)
		}
		for _, d := range dss {
			if d.State != "READY" || d.Deleted {
				t.Errorf("dataset %s is %s", d.ID, d.State)
			}
		}
		evs := fake.Evaluators()
		if len(evs) != 1 {
			t.Fatalf("evaluators %v", evs)
		}
		for _, e := range evs {
			if e.State != "ACTIVE" || e.EntryPoint != "test_grader.py::test_grader" || e.Files["tracetune_grader.py"] == "" {
				t.Errorf("evaluator %s: %s %s %d files", e.ID, e.State, e.EntryPoint, len(e.Files))
			}
		}
	})
	t.Run("the rows carry messages, ground_truth and the grader fields", func(t *testing.T) {
		var train, valid int
		for id, d := range fake.Datasets() {
			n := 0
			for _, line := range bytes.Split(bytes.TrimSpace(d.Content), []byte("\n")) {
				n++
				var row map[string]any
				if err := json.Unmarshal(line, &row); err != nil {
					t.Fatal(err)
				}
				msgs, _ := row["messages"].([]any)
				gt, _ := row["ground_truth"].(string)
				var fields map[string]any
				if len(msgs) != 2 || json.Unmarshal([]byte(gt), &fields) != nil || fields["case_id"] != row["case_id"] || row["reference_answer"] == nil {
					t.Fatalf("row %s", line)
				}
				if msgs[0].(map[string]any)["role"] != "system" {
					t.Errorf("system prompts stay system on Fireworks: %s", line)
				}
			}
			if fmt.Sprint(n) != d.ExampleCount {
				t.Errorf("dataset %s: exampleCount %s, %d rows", id, d.ExampleCount, n)
			}
			if strings.HasSuffix(id, "-train") {
				train = n
			} else {
				valid = n
			}
		}
		if train != job.TrainCount || valid != job.ValidCount || train+valid != 100 {
			t.Errorf("train %d valid %d, job says %d/%d", train, valid, job.TrainCount, job.ValidCount)
		}
	})
	t.Run("the job names the base model, output model and hyperparameters", func(t *testing.T) {
		body := fake.Jobs()[0].Body
		tc := body["trainingConfig"].(map[string]any)
		if tc["baseModel"] != "accounts/fireworks/models/qwen3-0p6b" || tc["epochs"] != 5.0 || tc["learningRate"] != 1e-4 || tc["loraRank"] != 8.0 || tc["outputModel"] == "" {
			t.Errorf("trainingConfig %v", tc)
		}
		ip := body["inferenceParameters"].(map[string]any)
		if ip["responseCandidatesCount"] != 4.0 || ip["maxOutputTokens"] != 2048.0 {
			t.Errorf("inferenceParameters %v", ip)
		}
		if !strings.HasPrefix(body["evaluationDataset"].(string), "accounts/fake-acct/datasets/") || !strings.HasPrefix(body["evaluator"].(string), "accounts/fake-acct/evaluators/") {
			t.Errorf("body %v", body)
		}
	})
	t.Run("watching follows it to succeeded with progress, rewards and the model id", func(t *testing.T) {
		j, err := svc.Watch(ctx, job.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := fake.Jobs()[0].Body["trainingConfig"].(map[string]any)["outputModel"].(string)
		if j.Status != train.StatusSucceeded || j.RemoteStatus != "JOB_STATE_COMPLETED" || j.FineTunedModel != "accounts/fake-acct/models/"+out {
			t.Fatalf("job %+v", j)
		}
		modelReads := 0
		for _, r := range fake.Requests() {
			if strings.HasSuffix(r.Path, "/models/"+out) {
				modelReads++
			}
		}
		if modelReads < 2 {
			t.Errorf("the model was read %d times: succeeded must wait until it is READY", modelReads)
		}
		d, err := train.GetDetail(ctx, st, job.ID)
		if err != nil || len(d.Metrics) != 4 {
			t.Fatalf("metrics %+v %v", d.Metrics, err)
		}
		for _, m := range d.Metrics {
			tr, va := testutil.FireworksRewards(m.Step, 4)
			if m.TrainRewardMean == nil || math.Abs(*m.TrainRewardMean-tr) > 1e-12 || m.TotalSteps != 4 {
				t.Errorf("step %d: %+v", m.Step, m)
			}
			if (m.Step%2 == 0) != (m.ValidRewardMean != nil) || m.ValidRewardMean != nil && math.Abs(*m.ValidRewardMean-va) > 1e-12 {
				t.Errorf("step %d validation reward %v", m.Step, m.ValidRewardMean)
			}
		}
		evs, _ := train.Events(ctx, st, job.ID, 0, 0)
		var progress, states int
		for _, e := range evs {
			if e.Type == "progress" {
				progress++
			}
			if strings.HasPrefix(e.ID, "state-") {
				states++
			}
		}
		if progress < 3 || states < 3 {
			t.Errorf("%d progress and %d state events in %d", progress, states, len(evs))
		}
	})
}

func TestCancellingAFireworksJobEndsItCancelled(t *testing.T) {
	_, ds, fake, svc, _ := fwSetup(t)
	ctx := ctxT(t)
	job, err := svc.Start(ctx, ds, fwOptions(), fwInputs(t, fwGrader()))
	if err != nil {
		t.Fatal(err)
	}
	j, err := svc.Cancel(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Final {
		j, err = svc.Watch(ctx, job.ID, nil)
	}
	if err != nil || j.Status != train.StatusCancelled || j.RemoteStatus != "JOB_STATE_CANCELLED" {
		t.Fatalf("after cancel: %+v %v", j, err)
	}
	if fake.Jobs()[0].State != "JOB_STATE_CANCELLED" {
		t.Errorf("the platform's job is %s", fake.Jobs()[0].State)
	}
	if _, err := svc.Cancel(ctx, job.ID); !errors.Is(err, train.ErrFinal) {
		t.Errorf("a second cancel: %v", err)
	}
	if _, err := svc.Pause(ctx, job.ID); err == nil {
		t.Error("pause of a finished Fireworks job should be refused")
	}
}

func TestAFailedFireworksJobKeepsThePlatformsReason(t *testing.T) {
	_, ds, fake, svc, _ := fwSetup(t)
	fake.FailAtStep(2)
	ctx := ctxT(t)
	job, err := svc.Start(ctx, ds, fwOptions(), fwInputs(t, fwGrader()))
	if err != nil {
		t.Fatal(err)
	}
	j, err := svc.Watch(ctx, job.ID, nil)
	if err != nil || j.Status != train.StatusFailed || !strings.Contains(j.Error, "failed at step 2") || j.RemoteStatus != "JOB_STATE_FAILED" {
		t.Fatalf("%+v %v", j, err)
	}
}

func TestFireworksPollingResumesAfterTheAppIsKilled(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	path := filepath.Join(t.TempDir(), "tracetune.db")
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	fake := testutil.StartFireworks(t)
	fake.RequireKey(fwKey)
	fake.SetSteps(8, 2)
	st1, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ds := seedDataset(t, st1, 0)
	m1 := &llm.Manager{Store: st1, Secrets: sec}
	if _, err := m1.Add(context.Background(), llm.ProviderInput{Name: "fw", Kind: llm.KindFireworks, BaseURL: fake.URL, Account: fake.Account, APIKey: fwKey}); err != nil {
		t.Fatal(err)
	}
	svc1 := &train.Service{Store: st1, Providers: m1, PollMin: 2 * time.Millisecond, PollMax: 5 * time.Millisecond}
	killThenResume(t, path, sec, st1, svc1, func(ctx context.Context) (train.Job, error) {
		return svc1.Start(ctx, ds, fwOptions(), fwInputs(t, fwGrader()))
	}, func(t *testing.T, ctx context.Context, st2 *store.Store, jobID int64, j train.Job) {
		if j.Status != train.StatusSucceeded || !strings.HasPrefix(j.FineTunedModel, "accounts/fake-acct/models/") {
			t.Fatalf("resumed job: %+v", j)
		}
		if fake.JobsCreated() != 1 || len(fake.Datasets()) != 2 || len(fake.Evaluators()) != 1 {
			t.Errorf("the platform saw %d jobs, %d datasets, %d evaluators; want 1, 2, 1", fake.JobsCreated(), len(fake.Datasets()), len(fake.Evaluators()))
		}
		d, err := train.GetDetail(ctx, st2, jobID)
		if err != nil || len(d.Metrics) != 8 {
			t.Errorf("metrics after resume: %d steps (%v)", len(d.Metrics), err)
		}
	})
}

func TestFireworksRefusesBeforeUploadingWhatCannotRun(t *testing.T) {
	judge := func() grader.Grader {
		g := fwGrader()
		g.Components[0].Weight = 0.1
		return grader.Grader{Components: append(g.Components, grader.Component{Name: "judge", Kind: grader.KindJudge, Weight: 0.2,
			Prompt: "Is {{response}} a good answer to {{messages}}? Reference: {{item.reference_answer}}"})}
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, m *llm.Manager)
		in    func(t *testing.T) train.Inputs
		want  string
	}{
		{"a judge with no judge role", func(*testing.T, *llm.Manager) {}, func(t *testing.T) train.Inputs { return fwInputs(t, judge()) }, "judge role"},
		{"a judge on this machine", func(t *testing.T, m *llm.Manager) {
			if _, err := m.Add(context.Background(), llm.ProviderInput{Name: "local", Kind: llm.KindOllama}); err != nil {
				t.Fatal(err)
			}
			if err := m.SetRole(context.Background(), llm.RoleJudge, "local", "qwen3:8b"); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T) train.Inputs { return fwInputs(t, judge()) }, "cannot reach"},
		{"no evaluator export", func(*testing.T, *llm.Manager) {}, func(t *testing.T) train.Inputs {
			in := fwInputs(t, fwGrader())
			in.Evaluator = nil
			return in
		}, "no Fireworks evaluator export"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ds, fake, svc, m := fwSetup(t)
			tc.setup(t, m)
			j, err := svc.Start(ctxT(t), ds, fwOptions(), tc.in(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if j.ID != 0 && j.Status != train.StatusFailed {
				t.Errorf("job %+v", j)
			}
			if n := len(fake.Requests()); n != 0 {
				t.Errorf("%d requests reached Fireworks", n)
			}
		})
	}
	t.Run("a base model Fireworks cannot tune is refused and leaves nothing behind", func(t *testing.T) {
		_, ds, fake, svc, _ := fwSetup(t)
		o := fwOptions()
		o.Model = "accounts/fireworks/models/not-a-model"
		j, err := svc.Start(ctxT(t), ds, o, fwInputs(t, fwGrader()))
		if !errors.Is(err, train.ErrRefused) || !strings.Contains(err.Error(), "What to do") || j.Status != train.StatusFailed {
			t.Fatalf("%+v %v", j, err)
		}
		for _, d := range fake.Datasets() {
			if !d.Deleted {
				t.Errorf("dataset %s left behind", d.ID)
			}
		}
		for _, e := range fake.Evaluators() {
			if !e.Deleted {
				t.Errorf("evaluator %s left behind", e.ID)
			}
		}
	})
}

func TestAJudgesKeyTravelsAsASecretNeverInThePackage(t *testing.T) {
	_, ds, fake, svc, m := fwSetup(t)
	ctx := ctxT(t)
	const judgeKey = "sk-judge-secret-987654321"
	if _, err := m.Add(ctx, llm.ProviderInput{Name: "oa", Kind: llm.KindOpenAI, APIKey: judgeKey}); err != nil {
		t.Fatal(err)
	}
	if err := m.SetRole(ctx, llm.RoleJudge, "oa", "gpt-4.1-mini"); err != nil {
		t.Fatal(err)
	}
	g := fwGrader()
	g.Components[0].Weight = 0.1
	g.Components = append(g.Components, grader.Component{Name: "judge", Kind: grader.KindJudge, Weight: 0.2, Prompt: "Rate {{response}} against {{item.reference_answer}}."})
	if _, err := svc.Start(ctx, ds, fwOptions(), fwInputs(t, g)); err != nil {
		t.Fatal(err)
	}
	if v, ok := fake.Secret("TRACETUNE_JUDGE_API_KEY"); !ok || v != judgeKey {
		t.Errorf("secret %q %v", v, ok)
	}
	for _, e := range fake.Evaluators() {
		for name, content := range e.Files {
			if strings.Contains(content, judgeKey) {
				t.Errorf("%s carries the judge's key", name)
			}
		}
		if !strings.Contains(e.Files["test_grader.py"], `"https://api.openai.com/v1"`) || !strings.Contains(e.Files["test_grader.py"], `"gpt-4.1-mini"`) {
			t.Errorf("test_grader.py does not name the judge's endpoint and model:\n%.400s", e.Files["test_grader.py"])
		}
	}
	for _, r := range fake.Requests() {
		if bytes.Contains(r.Body, []byte(judgeKey)) && !strings.HasSuffix(r.Path, "/secrets") {
			t.Errorf("%s %s carries the judge's key", r.Method, r.Path)
		}
	}
}

// evalProtocolShim is the least of eval_protocol that test_grader.py
// imports, so the uploaded entry point runs with the system python3.
const evalProtocolShim = `
class _Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)

class EvaluateResult(_Obj): pass
class MetricResult(_Obj): pass

class EvaluationRow:
    def __init__(self, messages=None, ground_truth=None, tools=None, **kw):
        self.messages, self.ground_truth, self.tools = messages, ground_truth, tools
        self.evaluation_result = None
`

const evalProtocolPytestShim = `
class SingleTurnRolloutProcessor: pass

def evaluation_test(**kw):
    return lambda fn: fn
`

func TestTheUploadedEvaluatorScoresTheValidationRowsLikeTheApp(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal(err)
	}
	st, ds, fake, svc, _ := fwSetup(t)
	g := fwGrader()
	job, err := svc.Start(ctxT(t), ds, fwOptions(), fwInputs(t, g))
	if err != nil {
		t.Fatal(err)
	}
	var pkg map[string]string
	for _, e := range fake.Evaluators() {
		pkg = e.Files
	}
	var rows []byte
	for id, d := range fake.Datasets() {
		if strings.HasSuffix(id, "-valid") {
			rows = d.Content
		}
	}
	dir := t.TempDir()
	for name, content := range pkg {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.MkdirAll(filepath.Join(dir, "eval_protocol"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "eval_protocol", "__init__.py"), nil, 0o600)
	_ = os.WriteFile(filepath.Join(dir, "eval_protocol", "models.py"), []byte(evalProtocolShim), 0o600)
	_ = os.WriteFile(filepath.Join(dir, "eval_protocol", "pytest.py"), []byte(evalProtocolPytestShim), 0o600)

	// The policy's answers: exact, near, partial and wrong, by row.
	ids, err := train.ValidationRecordIDs(context.Background(), st, job.ID)
	if err != nil || len(ids) != job.ValidCount {
		t.Fatalf("%d validation ids: %v", len(ids), err)
	}
	recs := map[string]record.Record{}
	page, err := st.Records(context.Background(), store.RecordFilter{DatasetID: ds, Code: "valid", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page {
		var f map[string]any
		_ = json.Unmarshal(r.Fields, &f)
		recs[f["case_id"].(string)] = r
	}
	answer := func(i int, ref, caseID string) string {
		switch i % 4 {
		case 0:
			return ref
		case 1:
			return strings.ToUpper(ref[:1]) + ref[1:] + " (" + caseID + ")"
		case 2:
			return "I think " + strings.Fields(ref)[0] + " something"
		}
		return "no idea"
	}
	type call struct {
		Messages    []map[string]any `json:"messages"`
		GroundTruth string           `json:"ground_truth"`
	}
	var calls []call
	var want []float64
	ev := grader.NewEvaluator(nil, g)
	for i, line := range bytes.Split(bytes.TrimSpace(rows), []byte("\n")) {
		var row call
		if err := json.Unmarshal(line, &row); err != nil {
			t.Fatal(err)
		}
		var gt map[string]any
		_ = json.Unmarshal([]byte(row.GroundTruth), &gt)
		rec := recs[gt["case_id"].(string)]
		var fields map[string]any
		_ = json.Unmarshal(rec.Fields, &fields)
		var msgs []record.Message
		_ = json.Unmarshal(rec.Messages, &msgs)
		ans := answer(i, fields["reference_answer"].(string), fields["case_id"].(string))
		content, _ := json.Marshal(ans)
		want = append(want, ev.Grade(context.Background(), grader.Item{Messages: msgs, Fields: fields},
			grader.SampleFromMessage(record.Message{Role: "assistant", Content: content})).Score)
		row.Messages = append(row.Messages, map[string]any{"role": "assistant", "content": ans})
		calls = append(calls, row)
	}
	script := `import json, sys
sys.path.insert(0, sys.argv[1])
from eval_protocol.models import EvaluationRow
from test_grader import test_grader
out = []
for c in json.load(sys.stdin):
    row = test_grader(EvaluationRow(messages=c["messages"], ground_truth=c["ground_truth"]))
    out.append(row.evaluation_result.score)
print(json.dumps(out))
`
	data, _ := json.Marshal(calls)
	cmd := exec.Command(py, "-c", script, dir)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var got []float64
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%s %v", out, err)
	}
	distinct := map[float64]bool{}
	for i := range got {
		distinct[want[i]] = true
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Errorf("row %d: evaluator %v, app %v", i, got[i], want[i])
		}
	}
	if len(distinct) < 4 {
		t.Errorf("only %d distinct scores: the rows do not exercise the grader", len(distinct))
	}
	t.Logf("%d validation rows, %d distinct scores, all within 1e-9", len(got), len(distinct))
}
