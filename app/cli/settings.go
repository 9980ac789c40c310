package cli

import (
	"flag"
	"fmt"
	"io"

	"tracetune/backend/pipeline"
	"tracetune/backend/record"
)

var settingsCommand = Command{Name: "settings",
	Usage:   "settings --dataset N [--max-tokens K] [--min-user-chars K] [--json]",
	Summary: "a dataset's validation settings; a change revalidates every record", Run: settingsCmd,
	Help: fmt.Sprintf(`Shows a dataset's validation settings, or changes them and revalidates every
record with the new values (the Health Indicator follows):
  --max-tokens K      prompts above K tokens are exceeds_max_tokens (1–%d)
  --min-user-chars K  user messages shorter than K characters are
                      user_message_too_short (1–%d)
With --json: {"dataset","settings":{"min_user_chars","max_tokens"},"valid","invalid"}.`,
		record.MaxPromptTokens, record.MaxMinUserChars)}

func settingsCmd(e *Env, args []string) error {
	fs := Flags("settings")
	ds := fs.String("dataset", "", "dataset name or id")
	maxTokens := fs.Int("max-tokens", 0, "maximum prompt tokens")
	minChars := fs.Int("min-user-chars", 0, "minimum user message length in characters")
	if err := Parse(fs, args); err != nil {
		return err
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	set := d.Settings
	changed := false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "max-tokens":
			set.MaxTokens, changed = *maxTokens, true
		case "min-user-chars":
			set.MinUserChars, changed = *minChars, true
		}
	})
	if err := set.Validate(); err != nil {
		return Usage("%v", err)
	}
	out := struct {
		Dataset  int64           `json:"dataset"`
		Settings record.Settings `json:"settings"`
		Valid    int             `json:"valid"`
		Invalid  int             `json:"invalid"`
	}{Dataset: d.ID, Settings: set}
	if changed {
		job, err := pipeline.SettingsWork(e.Ctx, e.Store, d.ID, set)
		if err != nil {
			return err
		}
		p, err := e.Jobs.Run(e.Ctx, job)
		if err != nil {
			return err
		}
		r, _ := p.Result.(pipeline.SettingsResult)
		out.Valid, out.Invalid = r.Valid, r.Invalid
	} else {
		c, err := e.Store.DatasetCounts(e.Ctx, d.ID)
		if err != nil {
			return err
		}
		out.Valid, out.Invalid = c.Valid, c.Invalid
	}
	return e.Print(out, func(w io.Writer) {
		verb := "settings of"
		if changed {
			verb = "revalidated"
		}
		fmt.Fprintf(w, "%s %q: max %d prompt tokens, user messages of at least %d characters; %d valid, %d invalid\n",
			verb, d.Name, set.MaxTokens, set.MinUserChars, out.Valid, out.Invalid)
	})
}
