package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"tracetune/backend/pipeline"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/topics"
)

var topicsCommand = Command{Name: "topics",
	Usage: "topics generate --dataset N [--offline] [--k K] [--seed S] [--json]\n" +
		"topics list --dataset N | topics export --dataset N --out F\n" +
		"topics import --dataset N --file F [--keep|--clear]",
	Summary: "discover, list, export and import a dataset's topic hierarchy", Run: topicsCmd,
	Help: `generate discovers topics (k automatic, or --k 1–200), replaces the
hierarchy, then categorizes every valid record and refreshes coverage, as the
window's Generate does. --offline uses TF-IDF and term labels even when a
provider is configured. import replaces the hierarchy from a JSON file,
keeping assignments to surviving topic names unless --clear.`}

var categorizeCommand = Command{Name: "categorize", Usage: "categorize --dataset N [--mode unlabeled|all] [--offline] [--json]",
	Summary: "assign valid records to leaf topics (keyword, similarity, then the model)", Run: categorizeCmd,
	Help: fmt.Sprintf(`Assigns valid records to leaf topics: keyword match first, then similarity,
then the generation model for what stays under %.1f confidence.
--mode unlabeled touches records without a topic; all recategorizes every
record except those a person confirmed or moved.`, record.LowConfidence)}

var coverageCommand = Command{Name: "coverage",
	Usage:   "coverage --dataset N [--target TOPIC=PERCENT]... [--reset-targets] [--json]",
	Summary: "records per topic against targets, balance, rating and recommendations", Run: coverageCmd,
	Help: `Step 3: valid categorized records per leaf topic against targets (uniform
unless set with --target), the balance score and rating, and how many
records each under-served topic needs.`}

func topicsCmd(e *Env, args []string) error {
	return Dispatch(e, "topics", args,
		Sub{"generate", topicsGenerate},
		Sub{"list", topicsList},
		Sub{"export", topicsExport},
		Sub{"import", topicsImport},
	)
}

func topicsGenerate(e *Env, args []string) error {
	fs := Flags("topics generate")
	ds := fs.String("dataset", "", "dataset name or id")
	offline := fs.Bool("offline", false, "TF-IDF and term labels even if a provider is configured")
	k := fs.Int("k", 0, "number of topics (0: automatic)")
	seed := fs.Int64("seed", 1, "random seed (same seed, same topics)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	opt := topics.GenerateOptions{K: *k, Seed: *seed, Offline: *offline}
	if err := opt.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	if n, err := topics.New(e.Store).AssignmentCount(e.Ctx, d.ID); err == nil && n > 0 {
		fmt.Fprintf(e.Err, "warning: regenerating topics clears %d existing assignments of %q, then categorizes again\n", n, d.Name)
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.GenerateTopicsWork(e.Store, d.ID, opt))
	if err != nil {
		return err
	}
	res, _ := p.Result.(pipeline.TopicsResult)
	return e.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%d topics from %d valid records of %q (vectors %s, names from %s, %d phrasing clusters, silhouette %.3f)\n",
			res.K, res.Records, d.Name, res.Vectors, res.Naming, res.FineK, res.Silhouette)
		for _, t := range res.Topics {
			fmt.Fprintf(w, "  %-32s %s\n", t.Name, strings.Join(t.Keywords, ", "))
		}
		c := res.Categorize
		fmt.Fprintf(w, "categorized %d records, %d under %.1f confidence\n", c.Processed, c.LowConfidence, record.LowConfidence)
		for _, x := range res.Warnings {
			fmt.Fprintln(w, "note:", x)
		}
	})
}

