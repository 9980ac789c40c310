package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"tracetune/backend/coverage"
	"tracetune/backend/gateway"
	"tracetune/backend/health"
	"tracetune/backend/ingest"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/topics"
)

// The work of steps 1–3 as jobs. The window starts these jobs and a command
// runs them; neither adds steps of its own, so both mark the canvas the same
// way.

// Job kinds of steps 1–3.
const (
	KindCreateAndStart jobs.Kind = "create_and_start"
	KindImport         jobs.Kind = "import"
	KindPull           jobs.Kind = "pull"
	KindTopicsGenerate jobs.Kind = "topics_generate"
	KindCategorize     jobs.Kind = "categorize"
)

// CreateFromFile creates a dataset and returns the Create & Start job that
// imports the file and runs the automatic steps. The dataset exists (empty)
// before the job starts, so the canvas can open at once.
func CreateFromFile(ctx context.Context, st *store.Store, name, objective, path string) (record.Dataset, jobs.Job, error) {
	return CreateFromFileWith(ctx, st, name, objective, path, ingest.Options{})
}

// CreateFromFileWith is CreateFromFile with the import preview's choices
// (a forced format, a CSV mapping, an evals template); the mode is append.
func CreateFromFileWith(ctx context.Context, st *store.Store, name, objective, path string, opt ingest.Options) (record.Dataset, jobs.Job, error) {
	if fi, err := os.Stat(path); err != nil {
		return record.Dataset{}, jobs.Job{}, fmt.Errorf("open %s: %w", path, err)
	} else if fi.IsDir() {
		return record.Dataset{}, jobs.Job{}, fmt.Errorf("%s is a folder, not a file", path)
	}
	// a file that is not text is refused before the dataset exists
	if _, err := ingest.Sniff(path, opt); err != nil {
		return record.Dataset{}, jobs.Job{}, err
	}
	d, err := st.CreateDataset(ctx, name, objective)
	if err != nil {
		return d, jobs.Job{}, err
	}
	return d, jobs.Job{DatasetID: d.ID, Kind: KindCreateAndStart, Work: Chain(st, d.ID, importRun(st, d.ID, path, ingest.Options{Mode: ingest.Append, Format: opt.Format, Adapt: opt.Adapt}))}, nil
}

// SourceSelection is what Create & Start pulls from a gateway: every trace
// matching Filter up to WindowEnd, or only the picked IDs.
type SourceSelection struct {
	Source    string
	Filter    gateway.Filter
	IDs       []string
	WindowEnd time.Time
}

// CreateFromSource creates a dataset and returns the Create & Start job that
// pulls the selection in pages and runs the automatic steps; Stop keeps the
// pages already stored.
func CreateFromSource(ctx context.Context, st *store.Store, sec *secrets.Store, name, objective string, sel SourceSelection) (record.Dataset, jobs.Job, error) {
	src, row, err := gateway.Load(ctx, st, sec, sel.Source)
	if err != nil {
		return record.Dataset{}, jobs.Job{}, err
	}
	d, err := st.CreateDataset(ctx, name, objective)
	if err != nil {
		return d, jobs.Job{}, err
	}
	f, ids := sel.Filter, append([]string(nil), sel.IDs...)
	f.To = sel.WindowEnd
	extract := func(ctx context.Context, report jobs.Reporter) (any, error) {
		if len(ids) > 0 {
			return gateway.PullIDs(ctx, st, src, row.ID, d.ID, ids, f, sel.WindowEnd, gateway.Progress(report))
		}
		return gateway.Pull(ctx, st, src, row.ID, d.ID, gateway.PullOptions{Filter: f}, gateway.Progress(report))
	}
	return d, jobs.Job{DatasetID: d.ID, Kind: KindCreateAndStart, Work: Chain(st, d.ID, extract)}, nil
}

// ImportWork imports a file into a dataset (append or replace) as step 1's
// work; an append into a dataset with topics categorizes the new records in
// the same job (autocat.go). The result is an ImportResult.
func ImportWork(st *store.Store, datasetID int64, path string, mode ingest.Mode) jobs.Job {
	return ImportWorkWith(st, datasetID, path, ingest.Options{Mode: mode})
}

