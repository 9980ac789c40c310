package train_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tracetune/backend/grader"
	"tracetune/backend/llm"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// readTree reads every file under dir by slash-separated name.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// noSecrets fails when any file holds one of the keys.
func noSecrets(t *testing.T, files map[string][]byte, keys ...string) {
	t.Helper()
	for name, b := range files {
		for _, k := range keys {
			if bytes.Contains(b, []byte(k)) {
				t.Errorf("%s holds the key %.6s…", name, k)
			}
		}
	}
}

// readmeNames checks that README.txt names every other file and the counts.
func readmeNames(t *testing.T, files map[string][]byte, ex train.Exported) {
	t.Helper()
	readme := string(files["README.txt"])
	for name := range files {
		if name != "README.txt" && !strings.Contains(readme, name) {
			t.Errorf("README.txt does not name %s:\n%s", name, readme)
		}
	}
	for _, n := range []int{ex.TrainCount, ex.ValidationCount} {
		if !strings.Contains(readme, strconv.Itoa(n)+" lines") {
			t.Errorf("README.txt does not give the count %d:\n%s", n, readme)
		}
	}
	if len(ex.Files) != len(files) {
		t.Errorf("export lists %d files, the folder holds %d", len(ex.Files), len(files))
	}
}

func jsonEqual(t *testing.T, name string, got, want []byte) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatalf("%s (want): %v", name, err)
	}
	ga, _ := json.Marshal(a)
	gb, _ := json.Marshal(b)
	if !bytes.Equal(ga, gb) {
		t.Errorf("%s differs:\n%s\nwant\n%s", name, ga, gb)
	}
}

func TestExportWritesTheOpenAIAndAzureFilesStartUploads(t *testing.T) {
	st, ds, fake, svc := setup(t)
	ctx := ctxT(t)
	opts := train.Options{Trainer: "openai", Provider: "oa", Seed: 7, Split: 0.85}
	job, err := svc.Start(ctx, ds, opts, goInputs())
	if err != nil {
		t.Fatal(err)
	}
	uploaded := fake.Files()
	requests := len(fake.Requests())

	dir := filepath.Join(t.TempDir(), "openai")
	var ex train.Exported
	t.Run("the export holds the uploaded files byte for byte and the job's grader", func(t *testing.T) {
		ex, err = svc.Export(ctx, ds, opts, goInputs(), dir)
		if err != nil {
			t.Fatal(err)
		}
		files := readTree(t, dir)
		if !bytes.Equal(files["train.jsonl"], uploaded[0].Content) || !bytes.Equal(files["validation.jsonl"], uploaded[1].Content) {
			t.Fatalf("exported lines differ from the uploads")
		}
		if ex.TrainCount != job.TrainCount || ex.ValidationCount != job.ValidCount || ex.SplitSeed != 7 {
			t.Errorf("export %+v, job %d/%d", ex, job.TrainCount, job.ValidCount)
		}
		if n := len(lines(files["train.jsonl"])); n != job.TrainCount {
			t.Errorf("train.jsonl has %d lines, the job trained on %d", n, job.TrainCount)
		}
		var body struct {
			Method struct {
				Reinforcement struct {
					Grader json.RawMessage `json:"grader"`
				} `json:"reinforcement"`
			} `json:"method"`
		}
		if err := json.Unmarshal(fake.CreateRequest(job.RemoteID), &body); err != nil {
			t.Fatal(err)
		}
		jsonEqual(t, "grader.json", files["grader.json"], body.Method.Reinforcement.Grader)
		readmeNames(t, files, ex)
		noSecrets(t, files, testKey)
	})
	t.Run("no platform was contacted and no job recorded", func(t *testing.T) {
		if len(fake.Requests()) != requests {
			t.Errorf("the export sent %d requests", len(fake.Requests())-requests)
		}
		jobs, err := st.TrainJobs(ctx, ds)
		if err != nil || len(jobs) != 1 {
			t.Errorf("%d jobs (%v)", len(jobs), err)
		}
	})
	t.Run("an export never overwrites: a folder holding its files is refused untouched", func(t *testing.T) {
		before := readTree(t, dir)
		_, err := svc.Export(ctx, ds, opts, goInputs(), dir)
		if !errors.Is(err, train.ErrInvalid) || !strings.Contains(err.Error(), "empty folder") {
			t.Fatalf("export into a used folder: %v", err)
		}
		after := readTree(t, dir)
		for name, b := range before {
			if !bytes.Equal(after[name], b) {
				t.Errorf("%s changed", name)
			}
		}
	})
	t.Run("azure lines are the same records, without any Azure provider set up", func(t *testing.T) {
		azDir := filepath.Join(t.TempDir(), "azure")
		ex, err := svc.Export(ctx, ds, train.Options{Trainer: "azure", Seed: 7, Split: 0.85}, goInputs(), azDir)
		if err != nil {
			t.Fatal(err)
		}
		files := readTree(t, azDir)
		if !bytes.Equal(files["train.jsonl"], uploaded[0].Content) || !bytes.Equal(files["validation.jsonl"], uploaded[1].Content) {
			t.Errorf("azure lines differ from the openai upload")
		}
		if ex.Trainer != "azure" || ex.TrainCount != job.TrainCount {
			t.Errorf("export %+v", ex)
		}
		noSecrets(t, files, testKey)
	})
}

