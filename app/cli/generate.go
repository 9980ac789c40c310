package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"tracetune/backend/llm"
	"tracetune/backend/pipeline"
	"tracetune/backend/store"
	"tracetune/backend/synth"
)

var generateCommand = Command{Name: "generate",
	Usage: "generate --dataset N --gaps | --records ID,… | --topic T --count K [--strategy S]\n" +
		"      [--variations 3] [--temperature 0.7] [--max-share 30] [--loose-intent]\n" +
		"      [--preview] [--accept-passing] [--json]\n" +
		"generate accept|reject --dataset N --ids ID,…|--all [--json]\n" +
		"generate list --dataset N [--status pending|accepted|rejected] [--json]\n" +
		"generate edit --dataset N --id ID --text T [--json]\n" +
		"generate regenerate --dataset N [--ids ID,…] [--json]",
	Summary: "Step 3: synthetic prompts for thin topics, checked, then reviewed before they count", Run: generateCmd,
	Help: `Makes candidate prompts with the generation role's model, checks each one
(length 20–2000 characters, no assistant artefacts such as "As an AI", no
placeholders like [NAME] or <name>, no template braces like {{name}}, no role
labels, the dataset's health rules, no exact or near duplicate of a record or
of another candidate) and stores it with its status: pending (passed, waiting
for review) or rejected with the reason. Only accepted candidates become
records: valid, generated, with their source record and strategy, in the
topic they were made for. Ctrl-C stops and keeps what was made.

Where to start (one of):
  --gaps              every under-served topic of coverage, up to its target
  --records ID,…      --variations prompts from each of these records
  --topic T --count K K records for leaf topic T

Settings:
  --strategy S        message_variation (default for multi-turn data and for
                      --records: keeps the real context, varies the last user
                      message), few_shot, topic_description,
                      scenario_expansion, tool_chain; default: per record
  --variations N      prompts asked per source record (default 3)
  --temperature T     sampling temperature (default 0.7)
  --max-share P       generated records may be at most P % of the valid
                      records (default 30, enforced by the plan and by accept)
  --loose-intent      variations may ask for related things (default: they
                      keep the intent)
  --preview           print the plan (records per topic, balance before and
                      after, model, estimated tokens and cost); spend nothing
  --accept-passing    accept every passing candidate when the run ends

With --json:
  {"candidates":[{"id","topic","strategy","text","status","reason"}],
   "accepted","rejected","usage":{"calls","prompt_tokens",
   "completion_tokens","cost"}}
accept, reject, edit and regenerate print the same shape for the candidates
they touched (accept --all: every pending one). list prints the candidates.
--preview prints {"entry","rows":[{"topic_id","topic","count","real",
"generated","percent_before","percent_after","target","strategies"}],
"total","balance_before","balance_after","rating_before","rating_after",
"synthetic_share_before","synthetic_share_after","max_share","capped",
"provider","model","requests","prompt_tokens","completion_tokens","cost",
"notes"}.`}

