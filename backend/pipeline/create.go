package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"tracetune/backend/ingest"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// CreateFromFile creates a dataset and returns the Create & Start work that
// imports the file and runs the automatic steps. The dataset exists (empty)
// before the work starts, so the canvas can open at once.
func CreateFromFile(ctx context.Context, st *store.Store, name, objective, path string) (record.Dataset, jobs.Work, error) {
	if fi, err := os.Stat(path); err != nil {
		return record.Dataset{}, nil, fmt.Errorf("open %s: %w", path, err)
	} else if fi.IsDir() {
		return record.Dataset{}, nil, fmt.Errorf("%s is a folder, not a JSONL file", path)
	}
	d, err := st.CreateDataset(ctx, name, objective)
	if err != nil {
		return d, nil, err
	}
	return d, Chain(st, d.ID, ImportWork(st, d.ID, path, ingest.Append)), nil
}

// ImportWork imports a file into a dataset as background work.
func ImportWork(st *store.Store, datasetID int64, path string, mode ingest.Mode) jobs.Work {
	return func(ctx context.Context, report jobs.Reporter) (any, error) {
		return ingest.ImportFile(ctx, st, datasetID, path, ingest.Options{Mode: mode, Source: "file:" + filepath.Base(path)},
			func(done, total int64) { report(done, total, "importing "+filepath.Base(path)) })
	}
}