func TestExportWritesTheFireworksDatasetsAndEvaluatorStartUploads(t *testing.T) {
	_, ds, fake, svc, m := fwSetup(t)
	ctx := ctxT(t)
	const judgeKey = "sk-judge-secret-987654321"
	if _, err := m.Add(ctx, llm.ProviderInput{Name: "oa", Kind: llm.KindOpenAI, APIKey: judgeKey}); err != nil {
		t.Fatal(err)
	}
	if err := m.SetRole(ctx, llm.RoleJudge, "oa", "gpt-4.1-mini"); err != nil {
		t.Fatal(err)
	}
	g := fwGrader()
	g.Components[0].Weight = 0.1
	g.Components = append(g.Components, grader.Component{Name: "judge", Kind: grader.KindJudge, Weight: 0.2, Prompt: "Rate {{response}} against {{item.reference_answer}}."})
	job, err := svc.Start(ctx, ds, fwOptions(), fwInputs(t, g))
	if err != nil {
		t.Fatal(err)
	}
	requests := len(fake.Requests())
	dir := t.TempDir()
	ex, err := svc.Export(ctx, ds, fwOptions(), fwInputs(t, g), dir)
	if err != nil {
		t.Fatal(err)
	}
	files := readTree(t, dir)

	t.Run("the rows are the uploaded datasets' rows", func(t *testing.T) {
		for id, d := range fake.Datasets() {
			name := "validation.jsonl"
			if strings.HasSuffix(id, "-train") {
				name = "train.jsonl"
			}
			if !bytes.Equal(bytes.TrimSpace(files[name]), bytes.TrimSpace(d.Content)) {
				t.Errorf("%s differs from dataset %s", name, id)
			}
		}
		if len(lines(files["train.jsonl"])) != job.TrainCount || len(lines(files["validation.jsonl"])) != job.ValidCount {
			t.Errorf("lines %d/%d, job %d/%d", len(lines(files["train.jsonl"])), len(lines(files["validation.jsonl"])), job.TrainCount, job.ValidCount)
		}
	})
	t.Run("the evaluator package is the uploaded one, the judge's key in no file", func(t *testing.T) {
		evs := fake.Evaluators()
		if len(evs) != 1 {
			t.Fatalf("evaluators %d", len(evs))
		}
		for _, e := range evs {
			for name, content := range e.Files {
				if got := string(files["tracetune-evaluator/"+name]); got != content {
					t.Errorf("tracetune-evaluator/%s differs from the upload", name)
				}
			}
		}
		jsonEqual(t, "grader.json", files["grader.json"], fwInputs(t, g).Grader)
		noSecrets(t, files, fwKey, judgeKey)
		readmeNames(t, files, ex)
	})
	t.Run("Fireworks was not contacted", func(t *testing.T) {
		if len(fake.Requests()) != requests {
			t.Errorf("the export sent %d requests", len(fake.Requests())-requests)
		}
	})
}

