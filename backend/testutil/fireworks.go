package testutil

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
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

// Fireworks is a fake of Fireworks' control plane for reinforcement
// fine-tuning as shared/research/trainers.md §1 describes it, under
// /v1/accounts/{account}/…: datasets (create → UPLOADING, multipart
// :upload or :getUploadEndpoint + signed PUT, :validateUpload → READY),
// evaluators (POST evaluatorsV2 → BUILDING, :getUploadEndpoint + signed
// PUT of the tar.gz, :validateUpload → ACTIVE or BUILD_FAILED), secrets,
// reinforcementFineTuningJobs (create with ?reinforcementFineTuningJobId=,
// get, list with pageSize/pageToken, :cancel, :resume, delete,
// :getMetricsFileEndpoint), models, on-demand deployments (see
// fireworks_deploy.go), and the gRPC-gateway error envelope
// {"code":N,"message":…,"details":[]}. Authorization: Bearer is checked
// when RequireKey was called. Paths under /inference/v1 go to Chat, except
// a call to one of the account's own models that no READY deployment
// serves, which is refused as Fireworks refuses it.
//
// A job advances one stage each time it is read: JOB_STATE_CREATING →
// PENDING → VALIDATING → RUNNING (one training step per read, progress
// and a metrics line per step) → WRITING_RESULTS → COMPLETED; the output
// model is then UPLOADING, READY from its second read;
// or FAILED at FailAtStep; :cancel goes CANCELLING → CANCELLED.
type Fireworks struct {
	URL     string       // server root (set by StartFireworks); chat is URL+"/inference/v1"
	Account string       // the account the paths must name
	Chat    http.Handler // optional: serves /inference/v1/…

	srv *httptest.Server

	mu         sync.Mutex
	key        string
	steps      int
	evalEvery  int
	failAt     int
	buildFail  string
	models     []string
	datasets   map[string]*fwDataset
	evaluators map[string]*fwEvaluator
	jobs       map[string]*fwFakeJob
	jobOrder   []string
	secrets    map[string]string
	uploads    map[string]fwUpload
	outModels  map[string]string // model id → state
	deploys    fwDeploys
	requests   []Request
	created    int
	seq        int
}

type fwDataset struct {
	ID, DisplayName, ExampleCount, Format, State string
	Content                                      []byte
	Deleted                                      bool
	created                                      time.Time
}

type fwEvaluator struct {
	ID, DisplayName, EntryPoint, Requirements, State, StatusMsg string
	Files                                                       map[string]string // the package, paths without the folder
	Archive                                                     []byte
	Deleted                                                     bool
	created                                                     time.Time
}

type fwUpload struct {
	kind, id, filename string
	size               int
}

type fwFakeJob struct {
	ID, State, StatusCode, StatusMsg string
	Body                             map[string]any
	Step                             int
	metrics                          []map[string]any
	created, completed               time.Time
}

// FireworksDataset is a dataset as the fake holds it.
type FireworksDataset struct {
	ID, State, ExampleCount string
	Content                 []byte
	Deleted                 bool
}

// FireworksEvaluator is an evaluator as the fake holds it: the files of
// the uploaded package, keyed by their path inside its folder.
type FireworksEvaluator struct {
	ID, State, EntryPoint, Requirements string
	Files                               map[string]string
	Deleted                             bool
}

// FireworksJob is a job as the fake holds it, with its create body.
type FireworksJob struct {
	ID, State string
	Step      int
	Body      map[string]any
}

// NewFireworks returns a fake for account "fake-acct" whose jobs run 6
// steps, evaluating on the validation set every 2.
func NewFireworks() *Fireworks {
	return &Fireworks{Account: "fake-acct", steps: 6, evalEvery: 2, datasets: map[string]*fwDataset{}, evaluators: map[string]*fwEvaluator{},
		jobs: map[string]*fwFakeJob{}, secrets: map[string]string{}, uploads: map[string]fwUpload{}, outModels: map[string]string{}, deploys: newFWDeploys(),
		models: []string{"accounts/fireworks/models/qwen3-0p6b", "accounts/fireworks/models/llama-v3p1-8b-instruct", "accounts/fireworks/models/qwen3-8b"}}
}

