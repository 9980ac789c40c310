package gateway_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// registered stores a source row (keys are passed in the config directly).
func registered(t *testing.T, st *store.Store, c gateway.Config) (gateway.Source, int64) {
	t.Helper()
	row, err := st.AddSource(context.Background(), store.SourceRow{Name: c.Name, Kind: string(c.Kind), URL: c.URL}, false)
	if err != nil {
		t.Fatal(err)
	}
	src, err := gateway.Open(c)
	if err != nil {
		t.Fatal(err)
	}
	return src, row.ID
}

func records(t *testing.T, st *store.Store, ds int64) []record.Record {
	t.Helper()
	rs, err := st.Records(context.Background(), store.RecordFilter{DatasetID: ds, Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// matching counts sample traces the selection keeps.
func matching(ts []testutil.GatewayTrace, model string) int {
	n := 0
	for _, g := range ts {
		if g.Model == model && !g.Error {
			n++
		}
	}
	return n
}

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestPullCreateThenNewTracesOnly(t *testing.T) {
	for _, hs := range httpSources {
		t.Run(string(hs.kind), func(t *testing.T) {
			ctx := context.Background()
			fake, good, _ := hs.start(t)
			first := testutil.SampleGatewayTraces("a", 40, t0, time.Minute)
			fake.Add(first...)
			st := testutil.OpenStore(t)
			ds, err := st.CreateDataset(ctx, "support", "answer support tickets")
			if err != nil {
				t.Fatal(err)
			}
			src, sid := registered(t, st, good)

			// Create from a filtered selection, 5 per page.
			sel := gateway.Filter{Model: "gpt-4o-mini", ExcludeErrors: true, From: t0}
			var progress [][2]int64
			res, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{Filter: sel, PageSize: 5, Now: clock(t0.Add(time.Hour))},
				func(done, total int64, _ string) { progress = append(progress, [2]int64{done, total}) })
			if err != nil {
				t.Fatal(err)
			}
			want := matching(first, "gpt-4o-mini")
			if res.New != want || res.Skipped != 0 || res.Invalid != 0 || res.Pages < 3 {
				t.Fatalf("create pull = %+v, want %d new over ≥3 pages", res, want)
			}
			if len(progress) != res.Pages || progress[len(progress)-1][0] == 0 {
				t.Fatalf("progress reports = %v", progress)
			}
			recs := records(t, st, ds.ID)
			if len(recs) != want {
				t.Fatalf("%d records stored, want %d", len(recs), want)
			}
			tools := 0
			for _, r := range recs {
				if r.Code != record.Valid {
					t.Fatalf("record %s invalid: %s %s", r.TraceID, r.Code, r.Detail)
				}
				if r.Source != string(hs.kind)+":"+good.Name || r.TraceID == "" {
					t.Fatalf("record source %q trace %q", r.Source, r.TraceID)
				}
				if strings.Contains(string(r.Messages), `"tool_calls"`) {
					tools++
					if len(r.Tools) == 0 || !strings.Contains(string(r.Messages), `"tool_call_id"`) {
						t.Fatalf("tool record lost tools or results: %s", r.Raw)
					}
				}
			}
			if tools == 0 {
				t.Fatal("no tool-calling record in the selection")
			}

			// New traces arrive; a pull reuses the dataset's filter and adds exactly them.
			later := testutil.SampleGatewayTraces("b", 17, t0.Add(2*time.Hour), 30*time.Second)
			fake.Add(later...)
			res2, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{PageSize: 5, Now: clock(t0.Add(3 * time.Hour))}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if w := matching(later, "gpt-4o-mini"); res2.New != w || res2.Skipped != 0 {
				t.Fatalf("second pull = %+v, want %d new", res2, w)
			}
			// And a pull with nothing new adds none.
			res3, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{PageSize: 5, Now: clock(t0.Add(4 * time.Hour))}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res3.New != 0 || res3.Skipped != 0 {
				t.Fatalf("third pull = %+v, want nothing", res3)
			}
			if n := len(records(t, st, ds.ID)); n != want+matching(later, "gpt-4o-mini") {
				t.Fatalf("%d records in the end", n)
			}
			cur, found, _ := st.PullCursorFor(ctx, ds.ID, sid)
			// the cursor is the newest trace seen (b-0016 at t0+2h8m), not the clock
			if !found || !cur.Since.Equal(t0.Add(2*time.Hour+8*time.Minute)) || cur.Token != "" || !strings.Contains(cur.Filter, "gpt-4o-mini") {
				t.Fatalf("cursor = %+v", cur)
			}
		})
	}
}

func TestPullResumesAfterMidPullFailure(t *testing.T) {
	for _, hs := range httpSources {
		t.Run(string(hs.kind), func(t *testing.T) {
			ctx := context.Background()
			fake, good, _ := hs.start(t)
			all := testutil.SampleGatewayTraces("a", 30, t0, time.Minute)
			fake.Add(all...)
			st := testutil.OpenStore(t)
			ds, _ := st.CreateDataset(ctx, "d", "")
			src, sid := registered(t, st, good)

			fake.FailListAfter(2)
			opt := gateway.PullOptions{PageSize: 5, Now: clock(t0.Add(time.Hour))}
			res, err := gateway.Pull(ctx, st, src, sid, ds.ID, opt, nil)
			if err == nil || !strings.Contains(err.Error(), string(hs.kind)+":"+good.Name) || !strings.Contains(err.Error(), "kept") {
				t.Fatalf("want a failure naming the source, got %v", err)
			}
			// Two pages of five (the ten newest) are kept.
			if res.New != 10 || len(records(t, st, ds.ID)) != 10 {
				t.Fatalf("after failure: %+v, %d records", res, len(records(t, st, ds.ID)))
			}
			cur, found, _ := st.PullCursorFor(ctx, ds.ID, sid)
			if !found || cur.Token == "" || !cur.High.Equal(t0.Add(time.Hour)) {
				t.Fatalf("cursor after failure = %+v", cur)
			}

			fake.Recover()
			res2, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{PageSize: 5, Now: clock(t0.Add(2 * time.Hour))}, nil)
			if err != nil {
				t.Fatal(err)
			}
			// It continued at page 3: nothing re-read, nothing missing.
			if res2.New != 20 || res2.Skipped != 0 {
				t.Fatalf("resumed pull = %+v, want 20 new and 0 skipped", res2)
			}
			if n := len(records(t, st, ds.ID)); n != 30 {
				t.Fatalf("%d records, want 30", n)
			}
		})
	}
}

func TestPullStopKeepsPages(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake := testutil.StartLangfuse(t, lfPublic, lfSecret)
	fake.Add(testutil.SampleGatewayTraces("a", 30, t0, time.Minute)...)
	st := testutil.OpenStore(t)
	ds, _ := st.CreateDataset(ctx, "d", "")
	src, sid := registered(t, st, gateway.Config{Name: "prod", Kind: gateway.KindLangfuse, URL: fake.URL, PublicKey: lfPublic, SecretKey: lfSecret})
	pages := 0
	_, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{PageSize: 5, Now: clock(t0.Add(time.Hour))}, func(int64, int64, string) {
		if pages++; pages == 3 {
			cancel()
		}
	})
	if err == nil || ctx.Err() == nil {
		t.Fatalf("want a stopped pull, got %v", err)
	}
	if n := len(records(t, st, ds.ID)); n != 15 {
		t.Fatalf("%d records kept, want 15", n)
	}
	res, err := gateway.Pull(context.Background(), st, src, sid, ds.ID, gateway.PullOptions{PageSize: 5, Now: clock(t0.Add(time.Hour))}, nil)
	if err != nil || res.New != 15 || res.Skipped != 0 {
		t.Fatalf("continued pull = %+v, %v", res, err)
	}
}

