package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"tracetune/backend/dryrun"
	"tracetune/backend/pipeline"
	"tracetune/backend/train"
)

var dryrunCommand = Command{Name: "dryrun",
	Usage: "dryrun run --dataset N [--n 300] [--seed S] [--responses base|production]\n" +
		"      [--provider P] [--model M] [--regrade RUN] [--preview] [--json]\n" +
		"dryrun show --dataset N [--run ID] [--samples] [--json]\n" +
		"dryrun list --dataset N [--json]\n" +
		"dryrun compare --dataset N --a ID --b ID [--json]",
	Summary: "Step 5: base-model answers on a stratified sample, graded: GO / CAUTION / NO-GO", Run: dryrunCmd,
	Help: `run samples N valid records (default 300, all when fewer) stratified by
leaf topic, has the base model role answer each prompt (messages and tools as
stored) and grades every answer with the dataset's grader. Every answer and
grade is stored as it finishes: after Ctrl-C, a crash or a provider error,
the same command resumes the same run and asks nothing twice.
  --responses production  grade the records' production outputs (no model calls)
  --regrade RUN           a new run grading RUN's stored answers with the
                          current grader: no base-model calls
  --preview               print the sample size, model, estimated tokens, cost
                          and time, and spend nothing
  --seed S                sampling seed (default 1: the same records each time)
  --provider P --model M  have model M answer through provider P (--model
                          alone: through the training target's provider,
                          else the base role's)

The base model that answers is, by default, the dataset's training target
(train target shows and sets it; Step 6's form sets it too): the model
training fine-tunes. Start training needs a finished dry run on the current
grader answered by that model, so a run with --model M counts for the Train
gate only when M is the target's model (--preview and the run say so);
otherwise it measures M for comparison. To train M, make it the target:
train target --dataset N --model M.

show prints a run's report (the newest finished one unless --run; --samples
adds every sample with its answer, score and reasoning). With --json:
  {"id","n","mean","std","median","p10","p25","p75","p90","share_positive",
   "share_perfect","histogram":[10 counts on [0,1]],
   "per_topic":{TOPIC:{"mean","std","count"}},"verdict":"GO|CAUTION|NO-GO",
   "reasons":[…],"diagnosis":[{"kind","title","evidence","next"}],
   "errors","grader_version","model", "state","components","real",
   "generated","highest","lowest","middle","error_samples","stale",…}
run --json prints the same report. list prints the runs newest first
([{"id","state","verdict","grader_version","model","n","mean",
"share_positive","std","stale",…}]). compare prints {"a":REPORT,"b":REPORT,
"mean_delta","share_positive_delta","std_delta","per_topic":{TOPIC:{"a","b",
"delta"}}}.

Verdict (each metric alone, the worst of three; a boundary is CAUTION):
mean > 0.2 GO, 0.1–0.2 CAUTION, < 0.1 NO-GO; share > 0: > 70 % GO, 50–70 %
CAUTION, < 50 % NO-GO; std (population): > 0.10 GO, 0.05–0.10 CAUTION,
< 0.05 NO-GO; more than 10 % grader errors is NO-GO.`}

func dryrunCmd(e *Env, args []string) error {
	return Dispatch(e, "dryrun", args,
		Sub{"run", dryrunRun},
		Sub{"show", dryrunShow},
		Sub{"list", dryrunList},
		Sub{"compare", dryrunCompare},
	)
}

