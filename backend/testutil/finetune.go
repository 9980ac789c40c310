package testutil

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FineTune is a fake of OpenAI's fine-tuning API as the reference document
// (shared/research/rft-api.md) describes it: files (multipart upload, get,
// content, delete), jobs (create, get, list, cancel, pause, resume), events
// newest first with cursor paging and metrics events shaped like the RFT
// guide's, checkpoints, and the {"error":{…}} envelope. It serves both the
// OpenAI flavour (/v1/…, Authorization: Bearer) and Azure's v1 API
// (/openai/v1/…, api-key header, api-version accepted and ignored).
//
// A job's life is scripted and advances one stage each time the job is
// read (GET /fine_tuning/jobs/{id}), so a test decides how fast it goes and
// a poller that stops leaves the job where it was: validating_files →
// queued → running (one metrics step per read, a checkpoint every
// EvalEvery steps) → succeeded, or failed at FailAtStep.
//
// Other paths (chat completions, embeddings, models) go to Chat when set,
// so one provider can both chat and fine-tune.
type FineTune struct {
	URL  string       // base URL ending in /v1 (set by StartFineTune)
	Chat http.Handler // optional: serves every other path (set before the first request)

	srv *httptest.Server

	mu         sync.Mutex
	key        string
	steps      int
	evalEvery  int
	failAt     int
	refusal    *Failure
	outage     bool
	rftModels  []string
	files      map[string]*ftFile
	fileOrder  []string
	jobs       map[string]*ftJob
	jobOrder   []string
	requests   []Request
	seq        int
	createdJob int
}

// FineTuneFile is an uploaded file as the fake keeps it.
type FineTuneFile struct {
	ID       string
	Filename string
	Purpose  string
	Content  []byte
	Deleted  bool
}

type ftFile struct {
	FineTuneFile
	createdAt int64
}

type ftEvent struct {
	ID        string         `json:"id"`
	Object    string         `json:"object"`
	CreatedAt int64          `json:"created_at"`
	Level     string         `json:"level"`
	Message   string         `json:"message"`
	Type      string         `json:"type"`
	Data      map[string]any `json:"data"`
}

type ftCheckpoint struct {
	ID         string             `json:"id"`
	Object     string             `json:"object"`
	CreatedAt  int64              `json:"created_at"`
	Model      string             `json:"fine_tuned_model_checkpoint"`
	JobID      string             `json:"fine_tuning_job_id"`
	StepNumber int                `json:"step_number"`
	Metrics    map[string]float64 `json:"metrics"`
}

type ftJob struct {
	ID             string
	Model          string
	Status         string
	TrainingFile   string
	ValidationFile string
	Suffix         string
	Seed           int64
	CreatedAt      int64
	FinishedAt     int64
	FineTunedModel string
	Err            map[string]any
	Method         json.RawMessage
	Metadata       map[string]string
	Step           int
	ResultFiles    []string
	TrainedTokens  any
	badLines       string // why validation will fail ("" = files are fine)
	request        json.RawMessage
	events         []ftEvent
	checkpoints    []ftCheckpoint
}

// FineTuneJob is a snapshot of a job the fake holds.
type FineTuneJob struct {
	ID             string
	Status         string
	Model          string
	TrainingFile   string
	ValidationFile string
	FineTunedModel string
	Step           int
	Metadata       map[string]string
}

// NewFineTune returns a fake with 6 training steps, a checkpoint every 2.
func NewFineTune() *FineTune {
	return &FineTune{steps: 6, evalEvery: 2, files: map[string]*ftFile{}, jobs: map[string]*ftJob{},
		rftModels: []string{"o4-mini-2025-04-16", "o4-mini", "gpt-5-2025-08-07"}}
}

// StartFineTune serves a fake on a local port for the test's duration.
func StartFineTune(t testing.TB) *FineTune {
	f := NewFineTune()
	f.srv = httptest.NewServer(f.Handler())
	f.URL = f.srv.URL + "/v1"
	t.Cleanup(f.Close)
	return f
}

