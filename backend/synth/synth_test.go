package synth_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"tracetune/backend/coverage"
	"tracetune/backend/jobs"
	"tracetune/backend/pipeline"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/synth"
)

func statOf(t *testing.T, r coverage.Report, name string) coverage.Stat {
	t.Helper()
	s, ok := r.Distribution[name]
	if !ok {
		t.Fatalf("coverage has no topic %s", name)
	}
	return s
}

func TestFillGapsLiftsATopicAtTwoPercentToItsTarget(t *testing.T) {
	// 22 and 28 records to make from two seeds: more requests than voices,
	// so sources, voices and kinds of case must combine to stay distinct.
	for _, tc := range []struct {
		embed bool
		per   int
	}{{false, 24}, {true, 24}, {false, 30}} {
		name := fmt.Sprintf("offline near-duplicate check, %d per other topic", tc.per)
		if tc.embed {
			name = fmt.Sprintf("embedding near-duplicate check, %d per other topic", tc.per)
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, map[string]int{"billing": tc.per, "shipping": tc.per, "account": tc.per, "returns": tc.per, "product": 2}, tc.embed, 4)
			before, err := coverage.Compute(ctx, f.st, f.ds.ID)
			if err != nil {
				t.Fatal(err)
			}
			thin := statOf(t, before, "product")
			if thin.Percent > 2.1 || thin.Status != coverage.Under {
				t.Fatalf("fixture: product is %.2f %% (%s), want about 2 %% and under", thin.Percent, thin.Status)
			}
			o := synth.Defaults()
			o.Gaps = true
			var pv synth.Preview
			t.Run("the preview plans the topic's gap and spends nothing", func(t *testing.T) {
				pv, err = synth.MakePreview(ctx, f.st, f.ds.ID, o)
				if err != nil {
					t.Fatal(err)
				}
				if len(pv.Rows) != 1 || pv.Rows[0].Topic != "product" || pv.Rows[0].Count != thin.ToTarget {
					t.Fatalf("rows %+v, want product × %d (ToTarget)", pv.Rows, thin.ToTarget)
				}
				if pv.BalanceAfter <= pv.BalanceBefore || pv.Model != genModel || pv.PromptTokens == 0 || pv.CompletionTokens == 0 {
					t.Fatalf("preview %+v: want balance up, the model and tokens", pv)
				}
				if f.fake.Count("/chat/completions") != 0 {
					t.Fatal("the preview called the model")
				}
			})
			var res synth.Result
			t.Run("the run makes as many passing candidates as planned", func(t *testing.T) {
				res, err = synth.Run(ctx, f.st, f.ds.ID, o, nil)
				if err != nil {
					t.Fatal(err)
				}
				if res.Passing != thin.ToTarget {
					for _, c := range res.Candidates {
						t.Logf("%s %s %s: %s", c.Status, c.Reason, c.Detail, c.Text)
					}
					t.Fatalf("%d passing (%d rejected), want %d; notes %v", res.Passing, res.Rejected, thin.ToTarget, res.Notes)
				}
				for _, c := range res.Candidates {
					if c.Status == store.CandidateRejected && c.Reason == "" {
						t.Fatalf("candidate %d rejected without a reason", c.ID)
					}
					if c.Topic != "product" || c.Strategy == "" || c.SourceRecordID == 0 {
						t.Fatalf("candidate %+v: want topic, strategy and source", c)
					}
				}
			})
			t.Run("the preview's tokens are within 20 % of the recorded usage", func(t *testing.T) {
				u := generationUsage(t, f)
				if res.Usage.Calls != u.Calls || res.Usage.PromptTokens != u.PromptTokens {
					t.Fatalf("the run reports %+v, the store recorded %+v", res.Usage, u)
				}
				est := float64(pv.PromptTokens + pv.CompletionTokens)
				got := float64(u.PromptTokens + u.CompletionTokens)
				// Rounds that replaced rejected candidates are extra calls
				// the preview says it does not count: compare per call.
				perEst, perGot := est/float64(pv.Requests), got/float64(u.Calls)
				t.Logf("preview %d+%d tokens in %d calls; recorded %d+%d in %d calls; per call %.0f vs %.0f (%.1f %%)",
					pv.PromptTokens, pv.CompletionTokens, pv.Requests, u.PromptTokens, u.CompletionTokens, u.Calls, perEst, perGot, 100*(perEst/perGot-1))
				if math.Abs(perEst/perGot-1) > 0.2 {
					t.Fatalf("estimate %.0f tokens per call, recorded %.0f", perEst, perGot)
				}
				if u.Calls == int64(pv.Requests) && math.Abs(est/got-1) > 0.2 {
					t.Fatalf("estimate %.0f tokens, recorded %.0f", est, got)
				}
			})
			t.Run("accept all lifts the topic to its target within one record", func(t *testing.T) {
				a, err := pipeline.AcceptCandidates(ctx, f.st, f.ds.ID, nil, true, res.BatchID)
				if err != nil {
					t.Fatal(err)
				}
				if a.Accepted != res.Passing {
					t.Fatalf("accepted %d of %d passing", a.Accepted, res.Passing)
				}
				after, err := coverage.Compute(ctx, f.st, f.ds.ID)
				if err != nil {
					t.Fatal(err)
				}
				s := statOf(t, after, "product")
				want := s.Target / 100 * float64(after.Categorized)
				if math.Abs(float64(s.Count)-want) > 1 {
					t.Fatalf("product has %d of %d records (%.2f %%), target %.2f %% = %.1f records", s.Count, after.Categorized, s.Percent, s.Target, want)
				}
				if s.Generated != a.Accepted || s.Status == coverage.Under || after.Balance <= before.Balance {
					t.Fatalf("after: %+v balance %.2f (before %.2f)", s, after.Balance, before.Balance)
				}
			})
			t.Run("no topic passes the 30 % synthetic cap", func(t *testing.T) {
				gen, by, err := f.st.GeneratedCounts(ctx, f.ds.ID)
				if err != nil {
					t.Fatal(err)
				}
				c, err := f.st.DatasetCounts(ctx, f.ds.ID)
				if err != nil {
					t.Fatal(err)
				}
				if 100*float64(gen)/float64(c.Valid) > 30 {
					t.Fatalf("%d of %d valid records generated", gen, c.Valid)
				}
				for id, n := range by {
					if 100*float64(n)/float64(c.Valid) > 30 {
						t.Fatalf("topic %d: %d generated of %d valid", id, n, c.Valid)
					}
				}
			})
			t.Run("accepted records are valid, generated, sourced and categorized", func(t *testing.T) {
				yes := true
				rs, err := f.st.Records(ctx, store.RecordFilter{DatasetID: f.ds.ID, Generated: &yes, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) != res.Passing {
					t.Fatalf("%d generated records, want %d", len(rs), res.Passing)
				}
				for _, r := range rs {
					if r.Code != record.Valid || r.SourceRecordID == 0 || r.Strategy == "" || r.Topic != "product" || r.Method != synth.MethodGenerated || r.Confidence <= 0 {
						t.Fatalf("record %d: code %q source %d strategy %q topic %q method %q confidence %.2f", r.ID, r.Code, r.SourceRecordID, r.Strategy, r.Topic, r.Method, r.Confidence)
					}
				}
			})
		})
	}
}

