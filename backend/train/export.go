package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"tracetune/backend/grader"
	"tracetune/backend/store"
)

// ExportFile is one file Export wrote.
type ExportFile struct {
	Name  string `json:"name"` // slash-separated, relative to the folder
	Bytes int    `json:"bytes"`
	Lines int    `json:"lines,omitempty"` // JSONL files: records
}

// Exported is what Export wrote: the split's counts and the files.
type Exported struct {
	Dir             string       `json:"dir"`
	Trainer         string       `json:"trainer"`
	BaseModel       string       `json:"base_model"`
	SplitSeed       int64        `json:"split_seed"`
	TrainCount      int          `json:"train_count"`
	ValidationCount int          `json:"validation_count"`
	Files           []ExportFile `json:"files"`
	Notes           []string     `json:"notes"`
}

// exportReadme names the files in an export folder.
const exportReadme = "README.txt"

// packager gives the files a trainer sends for a submission, by the names
// Export writes them under. Start's trainers send the same bytes: the
// lines come from prepare, the bundle from bundleFiles, the evaluator
// package from evaluatorPackage.
type packager interface {
	Files(ctx context.Context, s Submission) (map[string][]byte, error)
}

// GraderInputs exports the dataset's current grader for a trainer, as a
// job's Inputs carry it (no dry run: an export needs none).
func GraderInputs(ctx context.Context, st *store.Store, datasetID int64, trainer string) (Inputs, error) {
	info, err := TrainerInfo(trainer)
	if err != nil {
		return Inputs{}, err
	}
	g, ok, err := grader.Load(ctx, st, datasetID)
	if err != nil {
		return Inputs{}, err
	}
	if !ok {
		return Inputs{}, invalid("the dataset has no grader: configure one in Step 4 (Grader)")
	}
	if err := g.Validate(); err != nil {
		return Inputs{}, invalid("the grader is not ready: %v", err)
	}
	in := Inputs{GraderVersion: g.Version()}
	switch info.Name {
	case "trl":
		if in.RewardPy, err = grader.ExportTRL(g); err != nil {
			return in, fmt.Errorf("export the grader as reward.py: %w", err)
		}
		in.GraderJSON, err = g.Canonical()
	case "fireworks":
		if in.Evaluator, err = grader.ExportFireworks(g); err != nil {
			return in, fmt.Errorf("export the grader as a Fireworks evaluator: %w", err)
		}
		in.Grader, err = g.Canonical()
	default:
		if in.Grader, err = grader.ExportOpenAI(g, info.Name == "azure"); err != nil {
			return in, fmt.Errorf("export the grader for %s: %w", info.Name, err)
		}
	}
	return in, err
}

// offline is a trainer that writes lines and files but talks to no
// platform: Export's.
func (s *Service) offline(info Info) Trainer {
	switch info.Name {
	case "trl":
		return trlTrainer{info: info}
	case "fireworks":
		return &fireworksTrainer{info: info, judge: s.judgeEndpoint}
	}
	return &openaiTrainer{info: info, azure: info.Name == "azure"}
}

// Export writes to dir what Start would send for these options, without
// contacting any platform and without recording a job: the same split
// (same records for the same seed), the same lines in the trainer's
// format, the grader as the trainer takes it (the job's grader JSON, the
// Fireworks evaluator package, or the TRL bundle's reward.py), and a
// README.txt naming the files and counts. No key is written. dir may exist
// but must not hold a file of the same name (nothing is overwritten).
func (s *Service) Export(ctx context.Context, datasetID int64, o Options, in Inputs, dir string) (Exported, error) {
	dir = strings.TrimSpace(dir)
	if dir == "" {
		return Exported{}, invalid("choose a folder to write the training files to")
	}
	o.OutDir, o.NoZip = "", true
	if err := o.Validate(); err != nil {
		return Exported{}, err
	}
	o = o.withDefaults()
	info, _ := TrainerInfo(o.Trainer)
	d, err := s.Store.Dataset(ctx, datasetID)
	if err != nil {
		return Exported{}, err
	}
	if err := in.check(info); err != nil {
		return Exported{}, err
	}
	target, err := s.Target(ctx, o)
	if err != nil && o.Provider != "" {
		return Exported{}, err // a named provider that cannot train is a mistake; no provider at all is fine here
	}
	cands, err := s.Store.TrainCandidates(ctx, datasetID)
	if err != nil {
		return Exported{}, err
	}
	sp, err := makeSplit(cands, o, info)
	if err != nil {
		return Exported{}, err
	}
	tr := s.offline(info)
	o.OutDir = dir
	row := store.TrainJob{DatasetID: datasetID, Trainer: info.Name, BaseModel: target.Model, GraderVersion: in.GraderVersion,
		DryRunID: in.DryRunID, DryRunVerdict: in.DryRunVerdict, SplitSeed: o.Seed}
	sub, err := s.prepare(ctx, tr, row, o, in, sp)
	if err != nil {
		return Exported{}, err
	}
	files, err := tr.(packager).Files(ctx, sub)
	if err != nil {
		return Exported{}, err
	}
	ex := Exported{Dir: dir, Trainer: info.Name, BaseModel: target.Model, SplitSeed: o.Seed, TrainCount: sp.Train,
		ValidationCount: sp.Valid, Notes: orEmpty(sp.Notes)}
	for name, b := range files {
		f := ExportFile{Name: name, Bytes: len(b)}
		if strings.HasSuffix(name, ".jsonl") {
			f.Lines = countLines(b)
		}
		ex.Files = append(ex.Files, f)
	}
	sort.Slice(ex.Files, func(a, b int) bool { return ex.Files[a].Name < ex.Files[b].Name })
	readme := exportReadmeText(d.Name, info, ex, o)
	files[exportReadme] = []byte(readme)
	ex.Files = append(ex.Files, ExportFile{Name: exportReadme, Bytes: len(readme)})
	if err := writeFiles(dir, files); err != nil {
		return Exported{}, err
	}
	return ex, nil
}