func dryrunRun(e *Env, args []string) error {
	fs := Flags("dryrun run")
	ds := fs.String("dataset", "", "dataset name or id")
	n := fs.Int("n", dryrun.DefaultN, "sample size")
	seed := fs.Int64("seed", 1, "sampling seed")
	responses := fs.String("responses", dryrun.ResponsesBase, "base or production")
	regrade := fs.Int64("regrade", 0, "re-grade this run's stored answers")
	preview := fs.Bool("preview", false, "estimate only; spend nothing")
	provider := fs.String("provider", "", "provider that answers (default: the training target's)")
	model := fs.String("model", "", "model that answers (default: the training target's)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return Usage("--n must be at least 1, not %d", *n)
	}
	opt := dryrun.Options{N: *n, Seed: *seed, Responses: *responses, Regrade: *regrade,
		Provider: strings.TrimSpace(*provider), Model: strings.TrimSpace(*model)}
	if *regrade > 0 {
		opt.Responses = "" // the source run's
	}
	if err := opt.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	if *preview {
		p, err := dryrun.MakePreview(e.Ctx, e.Store, d.ID, opt)
		if err != nil {
			return err
		}
		return e.Print(p, func(w io.Writer) {
			fmt.Fprintf(w, "dry run of %q: %d samples, %s (%s), concurrency %d\n", d.Name, p.SampleSize, p.Model, p.Responses, p.Concurrency)
			fmt.Fprintf(w, "base-model calls: %d, about %d prompt + %d completion tokens", p.ToAsk, p.PromptTokens, p.CompletionTokens)
			if p.Cost != nil {
				fmt.Fprintf(w, ", about $%.4f", *p.Cost)
			}
			fmt.Fprintf(w, "\nexpected time: about %.0f s (%s)\n", p.Seconds, p.LatencyBasis)
			if p.ForGate && p.Target.Model != "" {
				fmt.Fprintf(w, "%s is the model Step 6 trains: this run counts for the Train gate\n", p.Model)
			}
			for _, x := range p.Notes {
				fmt.Fprintln(w, "note:", x)
			}
		})
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.DryRunWork(e.Store, d.ID, opt))
	if err != nil {
		return err
	}
	rep, _ := p.Result.(dryrun.Report)
	return e.Print(rep, func(w io.Writer) {
		printReport(w, rep)
		if opt.Responses != dryrun.ResponsesProduction && opt.Regrade == 0 {
			gateNote(e, w, d.ID, rep.Model)
		}
	})
}

