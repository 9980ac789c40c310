package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"tracetune/backend/deploy"
	"tracetune/backend/pipeline"
)

var benchmarkCommand = Command{Name: "benchmark",
	Usage: "benchmark --dataset N [--job J] [--seed S] [--limit K]\n" +
		"          [--base-model M [--base-provider P]] [--json]",
	Summary: "grade the base and the tuned model on the validation split, before → after", Run: benchmarkCmd,
	Help: `Step 7: the base model and the tuned model of a training job (--job, default
the latest one that produced a model) answer the validation split that
training held out; the dataset's grader scores both. Answers are stored as
they arrive: running again with the same job, grader and models asks only
what is missing. --seed makes the bootstrap interval repeatable; --limit
benchmarks only the first K validation records. --base-model compares the
tuned model with another model instead of the one it was trained from (on
--base-provider, default the tuned model's provider): your production model,
say, to see whether the tuned one can replace it, or the base model as the
server that serves a TRL-trained model names it.

--json prints {"base":{"mean","model","provider","n","failed","latency_mean_ms",
"latency_p50_ms","latency_p95_ms","prompt_tokens","completion_tokens","cost"},
"tuned":{…},"diff","ci95":[lo,hi],"per_topic":{TOPIC:{"base","tuned","diff","n"}},
"wins","ties","losses","paired","records","asked","benchmark_id","job_id",
"grader_version","seed","notes"}. diff is tuned − base over the records both
models answered; ci95 its 95 % percentile bootstrap interval.`}

var deployCommand = Command{Name: "deploy",
	Usage: "deploy --dataset N --target litellm|vllora|snippet --mode replace|endpoint|ab\n" +
		"       [--source S] [--split 10] [--model-name M] [--credential C]\n" +
		"       [--job J] [--preview] [--json]\n" +
		"deploy --dataset N --target fireworks [--min-replicas 0] [--max-replicas 1]\n" +
		"       [--job J] [--preview] [--json]\n" +
		"deploy --dataset N --target azure [--capacity 1] [--job J] [--preview] [--json]\n" +
		"deploy status --dataset N [--json] | deploy rollback --dataset N [--json]",
	Summary: "route traffic to the tuned model (replace, endpoint, A/B) or serve it on Fireworks/Azure", Run: deployCmd,
	Help: `Targets: litellm changes the proxy's model table through its model management
API, reached through the LiteLLM source (--source, default the one the dataset
pulls from) with its key from the keyring, which must be the master key or
an admin key; vllora can only offer the tuned model by its provider-qualified
name (its API cannot route a model name); snippet changes nothing and prints
the configuration to paste into any gateway.

Modes: replace routes the production model name (--model-name, default the
job's base model) to the tuned model; endpoint adds the tuned model under its
own name (default its id) and registers it with the training provider in
Tracetune; ab splits the production name's traffic, --split percent to the
tuned model (default 10). --credential is how a new LiteLLM deployment
authenticates: os.environ/NAME or a proxy credential name, never a key.
--preview prints the plan in plain words and changes nothing.

fireworks serves a model trained on Fireworks: Fireworks runs a LoRA only on
an on-demand deployment (never serverless), so benchmarks, the playground and
gateways can call it only once one serves it. The command creates that
deployment on the training provider's account (live merge of the LoRA,
--min-replicas default 0: scales to zero when idle; --max-replicas default 1)
and waits, printing its state, until it is READY; the model is then called as
accounts/A/models/M#accounts/A/deployments/D at the provider's /inference/v1,
and the other targets route to that name (in LiteLLM: fireworks_ai/… with
os.environ/FIREWORKS_API_KEY). Cost: Fireworks bills per GPU-second while a
replica runs, not per token; at zero replicas it costs nothing, and the first
request after idle waits for a cold start. A FAILED deployment is deleted at
once; stopping the wait (Ctrl-C) leaves it being created: run the command
again to resume waiting, or roll it back to delete it.

azure serves a model fine-tuned on Azure OpenAI, which answers nothing until
it is deployed through Azure Resource Manager with the provider's service
principal (providers add --kind azure … --subscription --resource-group
--resource --tenant --client-id). The command PUTs a deployment (sku
standard, --capacity in units of 1,000 tokens per minute, default 1: about
1 request per minute, slow for a benchmark), waits for provisioningState
Succeeded, then sends one tiny request until it answers (Azure says
DeploymentNotReady for a while); the model is then called with the
deployment's name. Cost: hosting bills by the hour whether it is used or
not, until deploy rollback DELETEs it. Failed or Canceled deletes it at
once; Ctrl-C leaves it: run the command again to resume with reads only.

Every deployment records the before-state of each entry it touched; a
failure midway rolls back what was done and says so. deploy rollback undoes
the newest deployment still in effect (a gateway deployment before the
Fireworks deployment under it; for fireworks, a DELETE of the deployment).
deploy status prints the current deployment (checking once on an unfinished
Fireworks deployment), the history and, after an A/B deployment, the live
report on pulled traces.

--json prints the deployment {"id","target","mode","source","model_name",
"base_model","tuned_model","split","state","summary","snippet","changes":[
{"op","id","before","after"}],"message","notes"}; with --preview the plan
{"summary","steps","snippet","supported","reason",…}; status prints
{"current","live","history"}.`}

