package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/pipeline"
	"tracetune/backend/secrets"
)

// sourceSecrets is where source keys live; tests point it at a temporary
// file store so they never touch the user's keyring.
var sourceSecrets = secrets.Default

var sourcesCommand = Command{Name: "sources",
	Usage: "sources add --name S --kind langfuse|litellm|vllora|otel|jsonl --url U\n" +
		"      [--key K | --public-key P --secret-key Q] [--project P] [--look-back D] [--replace]\n" +
		"sources set --name S --look-back D\n" +
		"sources list | sources test --name S | sources remove --name S",
	Summary: "manage gateway trace sources (keys go to the keyring)", Run: sourcesCmd,
	Help: `A source is a gateway Tracetune pulls traces from. Keys: --key K for
LiteLLM and vllora, --public-key P --secret-key Q for Langfuse; --project P
for vllora. Keys go to the OS keyring.

--look-back D is how far before its cursor each pull re-reads (default 15m):
gateways index traces late, so a trace that started before the last pull may
appear only after it; the pull re-reads this window and skips the traces the
dataset already has. D is a duration such as 30m, 2h or 1d; 0 re-reads
nothing; at most 7 days. sources set changes it on a saved source; add
--replace without --look-back keeps the one stored.`}

var pullCommand = Command{Name: "pull",
	Usage: "pull --dataset N --source S [--since T] [--model M] [--text X] [--has-tools]\n" +
		"     [--exclude-errors] [--settle D] [--json]",
	Summary: "pull traces newer than the last pull from a source into a dataset", Run: pullCmd,
	Help: `Step 1's Pull New Traces: fetches the traces newer than the last pull,
skips those already present, validates what arrives, and marks the Extract
node exactly as the window does. --since starts elsewhere (RFC 3339, a date
or a duration such as 24h). In a dataset that has topics the new valid
records are categorized in the same run, as step 2's Categorize would
(earlier assignments are kept), and coverage is refreshed; if the model
provider fails the pull still stands and they stay uncategorized until the
next pull or import. With --json: {"new","skipped","rechecked","invalid",
"pages","since","source"}, plus with topics "categorize": {"records",
"categorized","low_confidence","vectors","warnings","error","stopped"}.`}

func sourcesCmd(e *Env, args []string) error {
	return Dispatch(e, "sources", args,
		Sub{"add", sourcesAdd},
		Sub{"list", func(e *Env, args []string) error {
			if err := Parse(Flags("sources list"), args); err != nil {
				return err
			}
			return sourcesList(e)
		}},
		Sub{"set", sourcesSet},
		Sub{"test", sourcesTest},
		Sub{"remove", sourcesRemove},
		Sub{"rm", sourcesRemove},
	)
}

func sourcesAdd(e *Env, args []string) error {
	fs := Flags("sources add")
	var c gateway.Config
	var kind string
	fs.StringVar(&c.Name, "name", "", "source name")
	fs.StringVar(&kind, "kind", "", "langfuse, litellm, vllora, otel or jsonl")
	fs.StringVar(&c.URL, "url", "", "base URL, or a file or folder for otel and jsonl")
	fs.StringVar(&c.Key, "key", "", "API key (litellm, vllora)")
	fs.StringVar(&c.PublicKey, "public-key", "", "Langfuse public key")
	fs.StringVar(&c.SecretKey, "secret-key", "", "Langfuse secret key")
	fs.StringVar(&c.Project, "project", "", "vllora project id")
	lookBack := fs.String("look-back", "", "how far before its cursor each pull re-reads (default 15m; 0: none)")
	replace := fs.Bool("replace", false, "update the source of that name if it exists")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(c.Name) == "" || kind == "" || strings.TrimSpace(c.URL) == "" {
		return Usage("--name, --kind and --url are required")
	}
	if *lookBack != "" {
		_, secs, err := lookBackFlag(*lookBack)
		if err != nil {
			return err
		}
		c.LookBackSeconds = secs
	}
	k, err := gateway.ParseKind(kind)
	if err != nil {
		return Usage("%v", err)
	}
	c.Kind = k
	if c.Key != "" && (c.PublicKey != "" || c.SecretKey != "") {
		return Usage("give --key, or --public-key and --secret-key, not both")
	}
	if k == gateway.KindLangfuse && c.Key != "" {
		return Usage("Langfuse uses --public-key and --secret-key")
	}
	s, err := gateway.Save(e.Ctx, e.Store, sourceSecrets(), c, *replace)
	if err != nil {
		return err
	}
	return e.Print(s, func(w io.Writer) {
		fmt.Fprintf(w, "added source %q (%s, %s; look-back %s)", s.Name, s.Kind, s.URL, s.LookBack)
		if s.HasKey || s.HasSecretKey {
			fmt.Fprintf(w, "; keys stored in the %s", sourceSecrets().Backend())
		}
		fmt.Fprintf(w, "\ntry it: tracetune sources test --name %s\n", s.Name)
	})
}

