package train

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// ExportProgress is told how far an export is: units written of all
// units (a line of a JSONL file, or a whole other file) and what it is
// doing. A jobs.Reporter converts to it.
type ExportProgress func(done, total int64, message string)

// Export writes to dir what Start would send for these options, without
// contacting any platform and without recording a job: the same split
// (same records for the same seed), the same lines in the trainer's
// format, the grader as the trainer takes it (the job's grader JSON, the
// Fireworks evaluator package, or the TRL bundle's reward.py), and a
// README.txt naming the files and counts. No key is written. dir may exist
// but must not hold a file of the same name (nothing is overwritten).
// All or nothing: the files are written to a temporary folder and moved
// into dir only once all are written; an error or ctx's cancellation
// leaves dir as it was.
func (s *Service) Export(ctx context.Context, datasetID int64, o Options, in Inputs, dir string) (Exported, error) {
	return s.ExportReporting(ctx, datasetID, o, in, dir, nil)
}

// ExportReporting is Export telling report (when not nil) how far it is.
func (s *Service) ExportReporting(ctx context.Context, datasetID int64, o Options, in Inputs, dir string, report ExportProgress) (Exported, error) {
	if report == nil {
		report = func(int64, int64, string) {}
	}
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
	report(0, 0, "preparing the split's lines")
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
	if err := writeFiles(ctx, dir, files, report); err != nil {
		return Exported{}, err
	}
	return ex, nil
}

// exportCreate opens an export's file for writing (a test makes it fail).
var exportCreate = func(path string) (io.WriteCloser, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

// exportUnits is what a file counts for in an export's progress: its
// lines for JSONL, else one.
func exportUnits(name string, b []byte) int64 {
	if !strings.HasSuffix(name, ".jsonl") {
		return 1
	}
	n := int64(bytes.Count(b, []byte("\n")))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// writeFiles writes files under dir, all or nothing. It refuses when dir
// holds a file of the same name (then nothing is written), writes every
// file into a fresh temporary folder beside dir (the same file system, so
// the move is a rename), and moves them into dir only once all are
// written: dir is made by renaming the temporary folder when it does not
// exist yet. On an error or ctx's end the temporary folder, any folder
// made for it and any file already moved are removed again.
func writeFiles(ctx context.Context, dir string, files map[string][]byte, report ExportProgress) (err error) {
	dir = filepath.Clean(dir)
	names := make([]string, 0, len(files))
	var total int64
	for name, b := range files {
		names = append(names, name)
		total += exportUnits(name, b)
	}
	sort.Strings(names)
	exists, err := checkFree(dir, names)
	if err != nil {
		return err
	}
	fail := func(err error) error { return fmt.Errorf("write the training files to %s: %w", dir, err) }
	parent := filepath.Dir(dir)
	made, err := mkdirs(parent)
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			removeDirs(made)
		}
	}()
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil && exists {
		// a folder the user may write to whose parent they may not: the
		// temporary folder goes inside it (still the same file system)
		tmp, err = os.MkdirTemp(dir, ".tracetune-export-")
	}
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)                      // empty after a move; gone with what it holds otherwise
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp's is 0700; it may become dir
		return fail(err)
	}

	var done int64
	report(0, total, "writing the files")
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		report(done, total, "writing "+name)
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fail(err)
		}
		if err := writeOne(ctx, p, name, files[name], func(n int64) {
			done += n
			report(done, total, "writing "+name)
		}); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fail(fmt.Errorf("%s: %w", name, err))
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	report(done, total, "moving the files into place")
	if !exists {
		if err := os.Rename(tmp, dir); err != nil {
			return fail(err)
		}
		return nil
	}
	return moveInto(tmp, dir, names)
}

// writeOne writes one file, a JSONL file line by line so progress and
// Stop follow it; step is told the units written since it was last told.
func writeOne(ctx context.Context, path, name string, b []byte, step func(int64)) error {
	f, err := exportCreate(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	if !strings.HasSuffix(name, ".jsonl") {
		_, err = w.Write(b)
		if err == nil {
			step(1)
		}
	} else {
		var pending int64
		for rest := b; len(rest) > 0 && err == nil; {
			line := rest
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				line = rest[:i+1]
			}
			rest = rest[len(line):]
			if _, err = w.Write(line); err != nil {
				break
			}
			if pending++; pending == 256 {
				step(pending)
				pending, err = 0, ctx.Err()
			}
		}
		if err == nil {
			step(pending)
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// checkFree says whether dir exists, and refuses when it holds any of the
// names or is not a folder.
func checkFree(dir string, names []string) (bool, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return false, invalid("%s is a file: pick a folder (nothing was written)", dir)
	}
	for _, name := range names {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
			return true, invalid("%s already has %s: pick an empty folder (nothing was written)", dir, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return true, fmt.Errorf("check %s: %w", dir, err)
		}
	}
	return true, nil
}

// moveInto renames each file from tmp into dir, making the folders they
// need. When one cannot move, the files moved and the folders made are
// removed again, leaving dir as it was.
func moveInto(tmp, dir string, names []string) (err error) {
	var moved, made []string
	defer func() {
		if err != nil {
			for _, p := range moved {
				os.Remove(p)
			}
			removeDirs(made)
			err = fmt.Errorf("move the training files into %s: %w", dir, err)
		}
	}()
	for _, name := range names {
		dst := filepath.Join(dir, filepath.FromSlash(name))
		m, err := mkdirs(filepath.Dir(dst))
		made = append(made, m...)
		if err != nil {
			return err
		}
		// checked again: something may have appeared since checkFree
		if _, err := os.Lstat(dst); err == nil {
			return invalid("%s appeared while the files were written", name)
		}
		if err := os.Rename(filepath.Join(tmp, filepath.FromSlash(name)), dst); err != nil {
			return err
		}
		moved = append(moved, dst)
	}
	return nil
}

// mkdirs makes dir and any missing parent, returning the folders it made,
// outermost first.
func mkdirs(dir string) ([]string, error) {
	var missing []string
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	var made []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return made, err
		}
		made = append(made, missing[i])
	}
	return made, nil
}

// removeDirs removes folders mkdirs made, innermost first, when empty.
func removeDirs(made []string) {
	for i := len(made) - 1; i >= 0; i-- {
		os.Remove(made[i])
	}
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
