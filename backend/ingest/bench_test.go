package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"tracetune/backend/health"
	"tracetune/backend/index"
	"tracetune/backend/record"
	"tracetune/backend/testutil"
)

// benchFile generates (once per size, under the OS temp dir so repeated
// benchmark runs share it) a tracegen file of n records.
func benchFile(b *testing.B, n int, seed int, invalid string) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "tracetune-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("t%d-s%d-i%s.jsonl", n, seed, invalid))
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		testutil.Tracegen(b, "-n", strconv.Itoa(n), "-seed", strconv.Itoa(seed), "-invalid", invalid, "-out", tmp)
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	return path
}

// peakRSS reads the process's peak resident set size (VmHWM) in MB.
func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "VmHWM:") {
				f := strings.Fields(l)
				if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
					return kb / 1024
				}
			}
		}
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024
}

func benchImport(b *testing.B, n int) {
	path := benchFile(b, n, 11, "0.03")
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := testutil.OpenStore(b)
		ds := newDataset(b, st, "bench")
		b.StartTimer()
		res, err := ImportFile(ctx, st, ds, path, Options{Mode: Append}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.Total != n {
			b.Fatalf("imported %d of %d", res.Total, n)
		}
		b.StopTimer()
		st.Close() // lets the background checkpoint end before the next run
		b.StartTimer()
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(n)/sec, "records/s")
	b.ReportMetric(float64(fi.Size())/1e6/sec, "MB/s")
	b.ReportMetric(peakRSS(), "peakRSS_MB")
}

func BenchmarkImport100k(b *testing.B) { benchImport(b, 100_000) }

func BenchmarkImport1M(b *testing.B) { benchImport(b, 1_000_000) }

// BenchmarkCompare100k runs, in one process and one run, the three imports
// the acceptance of issue 3 compares on tracegen -n 100000 -seed 11
// -invalid 0.03: Tracetune's import (parse, normalize, 13 checks,
// duplicates, stored with the browser's indexes and health counts; search
// and hash lookups already answer), a naive Python json+sqlite3 import,
// and sqlite3's .import of the raw lines into a one-column table.
func BenchmarkCompare100k(b *testing.B) {
	path := benchFile(b, 100_000, 11, "0.03")
	ctx := context.Background()
	importRuns := func(b *testing.B, withIndex bool) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			st := testutil.OpenStore(b)
			ds := newDataset(b, st, "cmp")
			b.StartTimer()
			if _, err := ImportFile(ctx, st, ds, path, Options{}, nil); err != nil {
				b.Fatal(err)
			}
			if withIndex {
				if _, err := index.Pending(ctx, st); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			st.Close() // lets the background checkpoint end before the next run
			b.StartTimer()
		}
	}
	b.Run("tracetune", func(b *testing.B) { importRuns(b, false) })
	// The same import followed by the indexer's catch-up (search text and
	// prompt hashes, which the app does in the background right after):
	// the whole cost, for comparison.
	b.Run("tracetune+index", func(b *testing.B) { importRuns(b, true) })
	script, err := filepath.Abs(filepath.Join("testdata", "naive_import.py"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("python_naive", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			db := filepath.Join(b.TempDir(), "py.db")
			if out, err := exec.Command("python3", script, path, db).CombinedOutput(); err != nil {
				b.Fatalf("python3: %v\n%s", err, out)
			}
		}
	})
	// The floor of the index alone: the same records' search text (as the
	// indexer makes it) inserted into an empty FTS5 table configured like
	// records_fts, in one transaction, 64 rows a statement, nothing else.
	b.Run("fts5_insert_only", func(b *testing.B) {
		bodies := searchTexts(b, path)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			insertFTS(b, filepath.Join(b.TempDir(), "fts.db"), bodies)
		}
	})
	b.Run("sqlite3_import", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			db := filepath.Join(b.TempDir(), "raw.db")
			cmd := exec.Command("sqlite3", db)
			cmd.Stdin = strings.NewReader("CREATE TABLE lines(raw TEXT);\n.mode ascii\n.separator \"\\037\" \"\\n\"\n.import " + path + " lines\n")
			if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
				b.Fatalf("sqlite3: %v\n%s", err, out)
			}
		}
	})
}

// searchTexts is the search text of every line of a file, as the indexer
// computes it (health.SearchText of the normalized record).
func searchTexts(b *testing.B, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	lp := newLineParser(record.DefaultSettings(), "bench")
	var out []string
	for i, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		r := lp.recordOwned(l, i+1)
		out = append(out, health.SearchText(&r))
	}
	return out
}

func insertFTS(b *testing.B, path string, bodies []string) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE f USING fts5(body, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2')`); err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	const per = 64
	stmt, err := tx.Prepare(`INSERT INTO f(rowid, body) VALUES ` + strings.TrimSuffix(strings.Repeat("(?,?),", per), ","))
	if err != nil {
		b.Fatal(err)
	}
	args := make([]any, 0, 2*per)
	for i := 0; i+per <= len(bodies); i += per {
		args = args[:0]
		for j := i; j < i+per; j++ {
			args = append(args, j+1, bodies[j])
		}
		if _, err := stmt.Exec(args...); err != nil {
			b.Fatal(err)
		}
	}
	for j := len(bodies) / per * per; j < len(bodies); j++ {
		if _, err := tx.Exec(`INSERT INTO f(rowid, body) VALUES (?,?)`, j+1, bodies[j]); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
