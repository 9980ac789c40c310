package app

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/jobs"
	"tracetune/backend/pipeline"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func sourcesService(t *testing.T) (*Sources, *store.Store) {
	t.Helper()
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	st, err := store.Open(filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	d := NewDeps(st, t.TempDir())
	d.Secrets = sec
	t.Cleanup(func() { d.Jobs.StopAll(); st.Close() })
	return &Sources{d}, st
}

func TestSourcesPreviewCreateAndPull(t *testing.T) {
	s, st := sourcesService(t)
	fake := testutil.StartLiteLLM(t, "sk-app")
	start := time.Now().Add(-2 * time.Hour).UTC()
	fake.Add(testutil.SampleGatewayTraces("a", 30, start, 2*time.Minute)...)

	if _, err := s.Save(SourceInput{Name: "proxy", Kind: "litellm", URL: fake.URL}); err == nil {
		t.Fatal("saved a LiteLLM source without a key")
	}
	info, err := s.Save(SourceInput{Name: "proxy", Kind: "litellm", URL: fake.URL, Key: "sk-app"})
	if err != nil || !info.HasKey {
		t.Fatalf("save: %+v %v", info, err)
	}
	if r, _ := s.Test("proxy"); !r.OK || r.Traces != 30 {
		t.Fatalf("test: %+v", r)
	}

	f := FilterInput{Model: "gpt-4o-mini", ExcludeErrors: true}
	p1, err := s.Preview("proxy", f, "", "", 5)
	if err != nil || len(p1.Rows) == 0 || p1.Next == "" || p1.WindowEnd == "" {
		t.Fatalf("preview: %+v %v", p1, err)
	}
	p2, err := s.Preview("proxy", f, p1.WindowEnd, p1.Next, 5)
	if err != nil || len(p2.Rows) == 0 || p2.Rows[0].ID == p1.Rows[0].ID {
		t.Fatalf("second page: %+v %v", p2, err)
	}
	for _, r := range append(p1.Rows, p2.Rows...) {
		if r.Model != "gpt-4o-mini" || r.Error || r.Messages == 0 || r.FirstUser == "" {
			t.Fatalf("row %+v", r)
		}
	}

	// Create & Start from all matching traces.
	c, err := s.CreateDataset(CreateInput{Name: "from-proxy", Objective: "answer support", Source: "proxy", Filter: f, WindowEnd: p1.WindowEnd})
	if err != nil {
		t.Fatal(err)
	}
	s.Jobs.Wait(c.JobID)
	want := 0
	for _, g := range testutil.SampleGatewayTraces("a", 30, start, 2*time.Minute) {
		if g.Model == "gpt-4o-mini" && !g.Error {
			want++
		}
	}
	counts, _ := st.DatasetCounts(s.ctx(), c.Dataset.ID)
	if counts.Total != want || counts.Valid != want {
		t.Fatalf("dataset has %+v, want %d valid", counts, want)
	}
	linked, err := s.Linked(c.Dataset.ID)
	if err != nil || len(linked) != 1 || linked[0].Source != "proxy" || linked[0].Since == "" {
		t.Fatalf("linked: %+v %v", linked, err)
	}

	// New traces, then Pull New Traces: a job whose result names the counts.
	fake.Add(testutil.SampleGatewayTraces("b", 8, time.Now().UTC().Add(time.Second), time.Millisecond)...)
	time.Sleep(1100 * time.Millisecond)
	id, err := s.Pull(c.Dataset.ID, "proxy")
	if err != nil {
		t.Fatal(err)
	}
	p := s.Jobs.Wait(id)
	if p.State != jobs.Done {
		t.Fatalf("pull job: %+v", p)
	}
	if res, ok := p.Result.(pipeline.PullResult); !ok || res.New != 5 || res.Skipped != 0 {
		t.Fatalf("pull result = %#v", p.Result)
	}
	counts2, _ := st.DatasetCounts(s.ctx(), c.Dataset.ID)
	if counts2.Total-counts.Total != 5 { // b-0003 and b-0007 are gpt-4o, b-0006 failed
		t.Fatalf("pull added %d, want 5", counts2.Total-counts.Total)
	}

	// Selected ids only.
	c2, err := s.CreateDataset(CreateInput{Name: "picked", Source: "proxy", Filter: f, IDs: []string{"a-0000", "a-0001"}, WindowEnd: p1.WindowEnd})
	if err != nil {
		t.Fatal(err)
	}
	s.Jobs.Wait(c2.JobID)
	if n, _ := st.DatasetCounts(s.ctx(), c2.Dataset.ID); n.Total != 2 {
		t.Fatalf("picked dataset has %d records", n.Total)
	}

	if _, err := s.Preview("proxy", FilterInput{From: "2026-11-02T10:00", To: "2026-11-01T10:00"}, "", "", 5); err == nil || !strings.Contains(err.Error(), "ends before it starts") {
		t.Fatalf("bad range: %v", err)
	}
	if err := s.Remove("proxy"); err != nil {
		t.Fatal(err)
	}
}

// Save & Test keeps a source only when it answers, and says in plain words
// why it did not.
func TestSaveAndTestKeepsOnlyWorkingSources(t *testing.T) {
	s, _ := sourcesService(t)
	fake := testutil.StartLiteLLM(t, "sk-ok")
	fake.Add(testutil.SampleGatewayTraces("s", 3, time.Now().UTC().Add(-time.Hour), time.Minute)...)
	// A port nothing listens on: take a free one and close it.
	ln, lerr := net.Listen("tcp", "127.0.0.1:0")
	if lerr != nil {
		t.Fatal(lerr)
	}
	downURL := "http://" + ln.Addr().String()
	ln.Close()

	r, err := s.SaveAndTest(SourceInput{Name: "down", Kind: "litellm", URL: downURL, Key: "sk-ok"})
	if err != nil || r.Source != nil || r.Test.OK {
		t.Fatalf("unreachable source: %+v %v", r, err)
	}
	if !strings.Contains(r.Test.Message, "cannot connect to "+downURL) || strings.Contains(r.Test.Message, "dial tcp") {
		t.Errorf("message %q", r.Test.Message)
	}
	r, err = s.SaveAndTest(SourceInput{Name: "badkey", Kind: "litellm", URL: fake.URL, Key: "sk-wrong"})
	if err != nil || r.Source != nil || !strings.Contains(r.Test.Message, "refused the credentials") {
		t.Fatalf("wrong key: %+v %v", r, err)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Fatalf("failed sources were kept: %+v", list)
	}
	r, err = s.SaveAndTest(SourceInput{Name: "proxy", Kind: "litellm", URL: fake.URL, Key: "sk-ok"})
	if err != nil || r.Source == nil || !r.Test.OK || r.Test.Traces != 3 {
		t.Fatalf("working source: %+v %v", r, err)
	}
	if list, _ := s.List(); len(list) != 1 || list[0].Name != "proxy" || !list[0].HasKey {
		t.Fatalf("list %+v", list)
	}
}

// A dataset made from a file has no source: Connect links one with the
// filter the person chose, and every later pull keeps applying it.
func TestConnectAppliesTheChosenFilterToEveryPull(t *testing.T) {
	s, st := sourcesService(t)
	fake := testutil.StartLiteLLM(t, "sk-app")
	start := time.Now().Add(-2 * time.Hour).UTC()
	fake.Add(testutil.SampleGatewayTraces("a", 30, start, 2*time.Minute)...)
	if _, err := s.Save(SourceInput{Name: "proxy", Kind: "litellm", URL: fake.URL, Key: "sk-app"}); err != nil {
		t.Fatal(err)
	}
	d, err := st.CreateDataset(s.ctx(), "from-file", "")
	if err != nil {
		t.Fatal(err)
	}
	f := FilterInput{Model: "gpt-4o-mini", ExcludeErrors: true}

	t.Run("wrong input is refused before any pull", func(t *testing.T) {
		if _, err := s.Connect(d.ID, "", f); err == nil {
			t.Fatal("connected without a source")
		}
		if _, err := s.Connect(d.ID, "nowhere", f); err == nil {
			t.Fatal("connected to an unknown source")
		}
		if _, err := s.Connect(d.ID, "proxy", FilterInput{From: "2026-11-02T10:00", To: "2026-11-01T10:00"}); err == nil {
			t.Fatal("connected with a range that ends before it starts")
		}
		if l, _ := s.Linked(d.ID); len(l) != 0 {
			t.Fatalf("a refused connect linked %+v", l)
		}
	})

	t.Run("the first pull takes only the filtered traces", func(t *testing.T) {
		id, err := s.Connect(d.ID, "proxy", f)
		if err != nil {
			t.Fatal(err)
		}
		if p := s.Jobs.Wait(id); p.State != jobs.Done {
			t.Fatalf("connect job: %+v", p)
		}
		want := 0
		for _, g := range testutil.SampleGatewayTraces("a", 30, start, 2*time.Minute) {
			if g.Model == "gpt-4o-mini" && !g.Error {
				want++
			}
		}
		if c, _ := st.DatasetCounts(s.ctx(), d.ID); c.Total != want {
			t.Fatalf("dataset has %d records, want %d", c.Total, want)
		}
		l, err := s.Linked(d.ID)
		if err != nil || len(l) != 1 || l[0].Source != "proxy" ||
			!strings.Contains(l[0].Filter, `"model":"gpt-4o-mini"`) || !strings.Contains(l[0].Filter, `"exclude_errors":true`) {
			t.Fatalf("linked: %+v %v", l, err)
		}
	})

	t.Run("Pull New Traces applies the stored filter", func(t *testing.T) {
		before, _ := st.DatasetCounts(s.ctx(), d.ID)
		fake.Add(testutil.SampleGatewayTraces("b", 8, time.Now().UTC().Add(time.Second), time.Millisecond)...)
		time.Sleep(1100 * time.Millisecond)
		id, err := s.Pull(d.ID, "proxy")
		if err != nil {
			t.Fatal(err)
		}
		if p := s.Jobs.Wait(id); p.State != jobs.Done {
			t.Fatalf("pull job: %+v", p)
		}
		after, _ := st.DatasetCounts(s.ctx(), d.ID)
		if after.Total-before.Total != 5 { // b-0003 and b-0007 are gpt-4o, b-0006 failed
			t.Fatalf("pull added %d, want 5", after.Total-before.Total)
		}
	})
}

// The connection form's look-back field: minutes in, minutes out, absent
// keeps the stored window, 0 is none, out of range refused unsaved.
func TestSourcesLookBackField(t *testing.T) {
	s, _ := sourcesService(t)
	dir := t.TempDir()
	minutes := func(m float64) *float64 { return &m }
	for _, tc := range []struct {
		name     string
		in       *float64
		wantMin  float64
		wantText string
	}{
		{"a new source without it has the default", nil, 15, "15m"},
		{"45 minutes", minutes(45), 45, "45m"},
		{"absent keeps the stored window", nil, 45, "45m"},
		{"half a minute", minutes(0.5), 0.5, "30s"},
		{"0 is none", minutes(0), 0, "0s"},
		{"absent keeps none", nil, 0, "0s"},
		{"7 days", minutes(7 * 24 * 60), 7 * 24 * 60, "168h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Save(SourceInput{Name: "files", Kind: "jsonl", URL: dir, LookBackMinutes: tc.in})
			if err != nil || got.LookBackMinutes != tc.wantMin || got.LookBack != tc.wantText {
				t.Fatalf("save = %+v, %v; want %g minutes (%s)", got, err, tc.wantMin, tc.wantText)
			}
			all, err := s.List()
			if err != nil || len(all) != 1 || all[0].LookBackMinutes != tc.wantMin {
				t.Fatalf("list = %+v, %v", all, err)
			}
		})
	}
	t.Run("negative or longer than 7 days is refused and nothing changes", func(t *testing.T) {
		for _, m := range []float64{-5, 7*24*60 + 1} {
			if _, err := s.Save(SourceInput{Name: "files", Kind: "jsonl", URL: dir, LookBackMinutes: minutes(m)}); err == nil || !strings.Contains(err.Error(), "look-back") {
				t.Errorf("save with %g minutes: %v", m, err)
			}
			if r, err := s.SaveAndTest(SourceInput{Name: "files", Kind: "jsonl", URL: dir, LookBackMinutes: minutes(m)}); err == nil || r.Source != nil {
				t.Errorf("save & test with %g minutes: %+v %v", m, r, err)
			}
		}
		if all, _ := s.List(); all[0].LookBack != "168h" {
			t.Fatalf("after refusals: %+v", all[0])
		}
	})
}