// Close stops the server.
func (f *FineTune) Close() {
	if f.srv != nil {
		f.srv.CloseClientConnections()
		f.srv.Close()
	}
}

// RequireKey makes every request carry key (Bearer, or api-key on /openai/).
func (f *FineTune) RequireKey(key string) { f.mu.Lock(); f.key = key; f.mu.Unlock() }

// SetSteps sets how many training steps a job runs and how often (in steps)
// it evaluates on the validation file and saves a checkpoint.
func (f *FineTune) SetSteps(steps, evalEvery int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps, f.evalEvery = max(steps, 1), max(evalEvery, 1)
}

// FailAtStep makes new jobs fail when they reach step n (0: never).
func (f *FineTune) FailAtStep(n int) { f.mu.Lock(); f.failAt = n; f.mu.Unlock() }

// Refuse makes job creation answer with this error, as a platform that
// does not let the account fine-tune does (nil: accept again). Status 0
// means 403 and an empty message OpenAI's wording for closed accounts.
func (f *FineTune) Refuse(fl *Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl != nil {
		c := *fl
		if c.Status == 0 {
			c.Status = http.StatusForbidden
		}
		if c.Message == "" {
			c.Message = "fine-tuning is not available for this account"
		}
		fl = &c
	}
	f.refusal = fl
}

// SetOutage makes every fine-tuning request a 503 (with Retry-After-Ms: 5,
// so clients retry at once) until it is switched off.
func (f *FineTune) SetOutage(on bool) { f.mu.Lock(); f.outage = on; f.mu.Unlock() }

// Requests returns every request received, in order.
func (f *FineTune) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// JobsCreated counts successful job creations.
func (f *FineTune) JobsCreated() int { f.mu.Lock(); defer f.mu.Unlock(); return f.createdJob }

// Files returns every uploaded file (deleted ones flagged), in upload order.
func (f *FineTune) Files() []FineTuneFile {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FineTuneFile, 0, len(f.fileOrder))
	for _, id := range f.fileOrder {
		x := f.files[id].FineTuneFile
		x.Content = bytes.Clone(x.Content)
		out = append(out, x)
	}
	return out
}

// Jobs returns every job, in creation order.
func (f *FineTune) Jobs() []FineTuneJob {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []FineTuneJob
	for _, id := range f.jobOrder {
		j := f.jobs[id]
		out = append(out, FineTuneJob{ID: j.ID, Status: j.Status, Model: j.Model, TrainingFile: j.TrainingFile,
			ValidationFile: j.ValidationFile, FineTunedModel: j.FineTunedModel, Step: j.Step, Metadata: j.Metadata})
	}
	return out
}

// CreateRequest returns the body of the request that created a job.
func (f *FineTune) CreateRequest(jobID string) json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	if j := f.jobs[jobID]; j != nil {
		return bytes.Clone(j.request)
	}
	return nil
}

// Handler serves the fake (paths start with /v1 or /openai/v1).
func (f *FineTune) Handler() http.Handler { return http.HandlerFunc(f.serve) }

func (f *FineTune) nextID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%06d%s", prefix, f.seq, strings.Repeat("x", 4))
}

func (f *FineTune) serve(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 64<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	path := r.URL.Path
	azure := strings.HasPrefix(path, "/openai/")
	if azure {
		path = strings.TrimPrefix(path, "/openai")
	}
	f.mu.Lock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, At: time.Now()})
	key, chat, outage := f.key, f.Chat, f.outage
	f.mu.Unlock()

	isFT := strings.HasPrefix(path, "/v1/files") || strings.HasPrefix(path, "/v1/fine_tuning/")
	if !isFT {
		if chat != nil {
			chat.ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+r.URL.Path+")", "invalid_request_error", "")
		return
	}
	if key != "" {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if azure {
			got = r.Header.Get("api-key")
		}
		if got != key {
			writeError(w, http.StatusUnauthorized, "Incorrect API key provided: "+mask(got)+".", "invalid_request_error", "invalid_api_key")
			return
		}
	}
	if outage {
		w.Header().Set("Retry-After-Ms", "5")
		writeError(w, http.StatusServiceUnavailable, "The server is overloaded or not ready yet.", "server_error", "")
		return
	}
	if azure {
		w.Header().Set("apim-request-id", fmt.Sprintf("fake-%d", time.Now().UnixNano()))
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(path, "/v1/"), "/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case parts[0] == "files":
		f.serveFiles(w, r, parts[1:])
	case len(parts) >= 2 && parts[0] == "fine_tuning" && parts[1] == "jobs":
		f.serveJobs(w, r, parts[2:], body)
	default:
		writeError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+r.URL.Path+")", "invalid_request_error", "")
	}
}