// ImportWorkWith is ImportWork with a forced format, a CSV mapping or an
// evals template (ingest.Options; Source defaults to file:<name>).
func ImportWorkWith(st *store.Store, datasetID int64, path string, opt ingest.Options) jobs.Job {
	run := importRun(st, datasetID, path, opt)
	return jobs.Job{DatasetID: datasetID, Kind: KindImport, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		var res ImportResult
		var stop error
		_, err := RunStep(ctx, st, datasetID, StepExtract, func(ctx context.Context) (string, error) {
			var nr *newRecords
			if opt.Mode != ingest.Replace { // an append: its new records get the dataset's topics
				var err error
				if nr, err = watchNew(ctx, st, datasetID); err != nil {
					return "", err
				}
			}
			r, err := run(ctx, report)
			s, ok := r.(ingest.Result)
			res.Result = s
			if !ok || err != nil {
				return "", err
			}
			if opt.Mode == ingest.Replace {
				// no record is left from before: nothing waits any more
				if err := st.DropAutocat(ctx, datasetID); err != nil {
					return "", err
				}
			}
			res.Categorize, stop = nr.categorize(ctx, report)
			return withCategorized(fmt.Sprintf("%s imported, %s valid", thousands(s.Total), thousands(s.Valid)), res.Categorize), nil
		})
		if err == nil {
			err = stop
		}
		return res, err
	}}
}

func importRun(st *store.Store, datasetID int64, path string, opt ingest.Options) jobs.Work {
	if opt.Source == "" {
		opt.Source = "file:" + filepath.Base(path)
	}
	return func(ctx context.Context, report jobs.Reporter) (any, error) {
		r, err := ingest.ImportFile(ctx, st, datasetID, path, opt,
			func(done, total int64) { report(done, total, "importing "+filepath.Base(path)) })
		if opt.Mode == ingest.Replace && err != nil && ctx.Err() != nil {
			// A replace is one transaction: stopping it keeps nothing new.
			err = &jobs.StopNote{Text: "stopped; the replace was rolled back and the records are as before", Err: err}
		}
		return r, err
	}
}

// PullWork pulls the traces of a source that are new since the last pull
// into a dataset as step 1's work; the new records of a dataset with topics
// are categorized in the same job (autocat.go). The result is a PullResult.
func PullWork(ctx context.Context, st *store.Store, sec *secrets.Store, datasetID int64, source string, opt gateway.PullOptions) (jobs.Job, error) {
	if _, err := st.Dataset(ctx, datasetID); err != nil {
		return jobs.Job{}, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	src, row, err := gateway.Load(ctx, st, sec, source)
	if err != nil {
		return jobs.Job{}, err
	}
	return jobs.Job{DatasetID: datasetID, Kind: KindPull, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		var res PullResult
		var stop error
		_, err := RunStep(ctx, st, datasetID, StepExtract, func(ctx context.Context) (string, error) {
			nr, err := watchNew(ctx, st, datasetID)
			if err != nil {
				return "", err
			}
			r, err := gateway.Pull(ctx, st, src, row.ID, datasetID, opt, gateway.Progress(report))
			res.PullResult = r
			msg := fmt.Sprintf("%d new, %d skipped, %d invalid", r.New, r.Skipped, r.Invalid)
			if err != nil {
				return msg, err
			}
			res.Categorize, stop = nr.categorize(ctx, report)
			return withCategorized(msg, res.Categorize), nil
		})
		if err == nil {
			err = stop
		}
		return res, err
	}}, nil
}

// TopicsResult is what topic generation reports: the new hierarchy and the
// categorization that followed it.
type TopicsResult struct {
	topics.GenerateResult
	Categorize topics.CategorizeResult `json:"categorize"`
}

// GenerateTopicsWork discovers topics and replaces the hierarchy (clearing
// every assignment), then categorizes all valid records and refreshes
// coverage: steps 2 and 3 show Processing while they run.
func GenerateTopicsWork(st *store.Store, datasetID int64, opt topics.GenerateOptions) jobs.Job {
	svc := topics.New(st)
	return jobs.Job{DatasetID: datasetID, Kind: KindTopicsGenerate, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		var res TopicsResult
		_, err := RunStep(ctx, st, datasetID, StepTopics, func(ctx context.Context) (string, error) {
			g, err := svc.Generate(ctx, datasetID, opt, func(d, t int64, m string) { report(d, t, "generate: "+m) })
			res.GenerateResult = g
			if err != nil {
				return "", err
			}
			c, err := svc.Categorize(ctx, datasetID, topics.CategorizeOptions{Mode: topics.ModeAll, Offline: opt.Offline},
				func(d, t int64, m string) { report(d, t, "categorize: "+m) })
			res.Categorize = c
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d topics (%s, named by %s), %s records categorized", g.K, g.Vectors, g.Naming, thousands(c.Processed)), nil
		})
		if err != nil {
			return res, err
		}
		return res, RefreshCoverage(ctx, st, datasetID)
	}}
}

