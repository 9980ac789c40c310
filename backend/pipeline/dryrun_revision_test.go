package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tracetune/backend/dryrun"
	"tracetune/backend/gateway"
	"tracetune/backend/ingest"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// TestAGoDryRunGoesStaleWhenTheRecordsChange: after a GO dry run, each
// operation that changes the valid records (a pull, an append, a delete,
// an edit, an accepted generation) leaves Step 5 in
// Attention with the run to make, and the Train gate warns without
// refusing; a new dry run clears both.
func TestAGoDryRunGoesStaleWhenTheRecordsChange(t *testing.T) {
	_, _ = trainPlatform(t)
	ctx := context.Background()
	st := testutil.OpenStore(t)
	d, err := st.CreateDataset(ctx, "stale", "")
	if err != nil {
		t.Fatal(err)
	}
	testutil.InsertRecords(t, st, d.ID, numberedQuestions(40))
	// pulled traces have no field n: they score like odd ones
	saveGrader(t, st, d.ID, "def grade(sample, item):\n    return 0.9 if item.get('n', 1) % 2 == 0 else 0.5")
	runner := jobs.New(st, nil)
	openai := train.Options{Trainer: "openai"}

	dryRun := func(t *testing.T) dryrun.Report {
		t.Helper()
		p, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{N: 20}))
		if err != nil {
			t.Fatal(err)
		}
		rep := p.Result.(dryrun.Report)
		if rep.Verdict != dryrun.GO {
			t.Fatalf("verdict %s", rep.Verdict)
		}
		return rep
	}
	fresh := func(t *testing.T) {
		t.Helper()
		if s := dryrunStep(t, st, d.ID); s.Status != Complete {
			t.Fatalf("step 5 %+v", s)
		}
		gate, err := CheckTrain(ctx, st, d.ID, openai)
		if err != nil || !gate.Ready || gate.DryRun.RecordsChanged || len(gate.Warnings) != 0 {
			t.Fatalf("gate %+v %v", gate, err)
		}
	}
	stale := func(t *testing.T, run dryrun.Report) {
		t.Helper()
		why := fmt.Sprintf("the records changed since dry run %d: run it again to measure the current data", run.ID)
		if s := dryrunStep(t, st, d.ID); s.Status != Attention || s.Needs != why || !strings.Contains(s.Figure, "stale") {
			t.Fatalf("step 5 %+v", s)
		}
		shown, err := dryrun.Show(ctx, st, d.ID, 0)
		if err != nil || shown.ID != run.ID || !shown.Stale || !shown.RecordsChanged || shown.StaleWhy != why {
			t.Fatalf("show %+v %v", shown, err)
		}
		gate, err := CheckTrain(ctx, st, d.ID, openai)
		if err != nil || !gate.Ready || len(gate.Issues) != 0 || gate.DryRunID != run.ID || !gate.DryRun.RecordsChanged {
			t.Fatalf("the gate refused or lost the run: %+v %v", gate, err)
		}
		if !slices.Contains(gate.Warnings, RecordsChangedWarning(run.ID)) || !strings.HasSuffix(RecordsChangedWarning(run.ID), "Next: Run the dry run again") {
			t.Fatalf("warnings %q", gate.Warnings)
		}
	}

	valid := func(t *testing.T) []record.Record {
		t.Helper()
		recs, err := st.Records(ctx, store.RecordFilter{DatasetID: d.ID, Code: "valid", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	changes := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"a pull of production traces", func(t *testing.T) {
			sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
			lf := testutil.StartLangfuse(t, "pk-stale", "sk-stale")
			lf.Add(testutil.SampleGatewayTraces("stale", 5, time.Now().UTC().Add(-time.Hour), time.Minute)...)
			if _, err := gateway.Save(ctx, st, sec, gateway.Config{Name: "lf", Kind: gateway.KindLangfuse, URL: lf.URL, PublicKey: "pk-stale", SecretKey: "sk-stale"}, false); err != nil {
				t.Fatal(err)
			}
			j, err := PullWork(ctx, st, sec, d.ID, "lf", gateway.PullOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runner.Run(ctx, j); err != nil {
				t.Fatal(err)
			}
		}},
		{"an append", func(t *testing.T) {
			recs := numberedQuestions(45)[40:]
			if res, err := ingest.ImportRecords(ctx, st, d.ID, recs); err != nil || res.Lines != 5 {
				t.Fatalf("append %+v %v", res, err)
			}
		}},
		{"a delete", func(t *testing.T) {
			if n, err := ingest.DeleteRecords(ctx, st, d.ID, []int64{valid(t)[0].ID}); err != nil || n != 1 {
				t.Fatalf("deleted %d %v", n, err)
			}
		}},
		{"an edit", func(t *testing.T) {
			r := valid(t)[0]
			edited := fmt.Sprintf(`{"messages":[{"role":"user","content":"question number %d about my order, rewritten"}],"n":%d}`, r.ID, r.ID)
			if _, err := ingest.EditRecord(ctx, st, r.ID, edited); err != nil {
				t.Fatal(err)
			}
		}},
		{"an accepted generation", func(t *testing.T) {
			m, _ := json.Marshal([]map[string]any{{"role": "user", "content": "a generated question about my order"}})
			batch, err := st.CreateSynthBatch(ctx, d.ID, "{}")
			if err != nil {
				t.Fatal(err)
			}
			cs, err := st.InsertCandidates(ctx, []store.Candidate{{DatasetID: d.ID, BatchID: batch, Strategy: "paraphrase", Text: "a generated question about my order", Messages: m}})
			if err != nil {
				t.Fatal(err)
			}
			if res, err := AcceptCandidates(ctx, st, d.ID, []int64{cs[0].ID}, false, 0); err != nil || len(res.Records) != 1 {
				t.Fatalf("accept %+v %v", res, err)
			}
		}},
	}

	run := dryRun(t)
	t.Run("a GO dry run on the current records is Complete and the gate is quiet", func(t *testing.T) { fresh(t) })
	for _, c := range changes {
		t.Run(c.name+" makes the GO run stale", func(t *testing.T) {
			c.do(t)
			stale(t, run)
		})
		t.Run("a new dry run after "+c.name+" clears it", func(t *testing.T) {
			run = dryRun(t)
			fresh(t)
		})
	}
	t.Run("a topic assignment leaves the run as it is", func(t *testing.T) {
		topic, err := st.InsertTopic(ctx, record.Topic{DatasetID: d.ID, Name: "orders"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetAssignments(ctx, d.ID, []store.Assignment{{RecordID: valid(t)[0].ID, TopicID: topic.ID, Confidence: 1, Method: record.MethodManual}}); err != nil {
			t.Fatal(err)
		}
		fresh(t)
	})
	t.Run("a re-grade of a stale run stays stale", func(t *testing.T) {
		if _, err := ingest.ImportRecords(ctx, st, d.ID, numberedQuestions(50)[45:]); err != nil {
			t.Fatal(err)
		}
		p, err := runner.Run(ctx, DryRunWork(st, d.ID, dryrun.Options{Regrade: run.ID}))
		if err != nil {
			t.Fatal(err)
		}
		stale(t, p.Result.(dryrun.Report))
	})
}
