package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tracetune/backend/secrets"
	"tracetune/backend/testutil"
)

func runCLI(t *testing.T, dir string, args ...string) (code int, out, errOut string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(append([]string{"--data-dir", dir}, args...), &o, &e)
	return code, o.String(), e.String()
}

func TestSourcesAndPullCommands(t *testing.T) {
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	old := sourceSecrets
	sourceSecrets = func() *secrets.Store { return sec }
	t.Cleanup(func() { sourceSecrets = old })

	fake := testutil.StartLangfuse(t, "pk-lf-cli", "sk-lf-cli-secret")
	now := time.Now().UTC()
	fake.Add(testutil.SampleGatewayTraces("a", 24, now.Add(-3*time.Hour), 5*time.Minute)...)
	dir := t.TempDir()

	code, out, errOut := runCLI(t, dir, "sources", "add", "--name", "prod", "--kind", "langfuse", "--url", fake.URL,
		"--public-key", "pk-lf-cli", "--secret-key", "sk-lf-cli-secret", "--json")
	if code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	if strings.Contains(out, "sk-lf-cli-secret") || !strings.Contains(out, `"has_secret_key":true`) {
		t.Fatalf("add output: %s", out)
	}
	if v, err := sec.Get("source/prod/secret_key"); err != nil || v != "sk-lf-cli-secret" {
		t.Fatalf("secret not in the secrets store: %q %v", v, err)
	}
	code, out, _ = runCLI(t, dir, "sources", "list")
	if code != 0 || !strings.Contains(out, "prod") || strings.Contains(out, "sk-lf-cli-secret") {
		t.Fatalf("list: %d %s", code, out)
	}
	code, out, errOut = runCLI(t, dir, "sources", "test", "--name", "prod", "--json")
	if code != 0 || !strings.Contains(out, `"traces":24`) {
		t.Fatalf("test: %d %s %s", code, out, errOut)
	}

	if code, _, errOut = runCLI(t, dir, "create", "--name", "support"); code != 0 {
		t.Fatalf("create: %s", errOut)
	}
	pull := func() map[string]int {
		t.Helper()
		code, out, errOut := runCLI(t, dir, "pull", "--dataset", "support", "--source", "prod", "--model", "gpt-4o-mini", "--json")
		if code != 0 {
			t.Fatalf("pull: %d %s", code, errOut)
		}
		var r map[string]int
		dec := json.NewDecoder(strings.NewReader(out))
		var raw map[string]any
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("pull output %q: %v", out, err)
		}
		r = map[string]int{"new": int(raw["new"].(float64)), "skipped": int(raw["skipped"].(float64)), "invalid": int(raw["invalid"].(float64))}
		return r
	}
	first := pull()
	want := 0
	for _, g := range testutil.SampleGatewayTraces("a", 24, now.Add(-3*time.Hour), 5*time.Minute) {
		if g.Model == "gpt-4o-mini" {
			want++
		}
	}
	if first["new"] != want || first["skipped"] != 0 {
		t.Fatalf("first pull = %v, want %d new", first, want)
	}
	// New traces are logged after the first pull.
	time.Sleep(5 * time.Millisecond)
	fake.Add(testutil.SampleGatewayTraces("b", 4, time.Now().UTC(), time.Millisecond)...)
	time.Sleep(20 * time.Millisecond)
	second := pull()
	if second["new"] != 3 { // b-0003 is gpt-4o
		t.Fatalf("second pull = %v, want 3 new", second)
	}
	if third := pull(); third["new"] != 0 {
		t.Fatalf("third pull = %v, want none", third)
	}

	// --since with a bad value is a usage error.
	if code, _, _ := runCLI(t, dir, "pull", "--dataset", "support", "--source", "prod", "--since", "yesterday"); code != 2 {
		t.Fatalf("bad --since exit %d", code)
	}

	// A wrong key: a clear error naming the source, never the key.
	if code, _, errOut = runCLI(t, dir, "sources", "add", "--name", "prod", "--kind", "langfuse", "--url", fake.URL,
		"--public-key", "pk-lf-cli", "--secret-key", "sk-WRONG-secret", "--replace"); code != 0 {
		t.Fatalf("replace: %s", errOut)
	}
	code, _, errOut = runCLI(t, dir, "sources", "test", "--name", "prod")
	if code != 1 || !strings.Contains(errOut, "langfuse:prod") || strings.Contains(errOut, "sk-WRONG-secret") {
		t.Fatalf("wrong key: %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, dir, "pull", "--dataset", "support", "--source", "prod")
	if code != 1 || !strings.Contains(errOut, "langfuse:prod") || strings.Contains(errOut, "sk-WRONG-secret") {
		t.Fatalf("pull with wrong key: %d %q", code, errOut)
	}

	if code, _, errOut = runCLI(t, dir, "sources", "remove", "--name", "prod"); code != 0 {
		t.Fatalf("remove: %s", errOut)
	}
	if _, err := sec.Get("source/prod/secret_key"); err == nil {
		t.Fatal("keys survived the removal")
	}
	if code, _, _ = runCLI(t, dir, "sources", "add", "--name", "x", "--kind", "nope", "--url", "http://h"); code != 2 {
		t.Fatalf("bad kind exit %d", code)
	}
}

// The look-back window is a source setting on the command line: given at
// add, shown by list (text and JSON), changed by set, kept by add --replace
// without it, and a negative or too long one refused naming the flag.
func TestSourcesLookBack(t *testing.T) {
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	old := sourceSecrets
	sourceSecrets = func() *secrets.Store { return sec }
	t.Cleanup(func() { sourceSecrets = old })
	dir, files := t.TempDir(), t.TempDir()

	type listed struct {
		Name            string `json:"name"`
		LookBack        string `json:"look_back"`
		LookBackSeconds int    `json:"look_back_seconds"`
	}
	list := func(t *testing.T) (text string, rows []listed) {
		t.Helper()
		code, out, errOut := runCLI(t, dir, "sources", "list")
		if code != 0 {
			t.Fatalf("list: %d %s", code, errOut)
		}
		code, js, errOut := runCLI(t, dir, "sources", "list", "--json")
		if code != 0 {
			t.Fatalf("list --json: %d %s", code, errOut)
		}
		if err := json.Unmarshal([]byte(js), &rows); err != nil {
			t.Fatalf("list --json %q: %v", js, err)
		}
		return out, rows
	}
	lineOf := func(t *testing.T, text, name string) []string {
		t.Helper()
		for _, l := range strings.Split(text, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == name {
				return f
			}
		}
		t.Fatalf("no line for %s in\n%s", name, text)
		return nil
	}

	t.Run("add with --look-back 45m", func(t *testing.T) {
		code, out, errOut := runCLI(t, dir, "sources", "add", "--name", "files", "--kind", "jsonl", "--url", files, "--look-back", "45m")
		if code != 0 || !strings.Contains(out, "look-back 45m") {
			t.Fatalf("add: %d %q %s", code, out, errOut)
		}
		if code, _, errOut := runCLI(t, dir, "sources", "add", "--name", "plain", "--kind", "jsonl", "--url", files); code != 0 {
			t.Fatalf("add without --look-back: %s", errOut)
		}
	})
	t.Run("list shows it in text and JSON", func(t *testing.T) {
		text, rows := list(t)
		if !strings.Contains(text, "LOOK-BACK") {
			t.Fatalf("no LOOK-BACK column:\n%s", text)
		}
		if f := lineOf(t, text, "files"); f[3] != "45m" {
			t.Fatalf("files line %q, want look-back 45m", f)
		}
		if f := lineOf(t, text, "plain"); f[3] != "15m" {
			t.Fatalf("plain line %q, want the default 15m", f)
		}
		want := []listed{{"files", "45m", 2700}, {"plain", "15m", 0}}
		if len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
			t.Fatalf("list --json = %+v, want %+v", rows, want)
		}
	})
	t.Run("set changes it", func(t *testing.T) {
		code, out, errOut := runCLI(t, dir, "sources", "set", "--name", "files", "--look-back", "2h")
		if code != 0 || !strings.Contains(out, "re-reads the 2h before its cursor") {
			t.Fatalf("set 2h: %d %q %s", code, out, errOut)
		}
		code, out, errOut = runCLI(t, dir, "sources", "set", "--name", "plain", "--look-back", "0", "--json")
		if code != 0 || !strings.Contains(out, `"look_back":"0s"`) {
			t.Fatalf("set 0: %d %q %s", code, out, errOut)
		}
		text, rows := list(t)
		if f := lineOf(t, text, "files"); f[3] != "2h" {
			t.Fatalf("files line after set %q", f)
		}
		if f := lineOf(t, text, "plain"); f[3] != "0s" {
			t.Fatalf("plain line after set 0 %q", f)
		}
		if rows[0].LookBack != "2h" || rows[0].LookBackSeconds != 7200 || rows[1].LookBack != "0s" {
			t.Fatalf("list --json after set = %+v", rows)
		}
	})
	t.Run("add --replace without --look-back keeps it", func(t *testing.T) {
		if code, _, errOut := runCLI(t, dir, "sources", "add", "--name", "files", "--kind", "jsonl", "--url", files, "--replace"); code != 0 {
			t.Fatalf("replace: %s", errOut)
		}
		if _, rows := list(t); rows[0].LookBack != "2h" {
			t.Fatalf("after replace = %+v", rows)
		}
	})
	t.Run("a negative, too long or unreadable window is refused naming --look-back", func(t *testing.T) {
		for _, args := range [][]string{
			{"sources", "set", "--name", "files", "--look-back", "-5m"},
			{"sources", "set", "--name", "files", "--look-back", "9d"},
			{"sources", "set", "--name", "files", "--look-back", "soon"},
			{"sources", "add", "--name", "other", "--kind", "jsonl", "--url", files, "--look-back", "-5m"},
			{"sources", "add", "--name", "other", "--kind", "jsonl", "--url", files, "--look-back", "9d"},
		} {
			code, _, errOut := runCLI(t, dir, args...)
			if code != 2 || !strings.Contains(errOut, "--look-back") {
				t.Errorf("%v: exit %d %q, want a usage error naming --look-back", args, code, errOut)
			}
		}
		if _, rows := list(t); len(rows) != 2 || rows[0].LookBack != "2h" {
			t.Fatalf("after refusals = %+v", rows)
		}
	})
	t.Run("set needs both flags and a saved source", func(t *testing.T) {
		if code, _, _ := runCLI(t, dir, "sources", "set", "--name", "files"); code != 2 {
			t.Errorf("set without --look-back exit %d", code)
		}
		if code, _, errOut := runCLI(t, dir, "sources", "set", "--name", "nope", "--look-back", "1h"); code != 1 || !strings.Contains(errOut, "nope") {
			t.Errorf("set on a missing source: %d %q", code, errOut)
		}
	})
}