var playgroundCommand = Command{Name: "playground",
	Usage:   "playground --dataset N (--prompt TEXT | --record ID) [--grade] [--json]",
	Summary: "the same prompt to the base and the tuned model, side by side", Run: playgroundCmd,
	Help: `Sends one prompt (typed, or a record's messages and tools) to the base and
the tuned model with the same settings and prints both answers, tool calls
included; --grade scores both with the dataset's grader. --temperature T and
--max-tokens K apply to both. On a terminal the answers are printed as they
arrive (the first to start, then the other one caught up); Ctrl-C stops both
and keeps the text so far.

--json prints {"record_id","messages","tools","base":{"side","provider","model",
"text","tool_calls","message","latency_ms","prompt_tokens","completion_tokens",
"error","grade"},"tuned":{…}}.`}

func deployService(e *Env) *deploy.Service { return deploy.New(e.Store, sourceSecrets()) }

func benchmarkCmd(e *Env, args []string) error {
	fs := Flags("benchmark")
	ds := fs.String("dataset", "", "dataset name or id")
	job := fs.Int64("job", 0, "training job (0: the latest with a model)")
	seed := fs.Int64("seed", 1, "bootstrap seed")
	limit := fs.Int("limit", 0, "at most this many validation records (0: all)")
	baseProvider := fs.String("base-provider", "", "provider of --base-model (default the tuned model's)")
	baseModel := fs.String("base-model", "", "model to compare the tuned one with (default its base model)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	opts := deploy.BenchmarkOptions{JobID: *job, Seed: *seed, Limit: *limit, BaseProvider: *baseProvider, BaseModel: *baseModel}
	if err := opts.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.BenchmarkWork(e.Store, sourceSecrets(), d.ID, opts))
	if err != nil {
		return err
	}
	rep, _ := p.Result.(deploy.Report)
	return e.Print(rep, func(w io.Writer) {
		fmt.Fprintf(w, "benchmark %d of %q on %d validation records (job %d, grader %s)\n", rep.BenchmarkID, d.Name, rep.Records, rep.JobID, rep.GraderVersion)
		for _, s := range []struct {
			name string
			r    deploy.SideReport
		}{{"base", rep.Base}, {"tuned", rep.Tuned}} {
			fmt.Fprintf(w, "  %-5s %-40s mean %.3f  n %d  failed %d  p50 %.0f ms  p95 %.0f ms  $%.4f\n",
				s.name, s.r.Model, s.r.Mean, s.r.N, s.r.Failed, s.r.LatencyP50MS, s.r.LatencyP95MS, s.r.Cost)
		}
		fmt.Fprintf(w, "  diff %+.3f (95 %% CI %+.3f to %+.3f), wins %d, ties %d, losses %d\n", rep.Diff, rep.CI95[0], rep.CI95[1], rep.Wins, rep.Ties, rep.Losses)
		names := make([]string, 0, len(rep.PerTopic))
		for n := range rep.PerTopic {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t := rep.PerTopic[n]
			fmt.Fprintf(w, "  %-32s %.3f → %.3f (%+.3f, n %d)\n", n, t.Base, t.Tuned, t.Diff, t.N)
		}
		for _, x := range rep.Notes {
			fmt.Fprintln(w, "note:", x)
		}
	})
}

