package train_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/grader"
	"tracetune/backend/record"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// bundleGrader has every component kind the bundle's reward.py runs
// without a network: a string check, a similarity and a script.
var bundleGrader = grader.Grader{Components: []grader.Component{
	{Name: "exact", Kind: grader.KindStringCheck, Weight: 0.4, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Operation: "ilike"},
	{Name: "sim", Kind: grader.KindTextSimilarity, Weight: 0.35, Input: "{{sample.output_text}}", Reference: "{{item.reference_answer}}", Metric: "fuzzy_match"},
	{Name: "brief", Kind: grader.KindScript, Weight: 0.25, Source: "def grade(sample, item):\n    n = len(sample[\"output_text\"])\n    if item.get(\"case_id\", \"\") == \"\":\n        return 0.0\n    return min(1.0, 40.0 / max(n, 1))\n"},
}}

func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(lines(b))
}

func TestTheTRLBundleRunsAndItsRewardScoresLikeTheApp(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed to check the bundle's Python: install it (apt-get install python3)")
	}
	st := testutil.OpenStore(t)
	ds := seedDataset(t, st, 6)
	ctx := ctxT(t)
	if err := bundleGrader.Validate(); err != nil {
		t.Fatal(err)
	}
	reward, err := grader.ExportTRL(bundleGrader)
	if err != nil {
		t.Fatal(err)
	}
	gj, _ := bundleGrader.Canonical()
	dir := filepath.Join(t.TempDir(), "bundle")
	svc := &train.Service{Store: st}
	job, err := svc.Start(ctx, ds, train.Options{Trainer: "trl", OutDir: dir, Hyper: train.Hyperparameters{Epochs: 3, LearningRate: 2e-5}},
		train.Inputs{GraderVersion: bundleGrader.Version(), RewardPy: reward, GraderJSON: gj, DryRunID: 3, DryRunVerdict: "CAUTION"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the job is exported with the data split as for any trainer", func(t *testing.T) {
		if job.Status != train.StatusExported || !job.Final || job.OutDir != dir || job.BaseModel != "Qwen/Qwen3-1.7B" {
			t.Fatalf("job %+v", job)
		}
		if job.TrainCount+job.ValidCount != 106 || job.ValidCount != 11 {
			t.Fatalf("split %d/%d", job.TrainCount, job.ValidCount)
		}
		if n := countLines(t, filepath.Join(dir, "data", "train.jsonl")); n != job.TrainCount {
			t.Errorf("train.jsonl has %d rows, want %d", n, job.TrainCount)
		}
		if n := countLines(t, filepath.Join(dir, "data", "eval.jsonl")); n != job.ValidCount {
			t.Errorf("eval.jsonl has %d rows, want %d", n, job.ValidCount)
		}
	})

	t.Run("the files are all there, requirements pinned, manifest and config filled", func(t *testing.T) {
		for _, f := range []string{"README.md", "manifest.json", "requirements.txt", "config.yaml", "reward.py", "train.py", "check_reward.py", "grader.json"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		req, _ := os.ReadFile(filepath.Join(dir, "requirements.txt"))
		for _, l := range lines(req) {
			if !bytes.Contains(l, []byte("==")) {
				t.Errorf("requirement %q is not pinned", l)
			}
		}
		if !bytes.Contains(req, []byte("trl==")) {
			t.Error("trl is not in requirements.txt")
		}
		var m train.Manifest
		mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err := json.Unmarshal(mb, &m); err != nil {
			t.Fatal(err)
		}
		if m.Dataset != ds || m.GraderVersion != bundleGrader.Version() || m.SplitSeed != train.DefaultSeed || m.TrainRows != job.TrainCount ||
			m.EvalRows != job.ValidCount || len(m.Files) < 8 || m.Hyper.Epochs != 3 {
			t.Errorf("manifest %+v", m)
		}
		cfg, _ := os.ReadFile(filepath.Join(dir, "config.yaml"))
		for _, want := range []string{"model: \"Qwen/Qwen3-1.7B\"", "num_train_epochs: 3", "learning_rate: 2e-05", "num_generations: 8"} {
			if !bytes.Contains(cfg, []byte(want)) {
				t.Errorf("config.yaml lacks %q:\n%s", want, cfg)
			}
		}
		readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
		if !bytes.Contains(readme, []byte("pip install -r requirements.txt")) || !bytes.Contains(readme, []byte("python train.py --config config.yaml")) {
			t.Errorf("README lacks the two commands")
		}
		for _, f := range []string{"reward.py", "train.py", "check_reward.py"} {
			if b, _ := os.ReadFile(filepath.Join(dir, f)); bytes.Contains(b, []byte(testKey)) || (f == "reward.py" && bytes.Contains(b, []byte("import trl"))) {
				t.Errorf("%s imports trl or holds a key", f)
			}
		}
	})

	t.Run("the zip holds the same files", func(t *testing.T) {
		zr, err := zip.OpenReader(dir + ".zip")
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		names := map[string]bool{}
		for _, f := range zr.File {
			names[f.Name] = true
		}
		for _, want := range []string{"bundle/data/train.jsonl", "bundle/data/eval.jsonl", "bundle/reward.py", "bundle/train.py", "bundle/manifest.json"} {
			if !names[want] {
				t.Errorf("zip lacks %s (has %v)", want, names)
			}
		}
	})

	t.Run("python3 compiles every Python file of the bundle", func(t *testing.T) {
		cmd := exec.Command(py, "-m", "py_compile", "reward.py", "train.py", "check_reward.py")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("py_compile: %v\n%s", err, out)
		}
	})

	t.Run("reward.py on the validation rows scores exactly as the local grader", func(t *testing.T) {
		ids, err := train.ValidationRecordIDs(ctx, st, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev := grader.NewEvaluator(st, bundleGrader)
		var answers bytes.Buffer
		want := map[int64][]float64{}
		var order []int64
		for i, id := range ids {
			rec, err := st.Record(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var f struct {
				Ref string `json:"reference_answer"`
			}
			_ = json.Unmarshal(rec.Fields, &f)
			// answers from exact to unrelated, short to long
			texts := []string{f.Ref, strings.ToUpper(f.Ref) + " -- hope that helps!", "I am not sure.",
				strings.Repeat("a long and winding answer ", i+1), ""}
			it, err := grader.ItemFromRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range texts {
				content, _ := json.Marshal(text)
				res := ev.Grade(ctx, it, grader.SampleFromMessage(record.Message{Role: "assistant", Content: content}))
				if len(res.Errors) > 0 {
					t.Fatalf("local grade of record %d: %v", id, res.Errors)
				}
				want[id] = append(want[id], res.Score)
				line, _ := json.Marshal(map[string]any{"record_id": id, "text": text})
				answers.Write(append(line, '\n'))
				order = append(order, id)
			}
		}
		path := filepath.Join(t.TempDir(), "answers.jsonl")
		if err := os.WriteFile(path, answers.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(py, "check_reward.py", path)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("check_reward.py: %v\n%s", err, stderr.String())
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		got := map[int64][]float64{}
		n := 0
		for sc.Scan() {
			var r struct {
				RecordID int64   `json:"record_id"`
				Reward   float64 `json:"reward"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("output line %q: %v", sc.Text(), err)
			}
			if r.RecordID != order[n] {
				t.Fatalf("output line %d is record %d, want %d", n, r.RecordID, order[n])
			}
			got[r.RecordID] = append(got[r.RecordID], r.Reward)
			n++
		}
		if n != len(order) || n != 5*job.ValidCount {
			t.Fatalf("%d rewards for %d answers", n, len(order))
		}
		distinct := map[string]bool{}
		for id, ws := range want {
			for k, w := range ws {
				if d := math.Abs(got[id][k] - w); d > 1e-9 {
					t.Errorf("record %d answer %d: reward.py %.12f, app %.12f", id, k, got[id][k], w)
				}
				distinct[fmt.Sprintf("%.6f", w)] = true
			}
		}
		if len(distinct) < 5 {
			t.Errorf("only %d distinct scores: the comparison is too easy", len(distinct))
		}
	})
}

func TestABundleRefusesAFolderThatIsNotEmpty(t *testing.T) {
	st := testutil.OpenStore(t)
	ds := seedDataset(t, st, 0)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	reward, err := grader.ExportTRL(bundleGrader)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&train.Service{Store: st}).Start(ctxT(t), ds, train.Options{Trainer: "trl", OutDir: dir}, train.Inputs{RewardPy: reward})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "keep.txt")); string(b) != "mine" {
		t.Error("the user's file was touched")
	}
}