func TestTheCapCutsAPlanThatWouldPassIt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, map[string]int{"billing": 49, "product": 1}, false, 8)
	gaps := synth.Defaults()
	gaps.Gaps = true
	t.Run("the preview is cut to the cap and says so", func(t *testing.T) {
		pv, err := synth.MakePreview(ctx, f.st, f.ds.ID, gaps)
		if err != nil {
			t.Fatal(err)
		}
		// 50 valid records: 30 % allows 21 generated (21/71 = 29.6 %).
		if !pv.Capped || pv.Total != 21 || pv.SyntheticShareAfter > 30 {
			t.Fatalf("preview total %d capped %v share after %.2f, want 21, capped, ≤ 30", pv.Total, pv.Capped, pv.SyntheticShareAfter)
		}
	})
	strict := synth.Defaults()
	strict.Topic, strict.Count, strict.MaxShare = "billing", 3, 10
	first, err := synth.Run(ctx, f.st, f.ds.ID, strict, nil)
	if err != nil || first.Passing != 3 {
		t.Fatalf("a 10 %% run: %d passing, %v", first.Passing, err)
	}
	var res synth.Result
	t.Run("pending candidates count against the next run's cap", func(t *testing.T) {
		pv, err := synth.MakePreview(ctx, f.st, f.ds.ID, gaps)
		if err != nil {
			t.Fatal(err)
		}
		// (0.3 × 53 − 3) / 0.7 = 18.4
		if pv.Total != 18 {
			t.Fatalf("plan of %d records with 3 pending, want 18", pv.Total)
		}
		if res, err = synth.Run(ctx, f.st, f.ds.ID, gaps, nil); err != nil || res.Passing != 18 {
			t.Fatalf("run: %d passing, %v", res.Passing, err)
		}
	})
	t.Run("accepting past the strictest cap of the runs is refused", func(t *testing.T) {
		if _, err := synth.AcceptPassing(ctx, f.st, f.ds.ID, 0); !errors.Is(err, synth.ErrCap) {
			t.Fatalf("accept all of a 10 %% run and a 30 %% run: %v, want ErrCap", err)
		}
	})
	t.Run("accept all of the 30 % run stays within its cap", func(t *testing.T) {
		a, err := synth.AcceptPassing(ctx, f.st, f.ds.ID, res.BatchID)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := f.st.DatasetCounts(ctx, f.ds.ID)
		if a.Accepted != 18 || 100*float64(a.Accepted)/float64(c.Valid) > 30 {
			t.Fatalf("accepted %d of %d valid", a.Accepted, c.Valid)
		}
	})
}

