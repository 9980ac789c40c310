package coverage

import (
	"os/exec"
	"strconv"
	"testing"
)

func runGo(tb testing.TB, args ...string) {
	tb.Helper()
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		tb.Fatalf("go %v: %v\n%s", args, err, out)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