func dryrunShow(e *Env, args []string) error {
	fs := Flags("dryrun show")
	ds := fs.String("dataset", "", "dataset name or id")
	run := fs.Int64("run", 0, "run id (default: the newest finished)")
	samples := fs.Bool("samples", false, "include every sample")
	if err := Parse(fs, args); err != nil {
		return err
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	rep, err := dryrun.Show(e.Ctx, e.Store, d.ID, *run)
	if err != nil {
		return err
	}
	if !*samples {
		return e.Print(rep, func(w io.Writer) { printReport(w, rep) })
	}
	ss, err := dryrun.Samples(e.Ctx, e.Store, d.ID, rep.ID)
	if err != nil {
		return err
	}
	out := struct {
		dryrun.Report
		Samples []dryrun.Sample `json:"samples"`
	}{rep, ss}
	return e.Print(out, func(w io.Writer) {
		printReport(w, rep)
		fmt.Fprintln(w, "\nsamples:")
		for _, s := range ss {
			fmt.Fprintf(w, "  #%-4d record %-8d %-24s %.3f", s.Position, s.RecordID, s.Topic, s.Score)
			if len(s.Errors) > 0 {
				fmt.Fprintf(w, "  error: %s", s.Errors[0])
			}
			fmt.Fprintln(w)
		}
	})
}

func dryrunList(e *Env, args []string) error {
	d, err := e.DatasetOnly("dryrun list", args)
	if err != nil {
		return err
	}
	runs, err := dryrun.List(e.Ctx, e.Store, d.ID)
	if err != nil {
		return err
	}
	return e.Print(runs, func(w io.Writer) {
		if len(runs) == 0 {
			fmt.Fprintf(w, "%q has no dry run yet\n", d.Name)
		}
		for _, r := range runs {
			v := r.Verdict
			if r.State != "done" {
				v = "stopped"
			}
			stale := ""
			if r.RecordsChanged {
				stale = " (stale: records changed)"
			} else if r.Stale {
				stale = " (stale: older grader)"
			}
			fmt.Fprintf(w, "%-5d %-8s mean %.3f  >0 %5.1f %%  std %.3f  n %-5d %s  grader %s  %s%s\n", r.ID, v, r.Mean,
				100*r.SharePositive, r.Std, r.N, r.Model, short(r.GraderVersion), r.CreatedAt.Local().Format("2006-01-02 15:04"), stale)
		}
	})
}

func dryrunCompare(e *Env, args []string) error {
	fs := Flags("dryrun compare")
	ds := fs.String("dataset", "", "dataset name or id")
	a := fs.Int64("a", 0, "first run id")
	b := fs.Int64("b", 0, "second run id")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *a <= 0 || *b <= 0 {
		return Usage("--a and --b are required (run ids from dryrun list)")
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	c, err := dryrun.Compare(e.Ctx, e.Store, d.ID, *a, *b)
	if err != nil {
		return err
	}
	return e.Print(c, func(w io.Writer) {
		fmt.Fprintf(w, "%-16s %12s %12s %10s\n", "", fmt.Sprintf("run %d", c.A.ID), fmt.Sprintf("run %d", c.B.ID), "change")
		fmt.Fprintf(w, "%-16s %12s %12s\n", "verdict", c.A.Verdict, c.B.Verdict)
		fmt.Fprintf(w, "%-16s %12.3f %12.3f %+10.3f\n", "mean", c.A.Mean, c.B.Mean, c.Mean)
		fmt.Fprintf(w, "%-16s %11.1f%% %11.1f%% %+9.1f%%\n", "share > 0", 100*c.A.SharePositive, 100*c.B.SharePositive, 100*c.Share)
		fmt.Fprintf(w, "%-16s %12.3f %12.3f %+10.3f\n", "std", c.A.Std, c.B.Std, c.Std)
		names := make([]string, 0, len(c.PerTopic))
		for n := range c.PerTopic {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t := c.PerTopic[n]
			fmt.Fprintf(w, "%-16s %12s %12s %+10.3f\n", n, topicMean(t.A), topicMean(t.B), t.Delta)
		}
	})
}

func topicMean(t *dryrun.TopicStats) string {
	if t == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f (%d)", t.Mean, t.Count)
}

func short(v string) string {
	if len(v) > 12 {
		return v[:12]
	}
	return v
}

func printReport(w io.Writer, r dryrun.Report) {
	state := ""
	if r.State != "done" {
		state = fmt.Sprintf(" (unfinished: %d of %d graded)", r.Graded, r.Total)
	}
	fmt.Fprintf(w, "dry run %d: %s%s\n", r.ID, r.Verdict, state)
	fmt.Fprintf(w, "  %d samples, model %s, grader %s, %d grader errors\n", r.N, r.Model, short(r.GraderVersion), r.Errors)
	fmt.Fprintf(w, "  mean %.3f  std %.3f  median %.3f  p10 %.3f  p25 %.3f  p75 %.3f  p90 %.3f\n", r.Mean, r.Std, r.Median, r.P10, r.P25, r.P75, r.P90)
	fmt.Fprintf(w, "  scores > 0: %.1f %%   scores = 1.0: %.1f %%\n", 100*r.SharePositive, 100*r.SharePerfect)
	top := 1
	for _, c := range r.Histogram {
		top = max(top, c)
	}
	for i, c := range r.Histogram {
		fmt.Fprintf(w, "  %.1f–%.1f %5d %s\n", float64(i)/10, float64(i+1)/10, c, strings.Repeat("█", c*40/top))
	}
	names := make([]string, 0, len(r.PerTopic))
	for n := range r.PerTopic {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := r.PerTopic[n]
		fmt.Fprintf(w, "  %-28s mean %.3f  std %.3f  n %d\n", n, t.Mean, t.Std, t.Count)
	}
	for _, x := range r.Reasons {
		fmt.Fprintln(w, "  reason:", x)
	}
	for _, f := range r.Diagnosis {
		fmt.Fprintf(w, "  • %s\n    %s\n    next: %s\n", f.Title, f.Evidence, f.Next)
	}
	if r.Stale {
		fmt.Fprintln(w, "  stale:", r.StaleWhy)
	}
}

// gateNote says, after a run of another model than the training target,
// that the run does not count for the Train gate.
func gateNote(e *Env, w io.Writer, datasetID int64, model string) {
	t, ok, err := (&train.Service{Store: e.Store}).ChosenTarget(e.Ctx, datasetID)
	if err != nil || !ok || t.Model == "" || model == "" || train.SameModel(model, t.Model) {
		return
	}
	fmt.Fprintf(w, "  note: %s is not the model Step 6 trains (%s): this run does not count for the Train gate"+
		" (train target --model %s makes it the target)\n", model, t.Model, model)
}
