package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runIn executes a headless command on data directory dir and returns
// stdout, stderr and the exit code.
func runIn(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"--data-dir", dir}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func fixture(t *testing.T, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDatasetsCreateDeleteJSON(t *testing.T) {
	dir := t.TempDir()
	out, _, code := runIn(t, dir, "datasets", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty list: code %d, out %q", code, out)
	}

	f := fixture(t,
		`{"messages":[{"role":"user","content":"How do I rotate my API token safely?"}]}`,
		`{"input":{"messages":[{"role":"user","content":"Where can I download last month's invoice?"}]},"output":{"role":"assistant","content":"Billing page."}}`,
		``,
		`{"messages":[{"role":"user","content":"ok"}]}`,
		`not json at all`,
	)
	out, errs, code := runIn(t, dir, "create", "--name", "Support", "--objective", "answer account questions", "--file", f, "--json")
	if code != 0 {
		t.Fatalf("create: code %d, stderr %s", code, errs)
	}
	var created datasetRow
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("create output %q: %v", out, err)
	}
	if created.Name != "Support" || created.Total != 4 || created.Valid != 2 || created.Invalid != 2 || len(created.Steps) != 7 {
		t.Fatalf("created = %+v", created)
	}

	out, _, _ = runIn(t, dir, "datasets", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("rows = %v", rows)
	}
	for _, k := range []string{"id", "name", "total", "valid", "invalid"} {
		if _, ok := rows[0][k]; !ok {
			t.Errorf("datasets --json lacks %q: %v", k, rows[0])
		}
	}

	// Same name again: an error, exit 1.
	if _, errs, code := runIn(t, dir, "create", "--name", "support"); code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("duplicate name: code %d, %q", code, errs)
	}
	// Delete needs --yes and says how many records would go.
	if _, errs, code := runIn(t, dir, "delete", "--dataset", "Support"); code != 2 || !strings.Contains(errs, "4 records") {
		t.Fatalf("delete without --yes: code %d, %q", code, errs)
	}
	// --dataset takes an id too.
	id := created.ID
	out, errs, code = runIn(t, dir, "delete", "--dataset", jsonNum(id), "--yes", "--json")
	if code != 0 || !strings.Contains(out, `"records":4`) {
		t.Fatalf("delete: code %d out %q err %q", code, out, errs)
	}
	out, _, _ = runIn(t, dir, "datasets", "--json")
	if strings.TrimSpace(out) != "[]" {
		t.Fatalf("after delete: %s", out)
	}
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestUsageAndErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"create"}, 2, "--name is required"},
		{[]string{"create", "--name", "x", "--bogus"}, 2, "bogus"},
		{[]string{"delete", "--dataset", "nope", "--yes"}, 1, "not found"},
		{[]string{"delete"}, 2, "--dataset is required"},
		{[]string{"create", "--name", "y", "--file", "/no/such/file.jsonl"}, 1, "no such file"},
	}
	for _, c := range cases {
		_, errs, code := runIn(t, dir, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: code %d (want %d), stderr %q (want %q)", c.args, code, c.code, errs, c.msg)
		}
	}
	if !IsCommand([]string{"datasets"}) || IsCommand(nil) || IsCommand([]string{"--data-dir", "/tmp/x"}) {
		t.Error("IsCommand misclassifies the window vs a headless command")
	}
}
