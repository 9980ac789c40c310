package cli

import (
	"strings"
	"testing"
)

// tracetune help lists every command once, in workflow order, each line
// readable in 100 columns, and every command has a long help.
func TestHelpListsCommandsInWorkflowOrder(t *testing.T) {
	out, _, code := run(t, "help")
	if code != 0 {
		t.Fatalf("help exit %d", code)
	}
	for i, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("help line %d is %d columns: %q", i+1, n, line)
		}
	}
	last, seen := -1, map[string]bool{}
	for _, c := range commands {
		if seen[c.Name] {
			t.Errorf("command %q listed twice", c.Name)
		}
		seen[c.Name] = true
		at := strings.Index(out, "\n  tracetune "+c.Name+" ")
		if at < 0 {
			at = strings.Index(out, "\n  tracetune "+c.Name+"\n")
		}
		if at <= last {
			t.Errorf("%q is not listed after the command before it", c.Name)
		}
		last = at
		if strings.TrimSpace(c.Help) == "" || c.Summary == "" {
			t.Errorf("%q has no long help or summary", c.Name)
		}
		long, _, code := run(t, "help", c.Name)
		if code != 0 || !strings.Contains(long, "usage: tracetune "+c.Name) || !strings.Contains(long, strings.TrimSpace(strings.SplitN(c.Help, "\n", 2)[0])) {
			t.Errorf("help %s: %d %q", c.Name, code, long)
		}
	}
	// The order a user follows: set up, make a dataset, curate it, then the rest.
	for _, pair := range [][2]string{{"providers", "create"}, {"create", "import"}, {"import", "topics"}, {"topics", "categorize"}, {"categorize", "coverage"}} {
		if strings.Index(out, "tracetune "+pair[0]+" ") > strings.Index(out, "tracetune "+pair[1]+" ") {
			t.Errorf("%s should come before %s", pair[0], pair[1])
		}
	}
	if _, _, code := run(t, "help", "nonsense"); code != 2 {
		t.Errorf("help of an unknown command exit %d, want 2", code)
	}
}
