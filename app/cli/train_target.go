package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"tracetune/backend/train"
)

// trainTarget shows or sets what the dataset trains: the model Step 5's
// dry run answers with by default and the Train gate expects.
func trainTarget(e *Env, args []string) error {
	fs := Flags("train target")
	ds := fs.String("dataset", "", "dataset name or id")
	trainer := fs.String("trainer", "", "openai, azure, fireworks or trl")
	provider := fs.String("provider", "", "provider name (default: the training role's)")
	model := fs.String("model", "", "base model")
	if err := Parse(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	svc := &train.Service{Store: e.Store}
	t, chosen, err := svc.ChosenTarget(e.Ctx, d.ID)
	if err != nil {
		return err
	}
	if set["trainer"] || set["provider"] || set["model"] {
		// Left-out flags keep the current target's values; a new trainer
		// starts from its own defaults.
		next := t
		if set["trainer"] && !strings.EqualFold(*trainer, t.Trainer) {
			next = train.Target{Trainer: *trainer}
		}
		if set["provider"] {
			next.Provider = *provider
		}
		if set["model"] {
			next.Model = *model
		}
		if next.Trainer == "" {
			return Usage("--trainer is required: the dataset has no training target yet")
		}
		if _, err := train.TrainerInfo(next.Trainer); err != nil {
			return Usage("%v", err)
		}
		if t, err = svc.SaveTarget(e.Ctx, d.ID, next); err != nil {
			return err
		}
		chosen = true
	}
	return e.Print(t, func(w io.Writer) {
		if !chosen || t.Model == "" {
			fmt.Fprintf(w, "%q has no training target: set one with train target --trainer T, or give the training role a provider in Settings\n", d.Name)
			return
		}
		on := ""
		if t.Provider != "" {
			on = " on " + t.Provider
		}
		fmt.Fprintf(w, "%q trains %s with %s%s: the dry run answers with it by default, and the Train gate expects a dry run of it\n",
			d.Name, t.Model, t.Trainer, on)
	})
}
