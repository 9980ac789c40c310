package cli

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestMain lets the test binary act as the tracetune command, so a test can
// run a headless command in a process of its own and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("TRACETUNE_CLI_CHILD") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// A process killed (SIGKILL, no cleanup) in the middle of an import leaves a
// database that opens, passes SQLite's integrity check, keeps every batch it
// committed, and whose health totals equal a recount of the records.
func TestKillMidImportLeavesConsistentDatabase(t *testing.T) {
	data, _ := testutil.TracegenFiles(t, 150000, 17)
	dir := t.TempDir()

	if _, errs, code := runIn(t, dir, "create", "--name", "crash"); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	cmd := exec.Command(os.Args[0], "--data-dir", dir, "import", "--dataset", "crash", "--file", data)
	cmd.Env = append(os.Environ(), "TRACETUNE_CLI_CHILD=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// Kill it once some batches are committed, before it can finish.
	dbPath := filepath.Join(dir, "tracetune.db")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n := committed(t, dbPath); n > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the import finished before it could be killed (%v): make the file larger", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no batch was committed within 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done

	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := st.FindDataset(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.DatasetCounts(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Total == 0 || c.Total >= 150000 {
		t.Fatalf("after the kill the dataset holds %d records; want the committed part of 150000", c.Total)
	}
	t.Logf("killed mid-import: %d of 150000 records kept, database consistent", c.Total)
}

// committed counts the records visible to a reader (0 while the database
// is not there yet). It reads through a plain read-only connection: opening
// the store would wait for the importer's write lock, and by then the next
// batches may be written too.
func committed(t *testing.T, path string) int {
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM records`).Scan(&n); err != nil {
		return 0
	}
	return n
}
