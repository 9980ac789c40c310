package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"tracetune/backend/coverage"
	"tracetune/backend/gateway"
	"tracetune/backend/ingest"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/topics"
)

// assignments reads every valid record's topic, confidence and method.
func assignments(t *testing.T, st *store.Store, ds int64) map[int64]store.Prompt {
	t.Helper()
	out := map[int64]store.Prompt{}
	var after int64
	for {
		ps, err := st.Prompts(context.Background(), store.PromptFilter{DatasetID: ds, AfterID: after, Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			p.Messages = ""
			out[p.ID] = p
		}
		if len(ps) < 5000 {
			return out
		}
		after = ps[len(ps)-1].ID
	}
}

// newSince splits the valid records after an id into categorized ones
// (with how many are under record.LowConfidence) and uncategorized ones.
func newSince(all map[int64]store.Prompt, after int64) (categorized, low, uncategorized int) {
	for id, p := range all {
		switch {
		case id <= after:
		case p.TopicID == 0:
			uncategorized++
		default:
			categorized++
			if p.Confidence < record.LowConfidence {
				low++
			}
		}
	}
	return
}

func lastID(all map[int64]store.Prompt) int64 {
	var m int64
	for id := range all {
		m = max(m, id)
	}
	return m
}

// unchanged fails when a record of before lost or changed its assignment.
func unchanged(t *testing.T, before, now map[int64]store.Prompt) {
	t.Helper()
	for id, b := range before {
		if n := now[id]; n.TopicID != b.TopicID || n.Confidence != b.Confidence || n.Method != b.Method {
			t.Fatalf("record %d changed: %+v → %+v", id, b, n)
		}
	}
}

func withLine(t *testing.T, path, line string) string {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
	return path
}

func noMark(t *testing.T, st *store.Store, ds int64) {
	t.Helper()
	if after, ok, err := st.AutocatMark(context.Background(), ds); err != nil || ok {
		t.Fatalf("a mark is left (after %d, %v): the new records should all be categorized", after, err)
	}
}

// TestNewRecordsLandInTheirTopics: a dataset with topics (generated
// offline, one record moved by a person, one left without a topic) gets
// an append import and two pulls from Langfuse. Each run categorizes only
// its new valid records, says so in its message, and refreshes coverage;
// a failing embeddings provider leaves the pull standing with the reason,
// and the next pull picks up what it left.
func TestNewRecordsLandInTheirTopics(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st := testutil.OpenStore(t)
	ctx := context.Background()
	d, _ := st.CreateDataset(ctx, "daily", "")
	var before map[int64]store.Prompt
	var moved, left store.Prompt

	t.Run("import, generate topics offline, a person moves one record", func(t *testing.T) {
		p, err := runJob(t, st, ImportWork(st, d.ID, tracegenFile(t, 400, 5), ingest.Append))
		if err != nil {
			t.Fatal(err)
		}
		if r := p.Result.(ImportResult); r.Categorize != nil {
			t.Fatalf("without topics nothing is categorized: %+v", r.Categorize)
		}
		if _, err := runJob(t, st, GenerateTopicsWork(st, d.ID, topics.GenerateOptions{Seed: 1, Offline: true})); err != nil {
			t.Fatal(err)
		}
		ts, _ := st.Topics(ctx, d.ID)
		leaves := record.Leaves(ts)
		all := assignments(t, st, d.ID)
		var ids []int64
		for id := range all {
			ids = append(ids, id)
		}
		moved, left = all[ids[0]], all[ids[1]]
		to := leaves[0].ID
		if to == moved.TopicID {
			to = leaves[1].ID
		}
		if err := topics.New(st).Move(ctx, d.ID, []int64{moved.ID}, to); err != nil {
			t.Fatal(err)
		}
		// A record left without a topic before this feature: not new, so
		// no pull or import may categorize it.
		if err := st.SetAssignments(ctx, d.ID, []store.Assignment{{RecordID: left.ID}}); err != nil {
			t.Fatal(err)
		}
		before = assignments(t, st, d.ID)
		moved, left = before[moved.ID], before[left.ID]
		if moved.Method != record.MethodManual || moved.TopicID != to || left.TopicID != 0 {
			t.Fatalf("setup: moved %+v left %+v", moved, left)
		}
	})

	t.Run("an append import categorizes only its new valid records", func(t *testing.T) {
		p, err := runJob(t, st, ImportWork(st, d.ID, withLine(t, tracegenFile(t, 150, 9), `not json`), ingest.Append))
		if err != nil {
			t.Fatal(err)
		}
		r := p.Result.(ImportResult)
		now := assignments(t, st, d.ID)
		cat, low, unc := newSince(now, lastID(before))
		c := r.Categorize
		if c == nil || c.Error != "" || c.Stopped || c.Records != r.Valid || c.Categorized != r.Valid || unc != 0 || cat != r.Valid || c.LowConfidence != low {
			t.Fatalf("import %d valid (%d invalid): categorize %+v; in the store %d categorized (%d low), %d not", r.Valid, r.Invalid, c, cat, low, unc)
		}
		if r.Invalid == 0 {
			t.Fatal("the broken line should be an invalid record, never categorized")
		}
		unchanged(t, before, now)
		want := fmt.Sprintf("%s imported, %s valid, %s categorized (%s low confidence)", thousands(r.Total), thousands(r.Valid), thousands(cat), thousands(low))
		if s := stepState(t, st, d.ID, StepExtract); s.State != "done" || s.Message != want {
			t.Fatalf("extract %+v, want %q", s, want)
		}
		if s := stepState(t, st, d.ID, StepTopics); s.State != "done" || !strings.HasPrefix(s.Message, thousands(cat)+" new records categorized") {
			t.Fatalf("topics step %+v", s)
		}
		if s := stepState(t, st, d.ID, StepCoverage); s.State != "done" || !strings.HasPrefix(s.Message, "balance ") {
			t.Fatalf("coverage step %+v", s)
		}
		cov, err := coverage.Compute(ctx, st, d.ID)
		if err != nil || cov.Valid != len(now) || cov.Categorized != len(now)-1 || cov.Uncategorized != 1 {
			t.Fatalf("coverage %d valid, %d categorized, %d not (%v); %d valid records", cov.Valid, cov.Categorized, cov.Uncategorized, err, len(now))
		}
		// Step 2's node: only the old record without a topic is left.
		if s := ruleStep(t, st, d.ID, StepTopics, topicsRule); s.Status != Attention || !strings.HasPrefix(s.Needs, "1 valid records have no topic") {
			t.Fatalf("step 2 node %+v", s)
		}
		noMark(t, st, d.ID)
		before = now
	})

	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	lf := testutil.StartLangfuse(t, "pk-lf-auto", "sk-lf-auto")
	lf.Add(testutil.SampleGatewayTraces("a", 30, time.Now().UTC().Add(-3*time.Hour), time.Minute)...)
	if _, err := gateway.Save(ctx, st, sec, gateway.Config{Name: "lf", Kind: gateway.KindLangfuse, URL: lf.URL, PublicKey: "pk-lf-auto", SecretKey: "sk-lf-auto"}, false); err != nil {
		t.Fatal(err)
	}
	pull := func(t *testing.T) (PullResult, map[int64]store.Prompt) {
		t.Helper()
		j, err := PullWork(ctx, st, sec, d.ID, "lf", gateway.PullOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := runJob(t, st, j)
		if err != nil {
			t.Fatalf("the pull must succeed: %v", err)
		}
		return p.Result.(PullResult), assignments(t, st, d.ID)
	}

	t.Run("a pull from Langfuse categorizes the new traces", func(t *testing.T) {
		r, now := pull(t)
		cat, low, unc := newSince(now, lastID(before))
		valid := r.New - r.Invalid
		c := r.Categorize
		if r.New != 30 || c == nil || c.Records != valid || c.Categorized != valid || cat != valid || unc != 0 || c.LowConfidence != low {
			t.Fatalf("pull %+v: categorize %+v; in the store %d categorized (%d low), %d not", r.PullResult, c, cat, low, unc)
		}
		unchanged(t, before, now)
		want := fmt.Sprintf("30 new, 0 skipped, %d invalid, %d categorized (%d low confidence)", r.Invalid, valid, low)
		if s := stepState(t, st, d.ID, StepExtract); s.State != "done" || s.Message != want {
			t.Fatalf("extract %+v, want %q", s, want)
		}
		// The job's JSON (what the window and --json read) carries the counts.
		b, _ := json.Marshal(r)
		if !strings.Contains(string(b), `"new":30,`) || !strings.Contains(string(b), fmt.Sprintf(`"categorize":{"records":%d,"categorized":%d,"low_confidence":%d`, valid, valid, low)) {
			t.Fatalf("pull JSON %s", b)
		}
		cov, _ := coverage.Compute(ctx, st, d.ID)
		if cov.Categorized != len(now)-1 {
			t.Fatalf("coverage counts %d categorized of %d", cov.Categorized, len(now))
		}
		noMark(t, st, d.ID)
		before = now
	})

	var waiting int
	t.Run("a failing embeddings provider leaves the pull standing and says why", func(t *testing.T) {
		f := testutil.StartOpenAI(t)
		t.Setenv("OPENAI_BASE_URL", f.URL)
		t.Setenv("OPENAI_API_KEY", "sk-test-autocat")
		f.Fail("embeddings", testutil.Failure{Status: 401, Message: "Incorrect API key provided"}, testutil.Failure{Status: 401, Message: "Incorrect API key provided"})
		// traces 30–41: other tickets than the first pull's, so not duplicates
		lf.Add(testutil.SampleGatewayTraces("b", 42, time.Now().UTC().Add(-time.Hour), time.Minute)[30:]...)
		r, now := pull(t)
		cat, _, unc := newSince(now, lastID(before))
		c := r.Categorize
		if r.New != 12 || c == nil || c.Categorized != 0 || c.Records != unc || unc != r.New-r.Invalid || cat != 0 ||
			!strings.Contains(c.Error, "embed for categorization") || !strings.Contains(c.Error, "Incorrect API key") {
			t.Fatalf("pull %+v: categorize %+v; %d categorized, %d not", r.PullResult, c, cat, unc)
		}
		if f.Count("/embeddings") == 0 {
			t.Fatal("the provider was never asked: categorization must use it as step 2's Categorize does")
		}
		unchanged(t, before, now)
		s := stepState(t, st, d.ID, StepExtract)
		if s.State != "done" || !strings.HasPrefix(s.Message, fmt.Sprintf("12 new, 0 skipped, %d invalid; categorizing the %d new records failed (", r.Invalid, unc)) ||
			!strings.Contains(s.Message, "Incorrect API key") || !strings.HasSuffix(s.Message, "they stay uncategorized until the next pull or import, or Categorize unlabeled") {
			t.Fatalf("extract %+v", s)
		}
		// Step 2 did not fail: its node asks for the records to be categorized.
		if s := stepState(t, st, d.ID, StepTopics); s.State != "done" || !strings.Contains(s.Message, "failed") {
			t.Fatalf("topics step %+v", s)
		}
		if s := ruleStep(t, st, d.ID, StepTopics, topicsRule); s.Status != Attention || s.Action != ActionCategorizeUnlabeled || !strings.HasPrefix(s.Needs, fmt.Sprint(unc+1)+" valid records") {
			t.Fatalf("step 2 node %+v", s)
		}
		if _, ok, _ := st.AutocatMark(ctx, d.ID); !ok {
			t.Fatal("the records left uncategorized must stay marked for the next run")
		}
		t.Logf("extract message: %s", s.Message)
		waiting = unc
		before = now
	})

	t.Run("the next pull picks up what the failed one left", func(t *testing.T) {
		r, now := pull(t)
		c := r.Categorize
		if r.New != 0 || c == nil || c.Error != "" || c.Records != waiting || c.Categorized != waiting {
			t.Fatalf("pull %+v: categorize %+v, want the %d waiting records", r.PullResult, c, waiting)
		}
		for id, b := range before {
			if b.TopicID == 0 && id != left.ID && now[id].TopicID == 0 {
				t.Fatalf("record %d is still uncategorized", id)
			}
		}
		if n := now[left.ID]; n.TopicID != 0 {
			t.Fatalf("the old record without a topic was categorized: %+v", n)
		}
		if n := now[moved.ID]; n.TopicID != moved.TopicID || n.Method != record.MethodManual || n.Confidence != moved.Confidence {
			t.Fatalf("the moved record changed: %+v → %+v", moved, n)
		}
		if s := stepState(t, st, d.ID, StepExtract); !strings.HasPrefix(s.Message, fmt.Sprintf("0 new, 0 skipped, 0 invalid, %d categorized (", waiting)) {
			t.Fatalf("extract %+v", s)
		}
		noMark(t, st, d.ID)
	})
}

// TestStopWhileCategorizingNewRecords: a stop after the first batch of
// categories keeps the import and those categories; the rest stay
// uncategorized and the next import picks them up.
func TestStopWhileCategorizingNewRecords(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st := testutil.OpenStore(t)
	ctx := context.Background()
	d, _ := st.CreateDataset(ctx, "big", "")
	if _, err := runJob(t, st, ImportWork(st, d.ID, tracegenFile(t, 300, 3), ingest.Append)); err != nil {
		t.Fatal(err)
	}
	if _, err := runJob(t, st, GenerateTopicsWork(st, d.ID, topics.GenerateOptions{Seed: 1, Offline: true})); err != nil {
		t.Fatal(err)
	}
	before := assignments(t, st, d.ID)
	var kept map[int64]store.Prompt
	var rest int

	t.Run("stop after the first stored batch", func(t *testing.T) {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		j := ImportWork(st, d.ID, tracegenFile(t, 2300, 11), ingest.Append)
		work := j.Work
		j.Work = func(ctx context.Context, report jobs.Reporter) (any, error) {
			return work(ctx, func(done, total int64, msg string) {
				if strings.HasSuffix(msg, "storing categories") {
					cancel() // Stop, right after the first batch was stored
				}
				report(done, total, msg)
			})
		}
		p, err := jobs.New(st, nil).Run(sctx, j)
		if err == nil || p.State != jobs.Stopped {
			t.Fatalf("the job should end stopped: %s %v", p.State, err)
		}
		r := p.Result.(ImportResult)
		c := r.Categorize
		now := assignments(t, st, d.ID)
		cat, _, unc := newSince(now, lastID(before))
		if r.Valid <= 2000 || len(now)-len(before) != r.Valid || c == nil || !c.Stopped || c.Records != r.Valid || c.Categorized != 2000 || cat != 2000 || unc != r.Valid-2000 {
			t.Fatalf("import %d valid: categorize %+v; %d categorized, %d not", r.Valid, c, cat, unc)
		}
		want := fmt.Sprintf("stopped after 2,000 of %s new records were categorized", thousands(r.Valid))
		if !strings.HasPrefix(p.Error, want) {
			t.Fatalf("stop message %q, want %q…", p.Error, want)
		}
		if s := stepState(t, st, d.ID, StepExtract); s.State != "done" || !strings.Contains(s.Message, "imported, ") || !strings.Contains(s.Message, want) {
			t.Fatalf("extract %+v", s)
		}
		if s := stepState(t, st, d.ID, StepTopics); s.State == "processing" || s.State == "failed" || !strings.HasPrefix(s.Message, want) {
			t.Fatalf("topics step %+v", s)
		}
		unchanged(t, before, now)
		kept, rest = now, unc
	})

	t.Run("the next import categorizes the rest and its own", func(t *testing.T) {
		p, err := runJob(t, st, ImportWork(st, d.ID, tracegenFile(t, 40, 12), ingest.Append))
		if err != nil {
			t.Fatal(err)
		}
		r := p.Result.(ImportResult)
		now := assignments(t, st, d.ID)
		if c := r.Categorize; c == nil || c.Records != rest+r.Valid || c.Categorized != rest+r.Valid {
			t.Fatalf("categorize %+v, want %d waiting + %d new", c, rest, r.Valid)
		}
		unchanged(t, before, now)
		for id, k := range kept {
			if k.TopicID != 0 && now[id] != k {
				t.Fatalf("record %d categorized before the stop changed: %+v → %+v", id, k, now[id])
			}
		}
		if _, _, unc := newSince(now, lastID(before)); unc != 0 {
			t.Fatalf("%d new records still uncategorized", unc)
		}
		noMark(t, st, d.ID)
	})
}

// TestNoTopicsNoCategorization: in a dataset without topics a pull or an
// import does what it always did, and a replace import clears a mark.
func TestNoTopicsNoCategorization(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st := testutil.OpenStore(t)
	ctx := context.Background()
	d, _ := st.CreateDataset(ctx, "plain", "")
	for i := 0; i < 2; i++ {
		p, err := runJob(t, st, ImportWork(st, d.ID, tracegenFile(t, 60, int(20+i)), ingest.Append))
		if err != nil {
			t.Fatal(err)
		}
		r := p.Result.(ImportResult)
		if r.Categorize != nil {
			t.Fatalf("categorized without topics: %+v", r.Categorize)
		}
		if s := stepState(t, st, d.ID, StepExtract); s.Message != fmt.Sprintf("%d imported, %d valid", r.Total, r.Valid) {
			t.Fatalf("extract %+v", s)
		}
	}
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	lf := testutil.StartLangfuse(t, "pk", "sk")
	lf.Add(testutil.SampleGatewayTraces("n", 10, time.Now().UTC().Add(-time.Hour), time.Minute)...)
	if _, err := gateway.Save(ctx, st, sec, gateway.Config{Name: "lf", Kind: gateway.KindLangfuse, URL: lf.URL, PublicKey: "pk", SecretKey: "sk"}, false); err != nil {
		t.Fatal(err)
	}
	j, _ := PullWork(ctx, st, sec, d.ID, "lf", gateway.PullOptions{})
	p, err := runJob(t, st, j)
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Result.(PullResult); r.New != 10 || r.Categorize != nil {
		t.Fatalf("pull %+v", r)
	}
	if b, _ := json.Marshal(p.Result); strings.Contains(string(b), "categorize") {
		t.Fatalf("pull JSON without topics %s", b)
	}
	states, _ := st.StepStates(ctx, d.ID)
	if s, ok := states[StepTopics]; ok {
		t.Fatalf("step 2 was touched: %+v", s)
	}
	noMark(t, st, d.ID)
	for _, ps := range assignments(t, st, d.ID) {
		if ps.TopicID != 0 {
			t.Fatalf("record %d has a topic", ps.ID)
		}
	}

	t.Run("a replace import clears a waiting mark", func(t *testing.T) {
		if _, err := st.BeginAutocat(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := runJob(t, st, ImportWork(st, d.ID, tracegenFile(t, 30, 30), ingest.Replace)); err != nil {
			t.Fatal(err)
		}
		noMark(t, st, d.ID)
	})
}
