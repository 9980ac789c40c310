package grader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"tracetune/backend/llm"
	"tracetune/backend/store"
)

// RemoteCheck is the outcome of checking an exported grader with the
// training provider's /fine_tuning/alpha/graders/validate.
type RemoteCheck struct {
	Checked  bool   `json:"checked"`  // false when no OpenAI-kind training provider is configured
	Provider string `json:"provider"` // the provider asked
	Azure    bool   `json:"azure"`
	Message  string `json:"message"` // why it was not checked, or the provider's verdict
}

// ValidateRemote exports g for the training role's provider (OpenAI or
// Azure OpenAI) and asks that provider's grader validation endpoint whether
// it accepts it. Without such a provider nothing is sent (Checked false).
// A refusal is an error quoting the provider's message.
func ValidateRemote(ctx context.Context, st *store.Store, g Grader) (RemoteCheck, error) {
	m := &llm.Manager{Store: st}
	roles, err := m.Roles(ctx)
	if err != nil {
		return RemoteCheck{}, err
	}
	provider := ""
	for _, r := range roles {
		if r.Role == llm.RoleTraining {
			provider = r.Provider
		}
	}
	if provider == "" {
		return RemoteCheck{Message: "no training provider is assigned; the grader was checked locally only"}, nil
	}
	cfg, err := m.Endpoint(ctx, provider)
	if err != nil {
		return RemoteCheck{}, err
	}
	rc := RemoteCheck{Provider: provider, Azure: cfg.Kind == llm.KindAzure}
	if cfg.Kind != llm.KindOpenAI && cfg.Kind != llm.KindAzure && cfg.Kind != llm.KindOther {
		rc.Message = fmt.Sprintf("training provider %s (%s) has no grader validation endpoint", provider, cfg.Kind)
		return rc, nil
	}
	exported, err := ExportOpenAI(g, rc.Azure)
	if err != nil {
		return rc, err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if rc.Azure && !strings.HasSuffix(base, "/openai/v1") {
		base = strings.TrimSuffix(base, "/openai") + "/openai/v1"
	}
	body, _ := json.Marshal(map[string]json.RawMessage{"grader": exported})
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, base+"/fine_tuning/alpha/graders/validate", bytes.NewReader(body))
	if err != nil {
		return rc, err
	}
	req.Header.Set("Content-Type", "application/json")
	if cfg.APIKey != "" {
		if rc.Azure {
			req.Header.Set("api-key", cfg.APIKey)
		} else {
			req.Header.Set("Authorization", "Bearer "+cfg.APIKey)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rc, fmt.Errorf("validate grader on %s: %v", provider, redactKey(err.Error(), cfg.APIKey))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var env struct {
			Error struct {
				Message string `json:"message"`
				Param   string `json:"param"`
			} `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &env) == nil && env.Error.Message != "" {
			msg = env.Error.Message
		}
		return rc, fmt.Errorf("%s refused the grader (HTTP %d): %s", provider, resp.StatusCode, redactKey(truncate(msg, 400), cfg.APIKey))
	}
	var ok struct {
		Grader json.RawMessage `json:"grader"`
	}
	if err := json.Unmarshal(data, &ok); err != nil || len(ok.Grader) == 0 {
		return rc, errors.New("the grader validation endpoint answered without the grader")
	}
	rc.Checked = true
	rc.Message = provider + " accepts the grader"
	return rc, nil
}

func redactKey(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "****")
}