func deployCmd(e *Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "status":
			return deployStatus(e, args[1:])
		case "rollback":
			return deployRollback(e, args[1:])
		case "history":
			return deployStatus(e, args[1:])
		}
		if !strings.HasPrefix(args[0], "-") {
			return Usage("unknown deploy subcommand %q (status, rollback)", args[0])
		}
	}
	fs := Flags("deploy")
	ds := fs.String("dataset", "", "dataset name or id")
	target := fs.String("target", "", "litellm, vllora, snippet, fireworks or azure")
	source := fs.String("source", "", "gateway source (default: the dataset's)")
	mode := fs.String("mode", "", "replace, endpoint or ab")
	split := fs.Int("split", 0, "A/B: percent of traffic to the tuned model (default 10)")
	name := fs.String("model-name", "", "production model name (replace, ab) or the new endpoint's name")
	cred := fs.String("credential", "", "new LiteLLM deployment: os.environ/NAME or a proxy credential name")
	job := fs.Int64("job", 0, "training job (0: the latest with a model)")
	preview := fs.Bool("preview", false, "print the plan, change nothing")
	minRep := fs.Int("min-replicas", 0, "fireworks: replicas kept running (0: scale to zero when idle)")
	maxRep := fs.Int("max-replicas", 0, "fireworks: most replicas it scales up to (default 1)")
	capacity := fs.Int("capacity", 0, "azure: units of 1,000 tokens per minute (default 1)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	opts := deploy.Options{Target: *target, Source: *source, Mode: deploy.Mode(*mode), Split: *split, ModelName: *name, Credential: *cred, JobID: *job,
		MinReplicas: *minRep, MaxReplicas: *maxRep, Capacity: *capacity}
	if err := opts.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	if *preview {
		p, err := deployService(e).Preview(e.Ctx, d.ID, opts)
		if err != nil {
			return err
		}
		return e.Print(p, func(w io.Writer) {
			fmt.Fprintln(w, p.Summary)
			if !p.Supported {
				fmt.Fprintln(w, "not possible here:", p.Reason)
			}
			for _, s := range p.Steps {
				fmt.Fprintln(w, "  ", s)
			}
			fmt.Fprintln(w, p.Snippet)
		})
	}
	if opts.Target == deploy.TargetFireworks {
		// Said before anything is created: it bills by the GPU-second.
		fmt.Fprintln(e.Err, "note:", deploy.FireworksCostNote)
	}
	if opts.Target == deploy.TargetAzure {
		// Said before anything is created: it bills by the hour.
		fmt.Fprintln(e.Err, "note:", deploy.AzureCostNote)
	}
	pr, err := e.Jobs.Run(e.Ctx, pipeline.DeployWork(e.Store, sourceSecrets(), d.ID, opts))
	if err != nil {
		return err
	}
	dep, _ := pr.Result.(deploy.Deployment)
	return e.Print(dep, func(w io.Writer) { printDeployment(w, dep) })
}

func printDeployment(w io.Writer, d deploy.Deployment) {
	fmt.Fprintf(w, "deployment %d: %s, %s on %s (%s)\n", d.ID, d.State, d.Mode, d.Target, d.CreatedAt.Local().Format("2006-01-02 15:04"))
	if d.Summary != "" {
		fmt.Fprintln(w, "  "+d.Summary)
	}
	for _, c := range d.Changes {
		fmt.Fprintf(w, "  %s %s\n", c.Op, c.ID)
	}
	if d.Message != "" {
		fmt.Fprintln(w, "  "+d.Message)
	}
	for _, n := range d.Notes {
		fmt.Fprintln(w, "  note:", n)
	}
	if d.Target == "snippet" && d.Snippet != "" {
		fmt.Fprintln(w, d.Snippet)
	}
	if (d.Target == deploy.TargetFireworks || d.Target == deploy.TargetAzure) && d.State == "active" {
		fmt.Fprintln(w, "  model:", d.ModelName)
	}
}

// deployStatusView is what deploy status prints.
type deployStatusView struct {
	Current *deploy.Deployment  `json:"current"`
	Live    *deploy.LiveReport  `json:"live"`
	History []deploy.Deployment `json:"history"`
}

