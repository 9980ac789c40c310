package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"tracetune/backend/pipeline"
	"tracetune/backend/record"
	"tracetune/backend/train"
)

var trainCommand = Command{Name: "train",
	Usage: "train start --dataset N --trainer openai|azure|fireworks|trl [--provider P]\n" +
		"      [--model M] [--split 0.9] [--no-stratify] [--include-generated] [--seed S]\n" +
		"      [--epochs E] [--batch-size B] [--lr-multiplier X] [--reasoning-effort E]\n" +
		"      [--learning-rate X] [--lora-rank R] [--generations K] [--max-tokens T]\n" +
		"      [--compute-multiplier X] [--eval-interval K] [--eval-samples K] [--suffix S]\n" +
		"      [--override-nogo] [--out DIR] [--no-zip] [--wait] [--json]\n" +
		"train status --dataset N [--job J] [--json]\n" +
		"train logs --dataset N [--job J] [--after SEQ] [--json]\n" +
		"train cancel|pause|resume --dataset N [--job J] [--json]\n" +
		"train list --dataset N [--json]\n" +
		"train target --dataset N [--trainer T] [--provider P] [--model M] [--json]\n" +
		"train attach --dataset N [--job J] --provider P --model M [--json]\n" +
		"train detach --dataset N [--job J] [--json]\n" +
		"train export --dataset N --trainer openai|azure|fireworks|trl --out DIR [--seed S]\n" +
		"      [--split 0.9] [--no-stratify] [--include-generated] [--model M] [--json]",
	Summary: "Step 6: RFT on OpenAI, Azure OpenAI or Fireworks, or a TRL GRPO bundle for your own GPUs", Run: trainCmd,
	Help: `start splits the dataset's valid records into training and validation
(--split is the training share, 0.9 by default), stratified by leaf topic
unless --no-stratify, generated records kept out of validation unless
--include-generated, the same records for the same --seed (default 42).
OpenAI RFT takes at most 50,000 training and 1,000 validation lines; above
that the split is capped and says so in "notes".
  openai, azure  upload train.jsonl and validation.jsonl (purpose fine-tune)
                 and create the reinforcement job with the dataset's grader.
                 The provider is --provider or the training role's; the base
                 model --model or the role's (default o4-mini-2025-04-16).
                 Unset hyperparameters are "auto". start returns once the
                 platform accepted the job; --wait follows it to the end.
  fireworks      open to any Fireworks account (providers add --kind
                 fireworks --account A). Uploads the split as two datasets
                 (messages + ground_truth, the grader fields as a JSON
                 string, also as top-level keys), builds an evaluator from
                 the grader's Python (an LLM judge's key goes as the secret
                 TRACETUNE_JUDGE_API_KEY; the judge role must be a public
                 endpoint), waits until both are ready and creates the RFT
                 job. --model default accounts/fireworks/models/qwen3-0p6b;
                 --epochs (5), --learning-rate (0.0001), --lora-rank (8),
                 --generations (4 rollouts per prompt), --max-tokens (2048),
                 --batch-size (auto); 0 leaves a value to Fireworks. --suffix
                 names the output model. status reports the tuned model as
                 accounts/A/models/<output model>. No pause; cancel works.
  trl            write a bundle folder (--out DIR, default beside the
                 database) and DIR.zip: data/train.jsonl, data/eval.jsonl,
                 reward.py, train.py, requirements.txt, config.yaml,
                 manifest.json, README.md. --epochs, --batch-size and
                 --model apply; the job is "exported" at once.
Start is refused when the grader is not ready, and, unless --override-nogo,
when no finished dry run on the current grader was answered by the model
being trained, or that run says NO-GO. Each refusal names the next step:
re-grade the last run (dryrun run --regrade RUN, no model calls) when only
the grader changed; a dry run with the base model when there is none, it
used another model, or it graded production answers. The one override goes
past any of them and is kept with the job with what it went past
("override_reason": no dry run, grader changed, other model, production
answers or NO-GO; also on stderr as a warning). CAUTION warns and goes on.
A refusal by the platform (an account that cannot fine-tune, a model not
enabled for RFT) says what to do next; the uploaded files are deleted and
the job is kept as failed with that reason.
start --json prints {"job","status","trainer","provider","base_model",
"remote_id","train_count","validation_count","train_file","validation_file",
"grader_version","dry_run_id","dry_run_verdict","override_nogo","override_reason","split_seed",
"notes":[…],"warnings":[…],"out_dir",…}.

status (the newest job unless --job) first polls the platform when the job is
not over, then prints {"job","status","fine_tuned_model","final",
"elapsed_seconds","metrics":[{"step","total_steps","train_reward_mean",
"valid_reward_mean"}],"checkpoints":[{"id","step","model","metrics"}],
"split":[{"topic_id","topic","train","validation"}],…}; a reward not measured
at a step is null. logs prints the job's events oldest first
({"job","events":[{"seq","id","created_at","level","type","message","data"}]};
--after SEQ for the newer ones). cancel, pause and resume act on the remote
job and print it. list prints the dataset's jobs, newest first.
Jobs survive the app: the window resumes polling every job not over when it
starts, and a job started here shows there.

target shows the dataset's training target ({"trainer","provider","model"}):
what Step 6 trains, the model the dry run (Step 5) answers with by default
and the one the Train gate expects a dry run of. It is the target last set
here or in Step 6's form, unless a job started since (then that job's), else
the training role's. With --trainer, --provider or --model it sets it (flags
left out keep their value; a new trainer starts from its defaults; ""
follows the training role / the trainer's default model).

attach is for a TRL bundle (status "exported") you trained on your own GPUs
and now serve yourself (vLLM, Ollama, LM Studio, any OpenAI-compatible
server): --provider names that server as a Tracetune provider (providers add
--kind vllm|ollama|lmstudio|other --url URL) and --model the id it
serves the trained model as. One short chat request must come back from
that model, or nothing changes and the error says why (with the ids the
server lists). The job then is "succeeded" with that model (the bundle
stays), and Step 7 (deploy benchmark, playground, gateways) uses it on that
provider. attach again replaces it; detach makes the job a bundle again.
Both print the job: {"job","status","provider","fine_tuned_model",
"attached","out_dir","notes":[…],…}.

export writes to --out DIR exactly what start would send, without
contacting any platform or recording a job: the same split (same --seed,
--split, --no-stratify, --include-generated), the lines in the trainer's
format (train.jsonl and validation.jsonl; for trl the bundle's files),
grader.json (openai, azure: method.reinforcement.grader; fireworks: the
grader, with the evaluator package in tracetune-evaluator/) and README.txt
naming the files and counts. No API key is written; a file already in DIR
is never overwritten (the export is refused), and an export that fails or
is stopped leaves DIR as it was (the files are moved in once all are
written). It prints {"dir","trainer",
"base_model","split_seed","train_count","validation_count",
"files":[{"name","bytes","lines"}],"notes":[…]}.`}