func sourcesList(e *Env) error {
	all, err := gateway.List(e.Ctx, e.Store, sourceSecrets())
	if err != nil {
		return err
	}
	if all == nil {
		all = []gateway.Saved{}
	}
	return e.Print(all, func(w io.Writer) {
		if len(all) == 0 {
			fmt.Fprintln(w, "no sources yet: tracetune sources add --name S --kind K --url U …")
			return
		}
		fmt.Fprintf(w, "%-20s %-9s %-6s %-9s %s\n", "NAME", "KIND", "KEYS", "LOOK-BACK", "URL")
		for _, s := range all {
			keys := "-"
			if s.HasKey || (s.HasPublicKey && s.HasSecretKey) {
				keys = "set"
			}
			fmt.Fprintf(w, "%-20s %-9s %-6s %-9s %s\n", s.Name, s.Kind, keys, s.LookBack, s.URL)
		}
	})
}

// parseLookBack reads a --look-back value: a Go duration (30m, 2h) or a
// number of days (1d).
func parseLookBack(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.ParseFloat(days, 64); err == nil {
			return time.Duration(n * float64(24*time.Hour)), nil
		}
	}
	return time.ParseDuration(v)
}

// lookBackFlag checks a --look-back value: the window and its source setting.
func lookBackFlag(v string) (time.Duration, int, error) {
	d, err := parseLookBack(v)
	if err != nil {
		return 0, 0, Usage("--look-back %q: want a duration such as 30m, 2h or 1d (0: no overlap)", v)
	}
	secs, err := gateway.LookBackSetting(d)
	if err != nil {
		return 0, 0, Usage("--look-back %s: %v", v, err)
	}
	return d, secs, nil
}

func sourcesSet(e *Env, args []string) error {
	fs := Flags("sources set")
	name := fs.String("name", "", "source name")
	lookBack := fs.String("look-back", "", "how far before its cursor each pull re-reads (0: none)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" || strings.TrimSpace(*lookBack) == "" {
		return Usage("--name and --look-back are required")
	}
	d, _, err := lookBackFlag(*lookBack)
	if err != nil {
		return err
	}
	s, err := gateway.SetLookBack(e.Ctx, e.Store, sourceSecrets(), *name, d)
	if err != nil {
		return err
	}
	return e.Print(s, func(w io.Writer) {
		if s.SourceRow.LookBack() == 0 {
			fmt.Fprintf(w, "source %q: pulls re-read nothing before their cursor (no look-back)\n", s.Name)
			return
		}
		fmt.Fprintf(w, "source %q: each pull re-reads the %s before its cursor\n", s.Name, s.LookBack)
	})
}

func nameFlag(name string, args []string) (string, error) {
	fs := Flags(name)
	n := fs.String("name", "", "source name")
	if err := Parse(fs, args); err != nil {
		return "", err
	}
	if strings.TrimSpace(*n) == "" {
		return "", Usage("--name is required")
	}
	return *n, nil
}

func sourcesTest(e *Env, args []string) error {
	name, err := nameFlag("sources test", args)
	if err != nil {
		return err
	}
	p, err := gateway.TestSaved(e.Ctx, e.Store, sourceSecrets(), name)
	if err != nil {
		return err
	}
	if err := e.Print(p, func(w io.Writer) { fmt.Fprintln(w, p.Message) }); err != nil {
		return err
	}
	if !p.OK {
		return errors.New(p.Message)
	}
	return nil
}

func sourcesRemove(e *Env, args []string) error {
	name, err := nameFlag("sources remove", args)
	if err != nil {
		return err
	}
	if err := gateway.Remove(e.Ctx, e.Store, sourceSecrets(), name); err != nil {
		return err
	}
	return e.Print(map[string]any{"removed": name}, func(w io.Writer) {
		fmt.Fprintf(w, "removed source %q and its keys (records it brought stay)\n", name)
	})
}

// parseSince reads an RFC 3339 time, a date (YYYY-MM-DD, UTC) or a duration
// back from now ("24h").
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want an RFC 3339 time, a date (2026-11-01) or a duration (24h)", s)
}

func pullCmd(e *Env, args []string) error {
	fs := Flags("pull")
	ds := fs.String("dataset", "", "dataset name or id")
	source := fs.String("source", "", "source name")
	since := fs.String("since", "", "start here instead of the last pull (RFC 3339, date or duration)")
	var f gateway.Filter
	fs.StringVar(&f.Model, "model", "", "only this model")
	fs.StringVar(&f.Text, "text", "", "only traces containing this text")
	fs.BoolVar(&f.HasTools, "has-tools", false, "only traces with tools")
	fs.BoolVar(&f.ExcludeErrors, "exclude-errors", false, "leave out failed calls")
	pageSize := fs.Int("page-size", 100, "traces per page")
	settle := fs.Duration("settle", 0, "leave out traces newer than this (for sources that index with a delay, e.g. 10m)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*source) == "" {
		return Usage("--source is required")
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	opt := gateway.PullOptions{Filter: f, PageSize: *pageSize, Settle: *settle}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			return Usage("%v", err)
		}
		opt.Since = t
	}
	job, err := pipeline.PullWork(e.Ctx, e.Store, sourceSecrets(), d.ID, *source, opt)
	if err != nil {
		return err
	}
	p, err := e.Jobs.Run(e.Ctx, job)
	if err != nil {
		return err
	}
	res, _ := p.Result.(pipeline.PullResult)
	return e.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%d new, %d skipped, %d invalid from %s into %q\n", res.New, res.Skipped, res.Invalid, res.Source, d.Name)
		if s := res.Categorize.Summary(); s != "" {
			fmt.Fprintf(w, "  new records: %s\n", s)
		}
	})
}
