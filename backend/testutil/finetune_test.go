package testutil

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func ftCall(t *testing.T, method, url string, body io.Reader, ctype string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %s", method, url, b)
		}
	}
	return resp.StatusCode
}

func ftUpload(t *testing.T, base, content string) string {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("purpose", "fine-tune")
	fw, _ := w.CreateFormFile("file", "train.jsonl")
	fw.Write([]byte(content))
	w.Close()
	var f struct {
		ID     string `json:"id"`
		Object string `json:"object"`
		Status string `json:"status"`
	}
	if code := ftCall(t, "POST", base+"/files", &b, w.FormDataContentType(), &f); code != 200 || f.Object != "file" || f.Status != "processed" {
		t.Fatalf("upload: %d %+v", code, f)
	}
	return f.ID
}

type ftErr struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func TestTheFineTuneFakeSpeaksTheReferenceJSON(t *testing.T) {
	f := StartFineTune(t)
	line := `{"messages":[{"role":"user","content":"Capital of France?"}],"answer":"Paris"}` + "\n"
	tr, va := ftUpload(t, f.URL, line+line), ftUpload(t, f.URL, line)
	create := func(grader string) (int, map[string]any) {
		body := `{"model":"o4-mini-2025-04-16","training_file":"` + tr + `","validation_file":"` + va + `","suffix":"x",
			"method":{"type":"reinforcement","reinforcement":{"grader":` + grader + `}}}`
		var out map[string]any
		code := ftCall(t, "POST", f.URL+"/fine_tuning/jobs", strings.NewReader(body), "application/json", &out)
		return code, out
	}

	t.Run("a multi grader whose graders is not a map is a 400 envelope", func(t *testing.T) {
		for _, g := range []string{`{"type":"string_check"}`, `"exact"`, `[{"type":"string_check"}]`} {
			code, out := create(`{"type":"multi","name":"m","graders":` + g + `,"calculate_output":"a"}`)
			b, _ := json.Marshal(out)
			var e ftErr
			_ = json.Unmarshal(b, &e)
			if code != 400 || e.Error.Type != "invalid_request_error" || e.Error.Message != "Invalid type for 'graders.input': expected an object, but got a string instead." {
				t.Errorf("graders %s: %d %s", g, code, b)
			}
		}
	})
	var id string
	t.Run("a created job starts validating with an empty error object", func(t *testing.T) {
		code, out := create(`{"type":"string_check","name":"exact","input":"{{sample.output_text}}","reference":"{{item.answer}}","operation":"eq"}`)
		if code != 200 || out["status"] != "validating_files" || out["object"] != "fine_tuning.job" || out["fine_tuned_model"] != nil {
			t.Fatalf("%d %v", code, out)
		}
		if e, ok := out["error"].(map[string]any); !ok || len(e) != 0 {
			t.Errorf("error %v, want {}", out["error"])
		}
		id = out["id"].(string)
	})

	t.Run("each read advances the job and events page newest first", func(t *testing.T) {
		var j map[string]any
		for i := 0; i < 12 && j["status"] != "succeeded"; i++ {
			ftCall(t, "GET", f.URL+"/fine_tuning/jobs/"+id, nil, "", &j)
		}
		if j["status"] != "succeeded" || !strings.HasPrefix(j["fine_tuned_model"].(string), "ft:o4-mini-2025-04-16:fake-org:x:") {
			t.Fatalf("job %v", j)
		}
		var all []string
		after := ""
		for page := 0; page < 20; page++ {
			var p struct {
				Data []struct {
					ID      string         `json:"id"`
					Type    string         `json:"type"`
					Message string         `json:"message"`
					Data    map[string]any `json:"data"`
				} `json:"data"`
				HasMore bool `json:"has_more"`
			}
			url := f.URL + "/fine_tuning/jobs/" + id + "/events?limit=3"
			if after != "" {
				url += "&after=" + after
			}
			ftCall(t, "GET", url, nil, "", &p)
			for _, e := range p.Data {
				all = append(all, e.Message)
				if e.Type == "metrics" {
					scores, _ := e.Data["scores"].(map[string]any)
					if scores["train_reward_mean"] != e.Data["train_mean_reward"] {
						t.Errorf("metrics event %v: scores and flat reward differ", e.Data)
					}
				}
			}
			if !p.HasMore {
				break
			}
			after = p.Data[len(p.Data)-1].ID
		}
		if len(all) < 10 || all[0] != "The job has successfully completed" || !strings.HasPrefix(all[len(all)-1], "Validating training file") {
			t.Errorf("events newest first: %q", all)
		}
		var cps struct {
			Object  string `json:"object"`
			Data    []map[string]any
			FirstID *string `json:"first_id"`
			HasMore bool    `json:"has_more"`
		}
		ftCall(t, "GET", f.URL+"/fine_tuning/jobs/"+id+"/checkpoints", nil, "", &cps)
		if cps.Object != "list" || len(cps.Data) != 3 || cps.FirstID == nil || !strings.HasPrefix(*cps.FirstID, "ftckpt_") {
			t.Errorf("checkpoints %+v", cps)
		}
	})

	t.Run("cancelling a finished job and reading a missing one are error envelopes", func(t *testing.T) {
		var e ftErr
		if code := ftCall(t, "POST", f.URL+"/fine_tuning/jobs/"+id+"/cancel", nil, "", &e); code != 400 || e.Error.Message == "" {
			t.Errorf("cancel: %d %+v", code, e)
		}
		if code := ftCall(t, "GET", f.URL+"/fine_tuning/jobs/ftjob-nope", nil, "", &e); code != 404 || e.Error.Type != "invalid_request_error" {
			t.Errorf("missing: %d %+v", code, e)
		}
	})
}