func trainCmd(e *Env, args []string) error {
	control := func(action string) func(*Env, []string) error {
		return func(e *Env, args []string) error { return trainControl(e, action, args) }
	}
	return Dispatch(e, "train", args,
		Sub{"start", trainStart},
		Sub{"status", trainStatus},
		Sub{"logs", trainLogs},
		Sub{"cancel", control("cancel")},
		Sub{"pause", control("pause")},
		Sub{"resume", control("resume")},
		Sub{"list", trainList},
		Sub{"target", trainTarget},
		Sub{"attach", trainAttach},
		Sub{"detach", trainDetach},
		Sub{"export", trainExport},
	)
}

func trainStart(e *Env, args []string) error {
	fs := Flags("train start")
	ds := fs.String("dataset", "", "dataset name or id")
	var o train.Options
	fs.StringVar(&o.Trainer, "trainer", "", "openai, azure, fireworks or trl")
	fs.StringVar(&o.Provider, "provider", "", "provider name (default: the training role's)")
	fs.StringVar(&o.Model, "model", "", "base model")
	fs.Float64Var(&o.Split, "split", 0.9, "training share")
	fs.BoolVar(&o.NoStratify, "no-stratify", false, "split without regard to topics")
	fs.BoolVar(&o.IncludeGenerated, "include-generated", false, "let generated records into validation")
	fs.Int64Var(&o.Seed, "seed", train.DefaultSeed, "split seed")
	fs.IntVar(&o.Hyper.Epochs, "epochs", 0, "epochs (0: auto)")
	fs.IntVar(&o.Hyper.BatchSize, "batch-size", 0, "batch size (0: auto)")
	fs.Float64Var(&o.Hyper.LearningRateMultiplier, "lr-multiplier", 0, "learning-rate multiplier (0: auto)")
	fs.StringVar(&o.Hyper.ReasoningEffort, "reasoning-effort", "", "default, low, medium or high")
	fs.Float64Var(&o.Hyper.ComputeMultiplier, "compute-multiplier", 0, "compute multiplier (0: auto)")
	fs.IntVar(&o.Hyper.EvalInterval, "eval-interval", 0, "steps between evaluations (0: auto)")
	fs.IntVar(&o.Hyper.EvalSamples, "eval-samples", 0, "samples per validation prompt (0: auto)")
	fs.Float64Var(&o.Hyper.LearningRate, "learning-rate", 0, "learning rate (fireworks, trl)")
	fs.IntVar(&o.Hyper.LoRARank, "lora-rank", 0, "LoRA rank (fireworks, trl)")
	fs.IntVar(&o.Hyper.NumGenerations, "generations", 0, "rollouts per prompt (fireworks, trl)")
	fs.IntVar(&o.Hyper.MaxCompletionLength, "max-tokens", 0, "max tokens per rollout (fireworks, trl)")
	fs.StringVar(&o.Suffix, "suffix", "", "suffix of the fine-tuned model's name")
	fs.BoolVar(&o.OverrideNoGo, "override-nogo", false, "train without a fitting dry run or after a NO-GO (kept with the job)")
	fs.StringVar(&o.OutDir, "out", "", "trl: the bundle's folder")
	fs.BoolVar(&o.NoZip, "no-zip", false, "trl: skip the .zip")
	wait := fs.Bool("wait", false, "follow the job until it ends")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if o.Trainer == "" {
		return Usage("--trainer is required (openai, azure, fireworks or trl)")
	}
	if o.Trainer == "fireworks" {
		// unset values take the defaults the panel shows; an explicit 0
		// leaves one to Fireworks
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		d := train.DefaultHyperparameters("fireworks")
		fill := func(name string, p *int, v int) {
			if !set[name] {
				*p = v
			}
		}
		fill("epochs", &o.Hyper.Epochs, d.Epochs)
		fill("lora-rank", &o.Hyper.LoRARank, d.LoRARank)
		fill("generations", &o.Hyper.NumGenerations, d.NumGenerations)
		fill("max-tokens", &o.Hyper.MaxCompletionLength, d.MaxCompletionLength)
		if !set["learning-rate"] {
			o.Hyper.LearningRate = d.LearningRate
		}
	}
	if err := o.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.TrainWork(e.Store, d.ID, o))
	res, _ := p.Result.(pipeline.TrainStarted)
	for _, w := range res.Warnings {
		fmt.Fprintln(e.Err, "warning:", w)
	}
	if err != nil && len(res.Gate.Reasons) > 0 { // the gate refused
		return refusal(d, res.Gate)
	}
	if err != nil {
		return err
	}
	if *wait && !res.Final {
		svc := &train.Service{Store: e.Store}
		j, err := svc.Watch(e.Ctx, res.ID, func(j train.Job) {
			if !e.JSON {
				fmt.Fprintf(e.Err, "job %d: %s\n", j.ID, j.Status)
			}
		})
		if err != nil {
			return err
		}
		res.Job = j
	}
	return e.Print(res, func(w io.Writer) {
		printJob(w, res.Job)
	})
}