func topicsExport(e *Env, args []string) error {
	fs := Flags("topics export")
	ds := fs.String("dataset", "", "dataset name or id")
	out := fs.String("out", "", "JSON file to write (- for standard output)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return Usage("--out is required")
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	svc := topics.New(e.Store)
	if *out == "-" {
		return svc.ExportJSON(e.Ctx, d.ID, e.Out)
	}
	h, err := svc.Export(e.Ctx, d.ID)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	if err := svc.ExportJSON(e.Ctx, d.ID, f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	n := countTopics(h)
	return e.Print(map[string]any{"dataset": d.ID, "out": *out, "topics": n}, func(w io.Writer) {
		fmt.Fprintf(w, "exported %d topics of %q to %s\n", n, d.Name, *out)
	})
}

func countTopics(h topics.Hierarchy) int {
	n := 0
	var walk func(list []store.TopicSpec)
	walk = func(list []store.TopicSpec) {
		for _, t := range list {
			n++
			walk(t.Subtopics)
		}
	}
	walk(h.Topics)
	return n
}

func topicsImport(e *Env, args []string) error {
	fs := Flags("topics import")
	ds := fs.String("dataset", "", "dataset name or id")
	file := fs.String("file", "", "hierarchy JSON file")
	keep := fs.Bool("keep", false, "keep assignments to topics whose name survives (the default)")
	clear := fs.Bool("clear", false, "clear every assignment")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return Usage("--file is required")
	}
	if *keep && *clear {
		return Usage("give --keep or --clear, not both")
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("open %s: %w", *file, err)
	}
	defer f.Close()
	h, err := topics.ParseHierarchy(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	res, job, err := pipeline.ReplaceTopics(e.Ctx, e.Store, d.ID, pipeline.TopicsSource{Hierarchy: &h, Keep: !*clear})
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, job)
	if err != nil {
		return err
	}
	cat, _ := p.Result.(topics.CategorizeResult)
	out := struct {
		topics.ImportResult
		Categorize topics.CategorizeResult `json:"categorize"`
	}{res, cat}
	return e.Print(out, func(w io.Writer) {
		fmt.Fprintf(w, "imported %d topics into %q; %d assignments cleared, %d records categorized again\n", res.Topics, d.Name, res.Cleared, cat.Processed)
	})
}

func topicsList(e *Env, args []string) error {
	d, err := e.DatasetOnly("topics list", args)
	if err != nil {
		return err
	}
	tree, err := topics.New(e.Store).Tree(e.Ctx, d.ID)
	if err != nil {
		return err
	}
	return e.Print(tree, func(w io.Writer) {
		if len(tree) == 0 {
			fmt.Fprintf(w, "%q has no topics: run topics generate, or topics import\n", d.Name)
			return
		}
		var walk func(depth int, ns []topics.Node)
		walk = func(depth int, ns []topics.Node) {
			for _, n := range ns {
				fmt.Fprintf(w, "%s%-*s %7d  %s\n", strings.Repeat("  ", depth), 32-2*depth, n.Name, n.Count, strings.Join(n.Keywords, ", "))
				walk(depth+1, n.Children)
			}
		}
		walk(0, tree)
	})
}

func categorizeCmd(e *Env, args []string) error {
	fs := Flags("categorize")
	ds := fs.String("dataset", "", "dataset name or id")
	mode := fs.String("mode", "unlabeled", "unlabeled (records without a topic) or all")
	offline := fs.Bool("offline", false, "TF-IDF similarity and no model even if a provider is configured")
	if err := Parse(fs, args); err != nil {
		return err
	}
	m := topics.Mode(*mode)
	opt := topics.CategorizeOptions{Mode: m, Offline: *offline}
	if err := opt.Validate(); err != nil {
		return Usage("%v", err)
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, pipeline.CategorizeWork(e.Store, d.ID, opt))
	if err != nil {
		return err
	}
	res, _ := p.Result.(topics.CategorizeResult)
	return e.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "categorized %d records of %q (%s, %s): ", res.Processed, d.Name, m, res.Vectors)
		var parts []string
		for _, k := range []string{"keyword", "embedding", "llm"} {
			if n := res.ByMethod[k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d by %s", n, k))
			}
		}
		fmt.Fprintf(w, "%s; %d under %.1f confidence\n", strings.Join(parts, ", "), res.LowConfidence, record.LowConfidence)
		for _, x := range res.Warnings {
			fmt.Fprintln(w, "note:", x)
		}
	})
}

// targetFlags collects repeated --target NAME=PERCENT.
type targetFlags map[string]float64

func (t targetFlags) String() string { return fmt.Sprint(map[string]float64(t)) }
func (t targetFlags) Set(v string) error {
	name, p, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("target %q: want TOPIC=PERCENT", v)
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(p), "%"), 64)
	if err != nil {
		return fmt.Errorf("target %q: %v", v, err)
	}
	t[strings.TrimSpace(name)] = f
	return nil
}

func coverageCmd(e *Env, args []string) error {
	fs := Flags("coverage")
	ds := fs.String("dataset", "", "dataset name or id")
	targets := targetFlags{}
	fs.Var(targets, "target", "set a topic's target share: TOPIC=PERCENT (0 = uniform); repeatable")
	reset := fs.Bool("reset-targets", false, "make every target uniform again")
	if err := Parse(fs, args); err != nil {
		return err
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	if *reset {
		if err := topics.New(e.Store).ResetTargets(e.Ctx, d.ID); err != nil {
			return err
		}
	}
	if len(targets) > 0 {
		ts, err := e.Store.Topics(e.Ctx, d.ID)
		if err != nil {
			return err
		}
		byName := map[string]int64{}
		for _, t := range ts {
			byName[t.Name] = t.ID
		}
		names := make([]string, 0, len(targets))
		for n := range targets {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			id, ok := byName[n]
			if !ok {
				return fmt.Errorf("--target %s: %q has no topic of that name", n, d.Name)
			}
			if err := topics.New(e.Store).SetTarget(e.Ctx, d.ID, id, targets[n]); err != nil {
				return err
			}
		}
	}
	rep, err := pipeline.Coverage(e.Ctx, e.Store, d.ID)
	if err != nil {
		return err
	}
	return e.Print(rep, func(w io.Writer) {
		fmt.Fprintf(w, "coverage of %q: balance %.2f (%s), %d categorized, %d uncategorized\n", d.Name, rep.Balance, rep.Rating, rep.Categorized, rep.Uncategorized)
		fmt.Fprintf(w, "  %-32s %7s %8s %8s %8s  %s\n", "topic", "count", "percent", "target", "gap", "status")
		for _, s := range rep.Topics {
			fmt.Fprintf(w, "  %-32s %7d %7.1f%% %7.1f%% %+7.1f  %s\n", s.Topic, s.Count, s.Percent, s.Target, s.Gap, s.Status)
		}
		for _, r := range rep.Recommendations {
			fmt.Fprintln(w, "•", r)
		}
	})
}
