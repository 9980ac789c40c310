package cli

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"tracetune/backend/testutil"
	"tracetune/backend/tokens"
)

// TestGenerateCommands: preview, a run with the JSON shape of the issue,
// accept and reject by id, list, and accept-passing.
func TestGenerateCommands(t *testing.T) {
	fake := testutil.NewOpenAI()
	fake.SetResponder(testutil.GenerationResponder)
	srv := httptest.NewServer(testutil.TokenUsage(fake.Handler(), func(s string) int { n, _ := tokens.Count(s); return n }))
	t.Cleanup(func() { fake.Close(); srv.Close() })
	t.Setenv("OPENAI_API_KEY", "sk-test-0000000000")
	t.Setenv("OPENAI_BASE_URL", srv.URL+"/v1")
	dir := t.TempDir()
	var lines []string
	for _, topic := range []string{"billing", "shipping"} {
		for i := 0; i < 15; i++ {
			b, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": testutil.SupportPrompt(topic, i)}}})
			lines = append(lines, string(b))
		}
	}
	if _, errs, code := runIn(t, dir, "create", "--name", "gen", "--file", fixture(t, lines...)); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	out, errs, code := runIn(t, dir, "coverage", "--dataset", "gen", "--json")
	var cov struct {
		Topics []struct {
			Topic string `json:"topic"`
		} `json:"topics"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &cov) != nil || len(cov.Topics) == 0 {
		t.Fatalf("coverage %d %s %s", code, out, errs)
	}
	topic := cov.Topics[0].Topic
	before := fake.Count("/chat/completions")

	t.Run("preview plans and spends nothing", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "generate", "--dataset", "gen", "--topic", topic, "--count", "4", "--preview", "--json")
		var p struct {
			Total        int    `json:"total"`
			Model        string `json:"model"`
			PromptTokens int64  `json:"prompt_tokens"`
			Rows         []struct {
				Topic string `json:"topic"`
				Count int    `json:"count"`
			} `json:"rows"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.Total != 4 || p.Model == "" || p.PromptTokens == 0 || len(p.Rows) != 1 || p.Rows[0].Topic != topic {
			t.Fatalf("preview %d %s %s", code, out, errs)
		}
		if fake.Count("/chat/completions") != before {
			t.Fatal("preview called the model")
		}
	})

	var run map[string]json.RawMessage
	var cands []map[string]any
	t.Run("a run prints the shape of the issue", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "generate", "--dataset", "gen", "--topic", topic, "--count", "4", "--variations", "2", "--strategy", "few_shot", "--json")
		if code != 0 || json.Unmarshal([]byte(out), &run) != nil {
			t.Fatalf("run %d %s %s", code, out, errs)
		}
		for _, k := range []string{"candidates", "accepted", "rejected", "usage"} {
			if _, ok := run[k]; !ok {
				t.Fatalf("output lacks %q: %s", k, out)
			}
		}
		if err := json.Unmarshal(run["candidates"], &cands); err != nil || len(cands) < 4 {
			t.Fatalf("candidates %s", run["candidates"])
		}
		for _, c := range cands {
			if len(c) != 6 {
				t.Fatalf("candidate keys %v, want id, topic, strategy, text, status, reason", c)
			}
			if c["topic"] != topic || c["strategy"] != "few_shot" || c["text"] == "" {
				t.Fatalf("candidate %v", c)
			}
		}
	})
	idsWith := func(status string) []string {
		var ids []string
		for _, c := range cands {
			if c["status"] == status {
				ids = append(ids, fmt.Sprint(c["id"]))
			}
		}
		return ids
	}
	pending := idsWith("pending")
	if len(pending) < 2 {
		t.Fatalf("%d pending candidates", len(pending))
	}

	t.Run("reject and accept by id", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "generate", "reject", "--dataset", "gen", "--ids", pending[0], "--json")
		var r generateOut
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Rejected != 1 || r.Candidates[0].Reason != "rejected_by_user" {
			t.Fatalf("reject %d %s %s", code, out, errs)
		}
		out, errs, code = runIn(t, dir, "generate", "accept", "--dataset", "gen", "--ids", strings.Join(pending[1:], ","), "--json")
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Accepted != len(pending)-1 || r.Candidates[0].Status != "accepted" {
			t.Fatalf("accept %d %s %s", code, out, errs)
		}
		out, _, _ = runIn(t, dir, "records", "--dataset", "gen", "--json", "--limit", "100")
		if strings.Count(out, `"generated":true`) != len(pending)-1 {
			t.Fatalf("records show %d generated, want %d", strings.Count(out, `"generated":true`), len(pending)-1)
		}
	})

	t.Run("list filters by status", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "generate", "list", "--dataset", "gen", "--status", "accepted", "--json")
		var l []candidateOut
		if code != 0 || json.Unmarshal([]byte(out), &l) != nil || len(l) != len(pending)-1 {
			t.Fatalf("list %d %s %s", code, out, errs)
		}
	})

	t.Run("bad usage exits 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"generate", "--dataset", "gen"},
			{"generate", "--dataset", "gen", "--gaps", "--topic", topic, "--count", "2"},
			{"generate", "--dataset", "gen", "--topic", topic},
			{"generate", "--dataset", "gen", "--gaps", "--strategy", "magic"},
			{"generate", "accept", "--dataset", "gen"},
		} {
			if _, _, code := runIn(t, dir, args...); code != 2 {
				t.Errorf("%v: exit %d, want 2", args, code)
			}
		}
	})

	t.Run("accept-passing accepts what passed", func(t *testing.T) {
		out, errs, code := runIn(t, dir, "generate", "--dataset", "gen", "--topic", topic, "--count", "2", "--accept-passing", "--json")
		var r generateOut
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Accepted == 0 || r.Usage.Calls == 0 {
			t.Fatalf("accept-passing %d %s %s", code, out, errs)
		}
	})
}
