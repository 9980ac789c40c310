package gateway_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func TestLookBackSetting(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      time.Duration
		want    int
		wantErr bool
	}{
		{"0 is no overlap, stored as NoLookBack", 0, store.NoLookBack, false},
		{"45 minutes are 2700 s", 45 * time.Minute, 2700, false},
		{"7 days is the longest", 7 * 24 * time.Hour, 604800, false},
		{"part of a second counts as a second", 500 * time.Millisecond, 1, false},
		{"a negative window is refused", -5 * time.Minute, 0, true},
		{"more than 7 days is refused", 7*24*time.Hour + time.Second, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := gateway.LookBackSetting(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("LookBackSetting(%v) = %d, %v; want %d (error %v)", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestFormatLookBack(t *testing.T) {
	for in, want := range map[time.Duration]string{
		0:                       "0s",
		45 * time.Second:        "45s",
		90 * time.Second:        "1m30s",
		15 * time.Minute:        "15m",
		2 * time.Hour:           "2h",
		90 * time.Minute:        "1h30m",
		7 * 24 * time.Hour:      "168h",
		-5 * time.Minute:        "-5m",
		time.Hour + time.Second: "1h0m1s",
	} {
		if got := gateway.FormatLookBack(in); got != want {
			t.Errorf("FormatLookBack(%v) = %q, want %q", in, got, want)
		}
		if d, err := time.ParseDuration(gateway.FormatLookBack(in)); err != nil || d != in {
			t.Errorf("%q does not parse back to %v: %v, %v", gateway.FormatLookBack(in), in, d, err)
		}
	}
}

// The look-back window is a source setting: set on its own, kept when the
// connection is edited without it, shown in the list, checked on save.
func TestSetLookBackIsKeptAcrossEdits(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	if _, err := gateway.Save(ctx, st, sec, gateway.Config{Name: "files", Kind: gateway.KindJSONL, URL: t.TempDir()}, false); err != nil {
		t.Fatal(err)
	}
	listed := func() gateway.Saved {
		t.Helper()
		all, err := gateway.List(ctx, st, sec)
		if err != nil || len(all) != 1 {
			t.Fatalf("list: %+v %v", all, err)
		}
		return all[0]
	}
	t.Run("a new source has the default", func(t *testing.T) {
		if s := listed(); s.LookBack != "15m" || s.LookBackSeconds != 0 {
			t.Fatalf("new source: %q (%d s)", s.LookBack, s.LookBackSeconds)
		}
	})
	t.Run("set to 45 minutes", func(t *testing.T) {
		s, err := gateway.SetLookBack(ctx, st, sec, "FILES", 45*time.Minute)
		if err != nil || s.LookBack != "45m" || s.LookBackSeconds != 2700 {
			t.Fatalf("set: %+v %v", s, err)
		}
		if s := listed(); s.LookBack != "45m" {
			t.Fatalf("listed: %q", s.LookBack)
		}
	})
	t.Run("editing the connection without it keeps it", func(t *testing.T) {
		dir := t.TempDir()
		s, err := gateway.Save(ctx, st, sec, gateway.Config{Name: "files", Kind: gateway.KindJSONL, URL: dir}, true)
		if err != nil || s.URL != dir || s.LookBack != "45m" {
			t.Fatalf("edit: %+v %v", s, err)
		}
	})
	t.Run("0 is no overlap", func(t *testing.T) {
		s, err := gateway.SetLookBack(ctx, st, sec, "files", 0)
		if err != nil || s.LookBack != "0s" || s.LookBackSeconds != store.NoLookBack || s.SourceRow.LookBack() != 0 {
			t.Fatalf("set 0: %+v %v", s, err)
		}
	})
	t.Run("a negative or too long window is refused and nothing changes", func(t *testing.T) {
		for _, d := range []time.Duration{-5 * time.Minute, 9 * 24 * time.Hour} {
			if _, err := gateway.SetLookBack(ctx, st, sec, "files", d); err == nil {
				t.Errorf("set %v: no error", d)
			}
		}
		for _, secs := range []int{-2, 7*24*3600 + 1} {
			if _, err := gateway.Save(ctx, st, sec, gateway.Config{Name: "files", Kind: gateway.KindJSONL, URL: t.TempDir(), LookBackSeconds: secs}, true); err == nil {
				t.Errorf("save with %d s: no error", secs)
			}
		}
		if s := listed(); s.LookBack != "0s" {
			t.Fatalf("after refusals: %q", s.LookBack)
		}
	})
	t.Run("a missing source is not found", func(t *testing.T) {
		if _, err := gateway.SetLookBack(ctx, st, sec, "nope", time.Minute); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

// A source without look-back re-reads nothing before its cursor; set to a
// minute, the next pull catches what came in late.
func TestPullWithoutLookBackRereadsNothing(t *testing.T) {
	ctx := context.Background()
	fake := testutil.StartVllora(t, "")
	fake.Add(testutil.SampleGatewayTraces("a", 5, t0, time.Minute)...) // t0 … t0+4m
	st := testutil.OpenStore(t)
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	ds, _ := st.CreateDataset(ctx, "d", "")
	saved, err := gateway.Save(ctx, st, sec, gateway.Config{Name: "edge", Kind: gateway.KindVllora, URL: fake.URL, LookBackSeconds: store.NoLookBack}, false)
	if err != nil || saved.LookBack != "0s" {
		t.Fatalf("save: %+v %v", saved, err)
	}
	src, _, err := gateway.Load(ctx, st, sec, "edge")
	if err != nil {
		t.Fatal(err)
	}
	pull := func(at time.Duration) gateway.PullResult {
		t.Helper()
		res, err := gateway.Pull(ctx, st, src, saved.ID, ds.ID, gateway.PullOptions{Now: clock(t0.Add(at))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := pull(10 * time.Minute); res.New != 5 {
		t.Fatalf("first pull = %+v", res)
	}
	fake.Add(testutil.SampleGatewayTraces("late", 2, t0.Add(3*time.Minute+30*time.Second), time.Second)...) // 30 s before the cursor
	if res := pull(20 * time.Minute); res.New != 0 {
		t.Fatalf("pull without look-back = %+v, want nothing", res)
	}
	if _, err := gateway.SetLookBack(ctx, st, sec, "edge", time.Minute); err != nil {
		t.Fatal(err)
	}
	if res := pull(30 * time.Minute); res.New != 2 {
		t.Fatalf("pull with a 1-minute look-back = %+v, want the 2 late traces", res)
	}
}
