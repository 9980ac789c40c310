package testutil

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func fwCall(t *testing.T, f *Fireworks, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.URL+"/v1/accounts/"+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestTheFireworksFakeAnswersErrorsAndPagesLikeTheGateway(t *testing.T) {
	f := StartFireworks(t)
	f.RequireKey("k")
	t.Run("a wrong key is UNAUTHENTICATED in the gRPC-gateway envelope", func(t *testing.T) {
		code, out := fwCall(t, f, "GET", "fake-acct/reinforcementFineTuningJobs", "bad", "")
		if code != 401 || out["code"] != 16.0 || out["message"] == "" || out["details"] == nil {
			t.Fatalf("%d %v", code, out)
		}
	})
	t.Run("another account is PERMISSION_DENIED and a missing job NOT_FOUND", func(t *testing.T) {
		if code, out := fwCall(t, f, "GET", "other/datasets/x", "k", ""); code != 403 || out["code"] != 7.0 {
			t.Fatalf("%d %v", code, out)
		}
		if code, out := fwCall(t, f, "GET", "fake-acct/reinforcementFineTuningJobs/nope", "k", ""); code != 404 || out["code"] != 5.0 {
			t.Fatalf("%d %v", code, out)
		}
	})
	t.Run("a job needs a READY dataset and an ACTIVE evaluator", func(t *testing.T) {
		code, out := fwCall(t, f, "POST", "fake-acct/reinforcementFineTuningJobs?reinforcementFineTuningJobId=j1", "k",
			`{"dataset":"accounts/fake-acct/datasets/none","evaluator":"accounts/fake-acct/evaluators/none","trainingConfig":{"baseModel":"accounts/fireworks/models/qwen3-0p6b"}}`)
		if code != 400 || out["code"] != 3.0 {
			t.Fatalf("%d %v", code, out)
		}
	})
	t.Run("lists page with pageSize and nextPageToken", func(t *testing.T) {
		f.mu.Lock()
		for _, id := range []string{"a", "b", "c"} {
			f.jobs[id] = &fwFakeJob{ID: id, State: "JOB_STATE_RUNNING", Body: map[string]any{}}
			f.jobOrder = append(f.jobOrder, id)
		}
		f.mu.Unlock()
		seen := 0
		token := ""
		for page := 0; page < 5; page++ {
			_, out := fwCall(t, f, "GET", "fake-acct/reinforcementFineTuningJobs?pageSize=2&pageToken="+token, "k", "")
			seen += len(out["reinforcementFineTuningJobs"].([]any))
			token, _ = out["nextPageToken"].(string)
			if token == "" {
				break
			}
		}
		if seen != 3 {
			t.Fatalf("paged %d jobs, want 3", seen)
		}
	})
}
