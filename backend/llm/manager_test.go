package llm

import (
	"context"
	"errors"
	"testing"

	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func testSecrets(t testing.TB) *secrets.Store {
	return secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
}

func TestManagerProvidersAndRoles(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	ctx := context.Background()
	st := testutil.OpenStore(t)
	m := &Manager{Store: st, Secrets: testSecrets(t)}

	if _, _, err := m.ForRole(ctx, RoleJudge); !errors.Is(err, ErrNoProvider) {
		t.Fatalf("no providers: err = %v, want ErrNoProvider", err)
	}
	if _, err := m.Add(ctx, ProviderInput{Name: "x", Kind: KindOpenAI}); err == nil {
		t.Fatal("openai without a key accepted")
	}
	if _, err := m.Add(ctx, ProviderInput{Name: "x", Kind: "bogus", BaseURL: "http://h"}); err == nil {
		t.Fatal("bad kind accepted")
	}
	if _, err := m.Add(ctx, ProviderInput{Name: "environment", Kind: KindOllama}); err == nil {
		t.Fatal("reserved name accepted")
	}

	f := testutil.StartOpenAI(t)
	f.RequireKey("sk-fake-key-1234567890")
	p, err := m.Add(ctx, ProviderInput{Name: "Fake", Kind: KindOther, BaseURL: f.URL + "/", APIKey: "sk-fake-key-1234567890"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasKey || p.BaseURL != f.URL || p.Concurrency != DefaultConcurrency {
		t.Fatalf("added %+v", p)
	}
	if _, err := m.Add(ctx, ProviderInput{Name: "fake", Kind: KindOllama}); !errors.Is(err, store.ErrProviderNameTaken) {
		t.Fatalf("duplicate name: %v", err)
	}
	models, err := m.Test(ctx, "fake")
	if err != nil || len(models) == 0 || models[0] != "fake-chat" {
		t.Fatalf("models %v, %v", models, err)
	}
	if err := m.SetRole(ctx, RoleJudge, "Fake", "fake-judge"); err != nil {
		t.Fatal(err)
	}
	if err := m.SetRole(ctx, RoleJudge, "nope", "m"); err == nil {
		t.Fatal("unknown provider accepted")
	}
	if err := m.SetRole(ctx, "chef", "Fake", "m"); err == nil {
		t.Fatal("unknown role accepted")
	}
	c, model, err := m.ForRole(ctx, RoleJudge)
	if err != nil || model != "fake-judge" || c.Name() != "Fake" {
		t.Fatalf("ForRole = %v %q %v", c, model, err)
	}
	// The same client (and so the same limits) is handed out each time.
	c3, _, _ := m.ForRole(ctx, RoleJudge)
	if c3 != c {
		t.Fatal("client not shared between calls")
	}

	// Rename carries roles; key kept when the update leaves it empty.
	p2, err := m.Update(ctx, p.ID, ProviderInput{Name: "Fake2", Kind: KindOther, BaseURL: f.URL})
	if err != nil || !p2.HasKey {
		t.Fatalf("update: %+v %v", p2, err)
	}
	roles, _ := m.Roles(ctx)
	if roles[1].Role != RoleJudge || roles[1].Provider != "Fake2" {
		t.Fatalf("roles = %+v", roles)
	}
	if _, err := m.Test(ctx, "Fake2"); err != nil {
		t.Fatalf("key lost on update: %v", err)
	}
	if err := m.Remove(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.ForRole(ctx, RoleJudge); !errors.Is(err, ErrNoProvider) {
		t.Fatalf("after remove: %v", err)
	}
	name, _ := m.secretName(ctx, p.ID)
	if _, err := m.Secrets.Get(name); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("key not deleted: %v", err)
	}
}

func TestEnvironmentProvider(t *testing.T) {
	f := testutil.StartOpenAI(t)
	f.RequireKey("sk-env-key-0987654321")
	t.Setenv("OPENAI_API_KEY", "sk-env-key-0987654321")
	t.Setenv("OPENAI_BASE_URL", f.URL)
	ctx := context.Background()
	st := testutil.OpenStore(t)
	m := &Manager{Store: st, Secrets: testSecrets(t)}
	list, err := m.List(ctx)
	if err != nil || len(list) != 1 || !list[0].FromEnv || list[0].Name != EnvProviderName || !list[0].HasKey {
		t.Fatalf("list = %+v %v", list, err)
	}
	c, model, err := m.ForRole(ctx, RoleEmbedding)
	if err != nil || model != "text-embedding-3-small" {
		t.Fatalf("ForRole = %q %v", model, err)
	}
	if _, err := c.Embed(ctx, model, []string{"hello"}); err != nil {
		t.Fatal(err)
	}
	a, err := NewAssistant(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Name string `json:"name"`
	}
	if err := a.JSON(ctx, "name it", "billing", "n", []byte(`{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}`), &out); err != nil || out.Name != "billing" {
		t.Fatalf("assistant JSON = %+v %v", out, err)
	}
}