// CategorizeWork assigns valid records to leaf topics (only those without a
// topic, or all but the ones a person confirmed), then refreshes coverage.
func CategorizeWork(st *store.Store, datasetID int64, opt topics.CategorizeOptions) jobs.Job {
	svc := topics.New(st)
	return jobs.Job{DatasetID: datasetID, Kind: KindCategorize, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		var res topics.CategorizeResult
		_, err := RunStep(ctx, st, datasetID, StepTopics, func(ctx context.Context) (string, error) {
			c, err := svc.Categorize(ctx, datasetID, opt, report)
			res = c
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s records categorized (%s), %s under %.1f", thousands(c.Processed), opt.Mode, thousands(c.LowConfidence), record.LowConfidence), nil
		})
		if err != nil {
			return res, err
		}
		return res, RefreshCoverage(ctx, st, datasetID)
	}}
}

// RefreshCoverage recomputes step 3 so its node follows the data.
func RefreshCoverage(ctx context.Context, st *store.Store, datasetID int64) error {
	_, err := Coverage(ctx, st, datasetID)
	return err
}

// Coverage computes step 3's report, marking the node while it runs.
func Coverage(ctx context.Context, st *store.Store, datasetID int64) (coverage.Report, error) {
	var rep coverage.Report
	_, err := RunStep(ctx, st, datasetID, StepCoverage, func(ctx context.Context) (string, error) {
		var err error
		rep, err = coverage.Compute(ctx, st, datasetID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("balance %.2f (%s)", rep.Balance, rep.Rating), nil
	})
	return rep, err
}

// KindSettings is the job that revalidates a dataset after its settings
// changed.
const KindSettings jobs.Kind = "settings"

// SettingsResult is what a settings change reports: the settings now in
// force and the validation counts after revalidation.
type SettingsResult struct {
	Settings record.Settings `json:"settings"`
	Valid    int             `json:"valid"`
	Invalid  int             `json:"invalid"`
}

// SettingsWork stores a dataset's validation settings and revalidates every
// record with them as step 1's work (the Health Indicator follows).
func SettingsWork(ctx context.Context, st *store.Store, datasetID int64, set record.Settings) (jobs.Job, error) {
	if err := set.Validate(); err != nil {
		return jobs.Job{}, err
	}
	d, err := st.Dataset(ctx, datasetID)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	return jobs.Job{DatasetID: datasetID, Kind: KindSettings, Work: func(ctx context.Context, report jobs.Reporter) (any, error) {
		res := SettingsResult{Settings: set}
		_, err := RunStep(ctx, st, datasetID, StepExtract, func(ctx context.Context) (string, error) {
			d.Settings = set
			if err := st.UpdateDataset(ctx, d); err != nil {
				return "", err
			}
			err := health.RevalidateReport(ctx, st, datasetID, func(done, total int64) { report(done, total, "revalidating") })
			if err != nil {
				return "", err
			}
			c, err := st.DatasetCounts(ctx, datasetID)
			if err != nil {
				return "", err
			}
			res.Valid, res.Invalid = c.Valid, c.Invalid
			return fmt.Sprintf("revalidated: %s valid, %s invalid", thousands(c.Valid), thousands(c.Invalid)), nil
		})
		return res, err
	}}, nil
}

// TopicsSource is what replaces a dataset's topic hierarchy: a built-in
// template (by key) or a hierarchy read from a file.
type TopicsSource struct {
	Template  string
	Hierarchy *topics.Hierarchy
	Keep      bool // keep assignments to topics whose name survives
}

// ReplaceTopics replaces the hierarchy at once (the editor shows the new
// tree right away) and returns the job that follows: categorize the records
// left without a topic, then refresh coverage.
func ReplaceTopics(ctx context.Context, st *store.Store, datasetID int64, src TopicsSource) (topics.ImportResult, jobs.Job, error) {
	svc := topics.New(st)
	var r topics.ImportResult
	var err error
	switch {
	case src.Hierarchy != nil:
		r, err = svc.Import(ctx, datasetID, *src.Hierarchy, src.Keep)
	case src.Template != "":
		r, err = svc.ApplyTemplate(ctx, datasetID, src.Template, src.Keep)
	default:
		err = errors.New("no template or hierarchy to replace the topics with")
	}
	if err != nil {
		return r, jobs.Job{}, err
	}
	return r, CategorizeWork(st, datasetID, topics.CategorizeOptions{Mode: topics.ModeUnlabeled}), nil
}
