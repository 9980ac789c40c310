package gateway_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"tracetune/backend/gateway"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func TestSaveLoadRemoveKeepsKeysOutOfTheDatabase(t *testing.T) {
	ctx := context.Background()
	st := testutil.OpenStore(t)
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	c := gateway.Config{Name: "prod", Kind: gateway.KindLangfuse, URL: "https://cloud.langfuse.com/", PublicKey: "pk-lf-AAAA", SecretKey: "sk-lf-BBBB"}
	saved, err := gateway.Save(ctx, st, sec, c, false)
	if err != nil || !saved.HasPublicKey || !saved.HasSecretKey || saved.HasKey {
		t.Fatalf("save: %+v %v", saved, err)
	}
	// The database file never holds a key.
	st.Close()
	db, _ := os.ReadFile(st.Path())
	wal, _ := os.ReadFile(st.Path() + "-wal")
	if strings.Contains(string(db)+string(wal), "sk-lf-BBBB") {
		t.Fatal("the secret key is in the database")
	}
	st2, err := store.Open(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()

	// Editing without keys keeps the stored keys.
	if _, err := gateway.Save(ctx, st2, sec, gateway.Config{Name: "prod", Kind: gateway.KindLangfuse, URL: "https://eu.cloud.langfuse.com"}, true); err != nil {
		t.Fatal(err)
	}
	src, row, err := gateway.Load(ctx, st2, sec, "PROD")
	if err != nil || row.URL != "https://eu.cloud.langfuse.com" || gateway.SourceLabel(src) != "langfuse:prod" {
		t.Fatalf("load: %+v %v", row, err)
	}
	// A Langfuse source without its secret key is refused at save time.
	if _, err := gateway.Save(ctx, st2, sec, gateway.Config{Name: "half", Kind: gateway.KindLangfuse, URL: "https://x", PublicKey: "pk"}, false); err == nil {
		t.Fatal("saved a Langfuse source without a secret key")
	}
	if _, err := gateway.Save(ctx, st2, sec, gateway.Config{Name: "a/b", Kind: gateway.KindJSONL, URL: "/tmp"}, false); err == nil {
		t.Fatal("accepted a name with a slash")
	}
	all, err := gateway.List(ctx, st2, sec)
	if err != nil || len(all) != 1 {
		t.Fatalf("list: %+v %v", all, err)
	}
	if err := gateway.Remove(ctx, st2, sec, "prod"); err != nil {
		t.Fatal(err)
	}
	if _, err := sec.Get("source/prod/secret_key"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("key left behind: %v", err)
	}
}