func (f *FineTune) fileJSON(x *ftFile) map[string]any {
	return map[string]any{"id": x.ID, "object": "file", "bytes": len(x.Content), "created_at": x.createdAt, "expires_at": nil,
		"filename": x.Filename, "purpose": x.Purpose, "status": "processed", "status_details": nil}
}

func (f *FineTune) serveFiles(w http.ResponseWriter, r *http.Request, rest []string) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodPost:
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			writeError(w, http.StatusBadRequest, "Expected a multipart/form-data body: "+err.Error(), "invalid_request_error", "")
			return
		}
		purpose := r.FormValue("purpose")
		if purpose == "" {
			writeError(w, http.StatusBadRequest, "Missing required parameter: 'purpose'.", "invalid_request_error", "")
			return
		}
		fh, hdr, err := r.FormFile("file")
		if err != nil {
			writeError(w, http.StatusBadRequest, "Missing required parameter: 'file'.", "invalid_request_error", "")
			return
		}
		defer fh.Close()
		content, _ := io.ReadAll(fh)
		if purpose == "fine-tune" && !strings.HasSuffix(hdr.Filename, ".jsonl") {
			writeError(w, http.StatusBadRequest, "Invalid file format for Fine-Tuning API. Must be .jsonl", "invalid_request_error", "")
			return
		}
		x := &ftFile{FineTuneFile: FineTuneFile{ID: f.nextID("file-"), Filename: hdr.Filename, Purpose: purpose, Content: content}, createdAt: time.Now().Unix()}
		f.files[x.ID] = x
		f.fileOrder = append(f.fileOrder, x.ID)
		writeJSON(w, http.StatusOK, f.fileJSON(x))
	case len(rest) == 0 && r.Method == http.MethodGet:
		data := []any{}
		for _, id := range f.fileOrder {
			if x := f.files[id]; !x.Deleted {
				data = append(data, f.fileJSON(x))
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "has_more": false})
	default:
		x := f.files[rest[0]]
		if x == nil || x.Deleted {
			writeError(w, http.StatusNotFound, "No such File object: "+rest[0], "invalid_request_error", "")
			return
		}
		switch {
		case len(rest) == 1 && r.Method == http.MethodGet:
			writeJSON(w, http.StatusOK, f.fileJSON(x))
		case len(rest) == 1 && r.Method == http.MethodDelete:
			x.Deleted = true
			writeJSON(w, http.StatusOK, map[string]any{"id": x.ID, "object": "file", "deleted": true})
		case len(rest) == 2 && rest[1] == "content" && r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(x.Content)
		default:
			writeError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+r.URL.Path+")", "invalid_request_error", "")
		}
	}
}

func (f *FineTune) jobJSON(j *ftJob) map[string]any {
	var fin, model any
	if j.FinishedAt != 0 {
		fin = j.FinishedAt
	}
	if j.FineTunedModel != "" {
		model = j.FineTunedModel
	}
	var suffix any
	if j.Suffix != "" {
		suffix = j.Suffix
	}
	var meta any
	if len(j.Metadata) > 0 {
		meta = j.Metadata
	}
	var est any
	if j.Status == "running" {
		est = time.Now().Add(time.Duration(f.steps-j.Step) * time.Minute).Unix()
	}
	return map[string]any{"object": "fine_tuning.job", "id": j.ID, "model": j.Model, "created_at": j.CreatedAt, "finished_at": fin,
		"fine_tuned_model": model, "organization_id": "org-fake", "result_files": j.ResultFiles, "status": j.Status,
		"validation_file": j.ValidationFile, "training_file": j.TrainingFile, "trained_tokens": j.TrainedTokens, "error": j.Err,
		"user_provided_suffix": suffix, "seed": j.Seed, "estimated_finish": est, "integrations": []any{}, "method": j.Method,
		"metadata": meta, "usage_metrics": nil, "shared_with_openai": false}
}

