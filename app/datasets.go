package app

import (
	"fmt"
	"strings"

	"tracetune/backend/ingest"
	"tracetune/backend/pipeline"
	"tracetune/backend/record"
)

// Datasets serves the datasets list and the canvas header.
type Datasets struct{ *Deps }

// List returns every dataset with its counts, steps and status.
func (s *Datasets) List() ([]pipeline.Summary, error) {
	out, err := pipeline.SummarizeAll(s.ctx(), s.Store)
	if out == nil {
		out = []pipeline.Summary{}
	}
	return out, err
}

// Get returns one dataset's summary (the canvas header and nodes).
func (s *Datasets) Get(id int64) (pipeline.Summary, error) {
	d, err := s.Store.Dataset(s.ctx(), id)
	if err != nil {
		return pipeline.Summary{}, err
	}
	return pipeline.Summarize(s.ctx(), s.Store, d)
}

// Created is the answer to Create: the new dataset and its Create & Start job.
type Created struct {
	Dataset record.Dataset `json:"dataset"`
	JobID   int64          `json:"job_id"`
}

// CreateFromFile creates a dataset from a JSONL file and starts the chain
// Extract → Topics → Categorize → Coverage in the background.
func (s *Datasets) CreateFromFile(name, objective, path string) (Created, error) {
	if err := need("name", name); err != nil {
		return Created{}, err
	}
	if err := need("file", path); err != nil {
		return Created{}, err
	}
	d, job, err := pipeline.CreateFromFile(s.ctx(), s.Store, name, objective, path)
	if err != nil {
		return Created{}, err
	}
	id, err := s.Jobs.Start(job)
	return Created{Dataset: d, JobID: id}, err
}

// PreviewFile shows what importing a file would store, without storing
// anything: the detected format (and CSV mapping), the expected counts and
// the first records as conversations. opt carries the person's choices
// (format, mapping, evals template); its zero value detects everything.
func (s *Datasets) PreviewFile(path string, opt ingest.Options) (ingest.Preview, error) {
	if err := need("file", path); err != nil {
		return ingest.Preview{}, err
	}
	if opt.Format != "" {
		if _, err := ingest.ParseFormat(string(opt.Format)); err != nil {
			return ingest.Preview{}, err
		}
	}
	return ingest.PreviewFile(s.ctx(), path, opt, record.DefaultSettings(), previewRecords)
}

// previewRecords is how many records a file preview shows.
const previewRecords = 5

// CreateFromFileWith is CreateFromFile with the preview's choices.
func (s *Datasets) CreateFromFileWith(name, objective, path string, opt ingest.Options) (Created, error) {
	if err := need("name", name); err != nil {
		return Created{}, err
	}
	if err := need("file", path); err != nil {
		return Created{}, err
	}
	d, job, err := pipeline.CreateFromFileWith(s.ctx(), s.Store, name, objective, path, opt)
	if err != nil {
		return Created{}, err
	}
	id, err := s.Jobs.Start(job)
	return Created{Dataset: d, JobID: id}, err
}

// Import appends to or replaces (opt.Mode) a dataset's records from a file
// in the background, with the preview's choices (format, CSV mapping,
// evals template); it returns the job id.
func (s *Datasets) Import(datasetID int64, path string, opt ingest.Options) (int64, error) {
	if err := need("file", path); err != nil {
		return 0, err
	}
	if opt.Mode != ingest.Append && opt.Mode != ingest.Replace {
		return 0, fmt.Errorf("import mode must be append or replace, not %q", opt.Mode)
	}
	if opt.Format != "" {
		if _, err := ingest.ParseFormat(string(opt.Format)); err != nil {
			return 0, err
		}
	}
	if _, err := s.Store.Dataset(s.ctx(), datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.ImportWorkWith(s.Store, datasetID, path, opt))
}

// SetSettings changes a dataset's validation settings (minimum user message
// length, maximum prompt tokens) and revalidates its records in the
// background; it returns the job id.
func (s *Datasets) SetSettings(id int64, settings record.Settings) (int64, error) {
	job, err := pipeline.SettingsWork(s.ctx(), s.Store, id, settings)
	if err != nil {
		return 0, err
	}
	return s.Jobs.Start(job)
}

// Update renames a dataset or changes its objective.
func (s *Datasets) Update(id int64, name, objective string) error {
	if err := need("name", name); err != nil {
		return err
	}
	d, err := s.Store.Dataset(s.ctx(), id)
	if err != nil {
		return err
	}
	d.Name, d.Objective = name, objective
	return s.Store.UpdateDataset(s.ctx(), d)
}

// Duplicate copies a dataset (records, topics) under a new name.
func (s *Datasets) Duplicate(id int64, newName string) (record.Dataset, error) {
	if err := need("new name", newName); err != nil {
		return record.Dataset{}, err
	}
	return s.Store.DuplicateDataset(s.ctx(), id, newName)
}

// Delete removes a dataset and everything it owns.
func (s *Datasets) Delete(id int64) error { return s.Store.DeleteDataset(s.ctx(), id) }

// Export writes a dataset's records to path. format is "original" or "rft".
func (s *Datasets) Export(id int64, path string, validOnly bool, format string) (int, error) {
	if err := need("path", path); err != nil {
		return 0, err
	}
	if format != "original" && format != "rft" {
		return 0, fmt.Errorf("export format must be original or rft, not %q", format)
	}
	return ingest.ExportFile(s.ctx(), s.Store, id, path, ingest.ExportOptions{ValidOnly: validOnly, Format: format})
}

// PickImportFile opens the native dialog to choose a file to import.
func (s *Datasets) PickImportFile() (string, error) {
	return s.pickRecordsFile("Choose a file to import")
}

// PickExportPath opens the native save dialog for an export of a dataset.
func (s *Datasets) PickExportPath(id int64, suffix string) (string, error) {
	d, err := s.Store.Dataset(s.ctx(), id)
	if err != nil {
		return "", err
	}
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, d.Name)
	return s.pickSave("Export records", name+suffix)
}

// Steps returns the seven steps of a dataset with their statuses.
func (s *Datasets) Steps(id int64) ([]pipeline.Step, error) {
	return pipeline.Steps(s.ctx(), s.Store, id)
}