func deployStatus(e *Env, args []string) error {
	d, err := e.DatasetOnly("deploy status", args)
	if err != nil {
		return err
	}
	svc := deployService(e)
	// An unfinished Fireworks deployment is read once, as train status does.
	if _, ok, err := svc.ServingCheck(e.Ctx, d.ID); ok && err != nil {
		fmt.Fprintln(e.Err, "note: Fireworks deployment:", err)
	}
	if _, ok, err := svc.AzureServingCheck(e.Ctx, d.ID); ok && err != nil {
		fmt.Fprintln(e.Err, "note: Azure deployment:", err)
	}
	hist, err := svc.History(e.Ctx, d.ID)
	if err != nil {
		return err
	}
	v := deployStatusView{History: hist}
	if cur, ok, err := svc.Current(e.Ctx, d.ID); err != nil {
		return err
	} else if ok {
		// The newest deployment in effect: a Fireworks one under a
		// rolled-back gateway deployment is still current.
		v.Current = &cur
		if cur.Mode == string(deploy.ModeAB) {
			if live, err := svc.Live(e.Ctx, d.ID); err == nil {
				v.Live = &live
			} else {
				fmt.Fprintln(e.Err, "note: live report:", err)
			}
		}
	}
	return e.Print(v, func(w io.Writer) {
		if v.Current == nil {
			fmt.Fprintf(w, "%q has no deployment yet\n", d.Name)
			return
		}
		printDeployment(w, *v.Current)
		if l := v.Live; l != nil {
			fmt.Fprintf(w, "live since %s: base %s %.3f (%d traces), tuned %s %.3f (%d traces), diff %+.3f (95 %% CI %+.3f to %+.3f)\n",
				l.Since.Local().Format("2006-01-02 15:04"), l.Base.Model, l.Base.Mean, l.Base.Graded, l.Tuned.Model, l.Tuned.Mean, l.Tuned.Graded, l.Diff, l.CI95[0], l.CI95[1])
			if l.Note != "" {
				fmt.Fprintln(w, "note:", l.Note)
			}
		}
		if len(v.History) > 1 {
			fmt.Fprintln(w, "history:")
			for _, h := range v.History {
				if h.ID != v.Current.ID {
					fmt.Fprintf(w, "  %d %s %s on %s: %s\n", h.ID, h.State, h.Mode, h.Target, h.Message)
				}
			}
		}
	})
}

func deployRollback(e *Env, args []string) error {
	d, err := e.DatasetOnly("deploy rollback", args)
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.RollbackWork(e.Store, sourceSecrets(), d.ID))
	if err != nil {
		return err
	}
	dep, _ := p.Result.(deploy.Deployment)
	return e.Print(dep, func(w io.Writer) { printDeployment(w, dep) })
}

