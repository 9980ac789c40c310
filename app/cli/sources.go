package cli

import (
	"errors"
	"fmt"
	"io"
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
		"      [--key K | --public-key P --secret-key Q] [--project P] [--replace]\n" +
		"sources list | sources test --name S | sources remove --name S",
	Summary: "manage gateway trace sources (keys go to the keyring)", Run: sourcesCmd,
	Help: `A source is a gateway Tracetune pulls traces from. Keys: --key K for
LiteLLM and vllora, --public-key P --secret-key Q for Langfuse; --project P
for vllora. Keys go to the OS keyring.`}

var pullCommand = Command{Name: "pull",
	Usage: "pull --dataset N --source S [--since T] [--model M] [--text X] [--has-tools]\n" +
		"     [--exclude-errors] [--settle D] [--json]",
	Summary: "pull traces newer than the last pull from a source into a dataset", Run: pullCmd,
	Help: `Step 1's Pull New Traces: fetches the traces newer than the last pull,
skips those already present, validates what arrives, and marks the Extract
node exactly as the window does. --since starts elsewhere (RFC 3339, a date
or a duration such as 24h).`}

func sourcesCmd(e *Env, args []string) error {
	return Dispatch(e, "sources", args,
		Sub{"add", sourcesAdd},
		Sub{"list", func(e *Env, args []string) error {
			if err := Parse(Flags("sources list"), args); err != nil {
				return err
			}
			return sourcesList(e)
		}},
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
	replace := fs.Bool("replace", false, "update the source of that name if it exists")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(c.Name) == "" || kind == "" || strings.TrimSpace(c.URL) == "" {
		return Usage("--name, --kind and --url are required")
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
		fmt.Fprintf(w, "added source %q (%s, %s)", s.Name, s.Kind, s.URL)
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
		fmt.Fprintf(w, "%-20s %-9s %-6s %s\n", "NAME", "KIND", "KEYS", "URL")
		for _, s := range all {
			keys := "-"
			if s.HasKey || (s.HasPublicKey && s.HasSecretKey) {
				keys = "set"
			}
			fmt.Fprintf(w, "%-20s %-9s %-6s %s\n", s.Name, s.Kind, keys, s.URL)
		}
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
	res, _ := p.Result.(gateway.PullResult)
	return e.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%d new, %d skipped, %d invalid from %s into %q\n", res.New, res.Skipped, res.Invalid, res.Source, d.Name)
	})
}
