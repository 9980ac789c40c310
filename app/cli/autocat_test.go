package cli

import (
	"encoding/csv"
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

// bankingPart writes every step-th row of the Banking77 test split from
// offset on, as a CSV with its header.
func bankingPart(t *testing.T, offset, step, limit int) string {
	t.Helper()
	f, err := os.Open(filepath.Join(testutil.RepoRoot(t), "..", "shared", "data", "intents", "banking77_test.csv"))
	if err != nil {
		t.Fatalf("Banking77 must sit beside the repository (shared/data/intents): %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := [][]string{rows[0]}
	for i := 1 + offset; i < len(rows) && len(out) <= limit; i += step {
		out = append(out, rows[i])
	}
	p := filepath.Join(t.TempDir(), fmt.Sprintf("banking-%d.csv", offset))
	w, _ := os.Create(p)
	cw := csv.NewWriter(w)
	cw.WriteAll(out)
	w.Close()
	return p
}

type autoCounts struct {
	Records       int    `json:"records"`
	Categorized   int    `json:"categorized"`
	LowConfidence int    `json:"low_confidence"`
	Error         string `json:"error"`
}

// TestImportAndPullReportTheirNewRecordsCategorized: once a dataset has
// topics, import (append) and pull categorize what they add and say so,
// in text and in --json.
func TestImportAndPullReportTheirNewRecordsCategorized(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	dir := t.TempDir()
	importCSV := func(path string, extra ...string) (string, string, int) {
		args := append([]string{"import", "--dataset", "bank", "--file", path, "--map", "text=user", "--map", "category=skip"}, extra...)
		return runIn(t, dir, args...)
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "bank"); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	out, errs, code := importCSV(bankingPart(t, 0, 5, 500), "--json")
	if code != 0 || strings.Contains(out, `"categorize"`) {
		t.Fatalf("first import (no topics yet): %d %s %s", code, out, errs)
	}
	if _, errs, code := runIn(t, dir, "topics", "generate", "--dataset", "bank", "--offline", "--seed", "1"); code != 0 {
		t.Fatalf("topics generate: %s", errs)
	}

	out, errs, code = importCSV(bankingPart(t, 1, 5, 120), "--json")
	var imp struct {
		Valid      int         `json:"valid"`
		Categorize *autoCounts `json:"categorize"`
	}
	if err := json.Unmarshal([]byte(out), &imp); code != 0 || err != nil || imp.Valid != 120 || imp.Categorize == nil ||
		imp.Categorize.Records != 120 || imp.Categorize.Categorized != 120 || imp.Categorize.Error != "" {
		t.Fatalf("append import --json: %d %s %s (%v)", code, out, errs, err)
	}
	out, errs, code = importCSV(bankingPart(t, 2, 5, 40))
	if code != 0 || !strings.Contains(out, "  new records: 40 categorized (") {
		t.Fatalf("append import: %d %q %s", code, out, errs)
	}

	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	old := sourceSecrets
	sourceSecrets = func() *secrets.Store { return sec }
	t.Cleanup(func() { sourceSecrets = old })
	lf := testutil.StartLangfuse(t, "pk-lf-auto", "sk-lf-auto")
	lf.Add(testutil.SampleGatewayTraces("a", 14, time.Now().UTC().Add(-2*time.Hour), time.Minute)...)
	if _, errs, code := runIn(t, dir, "sources", "add", "--name", "prod", "--kind", "langfuse", "--url", lf.URL,
		"--public-key", "pk-lf-auto", "--secret-key", "sk-lf-auto"); code != 0 {
		t.Fatalf("sources add: %s", errs)
	}
	out, errs, code = runIn(t, dir, "pull", "--dataset", "bank", "--source", "prod", "--json")
	var pull struct {
		New        int         `json:"new"`
		Invalid    int         `json:"invalid"`
		Categorize *autoCounts `json:"categorize"`
	}
	if err := json.Unmarshal([]byte(out), &pull); code != 0 || err != nil || pull.New != 14 || pull.Categorize == nil ||
		pull.Categorize.Records != pull.New-pull.Invalid || pull.Categorize.Categorized != pull.Categorize.Records {
		t.Fatalf("pull --json: %d %s %s (%v)", code, out, errs, err)
	}
	lf.Add(testutil.SampleGatewayTraces("b", 20, time.Now().UTC().Add(-time.Hour), time.Minute)[14:]...)
	out, errs, code = runIn(t, dir, "pull", "--dataset", "bank", "--source", "prod")
	if code != 0 || !strings.HasPrefix(out, "6 new, ") || !strings.Contains(out, "\n  new records: ") || !strings.Contains(out, " categorized (") {
		t.Fatalf("pull: %d %q %s", code, out, errs)
	}
}