func TestStopKeepsTheCandidatesMadeSoFar(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, map[string]int{"billing": 30, "shipping": 30, "product": 3}, false, 1)
	f.fake.SetLatency(150 * time.Millisecond)
	r := jobs.New(f.st, nil)
	o := synth.Defaults()
	o.Gaps = true
	pv, err := synth.MakePreview(ctx, f.st, f.ds.ID, o)
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.Start(pipeline.GenerateWork(f.st, f.ds.ID, o))
	if err != nil {
		t.Fatal(err)
	}
	var made []store.Candidate
	t.Run("candidates are stored while the run goes on", func(t *testing.T) {
		deadline := time.Now().Add(20 * time.Second)
		for len(made) < 6 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			if made, err = synth.List(ctx, f.st, f.ds.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		if len(made) < 6 {
			t.Fatalf("%d candidates after 20 s", len(made))
		}
	})
	t.Run("stop ends the job and keeps them for review", func(t *testing.T) {
		if err := r.Stop(id); err != nil {
			t.Fatal(err)
		}
		p := r.Wait(id)
		if p.State != jobs.Stopped {
			t.Fatalf("job state %s (%s)", p.State, p.Error)
		}
		kept, err := synth.List(ctx, f.st, f.ds.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) < len(made) || len(kept) >= pv.Total {
			t.Fatalf("%d candidates kept (%d seen before Stop, %d planned)", len(kept), len(made), pv.Total)
		}
		a, err := synth.AcceptPassing(ctx, f.st, f.ds.ID, 0)
		if err != nil || a.Accepted == 0 {
			t.Fatalf("accepting the kept candidates: %d, %v", a.Accepted, err)
		}
	})
}

func TestReviewEditsRejectsAndRegenerates(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, map[string]int{"billing": 20, "returns": 20}, false, 4)
	seed, err := f.st.Records(ctx, store.RecordFilter{DatasetID: f.ds.ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	o := synth.Defaults()
	o.RecordIDs = []int64{seed[0].ID}
	res, err := synth.Run(ctx, f.st, f.ds.ID, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) != 3 || res.Candidates[0].Strategy != string(synth.MessageVariation) {
		t.Fatalf("candidates %+v, want 3 message variations", res.Candidates)
	}
	first := res.Candidates[0]
	t.Run("an edit with a placeholder is rejected with the reason", func(t *testing.T) {
		c, err := synth.Edit(ctx, f.st, f.ds.ID, first.ID, "Hi, my name is [NAME] and I was charged twice this month, please refund me.")
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != store.CandidateRejected || c.Reason != synth.ReasonPlaceholder {
			t.Fatalf("status %s reason %s", c.Status, c.Reason)
		}
	})
	t.Run("regenerating the rejected replaces it", func(t *testing.T) {
		o := synth.Defaults()
		o.Regenerate = []int64{first.ID}
		rr, err := synth.Run(ctx, f.st, f.ds.ID, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rr.Candidates) != 1 || rr.Candidates[0].SourceRecordID != seed[0].ID {
			t.Fatalf("regenerated %+v", rr.Candidates)
		}
		gone, _ := f.st.Candidates(ctx, store.CandidateFilter{DatasetID: f.ds.ID, IDs: []int64{first.ID}})
		if len(gone) != 0 {
			t.Fatal("the rejected candidate is still listed")
		}
	})
	t.Run("a rejected-by-hand candidate can still be accepted", func(t *testing.T) {
		second := res.Candidates[1]
		if n, err := synth.Reject(ctx, f.st, f.ds.ID, []int64{second.ID}); err != nil || n != 1 {
			t.Fatalf("reject: %d, %v", n, err)
		}
		a, err := synth.Accept(ctx, f.st, f.ds.ID, []int64{second.ID})
		if err != nil || a.Accepted != 1 {
			t.Fatalf("accept: %+v, %v", a, err)
		}
		r, err := f.st.Record(ctx, a.Records[0])
		if err != nil {
			t.Fatal(err)
		}
		if !r.Generated || r.SourceRecordID != seed[0].ID || r.Strategy != string(synth.MessageVariation) || r.TopicID != seed[0].TopicID {
			t.Fatalf("record %+v", r)
		}
	})
}
