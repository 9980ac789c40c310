package cli

import (
	"fmt"
	"io"
	"strings"

	"tracetune/backend/pipeline"
)

var datasetsCommand = Command{Name: "datasets", Usage: "datasets [--json]",
	Summary: "list datasets with their record counts and status", Run: datasetsCmd,
	Help: `Lists every dataset: id, name, record counts (total, valid, invalid) and
the furthest step reached. With --json, an array of
{"id","name","objective","total","valid","invalid","topics","balance","status","steps"}
where steps holds the seven steps' statuses in pipeline order.`}

var createCommand = Command{Name: "create", Usage: "create --name N [--objective O] [--file F] [--json]",
	Summary: "create a dataset; with --file, import it and run the automatic steps", Run: createCmd,
	Help: `Creates a dataset. With --file, Create & Start runs as in the window:
Extract (the import), then Topics, Categorize and Coverage, each marking its
canvas node. Stop (Ctrl-C) keeps what was finished.
  --name       the dataset's name (unique)
  --objective  one sentence: what the tuned model should get better at
  --file       a JSONL file to import`}

var deleteCommand = Command{Name: "delete", Usage: "delete --dataset N --yes [--json]",
	Summary: "delete a dataset and all its records", Run: deleteCmd,
	Help: `Deletes a dataset and everything it owns. Without --yes it only says how
many records would go.`}

// datasetRow is the --json shape of one dataset.
type datasetRow struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Objective string   `json:"objective"`
	Total     int      `json:"total"`
	Valid     int      `json:"valid"`
	Invalid   int      `json:"invalid"`
	Topics    int      `json:"topics"`
	Balance   *float64 `json:"balance"`
	Status    string   `json:"status"`
	Steps     []string `json:"steps"` // each step's status, in order
}

func rowOf(s pipeline.Summary) datasetRow {
	r := datasetRow{ID: s.ID, Name: s.Name, Objective: s.Objective, Total: s.Total, Valid: s.Valid, Invalid: s.Invalid,
		Topics: s.Topics, Balance: s.Balance, Status: s.Status, Steps: make([]string, len(s.Steps))}
	for i, st := range s.Steps {
		r.Steps[i] = string(st.Status)
	}
	return r
}

func datasetsCmd(e *Env, args []string) error {
	fs := Flags("datasets")
	if err := Parse(fs, args); err != nil {
		return err
	}
	sums, err := pipeline.SummarizeAll(e.Ctx, e.Store)
	if err != nil {
		return err
	}
	rows := make([]datasetRow, 0, len(sums))
	for _, s := range sums {
		rows = append(rows, rowOf(s))
	}
	return e.Print(rows, func(w io.Writer) {
		if len(rows) == 0 {
			fmt.Fprintln(w, "no datasets yet: tracetune create --name N --file F")
			return
		}
		fmt.Fprintf(w, "%-5s %-30s %9s %9s %9s  %s\n", "ID", "NAME", "TOTAL", "VALID", "INVALID", "STATUS")
		for _, r := range rows {
			fmt.Fprintf(w, "%-5d %-30s %9d %9d %9d  %s\n", r.ID, r.Name, r.Total, r.Valid, r.Invalid, r.Status)
		}
	})
}

func createCmd(e *Env, args []string) error {
	fs := Flags("create")
	name := fs.String("name", "", "dataset name")
	objective := fs.String("objective", "", "what the tuned model should get better at")
	file := fs.String("file", "", "JSONL file to import")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return Usage("--name is required")
	}
	if *file == "" {
		d, err := e.Store.CreateDataset(e.Ctx, *name, *objective)
		if err != nil {
			return err
		}
		s, err := pipeline.Summarize(e.Ctx, e.Store, d)
		if err != nil {
			return err
		}
		return e.Print(rowOf(s), func(w io.Writer) { fmt.Fprintf(w, "created dataset %d %q\n", d.ID, d.Name) })
	}
	d, job, err := pipeline.CreateFromFile(e.Ctx, e.Store, *name, *objective, *file)
	if err != nil {
		return err
	}
	_, runErr := e.Jobs.Run(e.Ctx, job)
	s, err := pipeline.Summarize(e.Ctx, e.Store, d)
	if err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("dataset %q was created but Create & Start stopped: %w", d.Name, runErr)
	}
	return e.Print(rowOf(s), func(w io.Writer) {
		fmt.Fprintf(w, "created dataset %d %q: %d records, %d valid, %d invalid\n", d.ID, d.Name, s.Total, s.Valid, s.Invalid)
		for _, st := range s.Steps {
			fmt.Fprintf(w, "  %d %-24s %-11s %s\n", st.Number, st.Name, st.Status, st.Figure)
		}
	})
}

func deleteCmd(e *Env, args []string) error {
	fs := Flags("delete")
	ds := fs.String("dataset", "", "dataset name or id")
	yes := fs.Bool("yes", false, "confirm the deletion")
	if err := Parse(fs, args); err != nil {
		return err
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	c, err := e.Store.DatasetCounts(e.Ctx, d.ID)
	if err != nil {
		return err
	}
	if !*yes {
		return Usage("deleting %q removes its %d records; add --yes to confirm", d.Name, c.Total)
	}
	if err := e.Store.DeleteDataset(e.Ctx, d.ID); err != nil {
		return err
	}
	return e.Print(map[string]any{"deleted": d.ID, "name": d.Name, "records": c.Total}, func(w io.Writer) {
		fmt.Fprintf(w, "deleted dataset %q and its %d records\n", d.Name, c.Total)
	})
}

var duplicateCommand = Command{Name: "duplicate", Usage: "duplicate --dataset N --name M [--json]",
	Summary: "copy a dataset: records, topics, settings, sources with their filters and cursors", Run: duplicateCmd,
	Help: `Copies a dataset under a new name: its records (with their codes and topics),
topic tree, validation settings, and the sources it pulls from with their
filters and cursors, so Pull New Traces in the copy continues where the
original is. With --json, the new dataset's row as in tracetune datasets.`}

func duplicateCmd(e *Env, args []string) error {
	fs := Flags("duplicate")
	ds := fs.String("dataset", "", "dataset name or id")
	name := fs.String("name", "", "the copy's name")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return Usage("--name is required")
	}
	d, err := e.Dataset(*ds)
	if err != nil {
		return err
	}
	c, err := e.Store.DuplicateDataset(e.Ctx, d.ID, *name)
	if err != nil {
		return err
	}
	s, err := pipeline.Summarize(e.Ctx, e.Store, c)
	if err != nil {
		return err
	}
	return e.Print(rowOf(s), func(w io.Writer) {
		fmt.Fprintf(w, "copied %q to %q (dataset %d): %d records\n", d.Name, c.Name, c.ID, s.Total)
	})
}
