package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedFile is a real third-party file of ../shared/data beside the
// repository (SOURCES.md), as in CI.
func sharedFile(t *testing.T, rel string) string {
	t.Helper()
	wd, _ := os.Getwd()
	p := filepath.Join(wd, "..", "..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s must sit beside the repository: %v", p, err)
	}
	return p
}

// TestImportFormatsPreviewAndMapping drives import's issue-16 flags on real
// files: --preview stores nothing, a CSV imports through --map with its
// topics, --format forces a reading, and a binary file is refused.
func TestImportFormatsPreviewAndMapping(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := runIn(t, dir, "create", "--name", "f"); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	count := func() int {
		out, _, _ := runIn(t, dir, "datasets", "--json")
		var rows []struct{ Total int }
		json.Unmarshal([]byte(out), &rows)
		return rows[0].Total
	}
	t.Run("preview prints the format and conversations and stores nothing", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "import", "--dataset", "f", "--file", sharedFile(t, "sharegpt/llamafactory_alpaca_en_demo.json"), "--preview")
		if code != 0 {
			t.Fatalf("preview: %s", errs)
		}
		// 999 items, 14 repeat an earlier one
		for _, want := range []string{"json-array, Alpaca", "would import 999 records from 999 items: 985 valid, 14 invalid", "user:", "production response"} {
			if !strings.Contains(out, want) {
				t.Fatalf("preview lacks %q:\n%s", want, out)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("preview stored %d records", n)
		}
	})
	t.Run("a csv with a mapping arrives categorized", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "import", "--dataset", "f", "--file", sharedFile(t, "intents/banking77_test.csv"),
			"--map", "text=user", "--map", "category=topic", "--json")
		if code != 0 {
			t.Fatalf("import: %s", errs)
		}
		var res struct {
			Total, Valid, Topics int
			Format, Adapter      string
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		// 3,080 rows, 77 categories
		if res.Total != 3080 || res.Valid != 3080 || res.Topics != 3080 || res.Format != "csv" || res.Adapter != "csv" {
			t.Fatalf("import %+v", res)
		}
		topics, _, _ := runIn(t, dir, "topics", "list", "--dataset", "f", "--json")
		if n := strings.Count(topics, `"name"`); n < 77 {
			t.Fatalf("%d topics listed, want 77:\n%.400s", n, topics)
		}
	})
	t.Run("a mapping naming a missing column is refused before anything is stored", func(t *testing.T) {
		before := count()
		_, errs, code := runIn(t, dir, "import", "--dataset", "f", "--file", sharedFile(t, "intents/banking77_test.csv"), "--map", "question=user")
		if code == 0 || !strings.Contains(errs, `column "question"`) || count() != before {
			t.Fatalf("code %d: %s", code, errs)
		}
	})
	t.Run("a binary file is refused", func(t *testing.T) {
		bin, _ := os.Executable()
		_, errs, code := runIn(t, dir, "import", "--dataset", "f", "--file", bin)
		if code == 0 || !strings.Contains(errs, "not a text file") {
			t.Fatalf("code %d: %s", code, errs)
		}
	})
	t.Run("an unknown --format is a usage error", func(t *testing.T) {
		_, errs, code := runIn(t, dir, "import", "--dataset", "f", "--file", "x", "--format", "xml")
		if code != 2 || !strings.Contains(errs, "--format") {
			t.Fatalf("code %d: %s", code, errs)
		}
	})
}
