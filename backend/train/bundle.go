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
	"openai==3.51.0", // the reward's judge component, when the grader has one
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

// exportBundle writes the TRL bundle of a job and marks it exported.
func (s *Service) exportBundle(ctx context.Context, row store.TrainJob, o Options, in Inputs, sp splitResult) (Job, error) {
	dir := bundleDir(s.Store, row, o)
	if err := writeBundle(ctx, s.Store, dir, row, o, in, sp); err != nil {
		return s.fail(ctx, row, fmt.Errorf("write the TRL bundle to %s: %w", dir, err))
	}
	out := dir
	if !o.NoZip {
		if err := zipDir(dir, dir+".zip"); err != nil {
			return s.fail(ctx, row, fmt.Errorf("zip the TRL bundle: %w", err))
		}
	}
	row.OutDir = out
	row.Status, row.StartedAt, row.FinishedAt = StatusExported, time.Now(), time.Now()
	if err := s.Store.UpdateTrainJob(context.WithoutCancel(ctx), row); err != nil {
		return fromRow(row), err
	}
	return fromRow(row), nil
}

func writeBundle(ctx context.Context, st *store.Store, dir string, row store.TrainJob, o Options, in Inputs, sp splitResult) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("the folder is not empty: pick a new or empty folder")
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	files := map[string][]byte{}
	var train, eval strings.Builder
	err := eachRecord(ctx, st, row.DatasetID, sp.Rows, func(rec record.Record, part string) error {
		line, err := trlRow(rec)
		if err != nil {
			return err
		}
		b := &train
		if part == PartValidation {
			b = &eval
		}
		b.Write(line)
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		return err
	}
	h := o.Hyper
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
	files["data/train.jsonl"] = []byte(train.String())
	files["data/eval.jsonl"] = []byte(eval.String())
	files["reward.py"] = []byte(in.RewardPy)
	files["train.py"] = []byte(trainPy)
	files["check_reward.py"] = []byte(checkRewardPy)
	files["requirements.txt"] = []byte(strings.Join(bundleRequirements, "\n") + "\n")
	files["config.yaml"] = []byte(configYAML(row.BaseModel, h))
	if len(in.GraderJSON) > 0 {
		files["grader.json"] = in.GraderJSON
	}
	files["README.md"] = []byte(readme(row, sp))
	m := Manifest{App: "tracetune", CreatedAt: time.Now().UTC(), Job: row.ID, Dataset: row.DatasetID, GraderVersion: row.GraderVersion,
		DryRunID: row.DryRunID, DryRunVerdict: row.DryRunVerdict, OverrideNoGo: row.OverrideNoGo, BaseModel: row.BaseModel,
		SplitSeed: row.SplitSeed, Stratified: !o.NoStratify, TrainRows: sp.Train, EvalRows: sp.Valid, Hyper: h,
		Files: map[string]string{}, RewardFunction: "reward.reward_fn"}
	for name, b := range files {
		sum := sha256.Sum256(b)
		m.Files[name] = hex.EncodeToString(sum[:])
	}
	mb, _ := json.MarshalIndent(m, "", "  ")
	files["manifest.json"] = append(mb, '\n')
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
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
# The reward's judge component (if any) reads JUDGE_BASE_URL, JUDGE_API_KEY
# and JUDGE_MODEL from the environment; keys never go in this file.
`, q, h.LoRARank, 2*h.LoRARank, h.Epochs, h.BatchSize, h.NumGenerations, h.MaxCompletionLength, h.LearningRate)
}

func readme(row store.TrainJob, sp splitResult) string {
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
  tracetune_item,
  and the record id. A judge component reads JUDGE_BASE_URL, JUDGE_API_KEY
  and JUDGE_MODEL from the environment.
- check_reward.py scores answers with reward.py without any ML package:
  python3 check_reward.py answers.jsonl (one {"record_id", "text"} per line).
- config.yaml holds the hyperparameters; manifest.json the dataset, grader
  version, split seed, counts and each file's sha256.
`, row.DatasetID, row.ID, row.GraderVersion, row.BaseModel, sp.Train, sp.Valid, row.SplitSeed)
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