func TestPullSelectedIDsAndSince(t *testing.T) {
	ctx := context.Background()
	fake := testutil.StartLiteLLM(t, litellmKey)
	fake.Add(testutil.SampleGatewayTraces("a", 20, t0, time.Minute)...)
	st := testutil.OpenStore(t)
	ds, _ := st.CreateDataset(ctx, "d", "")
	src, sid := registered(t, st, gateway.Config{Name: "proxy", Kind: gateway.KindLiteLLM, URL: fake.URL, Key: litellmKey})

	res, err := gateway.PullIDs(ctx, st, src, sid, ds.ID, []string{"a-0001", "a-0002", "a-0002", "a-0005"}, gateway.Filter{}, t0.Add(10*time.Minute), nil)
	if err != nil || res.New != 3 {
		t.Fatalf("selected = %+v, %v", res, err)
	}
	again, err := gateway.PullIDs(ctx, st, src, sid, ds.ID, []string{"a-0001"}, gateway.Filter{}, t0.Add(10*time.Minute), nil)
	if err != nil || again.New != 0 || again.Skipped != 1 {
		t.Fatalf("re-selected = %+v, %v", again, err)
	}
	// The next pull starts at the end of the listing the ids were picked from.
	res2, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{Now: clock(t0.Add(time.Hour))}, nil)
	if err != nil || res2.New != 10 {
		t.Fatalf("pull after selection = %+v, %v", res2, err)
	}
	// --since moves the start back: older traces come in, present ones are skipped.
	res3, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{Since: t0, Now: clock(t0.Add(time.Hour))}, nil)
	if err != nil || res3.New != 7 || res3.Skipped != 13 {
		t.Fatalf("pull --since = %+v, %v", res3, err)
	}
}