// StartFireworks serves a fake on a local port for the test's duration.
func StartFireworks(t testing.TB) *Fireworks {
	f := NewFireworks()
	f.srv = httptest.NewServer(f.Handler())
	f.URL = f.srv.URL
	t.Cleanup(f.Close)
	return f
}

// Close stops the server.
func (f *Fireworks) Close() {
	if f.srv != nil {
		f.srv.CloseClientConnections()
		f.srv.Close()
	}
}

// RequireKey makes every control-plane request carry Bearer key.
func (f *Fireworks) RequireKey(key string) { f.mu.Lock(); f.key = key; f.mu.Unlock() }

// SetSteps sets the training steps of new jobs and how often they evaluate.
func (f *Fireworks) SetSteps(steps, evalEvery int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps, f.evalEvery = max(steps, 1), max(evalEvery, 1)
}

// FailAtStep makes jobs fail when they reach step n (0: never).
func (f *Fireworks) FailAtStep(n int) { f.mu.Lock(); f.failAt = n; f.mu.Unlock() }

// FailBuilds makes evaluator builds end BUILD_FAILED with this message ("": succeed).
func (f *Fireworks) FailBuilds(msg string) { f.mu.Lock(); f.buildFail = msg; f.mu.Unlock() }

// Requests returns every request received, in order.
func (f *Fireworks) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// JobsCreated counts successful job creations.
func (f *Fireworks) JobsCreated() int { f.mu.Lock(); defer f.mu.Unlock(); return f.created }

// Secret returns a secret's value by key name.
func (f *Fireworks) Secret(keyName string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.secrets[keyName]
	return v, ok
}

// Datasets returns the datasets, by id.
func (f *Fireworks) Datasets() map[string]FireworksDataset {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]FireworksDataset{}
	for id, d := range f.datasets {
		out[id] = FireworksDataset{ID: id, State: d.State, ExampleCount: d.ExampleCount, Content: append([]byte(nil), d.Content...), Deleted: d.Deleted}
	}
	return out
}

// Evaluators returns the evaluators, by id.
func (f *Fireworks) Evaluators() map[string]FireworksEvaluator {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]FireworksEvaluator{}
	for id, e := range f.evaluators {
		files := map[string]string{}
		for k, v := range e.Files {
			files[k] = v
		}
		out[id] = FireworksEvaluator{ID: id, State: e.State, EntryPoint: e.EntryPoint, Requirements: e.Requirements, Files: files, Deleted: e.Deleted}
	}
	return out
}

// Jobs returns the jobs in creation order.
func (f *Fireworks) Jobs() []FireworksJob {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FireworksJob, 0, len(f.jobOrder))
	for _, id := range f.jobOrder {
		j := f.jobs[id]
		out = append(out, FireworksJob{ID: id, State: j.State, Step: j.Step, Body: j.Body})
	}
	return out
}

// FireworksRewards are the rewards the fake reports at a step of a job of
// steps steps (validation on evaluation steps only).
func FireworksRewards(step, steps int) (train, valid float64) {
	return 0.2 + 0.6*float64(step)/float64(steps), 0.15 + 0.6*float64(step)/float64(steps)
}

// Handler serves the fake.
func (f *Fireworks) Handler() http.Handler { return http.HandlerFunc(f.serve) }

// grpcHTTP is the HTTP status gRPC-gateway gives each code.
var grpcHTTP = map[int]int{3: 400, 5: 404, 6: 409, 7: 403, 9: 400, 13: 500, 14: 503, 16: 401}

func fwFail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(grpcHTTP[code])
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "details": []any{}})
}

func fwJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *Fireworks) serve(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 256<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.mu.Lock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, At: time.Now()})
	key, chat := f.key, f.Chat
	f.mu.Unlock()
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/inference/"):
		if chat == nil {
			fwFail(w, 5, "no inference on this fake")
			return
		}
		if msg := f.notServed(body); msg != "" {
			fwInferenceFail(w, msg)
			return
		}
		chat.ServeHTTP(w, r)
		return
	case strings.HasPrefix(path, "/signed/"):
		f.serveSigned(w, r, strings.TrimPrefix(path, "/signed/"), body)
		return
	case strings.HasPrefix(path, "/metrics-files/"):
		f.serveMetricsFile(w, strings.TrimPrefix(path, "/metrics-files/"))
		return
	}
	if key != "" && r.Header.Get("Authorization") != "Bearer "+key {
		fwFail(w, 16, "unauthenticated: invalid API key")
		return
	}
	prefix := "/v1/accounts/"
	if !strings.HasPrefix(path, prefix) {
		fwFail(w, 5, "Not Found")
		return
	}
	rest := strings.SplitN(strings.TrimPrefix(path, prefix), "/", 2)
	if rest[0] != f.Account {
		fwFail(w, 7, "permission denied: the API key does not belong to account "+rest[0])
		return
	}
	if len(rest) < 2 {
		fwFail(w, 5, "Not Found")
		return
	}
	res := rest[1]
	verb := ""
	if i := strings.LastIndex(res, ":"); i >= 0 {
		res, verb = res[:i], res[i+1:]
	}
	parts := strings.Split(res, "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch parts[0] {
	case "datasets":
		f.serveDatasets(w, r, parts[1:], verb, body)
	case "evaluatorsV2", "evaluators":
		f.serveEvaluators(w, r, parts, verb, body)
	case "secrets":
		f.serveSecrets(w, r, parts[1:], body)
	case "reinforcementFineTuningJobs":
		f.serveJobs(w, r, parts[1:], verb, body)
	case "deployments":
		f.serveDeployments(w, r, parts[1:], verb, body)
	case "models":
		if len(parts) == 2 && r.Method == http.MethodGet {
			st, ok := f.outModels[parts[1]]
			if !ok {
				fwFail(w, 5, "model accounts/"+f.Account+"/models/"+parts[1]+" not found")
				return
			}
			if st == "UPLOADING" {
				f.outModels[parts[1]] = "READY" // ready on the next read
			}
			fwJSON(w, map[string]any{"name": "accounts/" + f.Account + "/models/" + parts[1], "state": st, "kind": "HF_PEFT_ADDON"})
			return
		}
		fwFail(w, 5, "Not Found")
	default:
		fwFail(w, 5, "Not Found")
	}
}

func (f *Fireworks) uploadURL(kind, id, filename string, size int) string {
	f.seq++
	tok := fmt.Sprintf("u%d", f.seq)
	f.uploads[tok] = fwUpload{kind: kind, id: id, filename: filename, size: size}
	return f.URL + "/signed/" + tok + "?X-Goog-SignedHeaders=content-type;x-goog-content-length-range"
}

// serveSigned takes a PUT to a signed URL; both signed headers must match.
func (f *Fireworks) serveSigned(w http.ResponseWriter, r *http.Request, tok string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.uploads[tok]
	bad := func(msg string) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>MalformedSecurityHeader</Code><Message>%s</Message></Error>", msg)
	}
	switch {
	case !ok || r.Method != http.MethodPut:
		w.WriteHeader(http.StatusForbidden)
		return
	case r.Header.Get("Content-Type") != "application/octet-stream":
		bad("Header was included in signedheaders, but not in the request: content-type")
		return
	case r.Header.Get("X-Goog-Content-Length-Range") != fmt.Sprintf("%d,%d", u.size, u.size) || len(body) != u.size:
		bad("Header was included in signedheaders, but not in the request: x-goog-content-length-range")
		return
	}
	switch u.kind {
	case "datasets":
		if d := f.datasets[u.id]; d != nil {
			d.Content = body
		}
	case "evaluators":
		if e := f.evaluators[u.id]; e != nil {
			e.Archive = body
		}
	}
	delete(f.uploads, tok)
	w.WriteHeader(http.StatusOK)
}

