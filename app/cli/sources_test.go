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
