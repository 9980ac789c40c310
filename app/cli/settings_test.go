package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"tracetune/backend/testutil"
)

// The health advice "raise the limit in the dataset settings" has a setting
// behind it: raising the token limit on the Foundry clause-matching sample
// (long contracts) revalidates and the over-long prompts become valid.
func TestSettingsRevalidate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(testutil.RepoRoot(t), "..", "shared", "data", "rft", "foundry_clause_matching_validation_head10.jsonl")
	if code, _, errOut := runCLI(t, dir, "create", "--name", "clauses", "--file", file); code != 0 {
		t.Fatalf("create: %s", errOut)
	}
	health := func() map[string]int {
		t.Helper()
		code, out, errOut := runCLI(t, dir, "health", "--dataset", "clauses", "--json")
		if code != 0 {
			t.Fatalf("health: %s", errOut)
		}
		var h struct {
			ByCode map[string]int `json:"by_code"`
		}
		if err := json.Unmarshal([]byte(out), &h); err != nil {
			t.Fatalf("health JSON %s: %v", out, err)
		}
		return h.ByCode
	}
	if n := health()["exceeds_max_tokens"]; n != 4 {
		t.Fatalf("with the default 8,000 tokens %d records are too long, want 4", n)
	}
	code, out, errOut := runCLI(t, dir, "settings", "--dataset", "clauses", "--max-tokens", "200000", "--json")
	if code != 0 {
		t.Fatalf("settings: %d %s", code, errOut)
	}
	var res struct {
		Settings struct {
			MaxTokens    int `json:"max_tokens"`
			MinUserChars int `json:"min_user_chars"`
		} `json:"settings"`
		Valid, Invalid int
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Settings.MaxTokens != 200000 || res.Settings.MinUserChars != 10 {
		t.Fatalf("settings output %s", out)
	}
	if n := health()["exceeds_max_tokens"]; n != 0 {
		t.Fatalf("after raising the limit %d records are still too long", n)
	}
	if res.Valid+res.Invalid != 10 {
		t.Errorf("counts after revalidation: %+v", res)
	}
	// Showing the settings changes nothing; bad values are usage errors.
	if code, out, _ := runCLI(t, dir, "settings", "--dataset", "clauses", "--json"); code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Settings.MaxTokens != 200000 {
		t.Fatalf("show: %d %s", code, out)
	}
	if code, _, _ := runCLI(t, dir, "settings", "--dataset", "clauses", "--min-user-chars", "0"); code != 2 {
		t.Errorf("--min-user-chars 0 exit %d, want 2", code)
	}
}
