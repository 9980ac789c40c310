package deploy_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"tracetune/backend/deploy"
	"tracetune/backend/gateway"
	"tracetune/backend/grader"
	"tracetune/backend/ingest"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

const (
	masterKey = "sk-litellm-master-0123456789"
	labKey    = "sk-lab-0123456789"
	baseModel = "gpt-4o-mini-2024-07-18"
	tunedID   = "ft:gpt-4o-mini-2024-07-18:acme:support:AbC123"
)

var topics = []string{"billing", "travel", "sql"}

// world is a dataset with records in three topics, a string-check grader,
// a training job whose model the fake OpenAI server serves, and a LiteLLM
// source whose fake proxy keeps a model table.
type world struct {
	ctx     context.Context
	st      *store.Store
	sec     *secrets.Store
	svc     *deploy.Service
	ds      int64
	job     int64
	valid   []int64
	oa      *testutil.OpenAI
	proxy   *testutil.LiteLLM
	baseIDs []string // the production deployments of baseModel in the proxy
}

var numberRE = regexp.MustCompile(`question number (\d+) about (\w+)`)

// answerFor is the fake models' behaviour: the tuned model always gives
// the reference answer; the base model only for every third question.
func answerFor(model, prompt string) string {
	m := numberRE.FindStringSubmatch(prompt)
	if m == nil {
		return "I cannot help with that."
	}
	n, _ := strconv.Atoi(m[1])
	if model == tunedID || n%3 == 0 {
		return fmt.Sprintf("answer %d about %s", n, m[2])
	}
	return "Please contact support."
}

func newWorld(t *testing.T, perTopic int) *world {
	t.Helper()
	w := &world{ctx: context.Background(), st: testutil.OpenStore(t), sec: secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})}
	ctx, st := w.ctx, w.st
	d, err := st.CreateDataset(ctx, "support", "answer support questions")
	must(t, err)
	w.ds = d.ID
	var specs []store.TopicSpec
	for _, name := range topics {
		specs = append(specs, store.TopicSpec{Name: name})
	}
	_, err = st.ReplaceTopics(ctx, d.ID, specs, false)
	must(t, err)
	tops, err := st.Topics(ctx, d.ID)
	must(t, err)
	topicID := map[string]int64{}
	for _, tp := range tops {
		topicID[tp.Name] = tp.ID
	}
	var recs []record.Record
	var of []int64
	n := 0
	for _, name := range topics {
		for i := 0; i < perTopic; i++ {
			n++
			line := fmt.Sprintf(`{"messages":[{"role":"system","content":"You are a support agent."},{"role":"user","content":"question number %d about %s, please help"}],"reference_answer":"answer %d about %s"}`, n, name, n, name)
			recs = append(recs, ingest.Normalize([]byte(line), n))
			of = append(of, topicID[name])
		}
	}
	w.insert(t, recs, of)
	_, err = grader.Save(ctx, st, d.ID, grader.Grader{Components: []grader.Component{{Name: "exact", Kind: grader.KindStringCheck, Weight: 1,
		Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "eq"}}})
	must(t, err)

	w.oa = testutil.StartOpenAI(t)
	w.oa.SetResponder(func(r testutil.ChatRequest) testutil.ChatReply {
		return testutil.ChatReply{Content: answerFor(r.Model, r.LastUser())}
	})
	mgr := &llm.Manager{Store: st, Secrets: w.sec}
	_, err = mgr.Add(ctx, llm.ProviderInput{Name: "lab", Kind: llm.KindOpenAI, BaseURL: w.oa.URL, APIKey: labKey})
	must(t, err)

	// A finished training job: every other record held out for validation.
	ids := make([]int64, len(recs))
	var split []store.SplitRow
	for i, r := range recs {
		ids[i] = r.ID
		part := "train"
		if i%2 == 1 {
			part = "validation"
			w.valid = append(w.valid, r.ID)
		}
		split = append(split, store.SplitRow{RecordID: r.ID, Part: part, TopicID: of[i]})
	}
	g, _, err := grader.Load(ctx, st, d.ID)
	must(t, err)
	job, err := st.CreateTrainJob(ctx, store.TrainJob{DatasetID: d.ID, Trainer: "openai", Provider: "lab", BaseModel: baseModel,
		GraderVersion: g.Version(), Status: "running", TrainCount: len(recs) - len(w.valid), ValidCount: len(w.valid)}, split)
	must(t, err)
	job.Status, job.FineTunedModel = "succeeded", tunedID
	must(t, st.UpdateTrainJob(ctx, job))
	w.job = job.ID

	w.proxy = testutil.StartLiteLLM(t, masterKey)
	w.baseIDs = append(w.baseIDs,
		w.proxy.Models.AddDBModel(baseModel, map[string]any{"model": "openai/" + baseModel, "api_base": w.oa.URL, "api_key": "sk-prod-secret", "rpm": 600.0}, nil),
		w.proxy.Models.AddDBModel("text-embedding-3-small", map[string]any{"model": "openai/text-embedding-3-small", "api_key": "sk-prod-secret"}, map[string]any{"mode": "embedding"}),
	)
	w.proxy.Models.AddConfigModel("claude-sonnet", map[string]any{"model": "anthropic/claude-sonnet-4", "api_key": "os.environ/ANTHROPIC_API_KEY"})
	_, err = gateway.Save(ctx, st, w.sec, gateway.Config{Name: "prod", Kind: gateway.KindLiteLLM, URL: w.proxy.URL, Key: masterKey}, false)
	must(t, err)
	w.svc = deploy.New(st, w.sec)
	return w
}

func (w *world) insert(t *testing.T, recs []record.Record, topicOf []int64) {
	t.Helper()
	tx, err := w.st.BeginRecords(w.ctx, w.ds)
	must(t, err)
	tx.AssignIDs(recs)
	if err := tx.Insert(recs); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	must(t, tx.Commit())
	if topicOf == nil {
		return
	}
	as := make([]store.Assignment, len(recs))
	for i, r := range recs {
		as[i] = store.Assignment{RecordID: r.ID, TopicID: topicOf[i], Confidence: 1, Method: record.MethodManual}
	}
	must(t, w.st.SetAssignments(w.ctx, w.ds, as))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
