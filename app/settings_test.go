package app

import (
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

func TestSettingsService(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TRACETUNE_SECRETS", "file")
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := &Settings{NewDeps(st, t.TempDir())}
	f := testutil.StartOpenAI(t)
	key := "sk-settings-test-key-123456"
	f.RequireKey(key)

	if _, err := s.AddProvider(ProviderInput{Kind: "other"}); err == nil || !strings.Contains(err.Error(), "name is required") {
		t.Fatalf("missing name: %v", err)
	}
	p, err := s.AddProvider(ProviderInput{Name: "fake", Kind: "other", BaseURL: f.URL, APIKey: key})
	if err != nil || !p.HasKey {
		t.Fatalf("add: %+v %v", p, err)
	}
	ps, _ := s.Providers()
	if len(ps) != 1 || ps[0].Name != "fake" {
		t.Fatalf("providers %+v", ps)
	}
	models, err := s.TestProvider("fake")
	if err != nil || len(models) == 0 {
		t.Fatalf("test: %v %v", models, err)
	}
	if err := s.SetRole("generation", "fake", "fake-chat"); err != nil {
		t.Fatal(err)
	}
	roles, _ := s.Roles()
	if roles[0].Role != "generation" || roles[0].Provider != "fake" || roles[0].Model != "fake-chat" {
		t.Fatalf("roles %+v", roles)
	}
	if err := s.SetPrice(Price{Model: "fake-chat", PromptPerM: 1, CompletionPerM: 2}); err != nil {
		t.Fatal(err)
	}
	prices, _ := s.Prices()
	found := false
	for _, pr := range prices {
		found = found || (pr.Model == "fake-chat" && pr.CompletionPerM == 2)
	}
	if !found {
		t.Fatal("price not stored")
	}
	if ks := s.KeyStorage(); ks.Backend != "file" || ks.Note == "" {
		t.Fatalf("key storage %+v", ks)
	}
	if err := s.RemoveProvider(p.ID); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.Providers(); len(ps) != 0 {
		t.Fatalf("after remove %+v", ps)
	}
}
