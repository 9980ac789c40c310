package topics

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// repoRoot finds the directory holding go.mod.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

var (
	tgOnce sync.Once
	tgBin  string
	tgErr  error
)

// tracegenFiles writes a tracegen file of n records and its truth file,
// building ../shared/tools/tracegen (beside the repository, as in CI) once.
func tracegenFiles(tb testing.TB, n int, seed int64) (data, truth string) {
	tb.Helper()
	src := filepath.Join(repoRoot(tb), "..", "shared", "tools", "tracegen", "main.go")
	if _, err := os.Stat(src); err != nil {
		tb.Fatalf("tracegen source missing: %s must sit beside the repository (as CI's shared/ does): %v", src, err)
	}
	tgOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tracegen")
		if err != nil {
			tgErr = err
			return
		}
		tgBin = filepath.Join(dir, "tracegen")
		if out, err := exec.Command("go", "build", "-o", tgBin, src).CombinedOutput(); err != nil {
			tgErr = fmt.Errorf("build tracegen: %v\n%s", err, out)
		}
	})
	if tgErr != nil {
		tb.Fatal(tgErr)
	}
	dir := tb.TempDir()
	data, truth = filepath.Join(dir, "traces.jsonl"), filepath.Join(dir, "truth.jsonl")
	args := []string{"-n", strconv.Itoa(n), "-seed", strconv.FormatInt(seed, 10), "-out", data, "-truth", truth}
	if out, err := exec.Command(tgBin, args...).CombinedOutput(); err != nil {
		tb.Fatalf("tracegen %v: %v\n%s", args, err, out)
	}
	return data, truth
}

// truthTopics maps each line number to its truth topic family.
func truthTopics(tb testing.TB, path string) map[int]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	out := map[int]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var t struct {
			Line  int    `json:"line"`
			Topic string `json:"topic"`
		}
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			tb.Fatalf("truth line: %v", err)
		}
		out[t.Line] = t.Topic
	}
	return out
}

func openStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(filepath.Join(tb.TempDir(), "tracetune.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// importFile creates a dataset from a JSONL file.
func importFile(tb testing.TB, st *store.Store, name, path string) int64 {
	tb.Helper()
	ctx := context.Background()
	d, err := st.CreateDataset(ctx, name, "test")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ingest.ImportFile(ctx, st, d.ID, path, ingest.Options{Mode: ingest.Append, Source: "file:" + filepath.Base(path)}, nil); err != nil {
		tb.Fatalf("import %s: %v", path, err)
	}
	return d.ID
}

// importTexts creates a dataset whose records are single user messages.
func importTexts(tb testing.TB, st *store.Store, name string, texts []string) int64 {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name+".jsonl")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, t := range texts {
		b, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": t}}})
		w.Write(b)
		w.WriteByte('\n')
	}
	w.Flush()
	f.Close()
	return importFile(tb, st, name, path)
}

// validRecords returns every valid record of a dataset (keyset pages).
func validRecords(tb testing.TB, st *store.Store, ds int64) []record.Record {
	tb.Helper()
	var out []record.Record
	var after int64
	for {
		rs, err := st.Records(context.Background(), store.RecordFilter{DatasetID: ds, Code: "valid", AfterID: after, Limit: store.MaxPageSize})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, rs...)
		if len(rs) < store.MaxPageSize {
			return out
		}
		after = rs[len(rs)-1].ID
	}
}

// quality compares categorized records with the truth families.
func quality(tb testing.TB, st *store.Store, ds int64, truth map[int]string) (pur, mi float64, uncategorized int) {
	tb.Helper()
	var clusters []int
	var fams []string
	for _, r := range validRecords(tb, st, ds) {
		if r.TopicID == 0 {
			uncategorized++
			continue
		}
		clusters = append(clusters, int(r.TopicID))
		fams = append(fams, truth[r.Line])
	}
	if len(clusters) == 0 {
		tb.Fatal("no categorized records")
	}
	return purity(clusters, fams), nmi(clusters, fams), uncategorized
}

// importFileInto appends a JSONL file to an existing dataset.
func importFileInto(tb testing.TB, st *store.Store, ds int64, path string) (ingest.Result, error) {
	tb.Helper()
	return ingest.ImportFile(context.Background(), st, ds, path, ingest.Options{Mode: ingest.Append, Source: "file:" + filepath.Base(path)}, nil)
}