func TestPullJSONLAppendedLines(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "traces.jsonl")
	line := func(id, q string) string {
		return `{"input":{"messages":[{"role":"user","content":"` + q + `"}]},"output":{"role":"assistant","content":"ok"},"metadata":{"trace_id":"` + id + `"}}` + "\n"
	}
	if err := os.WriteFile(path, []byte(line("1", "first question about billing")+line("2", "second question about refunds")+"{broken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	st := testutil.OpenStore(t)
	ds, _ := st.CreateDataset(ctx, "d", "")
	src, sid := registered(t, st, gateway.Config{Name: "dump", Kind: gateway.KindJSONL, URL: path})
	now := time.Now()
	res, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{Now: clock(now)}, nil)
	if err != nil || res.New != 3 || res.Invalid != 1 {
		t.Fatalf("first pull = %+v, %v", res, err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(line("3", "third question about invoices"))
	f.Close()
	// Lines without a time of their own take the file's modification time.
	os.Chtimes(path, now.Add(time.Minute), now.Add(time.Minute))
	res2, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{Now: clock(now.Add(2 * time.Minute))}, nil)
	if err != nil || res2.New != 1 || res2.Skipped != 3 {
		t.Fatalf("pull after append = %+v, %v", res2, err)
	}
	res3, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{Now: clock(now.Add(3 * time.Minute))}, nil)
	if err != nil || res3.New != 0 || res3.Skipped != 0 {
		t.Fatalf("third pull = %+v, %v", res3, err)
	}
}

func TestPullSettleLeavesRecentTracesForLater(t *testing.T) {
	ctx := context.Background()
	fake := testutil.StartVllora(t, "")
	fake.Add(testutil.SampleGatewayTraces("a", 20, t0, time.Minute)...) // t0 … t0+19m
	st := testutil.OpenStore(t)
	ds, _ := st.CreateDataset(ctx, "d", "")
	src, sid := registered(t, st, gateway.Config{Name: "edge", Kind: gateway.KindVllora, URL: fake.URL})
	opt := gateway.PullOptions{Now: clock(t0.Add(20 * time.Minute)), Settle: 10 * time.Minute}
	res, err := gateway.Pull(ctx, st, src, sid, ds.ID, opt, nil)
	// the cursor is the newest trace seen (t0+9m), not the window's end
	if err != nil || res.New != 10 || !res.Since.Equal(t0.Add(9*time.Minute)) {
		t.Fatalf("settled pull = %+v, %v", res, err)
	}
	opt.Now = clock(t0.Add(40 * time.Minute))
	res, err = gateway.Pull(ctx, st, src, sid, ds.ID, opt, nil)
	if err != nil || res.New != 10 || res.Skipped != 0 {
		t.Fatalf("next pull = %+v, %v", res, err)
	}
}