// refusal says why the gate refused Start: each reason with its next step
// as a command, and the override that goes past the dry run's gap.
func refusal(d record.Dataset, g pipeline.TrainGate) error {
	var b strings.Builder
	b.WriteString("training cannot start:")
	for _, r := range g.Reasons {
		if len(g.Issues) > 0 && strings.HasPrefix(r, g.Issues[0].Text) {
			continue // said below with its command
		}
		fmt.Fprintf(&b, "\n  - %s", r)
	}
	for _, is := range g.Issues {
		fmt.Fprintf(&b, "\n  - %s\n    next: %s", is.Text, is.Next)
		switch is.Fix {
		case pipeline.FixRegrade:
			fmt.Fprintf(&b, " (tracetune dryrun run --dataset %d --regrade %d)", d.ID, is.RunID)
		case pipeline.FixDryRun:
			fmt.Fprintf(&b, " (tracetune dryrun run --dataset %d)", d.ID)
		}
		fmt.Fprintf(&b, "\n    or start anyway with --override-nogo (the job keeps the override: %s)", is.Reason)
	}
	return errors.New(b.String())
}

// trainJob resolves --job (or the dataset's newest job) and checks that it
// belongs to the dataset.
func trainJob(e *Env, ds string, id int64) (record.Dataset, train.Job, error) {
	d, err := e.Dataset(ds)
	if err != nil {
		return d, train.Job{}, err
	}
	if id == 0 {
		j, ok, err := train.Latest(e.Ctx, e.Store, d.ID)
		if err != nil {
			return d, j, err
		}
		if !ok {
			return d, j, fmt.Errorf("dataset %q has no training job: start one with train start", d.Name)
		}
		return d, j, nil
	}
	j, err := train.Get(e.Ctx, e.Store, id)
	if err != nil {
		return d, j, err
	}
	if j.DatasetID != d.ID {
		return d, j, fmt.Errorf("job %d belongs to another dataset", id)
	}
	return d, j, nil
}

