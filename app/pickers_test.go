package app

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// The import picker's first filter lets through every file Step 1 reads
// (the format is detected from the bytes; these are the names a file
// source takes from a folder, any of them gzipped) and nothing else; "All
// files" comes last.
func TestRecordFilesFilter(t *testing.T) {
	matches := func(pattern, name string) bool {
		for _, p := range strings.Split(pattern, ";") {
			if ok, _ := filepath.Match(p, name); ok {
				return true
			}
		}
		return false
	}
	if len(recordFiles) != 2 || recordFiles[1].Pattern != "*" || !strings.HasPrefix(recordFiles[0].DisplayName, "Traces and datasets") {
		t.Fatalf("filters = %+v", recordFiles)
	}
	for name, want := range map[string]bool{
		"traces.jsonl": true, "alpaca.json": true, "spans.ndjson": true, "rows.csv": true, "rows.tsv": true,
		"traces.jsonl.gz": true, "export.json.gz": true, "spans.ndjson.gz": true, "rows.csv.gz": true,
		"notes.txt": false, "model.safetensors": false, "ls": false,
	} {
		if got := matches(recordFiles[0].Pattern, name); got != want {
			t.Errorf("%s offered = %v, want %v", name, got, want)
		}
	}
	for _, f := range [][]runtime.FileFilter{otelFiles, jsonFiles} {
		if !matches(f[0].Pattern, "spans.json") || matches(f[0].Pattern, "rows.csv") || f[len(f)-1].Pattern != "*" {
			t.Errorf("%+v", f)
		}
	}
}