func (f *FineTune) event(j *ftJob, level, typ, msg string, data map[string]any) {
	j.events = append(j.events, ftEvent{ID: f.nextID("ftevent-"), Object: "fine_tuning.job.event", CreatedAt: time.Now().Unix(),
		Level: level, Message: msg, Type: typ, Data: data})
}

func (f *FineTune) serveJobs(w http.ResponseWriter, r *http.Request, rest []string, body []byte) {
	if len(rest) == 0 {
		switch r.Method {
		case http.MethodPost:
			f.createJob(w, body)
		case http.MethodGet:
			f.listJobs(w, r)
		default:
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed", "invalid_request_error", "")
		}
		return
	}
	j := f.jobs[rest[0]]
	if j == nil {
		writeError(w, http.StatusNotFound, "No such fine-tuning job: "+rest[0], "invalid_request_error", "")
		return
	}
	op := ""
	if len(rest) > 1 {
		op = rest[1]
	}
	switch {
	case op == "" && r.Method == http.MethodGet:
		f.advance(j)
		writeJSON(w, http.StatusOK, f.jobJSON(j))
	case op == "cancel" && r.Method == http.MethodPost:
		if ftFinal(j.Status) {
			writeError(w, http.StatusBadRequest, "Job has already completed: "+j.ID+" ("+j.Status+")", "invalid_request_error", "")
			return
		}
		j.Status, j.FinishedAt = "cancelled", time.Now().Unix()
		f.event(j, "info", "message", "Fine-tuning job cancelled", nil)
		writeJSON(w, http.StatusOK, f.jobJSON(j))
	case op == "pause" && r.Method == http.MethodPost:
		if j.Status != "running" || j.Step == 0 {
			writeError(w, http.StatusBadRequest, "Only running jobs that trained at least one step can be paused (status "+j.Status+")", "invalid_request_error", "")
			return
		}
		j.Status = "paused"
		f.event(j, "info", "message", "Fine-tuning job paused", nil)
		writeJSON(w, http.StatusOK, f.jobJSON(j))
	case op == "resume" && r.Method == http.MethodPost:
		if j.Status != "paused" {
			writeError(w, http.StatusBadRequest, "Only paused jobs can be resumed (status "+j.Status+")", "invalid_request_error", "")
			return
		}
		j.Status = "queued"
		f.event(j, "info", "message", "Fine-tuning job resumed", nil)
		writeJSON(w, http.StatusOK, f.jobJSON(j))
	case op == "events" && r.Method == http.MethodGet:
		newest := make([]ftEvent, len(j.events))
		for i, e := range j.events {
			newest[len(j.events)-1-i] = e
		}
		page, more := pageAfter(newest, r, func(e ftEvent) string { return e.ID }, 20)
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": page, "has_more": more})
	case op == "checkpoints" && r.Method == http.MethodGet:
		newest := make([]ftCheckpoint, len(j.checkpoints))
		for i, c := range j.checkpoints {
			newest[len(j.checkpoints)-1-i] = c
		}
		page, more := pageAfter(newest, r, func(c ftCheckpoint) string { return c.ID }, 10)
		var first, last any
		if len(page) > 0 {
			first, last = page[0].ID, page[len(page)-1].ID
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": page, "first_id": first, "last_id": last, "has_more": more})
	default:
		writeError(w, http.StatusNotFound, "Invalid URL ("+r.Method+" "+r.URL.Path+")", "invalid_request_error", "")
	}
}

// pageAfter returns the items after the one named by ?after=, up to ?limit=.
func pageAfter[T any](items []T, r *http.Request, id func(T) string, defLimit int) ([]T, bool) {
	limit := defLimit
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		limit = n
	}
	start := 0
	if after := r.URL.Query().Get("after"); after != "" {
		for i, x := range items {
			if id(x) == after {
				start = i + 1
				break
			}
		}
	}
	end := min(start+limit, len(items))
	page := append([]T{}, items[start:end]...)
	return page, end < len(items)
}