// parseTrainJob adds the --dataset and --job flags to fs, parses args and
// returns the job they name (by default the dataset's newest).
func parseTrainJob(e *Env, fs *flag.FlagSet, args []string) (train.Job, error) {
	ds := fs.String("dataset", "", "dataset name or id")
	id := fs.Int64("job", 0, "job id (default: the newest)")
	if err := Parse(fs, args); err != nil {
		return train.Job{}, err
	}
	_, j, err := trainJob(e, *ds, *id)
	return j, err
}

// refresh polls a job that is not over; a failed poll is a warning, the
// stored state is still printed.
func refresh(e *Env, j train.Job) {
	if j.Final {
		return
	}
	if _, err := (&train.Service{Store: e.Store}).Sync(e.Ctx, j.ID); err != nil {
		fmt.Fprintf(e.Err, "warning: could not reach the platform, showing the last known state: %v\n", err)
	}
}

func trainStatus(e *Env, args []string) error {
	j, err := parseTrainJob(e, Flags("train status"), args)
	if err != nil {
		return err
	}
	refresh(e, j)
	d, err := train.GetDetail(e.Ctx, e.Store, j.ID)
	if err != nil {
		return err
	}
	return e.Print(d, func(w io.Writer) {
		printJob(w, d.Job)
		if len(d.Metrics) > 0 {
			fmt.Fprintln(w, "  step  train reward  validation reward")
			for _, m := range d.Metrics {
				fmt.Fprintf(w, "  %4d  %12s  %17s\n", m.Step, reward(m.TrainRewardMean), reward(m.ValidRewardMean))
			}
		}
		for _, c := range d.Checkpoints {
			fmt.Fprintf(w, "  checkpoint at step %d: %s\n", c.Step, c.Model)
		}
	})
}

func reward(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.4f", *v)
}

func printJob(w io.Writer, j train.Job) {
	fmt.Fprintf(w, "job %d (%s", j.ID, j.Trainer)
	if j.Provider != "" {
		fmt.Fprintf(w, " on %s", j.Provider)
	}
	fmt.Fprintf(w, ", %s): %s, %d train / %d validation records, %s\n", j.BaseModel, j.Status, j.TrainCount, j.ValidCount,
		(time.Duration(j.Elapsed) * time.Second).Round(time.Second))
	if j.FineTunedModel != "" {
		fmt.Fprintln(w, "  model:", j.FineTunedModel)
	}
	if j.OutDir != "" {
		fmt.Fprintln(w, "  bundle:", j.OutDir)
	}
	if j.Error != "" {
		fmt.Fprintln(w, "  error:", j.Error)
	}
	for _, n := range j.Notes {
		fmt.Fprintln(w, "  note:", n)
	}
}

func trainLogs(e *Env, args []string) error {
	fs := Flags("train logs")
	after := fs.Int64("after", 0, "only events after this seq")
	j, err := parseTrainJob(e, fs, args)
	if err != nil {
		return err
	}
	refresh(e, j)
	evs, err := train.Events(e.Ctx, e.Store, j.ID, *after, 0)
	if err != nil {
		return err
	}
	return e.Print(map[string]any{"job": j.ID, "events": evs}, func(w io.Writer) {
		for _, ev := range evs {
			fmt.Fprintf(w, "%s %-5s %s\n", ev.CreatedAt.Local().Format("2006-01-02 15:04:05"), ev.Level, ev.Message)
		}
	})
}

