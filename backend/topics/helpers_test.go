package topics

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

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