func TestExportWritesTheTRLBundleStartWrites(t *testing.T) {
	st := testutil.OpenStore(t)
	ds := seedDataset(t, st, 4)
	ctx := ctxT(t)
	reward, err := grader.ExportTRL(bundleGrader)
	if err != nil {
		t.Fatal(err)
	}
	gj, _ := bundleGrader.Canonical()
	in := train.Inputs{GraderVersion: bundleGrader.Version(), RewardPy: reward, GraderJSON: gj}
	svc := &train.Service{Store: st}
	bundle := filepath.Join(t.TempDir(), "bundle")
	opts := train.Options{Trainer: "trl", Seed: 11, IncludeGenerated: true, Hyper: train.Hyperparameters{Epochs: 2}}
	withOut := opts
	withOut.OutDir, withOut.NoZip = bundle, true
	job, err := svc.Start(ctx, ds, withOut, in)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ex, err := svc.Export(ctx, ds, opts, in, dir)
	if err != nil {
		t.Fatal(err)
	}
	got, want := readTree(t, dir), readTree(t, bundle)
	for _, name := range []string{"data/train.jsonl", "data/eval.jsonl", "reward.py", "train.py", "requirements.txt", "config.yaml", "grader.json"} {
		if !bytes.Equal(got[name], want[name]) {
			t.Errorf("%s differs from the bundle Start wrote", name)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("the export lacks %s", name)
		}
	}
	if ex.TrainCount != job.TrainCount || ex.ValidationCount != job.ValidCount || ex.BaseModel != job.BaseModel {
		t.Errorf("export %+v, job %+v", ex, job)
	}
	if len(lines(got["data/eval.jsonl"])) != job.ValidCount {
		t.Errorf("eval.jsonl %d lines, job %d", len(lines(got["data/eval.jsonl"])), job.ValidCount)
	}
	readmeNames(t, got, ex)
}

func TestExportRefusesWhatStartWouldRefuse(t *testing.T) {
	st, ds, _, svc := setup(t)
	ctx := ctxT(t)
	empty, err := st.CreateDataset(ctx, "empty", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		dataset int64
		opts    train.Options
		in      train.Inputs
		dir     string
		want    string
	}{
		{"no folder", ds, train.Options{Trainer: "openai"}, goInputs(), " ", "choose a folder"},
		{"no grader export", ds, train.Options{Trainer: "openai"}, train.Inputs{}, "x", "no export for trainer openai"},
		{"an unknown trainer", ds, train.Options{Trainer: "sagemaker"}, goInputs(), "x", "not one of"},
		{"a provider that cannot fine-tune", ds, train.Options{Trainer: "azure", Provider: "oa"}, goInputs(), "x", "trainer azure"},
		{"too few records", empty.ID, train.Options{Trainer: "openai"}, goInputs(), "x", "record"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if dir == "x" {
				dir = filepath.Join(t.TempDir(), "out")
			}
			_, err := svc.Export(ctx, c.dataset, c.opts, c.in, dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want it to say %q", err, c.want)
			}
			if strings.TrimSpace(dir) != "" {
				if _, serr := os.Stat(dir); serr == nil {
					t.Errorf("a refused export left %s", dir)
				}
			}
		})
	}
}