func trainControl(e *Env, verb string, args []string) error {
	j, err := parseTrainJob(e, Flags("train "+verb), args)
	if err != nil {
		return err
	}
	svc := &train.Service{Store: e.Store}
	switch verb {
	case "cancel":
		j, err = svc.Cancel(e.Ctx, j.ID)
	case "pause":
		j, err = svc.Pause(e.Ctx, j.ID)
	default:
		j, err = svc.ResumeJob(e.Ctx, j.ID)
	}
	if err != nil {
		if errors.Is(err, train.ErrFinal) {
			return fmt.Errorf("%w (nothing to %s)", err, verb)
		}
		return err
	}
	return e.Print(j, func(w io.Writer) { printJob(w, j) })
}

func trainList(e *Env, args []string) error {
	d, err := e.DatasetOnly("train list", args)
	if err != nil {
		return err
	}
	jobs, err := train.List(e.Ctx, e.Store, d.ID)
	if err != nil {
		return err
	}
	return e.Print(jobs, func(w io.Writer) {
		if len(jobs) == 0 {
			fmt.Fprintf(w, "dataset %q has no training job\n", d.Name)
		}
		for _, j := range jobs {
			model := j.FineTunedModel
			if model == "" {
				model = strings.TrimSpace(j.Error)
			}
			fmt.Fprintf(w, "%4d  %-6s %-17s %-26s %s\n", j.ID, j.Trainer, j.Status, j.BaseModel, model)
		}
	})
}

func trainAttach(e *Env, args []string) error {
	fs := Flags("train attach")
	var a train.Attachment
	fs.StringVar(&a.Provider, "provider", "", "the provider that serves the trained model")
	fs.StringVar(&a.Model, "model", "", "the model id it serves it as")
	j, err := parseTrainJob(e, fs, args)
	if err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return Usage("%v", err)
	}
	j, err = (&train.Service{Store: e.Store}).Attach(e.Ctx, j.ID, a)
	if err != nil {
		return err
	}
	return e.Print(j, func(w io.Writer) { printJob(w, j) })
}

func trainDetach(e *Env, args []string) error {
	j, err := parseTrainJob(e, Flags("train detach"), args)
	if err != nil {
		return err
	}
	j, err = (&train.Service{Store: e.Store}).Detach(e.Ctx, j.ID)
	if err != nil {
		return err
	}
	return e.Print(j, func(w io.Writer) { printJob(w, j) })
}

func trainExport(e *Env, args []string) error {
	fs := Flags("train export")
	ds := fs.String("dataset", "", "dataset name or id")
	out := fs.String("out", "", "the folder to write the files to")
	var o train.Options
	fs.StringVar(&o.Trainer, "trainer", "", "openai, azure, fireworks or trl")
	fs.StringVar(&o.Model, "model", "", "base model (trl: config.yaml)")
	fs.Float64Var(&o.Split, "split", 0.9, "training share")
	fs.BoolVar(&o.NoStratify, "no-stratify", false, "split without regard to topics")
	fs.BoolVar(&o.IncludeGenerated, "include-generated", false, "let generated records into validation")
	fs.Int64Var(&o.Seed, "seed", train.DefaultSeed, "split seed")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if o.Trainer == "" {
		return Usage("--trainer is required (openai, azure, fireworks or trl)")
	}
	if strings.TrimSpace(*out) == "" {
		return Usage("--out DIR is required")
	}
	if o.Trainer == "fireworks" {
		o.Hyper = train.DefaultHyperparameters("fireworks")
	}
	if err := o.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.TrainExportWork(&train.Service{Store: e.Store}, d.ID, o, *out))
	if err != nil {
		return err
	}
	ex, _ := p.Result.(train.Exported)
	return e.Print(ex, func(w io.Writer) {
		fmt.Fprintf(w, "wrote %d train and %d validation records for %s to %s\n", ex.TrainCount, ex.ValidationCount, ex.Trainer, ex.Dir)
		for _, f := range ex.Files {
			fmt.Fprintf(w, "  %s\n", f.Name)
		}
		for _, n := range ex.Notes {
			fmt.Fprintln(w, "  note:", n)
		}
	})
}
