package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestProvidersAndRolesCommands(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TRACETUNE_SECRETS", "file")
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	dir := t.TempDir()
	f := testutil.StartOpenAI(t)
	f.RequireKey("sk-cli-key-1234567890")

	if _, errs, code := run(t, "providers", "add", "--name", "fake", "--kind", "openai", "--data-dir", dir); code != 1 || !strings.Contains(errs, "API key is required") {
		t.Fatalf("add without key: code %d, %s", code, errs)
	}
	out, errs, code := run(t, "providers", "add", "--name", "fake", "--kind", "other", "--url", f.URL, "--key", "sk-cli-key-1234567890", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "added provider fake") {
		t.Fatalf("add: %d %s %s", code, out, errs)
	}
	if strings.Contains(out, "sk-cli") {
		t.Fatal("key printed")
	}
	out, _, code = run(t, "providers", "list", "--json", "--data-dir", dir)
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0]["name"] != "fake" || list[0]["has_key"] != true || list[0]["key_storage"] != "file" {
		t.Fatalf("list: %d %s", code, out)
	}
	out, errs, code = run(t, "providers", "test", "fake", "--json", "--data-dir", dir)
	var tr struct {
		Models []string `json:"models"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &tr) != nil || len(tr.Models) < 2 {
		t.Fatalf("test: %d %s %s", code, out, errs)
	}
	if _, errs, code = run(t, "roles", "set", "--role", "judge", "--provider", "fake", "--model", "fake-judge", "--data-dir", dir); code != 0 {
		t.Fatalf("roles set: %s", errs)
	}
	if _, errs, code = run(t, "roles", "set", "--role", "cook", "--provider", "fake", "--model", "m", "--data-dir", dir); code != 1 || !strings.Contains(errs, `role "cook"`) {
		t.Fatalf("bad role: %d %s", code, errs)
	}
	out, _, _ = run(t, "roles", "list", "--json", "--data-dir", dir)
	var roles []map[string]any
	json.Unmarshal([]byte(out), &roles)
	if len(roles) != 5 || roles[1]["role"] != "judge" || roles[1]["provider"] != "fake" || roles[1]["model"] != "fake-judge" {
		t.Fatalf("roles: %s", out)
	}
	if _, _, code = run(t, "providers", "bogus", "--data-dir", dir); code != 2 {
		t.Fatalf("unknown subcommand exit %d, want 2", code)
	}
	out, errs, code = run(t, "providers", "remove", "--name", "fake", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("remove: %s", errs)
	}
	out, _, _ = run(t, "roles", "list", "--json", "--data-dir", dir)
	if strings.Contains(out, `"fake"`) {
		t.Fatalf("role kept after provider removed: %s", out)
	}
	// A wrong key gives the actionable 401 message, without the key.
	run(t, "providers", "add", "--name", "bad", "--kind", "other", "--url", f.URL, "--key", "sk-wrong-key-0000000000", "--data-dir", dir)
	_, errs, code = run(t, "providers", "test", "--name", "bad", "--data-dir", dir)
	if code != 1 || !strings.Contains(errs, "401 from "+f.URL+": check the API key for provider bad") || strings.Contains(errs, "sk-wrong") {
		t.Fatalf("wrong key: %d %s", code, errs)
	}

	// With no --name, every provider is tested (the environment one
	// included): one result each, and exit 1 because one fails.
	run(t, "providers", "add", "--name", "good", "--kind", "other", "--url", f.URL, "--key", "sk-cli-key-1234567890", "--data-dir", dir)
	t.Setenv("OPENAI_API_KEY", "sk-cli-key-1234567890")
	t.Setenv("OPENAI_BASE_URL", f.URL)
	out, errs, code = run(t, "providers", "test", "--json", "--data-dir", dir)
	var all []struct {
		Provider string   `json:"provider"`
		OK       bool     `json:"ok"`
		Models   []string `json:"models"`
		Error    string   `json:"error"`
	}
	if code != 1 || json.Unmarshal([]byte(out), &all) != nil || len(all) != 3 || !strings.Contains(errs, "1 of 3 providers failed") {
		t.Fatalf("test all: %d %s %s", code, out, errs)
	}
	byName := map[string]bool{}
	for _, r := range all {
		byName[r.Provider] = r.OK
		if r.OK && len(r.Models) < 2 || !r.OK && !strings.Contains(r.Error, "401") || strings.Contains(r.Error, "sk-") {
			t.Errorf("result %+v", r)
		}
	}
	if !byName["environment"] || !byName["good"] || byName["bad"] {
		t.Errorf("test all: %+v", all)
	}
}