func playgroundCmd(e *Env, args []string) error {
	fs := Flags("playground")
	ds := fs.String("dataset", "", "dataset name or id")
	prompt := fs.String("prompt", "", "the prompt to send")
	rec := fs.Int64("record", 0, "a record of the dataset to send instead")
	grade := fs.Bool("grade", false, "grade both answers")
	temp := fs.Float64("temperature", -1, "temperature (default: the provider's)")
	maxTok := fs.Int("max-tokens", 0, "answer length limit (0: the provider's)")
	job := fs.Int64("job", 0, "training job (0: the latest with a model)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	in := deploy.PlaygroundInput{Prompt: *prompt, RecordID: *rec, Grade: *grade, MaxTokens: *maxTok, JobID: *job}
	if *temp >= 0 {
		in.Temperature = temp
	}
	if err := in.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	if !e.JSON && isTerminal(e.Out) {
		p := &streamPrinter{w: e.Out}
		res, err := deployService(e).PlaygroundStream(e.Ctx, d.ID, in, p.delta, p.done)
		p.finish(res)
		return err
	}
	res, err := deployService(e).Playground(e.Ctx, d.ID, in)
	if err != nil {
		return err
	}
	return e.Print(res, func(w io.Writer) {
		for _, a := range []deploy.Answer{res.Base, res.Tuned} {
			fmt.Fprintf(w, "── %s (%s, %d ms)\n", a.Side, a.Model, a.LatencyMS)
			printAnswerTail(w, a)
		}
	})
}

// printAnswerTail prints an answer after its header: error, or text, tool
// calls and score.
func printAnswerTail(w io.Writer, a deploy.Answer) {
	if a.Error != "" && a.Text == "" {
		fmt.Fprintln(w, "error:", a.Error)
		return
	}
	if a.Text != "" {
		fmt.Fprintln(w, a.Text)
	}
	if a.Error != "" {
		fmt.Fprintln(w, "error:", a.Error)
	}
	for _, c := range a.ToolCalls {
		fmt.Fprintf(w, "→ %s(%s)\n", c.Function.Name, c.Function.Arguments)
	}
	if a.Grade != nil {
		fmt.Fprintf(w, "score %.3f\n", a.Grade.Score)
	}
}

// isTerminal says whether w is a terminal, where answers are worth
// printing as they arrive; tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// streamPrinter prints two streamed answers one after the other without
// mixing them: the side that starts first is printed live; the other one's
// text is kept until then, printed at once, and followed live from there.
type streamPrinter struct {
	w io.Writer

	mu       sync.Mutex
	cur      string // the side being printed live ("" between sides)
	started  map[string]bool
	pending  map[string]*strings.Builder // text of the side waiting its turn
	finished map[string]deploy.Answer    // ended, footer not yet printed
	printed  map[string]bool             // footer printed
	lineOpen bool                        // the live text did not end in a newline
}

func (p *streamPrinter) init() {
	if p.started == nil {
		p.started, p.pending, p.finished, p.printed = map[string]bool{}, map[string]*strings.Builder{}, map[string]deploy.Answer{}, map[string]bool{}
	}
}

func (p *streamPrinter) delta(side, d string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	if p.cur == "" {
		p.begin(side)
	}
	if side != p.cur {
		if p.pending[side] == nil {
			p.pending[side] = &strings.Builder{}
		}
		p.pending[side].WriteString(d)
		return
	}
	p.write(d)
}

func (p *streamPrinter) done(a deploy.Answer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	p.finished[a.Side] = a
	if p.cur == "" {
		p.begin(a.Side)
	}
	for p.cur != "" {
		a, ok := p.finished[p.cur]
		if !ok {
			return
		}
		a.Text = "" // printed as it came
		p.end(a)
		p.cur = ""
		// The other side takes the terminal if it has anything to show.
		for _, side := range []string{deploy.SideBase, deploy.SideTuned} {
			_, ended := p.finished[side]
			if !p.printed[side] && (p.pending[side] != nil || ended) {
				p.begin(side)
				break
			}
		}
	}
}

// finish prints what the callbacks did not: both answers when the run
// ended early (a failure before they were asked).
func (p *streamPrinter) finish(res deploy.PlaygroundResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	for _, a := range []deploy.Answer{res.Base, res.Tuned} {
		if a.Side == "" || p.printed[a.Side] {
			continue
		}
		if p.cur != a.Side {
			p.begin(a.Side)
		}
		if p.started[a.Side] { // never print the text twice
			a.Text = ""
		}
		p.end(a)
		p.cur = ""
	}
}

// begin prints a side's header and the text it has so far.
func (p *streamPrinter) begin(side string) {
	p.cur = side
	fmt.Fprintf(p.w, "── %s\n", side)
	if b := p.pending[side]; b != nil {
		p.write(b.String())
		p.pending[side] = nil
	}
}

func (p *streamPrinter) write(d string) {
	if d == "" {
		return
	}
	p.started[p.cur] = true
	io.WriteString(p.w, d)
	p.lineOpen = !strings.HasSuffix(d, "\n")
}

// end closes a side: the rest of its answer (text not printed live, tool
// calls, error, score) and its model and time.
func (p *streamPrinter) end(a deploy.Answer) {
	if p.lineOpen {
		fmt.Fprintln(p.w)
		p.lineOpen = false
	}
	if a.Text != "" || a.Error != "" || len(a.ToolCalls) > 0 || a.Grade != nil {
		printAnswerTail(p.w, a)
	}
	state := ""
	if a.Stopped {
		state = ", stopped"
	}
	fmt.Fprintf(p.w, "(%s, %d ms%s)\n", a.Model, a.LatencyMS, state)
	p.printed[a.Side] = true
}