func ftFinal(status string) bool {
	return status == "succeeded" || status == "failed" || status == "cancelled"
}

func (f *FineTune) listJobs(w http.ResponseWriter, r *http.Request) {
	var list []map[string]any
	ids := make([]*ftJob, 0, len(f.jobOrder))
	for i := len(f.jobOrder) - 1; i >= 0; i-- {
		ids = append(ids, f.jobs[f.jobOrder[i]])
	}
	q := r.URL.Query()
	for _, j := range ids {
		ok := true
		for k, v := range q {
			if strings.HasPrefix(k, "metadata[") && strings.HasSuffix(k, "]") {
				ok = ok && j.Metadata[k[len("metadata["):len(k)-1]] == v[0]
			}
		}
		if ok {
			list = append(list, f.jobJSON(j))
		}
	}
	if list == nil {
		list = []map[string]any{}
	}
	page, more := pageAfter(list, r, func(m map[string]any) string { return m["id"].(string) }, 20)
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": page, "has_more": more})
}

func (f *FineTune) createJob(w http.ResponseWriter, body []byte) {
	var req struct {
		Model          string            `json:"model"`
		TrainingFile   string            `json:"training_file"`
		ValidationFile string            `json:"validation_file"`
		Suffix         string            `json:"suffix"`
		Seed           *int64            `json:"seed"`
		Metadata       map[string]string `json:"metadata"`
		Method         *struct {
			Type          string `json:"type"`
			Reinforcement *struct {
				Grader          json.RawMessage `json:"grader"`
				Hyperparameters map[string]any  `json:"hyperparameters"`
				ResponseFormat  json.RawMessage `json:"response_format"`
			} `json:"reinforcement"`
		} `json:"method"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	}
	bad := func(param, msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": param, "code": nil}})
	}
	if req.Model == "" {
		bad("model", "Missing required parameter: 'model'.")
		return
	}
	tf := f.files[req.TrainingFile]
	if tf == nil || tf.Deleted {
		bad("training_file", "Invalid file ID: "+req.TrainingFile)
		return
	}
	if tf.Purpose != "fine-tune" {
		bad("training_file", "File "+tf.ID+" has purpose "+tf.Purpose+"; fine-tuning needs purpose fine-tune.")
		return
	}
	if req.Method == nil || req.Method.Type != "reinforcement" || req.Method.Reinforcement == nil {
		bad("method", "This fake serves reinforcement fine-tuning only: method.type must be \"reinforcement\".")
		return
	}
	if req.ValidationFile == "" {
		bad("validation_file", "Reinforcement fine-tuning requires a validation file.")
		return
	}
	if vf := f.files[req.ValidationFile]; vf == nil || vf.Deleted {
		bad("validation_file", "Invalid file ID: "+req.ValidationFile)
		return
	}
	if msg := checkGrader(req.Method.Reinforcement.Grader); msg != "" {
		bad("method.reinforcement.grader", msg)
		return
	}
	if len(req.Suffix) > 64 {
		bad("suffix", "suffix must be at most 64 characters")
		return
	}
	if f.refusal != nil {
		code := f.refusal.Code
		writeError(w, f.refusal.Status, f.refusal.Message, "invalid_request_error", code)
		return
	}
	okModel := false
	for _, m := range f.rftModels {
		okModel = okModel || m == req.Model
	}
	if !okModel {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "Model " + req.Model + " is not available for reinforcement fine-tuning.",
			"type": "invalid_request_error", "param": "model", "code": "model_not_available"}})
		return
	}
	hp := map[string]any{"batch_size": "auto", "learning_rate_multiplier": "auto", "n_epochs": "auto", "eval_interval": "auto",
		"eval_samples": "auto", "compute_multiplier": "auto", "reasoning_effort": "default"}
	for k, v := range req.Method.Reinforcement.Hyperparameters {
		hp[k] = v
	}
	rf := req.Method.Reinforcement.ResponseFormat
	if len(rf) == 0 {
		rf = json.RawMessage("null")
	}
	method, _ := json.Marshal(map[string]any{"type": "reinforcement", "reinforcement": map[string]any{
		"grader": req.Method.Reinforcement.Grader, "hyperparameters": hp, "response_format": rf}})
	seed := int64(950189191)
	if req.Seed != nil {
		seed = *req.Seed
	}
	j := &ftJob{ID: f.nextID("ftjob-"), Model: req.Model, Status: "validating_files", TrainingFile: req.TrainingFile,
		ValidationFile: req.ValidationFile, Suffix: req.Suffix, Seed: seed, CreatedAt: time.Now().Unix(), Err: map[string]any{},
		Method: method, Metadata: req.Metadata, ResultFiles: []string{}, request: bytes.Clone(body)}
	j.badLines = checkLines(tf.Content, "training")
	if j.badLines == "" {
		j.badLines = checkLines(f.files[req.ValidationFile].Content, "validation")
	}
	f.jobs[j.ID] = j
	f.jobOrder = append(f.jobOrder, j.ID)
	f.createdJob++
	f.event(j, "info", "message", "Validating training file: "+j.TrainingFile+" and validation file: "+j.ValidationFile, nil)
	writeJSON(w, http.StatusOK, f.jobJSON(j))
}

// checkGrader rejects what the real API rejects: no grader, an unknown
// type, label_model at the top, and a multi whose graders is not a map.
func checkGrader(raw json.RawMessage) string {
	var g struct {
		Type    string          `json:"type"`
		Graders json.RawMessage `json:"graders"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &g) != nil || g.Type == "" {
		return "Missing required parameter: 'method.reinforcement.grader'."
	}
	switch g.Type {
	case "string_check", "text_similarity", "python", "score_model":
		return ""
	case "multi":
		var m map[string]struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(g.Graders, &m) != nil || len(m) == 0 {
			return "Invalid type for 'graders.input': expected an object, but got a string instead."
		}
		for _, sub := range m {
			if sub.Type == "" || sub.Type == "multi" {
				return "Invalid type for 'graders.input': expected an object, but got a string instead."
			}
		}
		return ""
	}
	return "Invalid grader type: " + g.Type
}

