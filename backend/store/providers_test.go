package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestUsageAggregatesAndFollowsDataset(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := s.CreateDataset(ctx, "ds", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := s.AddUsage(ctx, Usage{DatasetID: d.ID, Action: "generate", Provider: "p", Model: "m", Calls: 1, PromptTokens: 10, CompletionTokens: 5, Cost: 0.5}); err != nil {
			t.Fatal(err)
		}
	}
	us, err := s.UsageFor(ctx, d.ID)
	if err != nil || len(us) != 1 || us[0].Calls != 3 || us[0].PromptTokens != 30 || us[0].Cost != 1.5 {
		t.Fatalf("usage = %+v, %v", us, err)
	}
	if err := s.DeleteDataset(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if us, _ := s.UsageFor(ctx, d.ID); len(us) != 0 {
		t.Fatalf("usage of a deleted dataset kept: %+v", us)
	}
}

func TestEmbeddingCacheRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs := [][]byte{[]byte("h1"), []byte("h2")}
	vs := [][]float32{{0.25, -1, 3.5}, {1, 2, 3}}
	if err := s.PutEmbeddings(ctx, "m", hs, vs); err != nil {
		t.Fatal(err)
	}
	got, err := s.CachedEmbeddings(ctx, "m", [][]byte{[]byte("h1"), []byte("h3")})
	if err != nil || len(got) != 1 || got["h1"][2] != 3.5 || got["h1"][1] != -1 {
		t.Fatalf("got %v, %v", got, err)
	}
	if other, _ := s.CachedEmbeddings(ctx, "other-model", hs); len(other) != 0 {
		t.Fatal("cache is not per model")
	}
}
