// Package app is the Wails-facing layer: one bound struct per screen area.
// Each method validates its arguments, calls the backend, turns progress
// into runtime events and opens native dialogs. No business logic lives here.
package app

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"tracetune/backend/pipeline"

	"github.com/adrg/xdg"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"tracetune/backend/index"
	"tracetune/backend/jobs"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
)

// Deps are the services every bound struct shares.
type Deps struct {
	Store   *store.Store
	Jobs    *jobs.Runner
	DataDir string
	// Secrets holds API keys (the OS keyring, or a 0600 file where there is
	// none); tests give each run a file store of its own.
	Secrets *secrets.Store

	win   context.Context // the window's context, set on startup; nil headless
	index *index.Indexer
}

// NewDeps wires the job runner so that progress reaches the window.
func NewDeps(st *store.Store, dataDir string) *Deps {
	d := &Deps{Store: st, DataDir: dataDir, Secrets: secrets.Default()}
	d.Jobs = jobs.New(st, func(p jobs.Progress) {
		d.emit(EventJob, p)
		if p.State != jobs.Running && p.DatasetID != 0 {
			d.emit(EventChanged, map[string]int64{"dataset_id": p.DatasetID})
		}
	})
	return d
}

// Deps' own methods are unexported on purpose: bound structs embed *Deps,
// and Wails would otherwise expose every exported method to the page.

// OnStartup returns Wails' OnStartup hook.
func OnStartup(d *Deps) func(context.Context) { return d.startup }

// OnShutdown returns Wails' OnShutdown hook: running jobs stop and keep
// their work.
func OnShutdown(d *Deps) func(context.Context) {
	return func(context.Context) {
		d.Jobs.StopAll()
		if d.index != nil {
			d.index.Stop()
		}
	}
}

func (d *Deps) startup(ctx context.Context) {
	d.win = ctx
	d.restorePosition(ctx)
	// Jobs and steps left running by a crash are marked, not resumed blindly.
	if err := d.Store.FailRunningJobs(ctx); err != nil {
		log.Printf("mark interrupted jobs: %v", err)
	}
	if err := d.Store.ResetProcessingSteps(ctx); err != nil {
		log.Printf("reset steps: %v", err)
	}
	d.index = index.Start(d.Store)
	// Training jobs live on remote platforms: follow again every job that
	// was not over when the app last closed.
	d.resumeTraining(ctx)
	// Likewise a Fireworks deployment that was still starting.
	serves, err := pipeline.ResumeServeWork(ctx, d.Store, d.Secrets)
	if err != nil {
		log.Printf("resume Fireworks deployments: %v", err)
	}
	for _, j := range serves {
		if _, err := d.Jobs.Start(j); err != nil {
			log.Printf("resume Fireworks deployment: %v", err)
		}
	}
}

// ctx is the context for backend calls.
func (d *Deps) ctx() context.Context {
	if d.win == nil {
		return context.Background()
	}
	return d.win
}

// emit sends an event to the window (a no-op without one).
func (d *Deps) emit(name Event, data any) {
	if d.win != nil {
		runtime.EventsEmit(d.win, string(name), data)
	}
}

// changed tells the window that a dataset's data changed.
func (d *Deps) changed(datasetID int64) {
	d.emit(EventChanged, map[string]int64{"dataset_id": datasetID})
}

// recordFiles are the files an import reads (backend/ingest detects the
// format from the bytes; these are the names a file source takes from a
// folder, and *.gz because any of them may be gzipped).
var recordFiles = []runtime.FileFilter{
	{DisplayName: "Traces and datasets (*.jsonl, *.json, *.ndjson, *.csv, *.tsv, *.gz)",
		Pattern: "*.jsonl;*.json;*.ndjson;*.csv;*.tsv;*.gz;*.jsonl.gz;*.json.gz;*.ndjson.gz"},
	{DisplayName: "All files", Pattern: "*"},
}

// otelFiles are the files an otel source reads (OTLP/JSON or a JSON array
// of spans, as they are).
var otelFiles = []runtime.FileFilter{
	{DisplayName: "OpenTelemetry JSON (*.json, *.jsonl, *.ndjson)", Pattern: "*.json;*.jsonl;*.ndjson"},
	{DisplayName: "All files", Pattern: "*"},
}

// jsonFiles are the files a topics import reads.
var jsonFiles = []runtime.FileFilter{{DisplayName: "Topics (*.json)", Pattern: "*.json"}, {DisplayName: "All files", Pattern: "*"}}

// pickRecordsFile opens the native open dialog for a file of records to
// import; "" if cancelled.
func (d *Deps) pickRecordsFile(title string) (string, error) {
	return d.pickFile(title, recordFiles...)
}

// pickFile opens the native open dialog with filters; "" if cancelled.
func (d *Deps) pickFile(title string, filters ...runtime.FileFilter) (string, error) {
	if d.win == nil {
		return "", errors.New("no window to open a dialog in")
	}
	return runtime.OpenFileDialog(d.win, runtime.OpenDialogOptions{Title: title, Filters: filters})
}

// pickFolder opens the native dialog for a folder; "" if cancelled.
func (d *Deps) pickFolder(title string) (string, error) {
	if d.win == nil {
		return "", errors.New("no window to open a dialog in")
	}
	return runtime.OpenDirectoryDialog(d.win, runtime.OpenDialogOptions{Title: title})
}

// pickSave opens the native save dialog; "" if cancelled.
func (d *Deps) pickSave(title, defaultName string) (string, error) {
	if d.win == nil {
		return "", errors.New("no window to open a dialog in")
	}
	return runtime.SaveFileDialog(d.win, runtime.SaveDialogOptions{Title: title, DefaultFilename: defaultName, DefaultDirectory: saveDir()})
}

// saveDir is where exports are offered first: the user's Downloads folder,
// else home; never the process's working directory.
func saveDir() string {
	xdg.Reload()
	for _, dir := range []string{xdg.UserDirs.Download, os.Getenv("HOME")} {
		if fi, err := os.Stat(dir); dir != "" && err == nil && fi.IsDir() {
			return dir
		}
	}
	return ""
}

// need returns an error naming an empty required argument.
func need(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("%s is required", field)
	}
	return nil
}