// writeFiles writes files under dir, creating folders, after checking
// that none of them exists (then nothing is written).
func writeFiles(dir string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
			return invalid("%s already has %s: pick an empty folder (nothing was written)", dir, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check %s: %w", dir, err)
		}
	}
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write the training files to %s: %w", dir, err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return fmt.Errorf("write the training files to %s: %w", dir, err)
		}
	}
	return nil
}

// exportHowTo says what to do with the files, by trainer.
var exportHowTo = map[string]string{
	"openai": "To train: upload train.jsonl and validation.jsonl (purpose fine-tune) and create a reinforcement\n" +
		"fine-tuning job with grader.json as method.reinforcement.grader.",
	"azure": "To train: upload train.jsonl and validation.jsonl (purpose fine-tune) to Azure OpenAI and create a\n" +
		"reinforcement fine-tuning job with grader.json as method.reinforcement.grader.",
	"fireworks": "To train: create two datasets from train.jsonl and validation.jsonl and an evaluator from\n" +
		fwEvaluatorDir + "/ (entry point " + fwEntryPoint + "); an LLM judge's key goes as the Fireworks secret\n" +
		fwJudgeKeySecret + ", never in a file.",
	"trl": "To train: see README.md (pip install -r requirements.txt, then python train.py --config config.yaml).",
}

// fileNotes say what each exported file is, by trainer.
var fileNotes = map[string]string{
	"train.jsonl":      "training set, one record per line",
	"validation.jsonl": "validation set, one record per line",
	"grader.json":      "the grader",
	"data/train.jsonl": "training set, one record per line",
	"data/eval.jsonl":  "validation set, one record per line",
	"reward.py":        "the grader as the reward function",
	"train.py":         "GRPO training script (see README.md)",
}

func exportReadmeText(dataset string, info Info, ex Exported, o Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tracetune training files: dataset %q, trainer %s (%s).\n", dataset, info.Name, info.Label)
	fmt.Fprintf(&b, "Written %s. Nothing was sent to any platform; no API key is in these files.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	strat := "stratified by topic"
	if o.NoStratify {
		strat = "not stratified"
	}
	fmt.Fprintf(&b, "Split: %d training and %d validation records (training share %g, seed %d, %s).\n",
		ex.TrainCount, ex.ValidationCount, o.Split, o.Seed, strat)
	b.WriteString("Start with the same options (and unchanged records) trains on exactly these lines.\n")
	b.WriteString(exportHowTo[info.Name] + "\n")
	if ex.BaseModel != "" {
		fmt.Fprintf(&b, "Base model: %s\n", ex.BaseModel)
	}
	b.WriteString("\nFiles:\n")
	for _, f := range ex.Files {
		what := fileNotes[f.Name]
		switch {
		case f.Name == "grader.json" && info.Remote && info.Name != "fireworks":
			what = "the grader: method.reinforcement.grader of the fine-tuning job"
		case strings.HasPrefix(f.Name, fwEvaluatorDir+"/"):
			what = "Fireworks evaluator package (entry point " + fwEntryPoint + ")"
		case f.Name == "response_format.json":
			what = "method.reinforcement.response_format of the fine-tuning job"
		}
		count := fmt.Sprintf("%d bytes", f.Bytes)
		if f.Lines > 0 || strings.HasSuffix(f.Name, ".jsonl") {
			count = fmt.Sprintf("%d lines", f.Lines)
		}
		fmt.Fprintf(&b, "  %-40s %12s  %s\n", f.Name, count, what)
	}
	for _, n := range ex.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	return b.String()
}

// indentJSON is raw JSON indented for a person, as it was when it is not JSON.
func indentJSON(raw []byte) []byte {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return raw
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

// Files of an OpenAI/Azure job: the two uploads and the job's grader.
func (t *openaiTrainer) Files(_ context.Context, s Submission) (map[string][]byte, error) {
	files := map[string][]byte{"train.jsonl": s.Train, "validation.jsonl": s.Valid, "grader.json": indentJSON(s.Grader)}
	if len(s.ResponseFormat) > 0 {
		files["response_format.json"] = indentJSON(s.ResponseFormat)
	}
	return files, nil
}

// Files of a Fireworks job: the two datasets' rows, the canonical grader
// and the evaluator package as Submit uploads it (the judge's key goes as
// a Fireworks secret, so it is in no file).
func (t *fireworksTrainer) Files(ctx context.Context, s Submission) (map[string][]byte, error) {
	if countLines(s.Valid) == 0 {
		return nil, invalid("the validation set is empty: Fireworks needs validation rows (lower --split or add records)")
	}
	pkg, _, err := t.evaluatorPackage(ctx, s)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"train.jsonl": s.Train, "validation.jsonl": s.Valid, "grader.json": indentJSON(s.Grader)}
	for name, body := range pkg {
		files[fwEvaluatorDir+"/"+name] = []byte(body)
	}
	return files, nil
}

// Files of a TRL job: the bundle.
func (t trlTrainer) Files(_ context.Context, s Submission) (map[string][]byte, error) {
	return bundleFiles(s), nil
}
