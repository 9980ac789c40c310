package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"tracetune/backend/grader"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func saveCLIGrader(t *testing.T, dir, dataset, src string) {
	t.Helper()
	st, err := store.Open(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.FindDataset(context.Background(), dataset)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := grader.Save(context.Background(), st, d.ID, grader.Grader{Components: []grader.Component{{Name: "quality", Kind: grader.KindScript, Weight: 1, Source: src}}}); err != nil {
		t.Fatal(err)
	}
}

// TestDryrunCommands: preview, run, show, re-grade after a grader change
// (no base-model calls), list and compare, with the JSON shapes of the
// issue.
func TestDryrunCommands(t *testing.T) {
	f := testutil.StartOpenAI(t)
	t.Setenv("OPENAI_API_KEY", "sk-test-0000000000")
	t.Setenv("OPENAI_BASE_URL", f.URL)
	dir := t.TempDir()
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"Please refund invoice %d %s"}]}`, i, strings.Repeat("now ", i%7)))
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "dr", "--file", fixture(t, lines...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	saveCLIGrader(t, dir, "dr", "def grade(sample, item):\n    return min(1.0, (len(sample['output_text']) % 11) / 10.0)")
	before := f.Count("/chat/completions") // Create & Start may have used the model

	t.Run("preview spends nothing", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "dr", "--n", "20", "--preview", "--json")
		var p struct {
			SampleSize int     `json:"sample_size"`
			ToAsk      int     `json:"to_ask"`
			Model      string  `json:"model"`
			Seconds    float64 `json:"seconds"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.SampleSize != 20 || p.ToAsk != 20 || p.Model == "" || p.Seconds <= 0 {
			t.Fatalf("preview %d %s %s", code, out, errs)
		}
		if f.Count("/chat/completions") != before {
			t.Fatal("preview called the model")
		}
	})

	var first map[string]json.RawMessage
	t.Run("run prints the report with every key of the issue", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "dr", "--n", "20", "--json")
		if code != 0 || json.Unmarshal([]byte(out), &first) != nil {
			t.Fatalf("run %d %s %s", code, out, errs)
		}
		for _, k := range []string{"id", "n", "mean", "std", "median", "p10", "p25", "p75", "p90", "share_positive", "share_perfect",
			"histogram", "per_topic", "verdict", "reasons", "diagnosis", "errors", "grader_version", "model"} {
			if _, ok := first[k]; !ok {
				t.Errorf("report lacks %q", k)
			}
		}
		var hist []int
		var perTopic map[string]struct {
			Mean  *float64 `json:"mean"`
			Std   *float64 `json:"std"`
			Count int      `json:"count"`
		}
		json.Unmarshal(first["histogram"], &hist)
		json.Unmarshal(first["per_topic"], &perTopic)
		total := 0
		for _, tp := range perTopic {
			if tp.Mean == nil || tp.Std == nil {
				t.Fatalf("per_topic %s", first["per_topic"])
			}
			total += tp.Count
		}
		if len(hist) != 10 || total != 20 || string(first["n"]) != "20" {
			t.Fatalf("histogram %v, per-topic total %d, n %s", hist, total, first["n"])
		}
		if got := f.Count("/chat/completions") - before; got != 20 {
			t.Fatalf("%d base-model calls, want 20", got)
		}
	})

	t.Run("show prints the same run", func(t *testing.T) {
		out, _, code := runIn(t, dir, "dryrun", "show", "--dataset", "dr", "--json")
		var r map[string]json.RawMessage
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || string(r["id"]) != string(first["id"]) || string(r["mean"]) != string(first["mean"]) {
			t.Fatalf("show %s", out)
		}
	})

	saveCLIGrader(t, dir, "dr", "def grade(sample, item):\n    return 1.0 if 'echo' in sample['output_text'] else 0.0")
	var second map[string]json.RawMessage
	// every answer echoes: all score 1.0, a flat grader (std 0) is NO-GO
	t.Run("re-grade makes no base-model call", func(t *testing.T) {
		asked := f.Count("/chat/completions")
		out, errs, code := runIn(t, dir, "dryrun", "run", "--dataset", "dr", "--regrade", string(first["id"]), "--json")
		if code != 0 || json.Unmarshal([]byte(out), &second) != nil {
			t.Fatalf("regrade %d %s %s", code, out, errs)
		}
		if f.Count("/chat/completions") != asked || string(second["mean"]) != "1" || string(second["verdict"]) != `"NO-GO"` {
			t.Fatalf("regrade asked %d, report mean %s verdict %s", f.Count("/chat/completions")-asked, second["mean"], second["verdict"])
		}
	})

	t.Run("list marks the older run stale and compare puts both side by side", func(t *testing.T) {
		out, _, code := runIn(t, dir, "dryrun", "list", "--dataset", "dr", "--json")
		var runs []struct {
			ID    int64 `json:"id"`
			Stale bool  `json:"stale"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 2 || runs[0].Stale || !runs[1].Stale {
			t.Fatalf("list %s", out)
		}
		out, _, code = runIn(t, dir, "dryrun", "compare", "--dataset", "dr", "--a", string(first["id"]), "--b", string(second["id"]), "--json")
		var c struct {
			A         struct{ ID int64 } `json:"a"`
			B         struct{ ID int64 } `json:"b"`
			MeanDelta float64            `json:"mean_delta"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &c) != nil || c.A.ID != runs[1].ID || c.B.ID != runs[0].ID || c.MeanDelta <= 0 {
			t.Fatalf("compare %s", out)
		}
	})

	t.Run("bad options are usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"dryrun", "run", "--dataset", "dr", "--responses", "nope"},
			{"dryrun", "run", "--dataset", "dr", "--n", "0"},
			{"dryrun", "compare", "--dataset", "dr", "--a", "1"},
			{"dryrun", "fly"},
		} {
			if _, _, code := runIn(t, dir, args...); code != 2 {
				t.Errorf("%v: exit %d, want 2", args, code)
			}
		}
	})
}
