package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"testing"

	"tracetune/backend/store"
)

// truthLine is one line of tracegen's truth file.
type truthLine struct {
	Line  int    `json:"line"`
	Code  string `json:"code"`
	Topic string `json:"topic"`
	Shape string `json:"shape"`
	DupOf int    `json:"dup_of"`
}

func readTruth(tb testing.TB, path string) []truthLine {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []truthLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var t truthLine
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			tb.Fatal(err)
		}
		out = append(out, t)
	}
	return out
}

func newDataset(tb testing.TB, st *store.Store, name string) int64 {
	tb.Helper()
	d, err := st.CreateDataset(context.Background(), name, "test objective")
	if err != nil {
		tb.Fatal(err)
	}
	return d.ID
}
