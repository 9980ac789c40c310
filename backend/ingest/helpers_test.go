package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

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

// tracegen builds ../shared/tools/tracegen (beside the repo root, as in CI)
// once per test binary and runs it with args.
func tracegen(tb testing.TB, args ...string) {
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
		out, err := exec.Command("go", "build", "-o", tgBin, src).CombinedOutput()
		if err != nil {
			tgErr = fmt.Errorf("build tracegen: %v\n%s", err, out)
		}
	})
	if tgErr != nil {
		tb.Fatal(tgErr)
	}
	if out, err := exec.Command(tgBin, args...).CombinedOutput(); err != nil {
		tb.Fatalf("tracegen %v: %v\n%s", args, err, out)
	}
}

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

func openStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(filepath.Join(tb.TempDir(), "t.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func newDataset(tb testing.TB, st *store.Store, name string) int64 {
	tb.Helper()
	d, err := st.CreateDataset(context.Background(), name, "test objective")
	if err != nil {
		tb.Fatal(err)
	}
	return d.ID
}