func TestGraderInputsExportTheSavedGraderForEachTrainer(t *testing.T) {
	st := testutil.OpenStore(t)
	ds := seedDataset(t, st, 0)
	ctx := ctxT(t)
	if _, err := train.GraderInputs(ctx, st, ds, "openai"); !errors.Is(err, train.ErrInvalid) {
		t.Fatalf("no grader: %v", err)
	}
	if _, err := grader.Save(ctx, st, ds, bundleGrader); err != nil {
		t.Fatal(err)
	}
	for _, tr := range []string{"openai", "azure", "fireworks", "trl"} {
		t.Run(tr, func(t *testing.T) {
			in, err := train.GraderInputs(ctx, st, ds, tr)
			if err != nil {
				t.Fatal(err)
			}
			info, _ := train.TrainerInfo(tr)
			if in.GraderVersion != bundleGrader.Version() || info.Remote && len(in.Grader) == 0 || !info.Remote && in.RewardPy == "" ||
				tr == "fireworks" && len(in.Evaluator) == 0 {
				t.Errorf("inputs %+v", in)
			}
		})
	}
}

// entries lists a folder's names ("" when it does not exist).
func entries(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return "<none>"
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return strings.Join(names, ",")
}

func TestAnExportThatFailsLeavesNothingAndARetrySucceeds(t *testing.T) {
	_, ds, _, svc := setup(t)
	opts := train.Options{Trainer: "openai", Provider: "oa", Seed: 7}
	for _, c := range []struct {
		name   string
		exists bool // the target folder exists (empty) before the export
	}{
		{"into an empty folder", true},
		{"into a folder the export makes", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "new", "out")
			if c.exists {
				dir = filepath.Join(base, "out")
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			before := entries(t, base)
			untouched := func(t *testing.T) {
				t.Helper()
				if got := entries(t, base); got != before {
					t.Errorf("beside the target: %s, want %s (a temporary folder left?)", got, before)
				}
				if c.exists {
					if got := entries(t, dir); got != "" {
						t.Errorf("the target holds %s", got)
					}
				} else if _, err := os.Stat(filepath.Join(base, "new")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the folder made for the target is left: %v", err)
				}
			}
			t.Run("a write error on the last file leaves no file of the export", func(t *testing.T) {
				train.FailExportFile(t, "validation.jsonl")
				_, err := svc.Export(ctxT(t), ds, opts, goInputs(), dir)
				if err == nil || !strings.Contains(err.Error(), "no space left") || !strings.Contains(err.Error(), "validation.jsonl") {
					t.Fatalf("export: %v", err)
				}
				untouched(t)
			})
			t.Run("Stop after the first file leaves no file of the export", func(t *testing.T) {
				ctx, cancel := context.WithCancel(ctxT(t))
				defer cancel()
				_, err := svc.ExportReporting(ctx, ds, opts, goInputs(), dir, func(done, total int64, _ string) {
					if done >= 1 {
						cancel()
					}
				})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("stopped export: %v", err)
				}
				untouched(t)
			})
			t.Run("a retry writes every file and reports each line", func(t *testing.T) {
				var last, total int64
				ex, err := svc.ExportReporting(ctxT(t), ds, opts, goInputs(), dir, func(done, tot int64, _ string) {
					if done < last {
						t.Errorf("progress went back from %d to %d", last, done)
					}
					last, total = done, tot
				})
				if err != nil {
					t.Fatalf("retry: %v", err)
				}
				files := readTree(t, dir)
				if len(files) != len(ex.Files) || files["validation.jsonl"] == nil {
					t.Errorf("the folder holds %d files, the export lists %d", len(files), len(ex.Files))
				}
				if want := int64(ex.TrainCount + ex.ValidationCount + len(ex.Files) - 2); last != total || total != want {
					t.Errorf("progress ended at %d/%d, want %d/%d", last, total, want, want)
				}
				if got, want := entries(t, filepath.Dir(dir)), filepath.Base(dir); got != want {
					t.Errorf("beside the target: %s, want only %s", got, want)
				}
				if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
					t.Errorf("the folder's mode %v (%v)", fi.Mode(), err)
				}
			})
		})
	}
}