// candidateOut is one candidate in the --json shape of the issue.
type candidateOut struct {
	ID       int64  `json:"id"`
	Topic    string `json:"topic"`
	Strategy string `json:"strategy"`
	Text     string `json:"text"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
}

type generateOut struct {
	Candidates []candidateOut `json:"candidates"`
	Accepted   int            `json:"accepted"`
	Rejected   int            `json:"rejected"`
	Usage      llm.Totals     `json:"usage"`
}

func outCandidates(cs []store.Candidate) []candidateOut {
	out := make([]candidateOut, len(cs))
	for i, c := range cs {
		out[i] = candidateOut{c.ID, c.Topic, c.Strategy, c.Text, c.Status, c.Reason}
	}
	return out
}

func generateCmd(e *Env, args []string) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "accept", "reject":
			return generateReview(e, args[0], args[1:])
		case "list":
			return generateList(e, args[1:])
		case "edit":
			return generateEdit(e, args[1:])
		case "regenerate":
			return generateRun(e, "generate regenerate", args[1:], true)
		}
		return Usage("unknown generate subcommand %q (accept, reject, list, edit, regenerate)", args[0])
	}
	return generateRun(e, "generate", args, false)
}

// parseIDs reads "1,2,3".
func parseIDs(s string) ([]int64, error) {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return nil, Usage("%q is not an id", p)
		}
		out = append(out, id)
	}
	return out, nil
}

func generateRun(e *Env, name string, args []string, regen bool) error {
	def := synth.Defaults()
	fs := Flags(name)
	ds := fs.String("dataset", "", "dataset name or id")
	var gaps *bool
	var records, topic, strategy *string
	var count *int
	if regen {
		records = fs.String("ids", "", "rejected candidates to make again (default: every rejected one)")
	} else {
		gaps = fs.Bool("gaps", false, "fill the under-served topics")
		records = fs.String("records", "", "record ids")
		topic = fs.String("topic", "", "leaf topic")
		count = fs.Int("count", 0, "records to make for --topic")
	}
	strategy = fs.String("strategy", "", "strategy")
	variations := fs.Int("variations", def.Variations, "prompts per source record")
	temp := fs.Float64("temperature", def.Temperature, "sampling temperature")
	share := fs.Float64("max-share", def.MaxShare, "maximum synthetic share in percent")
	loose := fs.Bool("loose-intent", false, "variations may change the intent")
	preview := fs.Bool("preview", false, "print the plan and spend nothing")
	acceptPassing := fs.Bool("accept-passing", false, "accept every passing candidate")
	if err := Parse(fs, args); err != nil {
		return err
	}
	ids, err := parseIDs(*records)
	if err != nil {
		return err
	}
	st, err := synth.ParseStrategy(*strategy)
	if err != nil {
		return Usage("%v", err)
	}
	o := synth.Options{Strategy: st, Variations: *variations, Temperature: *temp, MaxShare: *share, PreserveIntent: !*loose, AcceptPassing: *acceptPassing}
	if regen {
		o.Regenerate, o.RegenerateAll = ids, len(ids) == 0
	} else {
		o.Gaps, o.RecordIDs, o.Topic, o.Count = *gaps, ids, *topic, *count
	}
	if err := o.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	if *preview {
		pv, err := synth.MakePreview(e.Ctx, e.Store, d.ID, o)
		if err != nil {
			return usageIfInvalid(err)
		}
		return e.Print(pv, func(w io.Writer) { printGeneratePreview(w, d.Name, pv) })
	}
	p, runErr := e.Jobs.Run(e.Ctx, pipeline.GenerateWork(e.Store, d.ID, o))
	res, _ := p.Result.(synth.Result)
	if runErr != nil && !res.Stopped {
		return usageIfInvalid(runErr)
	}
	out := generateOut{Candidates: outCandidates(res.Candidates), Accepted: res.Accepted, Rejected: res.Rejected, Usage: res.Usage}
	err = e.Print(out, func(w io.Writer) {
		for _, c := range res.Candidates {
			fmt.Fprintf(w, "%6d  %-9s %-18s %-20s %s\n", c.ID, c.Status, c.Topic, c.Strategy, oneLine(c.Text, 90))
			if c.Reason != "" {
				fmt.Fprintf(w, "        %s: %s\n", c.Reason, c.Detail)
			}
		}
		fmt.Fprintf(w, "%d candidates: %d passing, %d rejected, %d accepted; %d tokens ($%.4f)\n", len(res.Candidates), res.Passing, res.Rejected,
			res.Accepted, res.Usage.PromptTokens+res.Usage.CompletionTokens, res.Usage.Cost)
		if res.Stopped {
			fmt.Fprintln(w, "stopped: the candidates made so far are kept for review")
		}
		for _, n := range res.Notes {
			fmt.Fprintln(w, "note:", n)
		}
	})
	if err != nil {
		return err
	}
	return runErr
}

func usageIfInvalid(err error) error {
	if errors.Is(err, synth.ErrInvalid) {
		return Usage("%v", err)
	}
	return err
}

func printGeneratePreview(w io.Writer, dataset string, pv synth.Preview) {
	fmt.Fprintf(w, "generate for %q (%s): %d records in %d calls to %s\n", dataset, pv.Entry, pv.Total, pv.Requests, pv.Model)
	for _, r := range pv.Rows {
		fmt.Fprintf(w, "  %-24s +%-4d %5.1f %% → %5.1f %% (target %.1f %%)  %s\n", r.Topic, r.Count, r.PercentBefore, r.PercentAfter, r.Target, strings.Join(r.Strategies, ", "))
	}
	fmt.Fprintf(w, "balance %.2f (%s) → %.2f (%s); synthetic %.1f %% → %.1f %% (cap %.0f %%)\n", pv.BalanceBefore, pv.RatingBefore,
		pv.BalanceAfter, pv.RatingAfter, pv.SyntheticShareBefore, pv.SyntheticShareAfter, pv.MaxShare)
	cost := "unknown"
	if pv.Cost != nil {
		cost = fmt.Sprintf("$%.4f", *pv.Cost)
	}
	fmt.Fprintf(w, "estimated %d prompt + %d completion tokens, cost %s\n", pv.PromptTokens, pv.CompletionTokens, cost)
	for _, n := range pv.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func generateReview(e *Env, verb string, args []string) error {
	fs := Flags("generate " + verb)
	ds := fs.String("dataset", "", "dataset name or id")
	idsFlag := fs.String("ids", "", "candidate ids")
	all := fs.Bool("all", false, "every pending candidate")
	if err := Parse(fs, args); err != nil {
		return err
	}
	ids, err := parseIDs(*idsFlag)
	if err != nil {
		return err
	}
	if (len(ids) == 0) == !*all {
		return Usage("generate %s: give --ids ID,… or --all", verb)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	if *all {
		pending, err := synth.List(e.Ctx, e.Store, d.ID, 0, store.CandidatePending)
		if err != nil {
			return err
		}
		for _, c := range pending {
			ids = append(ids, c.ID)
		}
	}
	out := generateOut{Candidates: []candidateOut{}}
	if len(ids) > 0 {
		switch verb {
		case "accept":
			a, err := pipeline.AcceptCandidates(e.Ctx, e.Store, d.ID, ids, false, 0)
			if err != nil {
				return usageIfInvalid(err)
			}
			out.Accepted, out.Rejected = a.Accepted, a.Rejected
		default:
			n, err := synth.Reject(e.Ctx, e.Store, d.ID, ids)
			if err != nil {
				return usageIfInvalid(err)
			}
			out.Rejected = n
		}
		cs, err := e.Store.Candidates(e.Ctx, store.CandidateFilter{DatasetID: d.ID, IDs: ids})
		if err != nil {
			return err
		}
		out.Candidates = outCandidates(cs)
	}
	return e.Print(out, func(w io.Writer) {
		if verb == "accept" {
			fmt.Fprintf(w, "%d candidates accepted as records of %q\n", out.Accepted, d.Name)
		} else {
			fmt.Fprintf(w, "%d candidates rejected\n", out.Rejected)
		}
	})
}

func generateList(e *Env, args []string) error {
	fs := Flags("generate list")
	ds := fs.String("dataset", "", "dataset name or id")
	status := fs.String("status", "", "pending, accepted or rejected")
	if err := Parse(fs, args); err != nil {
		return err
	}
	var statuses []string
	switch *status {
	case "":
	case store.CandidatePending, store.CandidateAccepted, store.CandidateRejected:
		statuses = []string{*status}
	default:
		return Usage("--status %q: use pending, accepted or rejected", *status)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	cs, err := synth.List(e.Ctx, e.Store, d.ID, 0, statuses...)
	if err != nil {
		return err
	}
	return e.Print(outCandidates(cs), func(w io.Writer) {
		for _, c := range cs {
			fmt.Fprintf(w, "%6d  %-9s %-18s %-20s %s\n", c.ID, c.Status, c.Topic, c.Strategy, oneLine(c.Text, 90))
			if c.Reason != "" {
				fmt.Fprintf(w, "        %s: %s\n", c.Reason, c.Detail)
			}
		}
	})
}

func generateEdit(e *Env, args []string) error {
	fs := Flags("generate edit")
	ds := fs.String("dataset", "", "dataset name or id")
	id := fs.Int64("id", 0, "candidate id")
	text := fs.String("text", "", "the new prompt text")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 || strings.TrimSpace(*text) == "" {
		return Usage("generate edit: give --id and --text")
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	c, err := synth.Edit(e.Ctx, e.Store, d.ID, *id, *text)
	if err != nil {
		return usageIfInvalid(err)
	}
	out := generateOut{Candidates: outCandidates([]store.Candidate{c})}
	if c.Status == store.CandidateRejected {
		out.Rejected = 1
	}
	return e.Print(out, func(w io.Writer) {
		fmt.Fprintf(w, "candidate %d: %s %s %s\n", c.ID, c.Status, c.Reason, c.Detail)
	})
}
