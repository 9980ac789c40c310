package llm

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracetune/backend/ingest"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// TestAPIKeyNeverInDatabaseLogsOrExports exercises every path that touches a key
// (add, update, test, chat with retries, embeddings, structured output, a
// 401 with the wrong key, a dataset worked on with it) and then searches
// the dataset's exports, the database files and the captured logs for it.
func TestAPIKeyNeverInDatabaseLogsOrExports(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	const key = "sk-live-TRACETUNE-leakcheck-7f3a9c"
	const wrongKey = "sk-live-WRONG-leakcheck-0b1d2e"
	var logs bytes.Buffer
	oldLogger := Logger
	Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.SetOutput(&logs)
	t.Cleanup(func() { Logger = oldLogger; log.SetOutput(os.Stderr) })

	ctx := context.Background()
	dbDir := t.TempDir()
	st, err := store.Open(filepath.Join(dbDir, "tracetune.db"))
	if err != nil {
		t.Fatal(err)
	}
	secDir := t.TempDir()
	m := &Manager{Store: st, Secrets: secrets.Open(secrets.Options{ForceFile: true, Dir: secDir})}
	f := testutil.StartOpenAI(t)
	f.RequireKey(key)

	p, err := m.Add(ctx, ProviderInput{Name: "prod", Kind: KindOpenAI, BaseURL: f.URL, APIKey: key, TimeoutMS: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Update(ctx, p.ID, ProviderInput{Name: "prod", Kind: KindOpenAI, BaseURL: f.URL, APIKey: key, TimeoutMS: 5000}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Test(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	for _, r := range Roles {
		if err := m.SetRole(ctx, r, "prod", "gpt-4o-mini"); err != nil {
			t.Fatal(err)
		}
	}
	c, model, err := m.ForRole(ctx, RoleGeneration)
	if err != nil {
		t.Fatal(err)
	}
	f.Fail("chat", testutil.Failure{Status: 429, RetryAfter: time.Millisecond}, testutil.Failure{Status: 500})
	actx := WithAction(ctx, 0, "leakcheck")
	if _, err := c.Chat(actx, Request(model, User("hello"))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Embed(actx, "text-embedding-3-small", []string{"a b c", "d e f"}); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if _, err := c.ChatJSON(actx, Request(model, User("x")), Schema{Name: "o", Schema: []byte(`{"type":"object"}`)}, &out); err != nil {
		t.Fatal(err)
	}
	// A provider with the wrong key: the 401 error is logged as a caller would.
	if _, err := m.Add(ctx, ProviderInput{Name: "wrong", Kind: KindOpenAI, BaseURL: f.URL, APIKey: wrongKey}); err != nil {
		t.Fatal(err)
	}
	_, err = m.Test(ctx, "wrong")
	if err == nil {
		t.Fatal("wrong key accepted")
	}
	log.Printf("test connection failed: %v", err)
	Logger.Error("call failed", "err", err)

	// A dataset whose records were worked on with the key: its exports.
	d, err := st.CreateDataset(ctx, "leakcheck", "")
	if err != nil {
		t.Fatal(err)
	}
	jsonl := `{"messages":[{"role":"system","content":"You help."},{"role":"user","content":"Where is my parcel, please?"}]}
{"messages":[{"role":"user","content":"How do I change my billing email address?"}]}
`
	if _, err := ingest.Import(ctx, st, d.ID, strings.NewReader(jsonl), int64(len(jsonl)), ingest.Options{Mode: ingest.Append, Source: "file:leak.jsonl"}, nil); err != nil {
		t.Fatal(err)
	}
	dctx := WithAction(ctx, d.ID, "generate")
	if _, err := c.Chat(dctx, Request(model, User("Where is my parcel, please?"))); err != nil {
		t.Fatal(err)
	}
	var exports []string
	for _, format := range []string{"original", "rft"} {
		var buf bytes.Buffer
		n, err := ingest.Export(ctx, st, d.ID, &buf, ingest.ExportOptions{Format: format})
		if err != nil || n != 2 {
			t.Fatalf("export %s: %d records, %v", format, n, err)
		}
		exports = append(exports, buf.String())
	}
	for i, ex := range exports {
		for _, k := range []string{key, wrongKey} {
			if strings.Contains(ex, k) || strings.Contains(ex, k[len(k)-8:]) {
				t.Fatalf("export %d contains an API key", i)
			}
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// The key is real and reachable where it belongs (so the search below
	// would find it if it were elsewhere)...
	sec, _ := os.ReadFile(filepath.Join(secDir, "secrets.json"))
	if !bytes.Contains(sec, []byte(key)) {
		t.Fatal("key missing from the secrets file: the test is not exercising the key")
	}
	// ...and nowhere else.
	files, _ := filepath.Glob(filepath.Join(dbDir, "*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{key, wrongKey} {
			if bytes.Contains(b, []byte(k)) || bytes.Contains(b, []byte(k[len(k)-8:])) {
				t.Fatalf("%s contains an API key", filepath.Base(fn))
			}
		}
	}
	if logs.Len() == 0 || !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("no log output captured; got %q", logs.String())
	}
	for _, k := range []string{key, wrongKey} {
		if strings.Contains(logs.String(), k) || strings.Contains(logs.String(), k[len(k)-8:]) {
			t.Fatalf("log output contains an API key:\n%s", logs.String())
		}
	}
}