// checkLines validates an RFT file: one JSON object per line with messages
// whose last one is a user turn.
func checkLines(content []byte, which string) string {
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		var line struct {
			Messages []struct {
				Role string `json:"role"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return fmt.Sprintf("The %s file has an invalid line %d: not a JSON object", which, n)
		}
		if len(line.Messages) == 0 || line.Messages[len(line.Messages)-1].Role != "user" {
			return fmt.Sprintf("The %s file has an invalid line %d: the last message must be from the user", which, n)
		}
	}
	if n == 0 {
		return "The " + which + " file is empty"
	}
	return ""
}

// advance moves a job one stage along its script.
func (f *FineTune) advance(j *ftJob) {
	switch j.Status {
	case "validating_files":
		if j.badLines != "" {
			j.Status, j.FinishedAt = "failed", time.Now().Unix()
			j.Err = map[string]any{"code": "invalid_training_file", "message": j.badLines, "param": "training_file"}
			f.event(j, "error", "message", j.badLines, nil)
			return
		}
		j.Status = "queued"
		f.event(j, "info", "message", "Files validated, moving job to queued state", nil)
	case "queued":
		j.Status = "running"
		f.event(j, "info", "message", "Fine-tuning job started", nil)
	case "running":
		if j.Step >= f.steps {
			suffix := j.Suffix
			j.FineTunedModel = fmt.Sprintf("ft:%s:fake-org:%s:%s", j.Model, suffix, strings.ToUpper(j.ID[len(j.ID)-8:]))
			j.Status, j.FinishedAt = "succeeded", time.Now().Unix()
			j.TrainedTokens = int64(1000 * f.steps)
			res := &ftFile{FineTuneFile: FineTuneFile{ID: f.nextID("file-"), Filename: "step_metrics.csv", Purpose: "fine-tune-results",
				Content: []byte("step,train_mean_reward,full_valid_mean_reward\n")}, createdAt: time.Now().Unix()}
			f.files[res.ID] = res
			f.fileOrder = append(f.fileOrder, res.ID)
			j.ResultFiles = []string{res.ID}
			f.event(j, "info", "message", "New fine-tuned model created: "+j.FineTunedModel, nil)
			f.event(j, "info", "message", "The job has successfully completed", nil)
			return
		}
		j.Step++
		if f.failAt > 0 && j.Step >= f.failAt {
			j.Status, j.FinishedAt = "failed", time.Now().Unix()
			j.Err = map[string]any{"code": "server_error", "message": fmt.Sprintf("The job failed at step %d due to an internal error.", j.Step), "param": nil}
			f.event(j, "error", "message", fmt.Sprintf("The job failed at step %d due to an internal error.", j.Step), nil)
			return
		}
		f.metricsEvent(j)
	}
}

// Reward curves rise with the step, validation a little below training.
func fakeTrainReward(step, steps int) float64 { return 0.30 + 0.5*float64(step)/float64(steps) }
func fakeValidReward(step, steps int) float64 { return 0.25 + 0.5*float64(step)/float64(steps) }

// FakeRewards returns the train and validation reward the fake reports at
// step (validation only on evaluation steps; ok false otherwise).
func (f *FineTune) FakeRewards(step int) (train, valid float64, evaluated bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeTrainReward(step, f.steps), fakeValidReward(step, f.steps), step%f.evalEvery == 0 || step == f.steps
}

func (f *FineTune) metricsEvent(j *ftJob) {
	s, n := j.Step, f.steps
	tr := fakeTrainReward(s, n)
	eval := s%f.evalEvery == 0 || s == n
	scores := map[string]any{"train_reward_mean": tr, "graders": []any{map[string]any{"name": "grader", "type": "multi", "train_reward_mean": tr}}}
	data := map[string]any{"step": s, "total_steps": n, "train_mean_reward": tr, "reasoning_tokens_mean": 900.0 + float64(s),
		"completion_tokens_mean": 950.0 + float64(s), "mean_unresponsive_rewards": 0.0, "scores": scores,
		"usage":  map[string]any{"samples": map[string]any{"train_reasoning_tokens_mean": 900.0 + float64(s)}},
		"errors": map[string]any{"graders": []any{}}, "timing": map[string]any{"step": map[string]any{"full_iteration": 700.0}}}
	msg := fmt.Sprintf("Step %d/%d , train mean reward=%.2f", s, n, tr)
	if eval {
		va := fakeValidReward(s, n)
		data["full_valid_mean_reward"] = va
		data["full_valid_mean_parse_error"] = 0.0
		scores["valid_reward_mean"] = va
		msg += fmt.Sprintf(", full validation mean reward=%.2f, full validation mean parse error=0.00", va)
	}
	f.event(j, "info", "metrics", msg, data)
	if eval {
		c := ftCheckpoint{ID: f.nextID("ftckpt_"), Object: "fine_tuning.job.checkpoint", CreatedAt: time.Now().Unix(),
			Model: fmt.Sprintf("ft:%s:fake-org:%s:%s:ckpt-step-%d", j.Model, j.Suffix, strings.ToUpper(j.ID[len(j.ID)-8:]), s),
			JobID: j.ID, StepNumber: s, Metrics: map[string]float64{"step": float64(s)}}
		j.checkpoints = append(j.checkpoints, c)
		f.event(j, "info", "message", fmt.Sprintf("Checkpoint created at step %d", s), nil)
	}
}