// TestPullLookBackCatchesLateTraces is issue 16's acceptance: 7 traces that
// started 90 s before a pull but were indexed only after it arrive with the
// next pull; a third pull adds none.
func TestPullLookBackCatchesLateTraces(t *testing.T) {
	for _, hs := range httpSources {
		t.Run(string(hs.kind), func(t *testing.T) {
			ctx := context.Background()
			fake, good, _ := hs.start(t)
			fake.Add(testutil.SampleGatewayTraces("a", 20, t0, time.Minute)...) // t0 … t0+19m
			st := testutil.OpenStore(t)
			ds, _ := st.CreateDataset(ctx, "d", "")
			src, sid := registered(t, st, good)

			pull1 := t0.Add(20 * time.Minute)
			res, err := gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{PageSize: 5, Now: clock(pull1)}, nil)
			if err != nil || res.New != 20 {
				t.Fatalf("first pull = %+v, %v", res, err)
			}
			// indexed late: they started 90 s before the first pull
			late := testutil.SampleGatewayTraces("late", 7, pull1.Add(-90*time.Second), time.Second)
			fake.Add(late...)
			res, err = gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{PageSize: 5, Now: clock(pull1.Add(10 * time.Minute))}, nil)
			if err != nil || res.New != 7 || res.Skipped != 0 {
				t.Fatalf("second pull = %+v, %v: want the 7 late traces", res, err)
			}
			res, err = gateway.Pull(ctx, st, src, sid, ds.ID, gateway.PullOptions{PageSize: 5, Now: clock(pull1.Add(20 * time.Minute))}, nil)
			if err != nil || res.New != 0 || res.Skipped != 0 {
				t.Fatalf("third pull = %+v, %v: want nothing", res, err)
			}
			if n := len(records(t, st, ds.ID)); n != 27 {
				t.Fatalf("%d records, want 27", n)
			}
			cur, _, _ := st.PullCursorFor(ctx, ds.ID, sid)
			// the newest trace seen is still a-0019 (t0+19m): the late ones
			// started before it
			if want := t0.Add(19 * time.Minute); !cur.Since.Equal(want) {
				t.Fatalf("cursor %v, want the newest trace's time %v", cur.Since, want)
			}
		})
	}
}

// TestPullLookBackIsASourceSetting: a source with a 1-minute look-back
// misses traces indexed later than that, the default 15 minutes do not.
func TestPullLookBackIsASourceSetting(t *testing.T) {
	ctx := context.Background()
	fake := testutil.StartVllora(t, "")
	fake.Add(testutil.SampleGatewayTraces("a", 5, t0, time.Minute)...) // t0 … t0+4m
	st := testutil.OpenStore(t)
	ds, _ := st.CreateDataset(ctx, "d", "")
	row, err := st.AddSource(ctx, store.SourceRow{Name: "edge", Kind: string(gateway.KindVllora), URL: fake.URL, LookBackSeconds: 60}, false)
	if err != nil {
		t.Fatal(err)
	}
	if row.LookBack() != time.Minute {
		t.Fatalf("look-back %v", row.LookBack())
	}
	src, err := gateway.Open(gateway.Config{Name: "edge", Kind: gateway.KindVllora, URL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := gateway.Pull(ctx, st, src, row.ID, ds.ID, gateway.PullOptions{Now: clock(t0.Add(10 * time.Minute))}, nil); err != nil || res.New != 5 {
		t.Fatalf("first pull = %+v, %v", res, err)
	}
	fake.Add(testutil.SampleGatewayTraces("late", 3, t0.Add(2*time.Minute), time.Second)...) // 2 minutes before the cursor
	res, err := gateway.Pull(ctx, st, src, row.ID, ds.ID, gateway.PullOptions{Now: clock(t0.Add(20 * time.Minute))}, nil)
	if err != nil || res.New != 0 {
		t.Fatalf("pull with a 1-minute look-back = %+v, %v", res, err)
	}
	res, err = gateway.Pull(ctx, st, src, row.ID, ds.ID, gateway.PullOptions{LookBack: gateway.DefaultLookBack, Now: clock(t0.Add(30 * time.Minute))}, nil)
	if err != nil || res.New != 3 {
		t.Fatalf("pull with the default look-back = %+v, %v", res, err)
	}
}
