package train

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Pinned versions of the bundle's requirements.txt.
var bundleRequirements = []string{
	"torch==2.15.0",
	"transformers==5.23.0",
	"trl==1.16.0",
	"datasets==5.2.0",
	"peft==0.21.2",
	"accelerate==1.15.0",
	"pyyaml==6.0.3",
}

// Manifest describes a bundle (manifest.json).
type Manifest struct {
	App            string            `json:"app"`
	CreatedAt      time.Time         `json:"created_at"`
	Job            int64             `json:"job"`
	Dataset        int64             `json:"dataset"`
	GraderVersion  string            `json:"grader_version"`
	DryRunID       int64             `json:"dry_run_id"`
	DryRunVerdict  string            `json:"dry_run_verdict"`
	OverrideNoGo   bool              `json:"override_nogo"`
	BaseModel      string            `json:"base_model"`
	SplitSeed      int64             `json:"split_seed"`
	Stratified     bool              `json:"stratified"`
	TrainRows      int               `json:"train_rows"`
	EvalRows       int               `json:"eval_rows"`
	Hyper          Hyperparameters   `json:"hyperparameters"`
	Files          map[string]string `json:"sha256"`
	RewardFunction string            `json:"reward_function"`
}

// bundleDir is where a bundle goes: the option, else beside the database.
func bundleDir(st *store.Store, row store.TrainJob, o Options) string {
	if o.OutDir != "" {
		return filepath.Clean(o.OutDir)
	}
	return filepath.Join(filepath.Dir(st.Path()), "bundles", fmt.Sprintf("dataset-%d-job-%d", row.DatasetID, row.ID))
}

// trlTrainer "runs" a job by writing the TRL GRPO bundle: the platform is
// the user's GPU machine, so there is nothing to poll, cancel or pause.
type trlTrainer struct{ info Info }

func (t trlTrainer) Info() Info { return t.info }

// Line is a record's row in data/train.jsonl and data/eval.jsonl.
func (t trlTrainer) Line(rec record.Record) ([]byte, error) { return trlRow(rec) }

// Submit writes the bundle folder (which must be new or empty) and its
// .zip; the job is exported at once.
func (t trlTrainer) Submit(ctx context.Context, s Submission) (Remote, error) {
	if err := ctx.Err(); err != nil {
		return Remote{}, err
	}
	dir := s.Bundle.Dir
	if err := writeBundle(dir, s); err != nil {
		return Remote{}, fmt.Errorf("write the TRL bundle to %s: %w", dir, err)
	}
	if s.Bundle.Zip {
		if err := zipDir(dir, dir+".zip"); err != nil {
			return Remote{}, fmt.Errorf("zip the TRL bundle: %w", err)
		}
	}
	return Remote{Status: StatusExported, Location: dir, FinishedAt: time.Now()}, nil
}

func (t trlTrainer) unsupported(what string) error {
	return &kindError{msg: "a TRL bundle runs on your own machine: there is no job to " + what + " here", kind: ErrUnsupported}
}

func (t trlTrainer) Poll(context.Context, string) (Remote, error) {
	return Remote{}, t.unsupported("poll")
}
func (t trlTrainer) Events(context.Context, string, string) ([]RemoteEvent, error) {
	return nil, t.unsupported("read the logs of")
}
func (t trlTrainer) Checkpoints(context.Context, string) ([]RemoteCheckpoint, error) {
	return nil, t.unsupported("read the checkpoints of")
}
func (t trlTrainer) Cancel(context.Context, string) (Remote, error) {
	return Remote{}, t.unsupported("cancel")
}
func (t trlTrainer) Pause(context.Context, string) (Remote, error) {
	return Remote{}, t.unsupported("pause")
}
func (t trlTrainer) Resume(context.Context, string) (Remote, error) {
	return Remote{}, t.unsupported("resume")
}
func (t trlTrainer) Find(context.Context, string, string) (Remote, bool, error) {
	return Remote{}, false, nil
}