func (f *Fireworks) datasetJSON(d *fwDataset) map[string]any {
	return map[string]any{"name": "accounts/" + f.Account + "/datasets/" + d.ID, "displayName": d.DisplayName, "format": d.Format,
		"exampleCount": d.ExampleCount, "state": d.State, "createTime": d.created.Format(time.RFC3339), "status": map[string]any{"code": "OK", "message": ""}}
}

func (f *Fireworks) serveDatasets(w http.ResponseWriter, r *http.Request, parts []string, verb string, body []byte) {
	if len(parts) == 0 {
		if r.Method != http.MethodPost {
			fwFail(w, 5, "Not Found")
			return
		}
		var req struct {
			DatasetID string `json:"datasetId"`
			Dataset   struct {
				DisplayName  string `json:"displayName"`
				Format       string `json:"format"`
				ExampleCount string `json:"exampleCount"`
			} `json:"dataset"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.DatasetID == "" {
			fwFail(w, 3, "invalid argument: datasetId is required")
			return
		}
		if d, ok := f.datasets[req.DatasetID]; ok && !d.Deleted {
			fwFail(w, 6, "dataset accounts/"+f.Account+"/datasets/"+req.DatasetID+" already exists")
			return
		}
		d := &fwDataset{ID: req.DatasetID, DisplayName: req.Dataset.DisplayName, Format: req.Dataset.Format, ExampleCount: req.Dataset.ExampleCount, State: "UPLOADING", created: time.Now().UTC()}
		if d.Format == "" {
			d.Format = "FORMAT_UNSPECIFIED"
		}
		f.datasets[d.ID] = d
		fwJSON(w, f.datasetJSON(d))
		return
	}
	d, ok := f.datasets[parts[0]]
	if !ok || d.Deleted {
		fwFail(w, 5, "dataset accounts/"+f.Account+"/datasets/"+parts[0]+" not found")
		return
	}
	switch {
	case verb == "" && r.Method == http.MethodGet:
		fwJSON(w, f.datasetJSON(d))
	case verb == "" && r.Method == http.MethodDelete:
		d.Deleted = true
		fwJSON(w, map[string]any{})
	case verb == "upload" && r.Method == http.MethodPost:
		file, hdr, err := r.FormFile("file")
		if err != nil {
			fwFail(w, 3, "invalid argument: multipart form field \"file\" is required")
			return
		}
		defer file.Close()
		d.Content, _ = io.ReadAll(file)
		fwJSON(w, map[string]any{"id": d.ID, "object": "file", "bytes": len(d.Content), "created_at": time.Now().Unix(), "filename": hdr.Filename, "purpose": "fine-tune"})
	case verb == "getUploadEndpoint" && r.Method == http.MethodPost:
		f.serveUploadEndpoint(w, "datasets", d.ID, body)
	case verb == "validateUpload" && r.Method == http.MethodPost:
		if msg := checkRFTRows(d.Content); msg != "" {
			fwFail(w, 3, "invalid argument: "+msg)
			return
		}
		d.State = "READY"
		fwJSON(w, map[string]any{})
	default:
		fwFail(w, 5, "Not Found")
	}
}

func (f *Fireworks) serveUploadEndpoint(w http.ResponseWriter, kind, id string, body []byte) {
	var req struct {
		FilenameToSize map[string]string `json:"filenameToSize"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.FilenameToSize) == 0 {
		fwFail(w, 3, "invalid argument: filenameToSize is required")
		return
	}
	urls := map[string]string{}
	for name, size := range req.FilenameToSize {
		n, err := strconv.Atoi(size)
		if err != nil || n <= 0 {
			fwFail(w, 3, "invalid argument: the size of "+name+" must be a positive int64 string")
			return
		}
		urls[name] = f.uploadURL(kind, id, name, n)
	}
	fwJSON(w, map[string]any{"filenameToSignedUrls": urls})
}

// checkRFTRows validates RFT rows as eval-protocol's EvaluationRow would:
// a JSON object per line, messages with roles, ground_truth a string.
func checkRFTRows(content []byte) string {
	n := 0
	for i, line := range bytes.Split(content, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		n++
		var row struct {
			Messages []struct {
				Role    string          `json:"role"`
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
			GroundTruth json.RawMessage `json:"ground_truth"`
		}
		if err := json.Unmarshal(line, &row); err != nil {
			return fmt.Sprintf("line %d is not a JSON object: %v", i+1, err)
		}
		if len(row.Messages) == 0 {
			return fmt.Sprintf("line %d: each entry must include a messages key containing OpenAI-style chat messages", i+1)
		}
		for _, m := range row.Messages {
			if m.Role == "" {
				return fmt.Sprintf("line %d: a message has no role", i+1)
			}
		}
		if len(row.GroundTruth) > 0 && row.GroundTruth[0] != '"' && string(row.GroundTruth) != "null" {
			return fmt.Sprintf("line %d: ground_truth must be a string", i+1)
		}
	}
	if n == 0 {
		return "the dataset is empty"
	}
	return ""
}

func (f *Fireworks) evaluatorJSON(e *fwEvaluator) map[string]any {
	return map[string]any{"name": "accounts/" + f.Account + "/evaluators/" + e.ID, "displayName": e.DisplayName, "state": e.State,
		"entryPoint": e.EntryPoint, "requirements": e.Requirements, "source": map[string]any{"type": "TYPE_UPLOAD"},
		"createTime": e.created.Format(time.RFC3339), "status": map[string]any{"code": map[bool]string{true: "OK", false: "INTERNAL"}[e.StatusMsg == ""], "message": e.StatusMsg}}
}

func (f *Fireworks) serveEvaluators(w http.ResponseWriter, r *http.Request, parts []string, verb string, body []byte) {
	if parts[0] == "evaluatorsV2" {
		if len(parts) != 1 || r.Method != http.MethodPost {
			fwFail(w, 5, "Not Found")
			return
		}
		var req struct {
			EvaluatorID string `json:"evaluatorId"`
			Evaluator   struct {
				DisplayName  string `json:"displayName"`
				EntryPoint   string `json:"entryPoint"`
				Requirements string `json:"requirements"`
			} `json:"evaluator"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.EvaluatorID == "" {
			fwFail(w, 3, "invalid argument: evaluatorId is required")
			return
		}
		if e, ok := f.evaluators[req.EvaluatorID]; ok && !e.Deleted {
			fwFail(w, 6, "evaluator accounts/"+f.Account+"/evaluators/"+req.EvaluatorID+" already exists")
			return
		}
		e := &fwEvaluator{ID: req.EvaluatorID, DisplayName: req.Evaluator.DisplayName, EntryPoint: req.Evaluator.EntryPoint,
			Requirements: req.Evaluator.Requirements, State: "BUILDING", created: time.Now().UTC()}
		f.evaluators[e.ID] = e
		fwJSON(w, f.evaluatorJSON(e))
		return
	}
	if len(parts) != 2 {
		fwFail(w, 5, "Not Found")
		return
	}
	e, ok := f.evaluators[parts[1]]
	if !ok || e.Deleted {
		fwFail(w, 5, "evaluator accounts/"+f.Account+"/evaluators/"+parts[1]+" not found")
		return
	}
	switch {
	case verb == "" && r.Method == http.MethodGet:
		fwJSON(w, f.evaluatorJSON(e))
	case verb == "" && r.Method == http.MethodDelete:
		e.Deleted = true
		fwJSON(w, map[string]any{})
	case verb == "getUploadEndpoint" && r.Method == http.MethodPost:
		f.serveUploadEndpoint(w, "evaluators", e.ID, body)
	case verb == "validateUpload" && r.Method == http.MethodPost:
		files, err := untarPackage(e.Archive)
		switch {
		case err != nil:
			e.State, e.StatusMsg = "BUILD_FAILED", "the archive could not be extracted: "+err.Error()
		case files["requirements.txt"] == "":
			e.State, e.StatusMsg = "BUILD_FAILED", "requirements.txt is missing"
		case f.buildFail != "":
			e.State, e.StatusMsg = "BUILD_FAILED", f.buildFail
		default:
			entry, fn, _ := strings.Cut(e.EntryPoint, "::")
			if !strings.Contains(files[entry], "def "+fn+"(") {
				e.State, e.StatusMsg = "BUILD_FAILED", "entry point "+e.EntryPoint+" not found in the package"
			} else {
				e.State = "ACTIVE"
			}
		}
		e.Files = files
		fwJSON(w, map[string]any{})
	default:
		fwFail(w, 5, "Not Found")
	}
}

// untarPackage reads a tar.gz whose paths start with one folder.
func untarPackage(archive []byte) (map[string]string, error) {
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		_, name, ok := strings.Cut(h.Name, "/")
		if !ok {
			return nil, fmt.Errorf("%s is not inside the package's folder", h.Name)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[name] = string(b)
	}
	return out, nil
}

func (f *Fireworks) serveSecrets(w http.ResponseWriter, r *http.Request, parts []string, body []byte) {
	var req struct {
		Name    string `json:"name"`
		KeyName string `json:"keyName"`
		Value   string `json:"value"`
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if err := json.Unmarshal(body, &req); err != nil || req.KeyName == "" {
			fwFail(w, 3, "invalid argument: keyName is required")
			return
		}
	}
	switch {
	case len(parts) == 0 && r.Method == http.MethodPost:
		if _, ok := f.secrets[req.KeyName]; ok {
			fwFail(w, 6, "secret "+req.KeyName+" already exists")
			return
		}
		f.secrets[req.KeyName] = req.Value
		fwJSON(w, map[string]any{"name": req.Name, "keyName": req.KeyName})
	case len(parts) == 1 && r.Method == http.MethodPatch:
		f.secrets[req.KeyName] = req.Value
		fwJSON(w, map[string]any{"name": req.Name, "keyName": req.KeyName})
	default:
		fwFail(w, 5, "Not Found")
	}
}

func (f *Fireworks) jobJSON(j *fwFakeJob) map[string]any {
	out := map[string]any{}
	for k, v := range j.Body {
		out[k] = v
	}
	out["name"] = "accounts/" + f.Account + "/reinforcementFineTuningJobs/" + j.ID
	out["state"] = j.State
	out["status"] = map[string]any{"code": j.StatusCode, "message": j.StatusMsg}
	out["createTime"] = j.created.Format(time.RFC3339)
	out["createdBy"] = "tester@example.com"
	if !j.completed.IsZero() {
		out["completedTime"] = j.completed.Format(time.RFC3339)
	}
	total := 40 * f.steps
	done := total * j.Step / f.steps
	out["jobProgress"] = map[string]any{"percent": 100 * j.Step / f.steps, "epoch": 0, "totalInputRequests": total,
		"totalProcessedRequests": done, "successfullyProcessedRequests": done, "failedRequests": 0, "inputTokens": 0, "outputTokens": 0}
	out["outputMetrics"], out["outputStats"] = "", ""
	return out
}

func (f *Fireworks) serveJobs(w http.ResponseWriter, r *http.Request, parts []string, verb string, body []byte) {
	if len(parts) == 0 {
		switch r.Method {
		case http.MethodPost:
			f.createJob(w, r, body)
		case http.MethodGet:
			size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
			if size <= 0 {
				size = 50
			}
			size = min(size, 200)
			start, _ := strconv.Atoi(r.URL.Query().Get("pageToken"))
			list := []any{}
			next := ""
			for i := start; i < len(f.jobOrder); i++ {
				if len(list) == size {
					next = strconv.Itoa(i)
					break
				}
				list = append(list, f.jobJSON(f.jobs[f.jobOrder[i]]))
			}
			fwJSON(w, map[string]any{"reinforcementFineTuningJobs": list, "nextPageToken": next, "totalSize": len(f.jobOrder)})
		default:
			fwFail(w, 5, "Not Found")
		}
		return
	}
	j, ok := f.jobs[parts[0]]
	if !ok {
		fwFail(w, 5, "reinforcement fine-tuning job accounts/"+f.Account+"/reinforcementFineTuningJobs/"+parts[0]+" not found")
		return
	}
	switch {
	case verb == "" && r.Method == http.MethodGet:
		f.advance(j)
		fwJSON(w, f.jobJSON(j))
	case verb == "" && r.Method == http.MethodDelete:
		delete(f.jobs, j.ID)
		fwJSON(w, map[string]any{})
	case verb == "cancel" && r.Method == http.MethodPost:
		if fwFinal(j.State) {
			fwFail(w, 9, "failed precondition: the job is in state "+j.State)
			return
		}
		j.State = "JOB_STATE_CANCELLING"
		fwJSON(w, map[string]any{})
	case verb == "resume" && r.Method == http.MethodPost:
		if j.State != "JOB_STATE_FAILED" && j.State != "JOB_STATE_CANCELLED" && j.State != "JOB_STATE_PAUSED" {
			fwFail(w, 9, "failed precondition: only a paused, failed or cancelled job can be resumed, not one in state "+j.State)
			return
		}
		j.State, j.StatusCode, j.StatusMsg, j.completed = "JOB_STATE_RE_QUEUEING", "OK", "", time.Time{}
		fwJSON(w, f.jobJSON(j))
	case verb == "getMetricsFileEndpoint" && r.Method == http.MethodGet:
		fwJSON(w, map[string]any{"signedUrl": f.URL + "/metrics-files/" + j.ID})
	default:
		fwFail(w, 5, "Not Found")
	}
}

func fwFinal(state string) bool {
	switch state {
	case "JOB_STATE_COMPLETED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED", "JOB_STATE_EARLY_STOPPED":
		return true
	}
	return false
}

func (f *Fireworks) createJob(w http.ResponseWriter, r *http.Request, body []byte) {
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		fwFail(w, 3, "invalid argument: the body is not JSON")
		return
	}
	str := func(k string) string { s, _ := req[k].(string); return s }
	res := func(kind, name string) (string, bool) {
		p := "accounts/" + f.Account + "/" + kind + "/"
		if !strings.HasPrefix(name, p) {
			return "", false
		}
		return strings.TrimPrefix(name, p), true
	}
	id := r.URL.Query().Get("reinforcementFineTuningJobId")
	if id == "" {
		f.seq++
		id = fmt.Sprintf("%08x-0000-4000-8000-%012x", f.seq, f.seq)
	}
	if _, ok := f.jobs[id]; ok {
		fwFail(w, 6, "reinforcement fine-tuning job accounts/"+f.Account+"/reinforcementFineTuningJobs/"+id+" already exists")
		return
	}
	for _, k := range []string{"dataset", "evaluationDataset"} {
		if k == "evaluationDataset" && str(k) == "" {
			continue
		}
		dsID, ok := res("datasets", str(k))
		d := f.datasets[dsID]
		if !ok || d == nil || d.Deleted {
			fwFail(w, 3, "invalid argument: "+k+" "+strconv.Quote(str(k))+" not found")
			return
		}
		if d.State != "READY" {
			fwFail(w, 9, "failed precondition: dataset "+str(k)+" is not READY")
			return
		}
	}
	evID, ok := res("evaluators", str("evaluator"))
	if e := f.evaluators[evID]; !ok || e == nil || e.Deleted {
		fwFail(w, 3, "invalid argument: evaluator "+strconv.Quote(str("evaluator"))+" not found")
		return
	} else if e.State != "ACTIVE" {
		fwFail(w, 9, "failed precondition: evaluator "+str("evaluator")+" is "+e.State+", not ACTIVE")
		return
	}
	tc, _ := req["trainingConfig"].(map[string]any)
	base, _ := tc["baseModel"].(string)
	known := false
	for _, m := range f.models {
		known = known || m == base
	}
	if !known {
		fwFail(w, 3, "invalid argument: base model "+strconv.Quote(base)+" not found or not tunable for reinforcement fine-tuning")
		return
	}
	if lr, ok := tc["learningRate"].(float64); ok && (lr <= 0 || lr > 1) {
		fwFail(w, 3, "invalid argument: trainingConfig.learningRate must be in (0, 1]")
		return
	}
	if tc["outputModel"] == nil || tc["outputModel"] == "" {
		tc["outputModel"] = id
	}
	j := &fwFakeJob{ID: id, State: "JOB_STATE_CREATING", StatusCode: "OK", Body: req, created: time.Now().UTC()}
	f.jobs[id] = j
	f.jobOrder = append(f.jobOrder, id)
	f.created++
	fwJSON(w, f.jobJSON(j))
}

// advance moves a job one stage along its script.
func (f *Fireworks) advance(j *fwFakeJob) {
	switch j.State {
	case "JOB_STATE_CREATING":
		j.State = "JOB_STATE_PENDING"
	case "JOB_STATE_PENDING", "JOB_STATE_RE_QUEUEING":
		j.State = "JOB_STATE_VALIDATING"
	case "JOB_STATE_VALIDATING":
		j.State = "JOB_STATE_RUNNING"
	case "JOB_STATE_CANCELLING":
		j.State, j.completed = "JOB_STATE_CANCELLED", time.Now().UTC()
	case "JOB_STATE_RUNNING":
		if j.Step >= f.steps {
			j.State = "JOB_STATE_WRITING_RESULTS"
			return
		}
		j.Step++
		if f.failAt > 0 && j.Step >= f.failAt {
			j.State, j.StatusCode, j.completed = "JOB_STATE_FAILED", "INTERNAL", time.Now().UTC()
			j.StatusMsg = fmt.Sprintf("training failed at step %d: rollout workers lost", j.Step)
			return
		}
		tr, va := FireworksRewards(j.Step, f.steps)
		m := map[string]any{"step": j.Step, "total_steps": f.steps, "epoch": 0, "train/reward_mean": tr, "train/reward_std": 0.1, "kl": 0.01 * float64(j.Step)}
		if j.Step%f.evalEvery == 0 || j.Step == f.steps {
			m["eval/reward_mean"] = va
		}
		j.metrics = append(j.metrics, m)
	case "JOB_STATE_WRITING_RESULTS":
		j.State, j.completed = "JOB_STATE_COMPLETED", time.Now().UTC()
		tc, _ := j.Body["trainingConfig"].(map[string]any)
		out, _ := tc["outputModel"].(string)
		f.outModels[out] = "UPLOADING"
	}
}

// serveMetricsFile is the signed URL of a job's metrics: JSON lines.
func (f *Fireworks) serveMetricsFile(w http.ResponseWriter, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	for _, m := range j.metrics {
		b, _ := json.Marshal(m) // map keys come out sorted
		w.Write(append(b, '\n'))
	}
}

// SetURLOnce sets URL (the root signed URLs point at) unless it is set:
// for a fake mounted under a prefix by another server.
func (f *Fireworks) SetURLOnce(root string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.URL == "" {
		f.URL = root
	}
}
