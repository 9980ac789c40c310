package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// RepoRoot finds the directory holding go.mod above the test's directory.
func RepoRoot(tb testing.TB) string {
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

// Tracegen runs the shared trace generator with args. Its source sits in
// ../shared/tools/tracegen beside the repository, as in CI; it is built once
// per test binary.
func Tracegen(tb testing.TB, args ...string) {
	tb.Helper()
	src := filepath.Join(RepoRoot(tb), "..", "shared", "tools", "tracegen", "main.go")
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
	if out, err := exec.Command(tgBin, args...).CombinedOutput(); err != nil {
		tb.Fatalf("tracegen %v: %v\n%s", args, err, out)
	}
}

// TracegenFiles writes n generated records (and their truth file) into the
// test's temporary directory and returns both paths. extra passes more
// flags, such as "-invalid", "0.03".
func TracegenFiles(tb testing.TB, n int, seed int64, extra ...string) (data, truth string) {
	tb.Helper()
	dir := tb.TempDir()
	data, truth = filepath.Join(dir, "traces.jsonl"), filepath.Join(dir, "truth.jsonl")
	args := append([]string{"-n", strconv.Itoa(n), "-seed", strconv.FormatInt(seed, 10), "-out", data, "-truth", truth}, extra...)
	Tracegen(tb, args...)
	return data, truth
}