func writeBundle(dir string, s Submission) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("the folder is not empty: pick a new or empty folder")
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	for name, b := range bundleFiles(s) {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// bundleFiles are the bundle's files by slash-separated name: what Start
// writes to the bundle folder and Export to the folder it is given.
func bundleFiles(s Submission) map[string][]byte {
	h := s.Hyper
	d := DefaultHyperparameters("trl")
	if h.Epochs == 0 {
		h.Epochs = d.Epochs
	}
	if h.BatchSize == 0 {
		h.BatchSize = d.BatchSize
	}
	if h.LearningRate == 0 {
		h.LearningRate = d.LearningRate
	}
	if h.NumGenerations == 0 {
		h.NumGenerations = d.NumGenerations
	}
	if h.MaxCompletionLength == 0 {
		h.MaxCompletionLength = d.MaxCompletionLength
	}
	if h.LoRARank == 0 {
		h.LoRARank = d.LoRARank
	}
	m := s.Bundle.Manifest
	m.App, m.CreatedAt, m.BaseModel, m.Hyper, m.RewardFunction = "tracetune", time.Now().UTC(), s.Model, h, "reward.reward_fn"
	m.Files = map[string]string{}
	files := map[string][]byte{
		"data/train.jsonl": s.Train,
		"data/eval.jsonl":  s.Valid,
		"reward.py":        []byte(s.Bundle.RewardPy),
		"train.py":         []byte(trainPy),
		"check_reward.py":  []byte(checkRewardPy),
		"requirements.txt": []byte(strings.Join(bundleRequirements, "\n") + "\n"),
		"config.yaml":      []byte(configYAML(s.Model, h)),
		"README.md":        []byte(readme(m)),
	}
	if len(s.Bundle.GraderJSON) > 0 {
		files["grader.json"] = s.Bundle.GraderJSON
	}
	for name, b := range files {
		sum := sha256.Sum256(b)
		m.Files[name] = hex.EncodeToString(sum[:])
	}
	mb, _ := json.MarshalIndent(m, "", "  ")
	files["manifest.json"] = append(mb, '\n')
	return files
}

// zipDir writes every file under dir into a zip at path, names relative
// to dir, in name order.
func zipDir(dir, path string) error {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	zw := zip.NewWriter(bw)
	base := filepath.Base(dir)
	for _, n := range names {
		w, err := zw.Create(base + "/" + n)
		if err != nil {
			f.Close()
			return err
		}
		src, err := os.Open(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			f.Close()
			return err
		}
		_, err = io.Copy(w, src)
		src.Close()
		if err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func configYAML(model string, h Hyperparameters) string {
	q, _ := json.Marshal(model) // a JSON string is a YAML string
	return fmt.Sprintf(`# Written by Tracetune. Every key under grpo goes to trl.GRPOConfig as is.
model: %s
output_dir: out
data:
  train: data/train.jsonl
  eval: data/eval.jsonl
lora:
  r: %d
  alpha: %d
  target_modules: all-linear
grpo:
  num_train_epochs: %d
  per_device_train_batch_size: %d
  gradient_accumulation_steps: 1
  num_generations: %d
  max_completion_length: %d
  learning_rate: %g
  logging_steps: 1
  eval_strategy: epoch
  save_strategy: epoch
  bf16: true
  report_to: none
# The reward's judge component (if any) reads TRACETUNE_JUDGE_BASE_URL,
# TRACETUNE_JUDGE_API_KEY and TRACETUNE_JUDGE_MODEL from the environment;
# keys never go in this file.
`, q, h.LoRARank, 2*h.LoRARank, h.Epochs, h.BatchSize, h.NumGenerations, h.MaxCompletionLength, h.LearningRate)
}

func readme(m Manifest) string {
	return fmt.Sprintf(`# Tracetune training bundle (TRL GRPO)

Dataset %d, job %d, grader version %s, base model %s.
%d training rows (data/train.jsonl), %d evaluation rows (data/eval.jsonl),
split seed %d.

On a machine with a GPU and Python 3.10 or newer:

    pip install -r requirements.txt
    python train.py --config config.yaml

The LoRA adapter is saved in out/. Install the torch build that matches your
CUDA first if the pinned one does not.

- reward.py is the grader of Step 4 as a TRL reward function,
  reward_fn(completions, **kwargs) -> list[float]: it scores a completion as
  the app's grader does. Each data row has the prompt, the RFT item (its
  messages, tools and grader fields) as a JSON string in the column
  tracetune_item, and the record id. A judge component calls an
  OpenAI-compatible endpoint named by TRACETUNE_JUDGE_BASE_URL,
  TRACETUNE_JUDGE_API_KEY and TRACETUNE_JUDGE_MODEL in the environment (see
  the top of reward.py).
- check_reward.py scores answers with reward.py without any ML package:
  python3 check_reward.py answers.jsonl (one {"record_id", "text"} per line).
- config.yaml holds the hyperparameters; manifest.json the dataset, grader
  version, split seed, counts and each file's sha256.
`, m.Dataset, m.Job, m.GraderVersion, m.BaseModel, m.TrainRows, m.EvalRows, m.SplitSeed)
}

// trainPy trains with GRPOTrainer on the bundle's data and reward.
const trainPy = `"""Train a LoRA adapter with TRL's GRPOTrainer on this bundle (written by Tracetune).

    python train.py --config config.yaml
"""
import argparse

import yaml
from datasets import load_dataset
from peft import LoraConfig
from trl import GRPOConfig, GRPOTrainer

from reward import reward_fn


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)

    data = load_dataset("json", data_files={"train": cfg["data"]["train"], "eval": cfg["data"]["eval"]})
    lora = cfg["lora"]
    peft_config = LoraConfig(
        r=lora["r"],
        lora_alpha=lora["alpha"],
        target_modules=lora["target_modules"],
        task_type="CAUSAL_LM",
    )
    training_args = GRPOConfig(output_dir=cfg["output_dir"], **cfg["grpo"])
    trainer = GRPOTrainer(
        model=cfg["model"],
        reward_funcs=[reward_fn],
        args=training_args,
        train_dataset=data["train"],
        eval_dataset=data["eval"],
        peft_config=peft_config,
    )
    trainer.train()
    trainer.save_model(cfg["output_dir"])


if __name__ == "__main__":
    main()
`

// checkRewardPy scores answers with reward.py using only the standard
// library: the same call TRL makes, one row at a time.
const checkRewardPy = `"""Score answers with reward.py, without torch or TRL (written by Tracetune).

    python3 check_reward.py answers.jsonl [--data data/eval.jsonl]

answers.jsonl has one {"record_id": N, "text": "..."} per line; the output
has one {"record_id": N, "reward": R} per line, in the same order.
"""
import argparse
import json
import sys

from reward import reward_fn


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("answers")
    parser.add_argument("--data", default="data/eval.jsonl")
    args = parser.parse_args()
    rows = {}
    with open(args.data, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                rows[row["record_id"]] = row
    with open(args.answers, encoding="utf-8") as f:
        answers = [json.loads(line) for line in f if line.strip()]
    for a in answers:
        row = rows[a["record_id"]]
        kwargs = {k: [v] for k, v in row.items() if k != "prompt"}
        completion = [{"role": "assistant", "content": a["text"]}]
        reward = reward_fn([completion], prompts=[row["prompt"]], **kwargs)[0]
        sys.stdout.write(json.dumps({"record_id": a["record_id"], "reward": reward}) + "\n")


if __name__ == "__main__":
    main()
`
