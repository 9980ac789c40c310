package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/secrets"
	"tracetune/backend/testutil"
)

// records delete removes every record matching the filters at once, the
// count named before anything goes; other records stay.
func TestRecordsDeleteAllMatching(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for i := 0; i < 1400; i++ {
		if i%5 == 0 {
			lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"hi %d"}]}`, i)) // too short: invalid
		} else {
			lines = append(lines, fmt.Sprintf(`{"messages":[{"role":"user","content":"How do I export report number %d to CSV?"}]}`, i))
		}
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "big", "--file", fixture(t, lines...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	_, errs, code := runIn(t, dir, "records", "delete", "--dataset", "big", "--invalid")
	if code != 2 || !strings.Contains(errs, "280 records") || !strings.Contains(errs, "--yes") {
		t.Fatalf("without --yes: %d %s", code, errs)
	}
	if _, errs, code := runIn(t, dir, "records", "delete", "--dataset", "big", "--yes"); code != 2 || !strings.Contains(errs, "needs a filter") {
		t.Fatalf("no filter: %d %s", code, errs)
	}
	out, errs, code := runIn(t, dir, "records", "delete", "--dataset", "big", "--invalid", "--yes", "--json")
	var res struct{ Deleted, Matched int }
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Deleted != 280 || res.Matched != 280 {
		t.Fatalf("delete: %d %s %s", code, out, errs)
	}
	out, _, _ = runIn(t, dir, "health", "--dataset", "big", "--json")
	var h struct{ Valid, Invalid, Total int }
	if json.Unmarshal([]byte(out), &h) != nil || h.Invalid != 0 || h.Valid != 1120 {
		t.Fatalf("after delete: %s", out)
	}
	out, _, code = runIn(t, dir, "records", "delete", "--dataset", "big", "--search", "number 17", "--yes", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Deleted == 0 || res.Deleted != res.Matched {
		t.Fatalf("delete by search: %d %s", code, out)
	}
	out, _, _ = runIn(t, dir, "health", "--dataset", "big", "--json")
	if json.Unmarshal([]byte(out), &h) != nil || h.Valid != 1120-res.Deleted {
		t.Fatalf("after the search delete: %s", out)
	}
}

// A copy keeps the sources it pulls from with their filters and cursors:
// Pull New Traces in the copy leaves out what the original's filter left
// out, and brings only what is new.
func TestDuplicateKeepsSourcesFiltersAndCursors(t *testing.T) {
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	old := sourceSecrets
	sourceSecrets = func() *secrets.Store { return sec }
	t.Cleanup(func() { sourceSecrets = old })
	fake := testutil.StartLiteLLM(t, "sk-dup")
	start := time.Now().UTC().Add(-5 * time.Hour)
	first := testutil.SampleGatewayTraces("a", 30, start, 2*time.Minute)
	fake.Add(first...)
	dir := t.TempDir()
	graderFile := filepath.Join(t.TempDir(), "grader.json")
	if err := os.WriteFile(graderFile, []byte(`{"components":[{"name":"exact","kind":"string_check","weight":1,`+
		`"input":"{{sample.output_text}}","reference":"{{item.reference_answer}}","operation":"eq"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"sources", "add", "--name", "proxy", "--kind", "litellm", "--url", fake.URL, "--key", "sk-dup"},
		{"create", "--name", "orig"},
		{"pull", "--dataset", "orig", "--source", "proxy", "--exclude-errors"},
		{"grader", "set", "--dataset", "orig", "--file", graderFile},
		{"duplicate", "--dataset", "orig", "--name", "copy"},
	} {
		if code, _, errOut := runCLI(t, dir, args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	count := func(name string) int {
		_, out, _ := runCLI(t, dir, "health", "--dataset", name, "--json")
		var h struct{ Total int }
		json.Unmarshal([]byte(out), &h)
		return h.Total
	}
	errs := 0
	for _, g := range first {
		if g.Error {
			errs++
		}
	}
	if errs == 0 || count("orig") != 30-errs || count("copy") != 30-errs {
		t.Fatalf("orig %d, copy %d, want %d each (%d errors left out)", count("orig"), count("copy"), 30-errs, errs)
	}
	// The grader came along.
	version := func(name string) string {
		_, out, _ := runCLI(t, dir, "grader", "show", "--dataset", name, "--json")
		var g struct{ Version string }
		json.Unmarshal([]byte(out), &g)
		return g.Version
	}
	if v := version("orig"); v == "" || version("copy") != v {
		t.Errorf("grader of the copy %q, of the original %q", version("copy"), v)
	}
	// Nothing new: the copy's pull adds nothing, not the errors either.
	code, out, errOut := runCLI(t, dir, "pull", "--dataset", "copy", "--source", "proxy", "--json")
	var p struct{ New int }
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.New != 0 {
		t.Fatalf("pull in the copy: %d %s %s", code, out, errOut)
	}
	// New traces: the copy gets the new ones without errors, as the original.
	fake.Add(testutil.SampleGatewayTraces("b", 10, time.Now().UTC().Add(-30*time.Minute), time.Minute)...)
	runCLI(t, dir, "pull", "--dataset", "orig", "--source", "proxy")
	runCLI(t, dir, "pull", "--dataset", "copy", "--source", "proxy")
	if count("orig") != count("copy") || count("orig") <= 30-errs {
		t.Fatalf("after new traces: orig %d, copy %d", count("orig"), count("copy"))
	}
}
