package train_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"tracetune/backend/ingest"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// topicSizes is the scenario dataset: uneven topics, so stratification
// has remainders to place.
var topicSizes = map[string]int{"billing": 47, "travel": 31, "sql": 22}

var topicOrder = []string{"billing", "travel", "sql"}

// seedDataset makes a dataset with valid records in three topics (plus
// generated ones in billing when generated > 0). Every record's grader
// fields carry its case id and a reference answer.
func seedDataset(t *testing.T, st *store.Store, generated int) int64 {
	t.Helper()
	ctx := context.Background()
	d, err := st.CreateDataset(ctx, "train", "answer support questions")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReplaceTopics(ctx, d.ID, []store.TopicSpec{{Name: "billing"}, {Name: "travel"}, {Name: "sql"}}, false); err != nil {
		t.Fatal(err)
	}
	tops, err := st.Topics(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, tp := range tops {
		ids[tp.Name] = tp.ID
	}
	var recs []record.Record
	var topicOf []int64
	n := 0
	add := func(topic string, gen bool) {
		n++
		line := fmt.Sprintf(`{"messages":[{"role":"system","content":"You are a support agent."},{"role":"user","content":"%s question number %d, please help"}],"reference_answer":"answer %d about %s","case_id":"c%d"}`,
			topic, n, n, topic, n)
		rec := ingest.Normalize([]byte(line), n)
		rec.Generated = gen
		recs = append(recs, rec)
		topicOf = append(topicOf, ids[topic])
	}
	for _, name := range topicOrder {
		for i := 0; i < topicSizes[name]; i++ {
			add(name, false)
		}
	}
	for i := 0; i < generated; i++ {
		add("billing", true)
	}
	tx, err := st.BeginRecords(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	tx.AssignIDs(recs)
	if err := tx.Insert(recs); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	as := make([]store.Assignment, len(recs))
	for i, r := range recs {
		as[i] = store.Assignment{RecordID: r.ID, TopicID: topicOf[i], Confidence: 1, Method: record.MethodManual}
	}
	if err := st.SetAssignments(ctx, d.ID, as); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

const testKey = "sk-test-finetune-0123456789"

// setup returns a store with the scenario dataset, a fake fine-tuning
// platform and a service whose provider "oa" (kind openai) points at it.
func setup(t *testing.T) (*store.Store, int64, *testutil.FineTune, *train.Service) {
	t.Helper()
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st := testutil.OpenStore(t)
	ds := seedDataset(t, st, 0)
	fake := testutil.StartFineTune(t)
	fake.RequireKey(testKey)
	m := &llm.Manager{Store: st, Secrets: secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})}
	if _, err := m.Add(context.Background(), llm.ProviderInput{Name: "oa", Kind: llm.KindOpenAI, BaseURL: fake.URL, APIKey: testKey}); err != nil {
		t.Fatal(err)
	}
	return st, ds, fake, &train.Service{Store: st, Providers: m, PollMin: 2 * time.Millisecond, PollMax: 10 * time.Millisecond}
}

// stringCheck is an OpenAI grader object as Step 4 exports it.
var stringCheck = json.RawMessage(`{"type":"string_check","name":"exact","input":"{{sample.output_text}}","reference":"{{item.reference_answer}}","operation":"eq"}`)

func goInputs() train.Inputs {
	return train.Inputs{GraderVersion: "abc123", Grader: stringCheck, DryRunID: 7, DryRunVerdict: "GO"}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// killThenResume is the restart scenario every remote trainer must pass:
// the first app (svc1 on st1, the database at path) starts a job with start
// and polls until two metric steps arrive, then dies; a new app on the same
// file resumes it. check reads the finished job the resumed app saw, on the
// new store.
func killThenResume(t *testing.T, path string, sec *secrets.Store, st1 *store.Store, svc1 *train.Service,
	start func(ctx context.Context) (train.Job, error), check func(t *testing.T, ctx context.Context, st2 *store.Store, jobID int64, j train.Job)) {
	t.Helper()
	var jobID int64
	t.Run("the first app starts the job and polls until it runs", func(t *testing.T) {
		job, err := start(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		jobID = job.ID
		ctx1, kill := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = svc1.Watch(ctx1, jobID, func(j train.Job) {
				if d, _ := train.GetDetail(context.Background(), st1, j.ID); len(d.Metrics) >= 2 {
					kill()
				}
			})
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the first app never reached step 2")
		}
		kill()
		st1.Close()
	})
	t.Run("a new app on the same database resumes and the job completes", func(t *testing.T) {
		st2, err := store.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer st2.Close()
		before, err := train.Get(context.Background(), st2, jobID)
		if err != nil || before.Final || before.Status != train.StatusRunning {
			t.Fatalf("job after the kill: %+v %v", before, err)
		}
		svc2 := &train.Service{Store: st2, Providers: &llm.Manager{Store: st2, Secrets: sec}, PollMin: 2 * time.Millisecond, PollMax: 5 * time.Millisecond}
		ctx := ctxT(t)
		finished := make(chan train.Job, 1)
		n, err := svc2.Resume(ctx, func(j train.Job) {
			if j.Final {
				finished <- j
			}
		})
		if err != nil || n != 1 {
			t.Fatalf("resume followed %d jobs: %v", n, err)
		}
		var j train.Job
		select {
		case j = <-finished:
		case <-ctx.Done():
			t.Fatal("the resumed job never finished")
		}
		check(t, ctx, st2, jobID, j)
	})
}
