package train

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"tracetune/backend/fireworks"

	"tracetune/backend/llm"
	"tracetune/backend/record"
)

// Fireworks reinforcement fine-tuning (shared/research/trainers.md §1):
// the split goes up as two datasets (train, validation) in eval-protocol's
// row format, the grader as an evaluator package built from the grader's
// Python export, and a reinforcementFineTuningJob ties them to a base
// model. Every resource is named after the job's token, so a start that
// died after creating the job finds it again (Find) instead of making a
// second one.

// fireworksDefaults are the values the panel shows for Fireworks: firectl's
// epochs and learning rate, a LoRA rank of 8, four rollouts per prompt of
// up to 2,048 tokens. Zero values are left to the platform.
var fireworksDefaults = Hyperparameters{Epochs: 5, LearningRate: 1e-4, LoRARank: 8, NumGenerations: 4, MaxCompletionLength: 2048}

// fireworksUploadLimit is the largest file the one-request multipart
// upload takes; larger ones go through a signed URL.
const fireworksUploadLimit = 150 << 20

// Names of the evaluator package.
const (
	fwEvaluatorDir   = "tracetune-evaluator"
	fwEntryFile      = "test_grader.py"
	fwEntryPoint     = "test_grader.py::test_grader"
	fwJudgeKeySecret = "TRACETUNE_JUDGE_API_KEY"
)

// fireworksTrainer talks to one Fireworks account's control plane.
type fireworksTrainer struct {
	info    Info
	root    string // https://api.fireworks.ai/v1/accounts/{account}
	account string
	key     string
	hc      *http.Client
	judge   func(ctx context.Context) (judgeEndpoint, error)
	every   time.Duration // between readiness checks of datasets and evaluators
	limit   time.Duration // how long they may take to become ready
	polled  *fwJob        // the job as Poll last read it: Events reads it rather than the job again
}

// judgeEndpoint is where the evaluator's judge components send their calls.
type judgeEndpoint struct {
	Provider, BaseURL, Model, Key, Header string
}

// newFireworksTrainer builds the trainer of a Fireworks provider. The
// control plane is the provider's host with /v1/accounts/{account}; the
// judge is the judge role's provider, read when a job is submitted.
func (s *Service) newFireworksTrainer(info Info, cfg llm.Config) *fireworksTrainer {
	base := strings.TrimRight(cfg.BaseURL, "/")
	for _, suf := range []string{"/inference/v1", "/inference", "/v1"} {
		base = strings.TrimSuffix(base, suf)
	}
	hc := s.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	return &fireworksTrainer{info: info, root: base + "/v1/accounts/" + url.PathEscape(cfg.Account), account: cfg.Account,
		key: cfg.APIKey, hc: hc, judge: s.judgeEndpoint, every: min(s.pollMin(), 2*time.Second), limit: 15 * time.Minute}
}

// judgeEndpoint resolves the judge role's provider and model.
func (s *Service) judgeEndpoint(ctx context.Context) (judgeEndpoint, error) {
	m := s.providers()
	roles, err := m.Roles(ctx)
	if err != nil {
		return judgeEndpoint{}, err
	}
	for _, r := range roles {
		if r.Role != llm.RoleJudge || r.Provider == "" {
			continue
		}
		cfg, err := m.Endpoint(ctx, r.Provider)
		if err != nil {
			return judgeEndpoint{}, err
		}
		je := judgeEndpoint{Provider: cfg.Name, BaseURL: cfg.BaseURL, Model: r.Model, Key: cfg.APIKey, Header: "Authorization"}
		if cfg.Kind == llm.KindAzure {
			return je, invalid("the judge role's provider %s is Azure OpenAI, whose deployment paths the evaluator cannot call: assign an OpenAI-compatible judge (openai, openrouter, fireworks, …) in Settings", cfg.Name)
		}
		return je, nil
	}
	return judgeEndpoint{}, invalid("the grader has an LLM judge but no provider serves the judge role: assign one in Settings (roles set --role judge)")
}

func (t *fireworksTrainer) Info() Info { return t.info }

// fwReserved are eval-protocol EvaluationRow fields a grader field must not
// take over at the top of a row.
var fwReserved = map[string]bool{"messages": true, "tools": true, "ground_truth": true, "input_metadata": true,
	"evaluation_result": true, "rollout_status": true, "execution_metadata": true, "created_at": true, "eval_metadata": true, "pid": true}

// Line is a record's row for Fireworks RFT: the prompt messages (system
// and user, as written), tools, ground_truth (every grader field as one
// JSON object string, which the evaluator reads back as item.*) and the
// grader fields again as top-level keys.
func (t *fireworksTrainer) Line(rec record.Record) ([]byte, error) { return fireworksLine(rec) }

func fireworksLine(rec record.Record) ([]byte, error) {
	if len(bytes.TrimSpace(rec.Messages)) == 0 {
		return nil, fmt.Errorf("record %d has no prompt messages", rec.ID)
	}
	var msgs []map[string]json.RawMessage
	if err := json.Unmarshal(rec.Messages, &msgs); err != nil {
		return nil, fmt.Errorf("record %d messages: %w", rec.ID, err)
	}
	if len(msgs) == 0 || string(msgs[len(msgs)-1]["role"]) != `"user"` {
		return nil, fmt.Errorf("record %d: the last message must be the user's (RFT rows end with the user turn)", rec.ID)
	}
	fields, err := graderFields(rec)
	if err != nil {
		return nil, err
	}
	row := map[string]json.RawMessage{}
	for k, v := range fields {
		if !fwReserved[k] {
			row[k] = v
		}
	}
	row["messages"] = rec.Messages
	if tl := bytes.TrimSpace(rec.Tools); len(tl) > 0 && string(tl) != "null" && string(tl) != "[]" {
		row["tools"] = tl
	}
	gt, _ := json.Marshal(string(orderedObject(fields)))
	row["ground_truth"] = gt
	return orderedObject(row, "messages", "tools", "ground_truth"), nil
}

// fwStatus is the status of a resource (google.rpc.Status in proto3 JSON).
type fwStatus struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fwNum reads an int64 or a double sent as a number or as a string.
type fwNum float64

func (n *fwNum) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	*n = fwNum(f)
	return err
}

type fwJob struct {
	Name           string   `json:"name"`
	State          string   `json:"state"`
	Status         fwStatus `json:"status"`
	CreateTime     string   `json:"createTime"`
	CompletedTime  string   `json:"completedTime"`
	Dataset        string   `json:"dataset"`
	EvalDataset    string   `json:"evaluationDataset"`
	TrainingConfig struct {
		BaseModel   string `json:"baseModel"`
		OutputModel string `json:"outputModel"`
		Epochs      fwNum  `json:"epochs"`
	} `json:"trainingConfig"`
	JobProgress *struct {
		Percent    fwNum `json:"percent"`
		Epoch      fwNum `json:"epoch"`
		Total      fwNum `json:"totalInputRequests"`
		Processed  fwNum `json:"totalProcessedRequests"`
		Failed     fwNum `json:"failedRequests"`
		InputToks  fwNum `json:"inputTokens"`
		OutputToks fwNum `json:"outputTokens"`
	} `json:"jobProgress"`
}

// fireworksStatus maps a JOB_STATE_* to the app's statuses; ok is false for
// a transitional word the job stays followed through (cancelling).
func fireworksStatus(state string) (status string, ok bool) {
	switch strings.TrimPrefix(state, "JOB_STATE_") {
	case "VALIDATING":
		return StatusValidating, true
	case "UNSPECIFIED", "CREATING", "PENDING", "CREATING_INPUT_DATASET", "RE_QUEUEING", "IDLE":
		return StatusQueued, true
	case "RUNNING", "WRITING_RESULTS":
		return StatusRunning, true
	case "COMPLETED", "EARLY_STOPPED":
		return StatusSucceeded, true
	case "FAILED", "EXPIRED", "DELETING", "DELETING_CLEANING_UP", "DELETED":
		return StatusFailed, true
	case "CANCELLED":
		return StatusCancelled, true
	case "PAUSED":
		return StatusPaused, true
	case "CANCELLING":
		return "cancelling", false
	}
	return strings.ToLower(strings.TrimPrefix(state, "JOB_STATE_")), false
}

func (t *fireworksTrainer) remoteOf(j fwJob) Remote {
	status, _ := fireworksStatus(j.State)
	r := Remote{ID: lastSegment(j.Name), Status: status, Native: j.State, TrainFile: j.Dataset, ValidFile: j.EvalDataset}
	if j.State == "" {
		r.Status, r.Native = StatusQueued, "JOB_STATE_UNSPECIFIED"
	}
	if status == StatusSucceeded {
		out := j.TrainingConfig.OutputModel
		if out == "" {
			out = r.ID // the platform names the model after the job then
		}
		if !strings.HasPrefix(out, "accounts/") {
			out = "accounts/" + t.account + "/models/" + out
		}
		r.FineTunedModel = out
	}
	if status == StatusFailed {
		r.Error = strings.TrimSpace(j.Status.Message)
		switch {
		case strings.Contains(j.State, "DELET"):
			r.Error = "the job was deleted on Fireworks"
		case j.State == "JOB_STATE_EXPIRED" && r.Error == "":
			r.Error = "the job expired on Fireworks before it could run: start it again"
		case r.Error == "":
			r.Error = "Fireworks reports the job failed (" + j.Status.Code + "); see its page on app.fireworks.ai"
		}
	}
	if p := j.JobProgress; p != nil && p.InputToks+p.OutputToks > 0 {
		r.TrainedTokens = int64(p.InputToks + p.OutputToks)
	}
	if ts, err := time.Parse(time.RFC3339Nano, j.CompletedTime); err == nil && Final(status) {
		r.FinishedAt = ts.UTC()
	}
	return r
}

func lastSegment(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// fwError is an error answer of the control plane.
type fwError = fireworks.APIError

// do sends one JSON request to the account's control plane (see
// fireworks.Client.Do: reads are retried, writes are not).
func (t *fireworksTrainer) do(ctx context.Context, method, path string, body, out any) error {
	return t.api().Do(ctx, method, path, body, out)
}

func (t *fireworksTrainer) api() fireworks.Client {
	return fireworks.Client{Root: t.root, Key: t.key, HC: t.hc}
}

// explain turns a control-plane error into what a person can act on.
// Refusals wrap ErrRefused; outages and 5xx stay plain (worth a retry).
func (t *fireworksTrainer) explain(what string, err error) error {
	var fe *fwError
	if !errors.As(err, &fe) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s: %w", what, err)
		}
		if errors.Is(err, ErrInvalid) || errors.Is(err, ErrRefused) {
			return err
		}
		return fmt.Errorf("%s: Fireworks could not be reached (%v); check the provider's base URL and your network", what, err)
	}
	lower := strings.ToLower(fe.Message)
	var advice string
	switch {
	case fe.HTTP == http.StatusUnauthorized || fe.Code == "UNAUTHENTICATED":
		advice = "the API key was not accepted: check the Fireworks provider's key in Settings"
	case fe.HTTP == http.StatusForbidden || fe.Code == "PERMISSION_DENIED":
		advice = "the key cannot act on account " + t.account + ": check the provider's account id (--account) and that the key belongs to it"
	case strings.Contains(lower, "model") && (strings.Contains(lower, "not found") || strings.Contains(lower, "tunable") || strings.Contains(lower, "not supported")):
		advice = "pick a base model Fireworks offers for reinforcement fine-tuning (Model Library, filter tunable), e.g. accounts/fireworks/models/qwen3-0p6b"
	case fe.HTTP == http.StatusTooManyRequests || fe.Code == "RESOURCE_EXHAUSTED" || strings.Contains(lower, "quota"):
		advice = "the account hit a rate or quota limit: wait, or cancel another job"
	case fe.HTTP >= 500:
		advice = "Fireworks had an internal error: try again in a few minutes"
	default:
		advice = "fix what Fireworks names and start again"
	}
	wrapped := fmt.Errorf("%s: Fireworks said: %q. What to do: %s", what, fe.Message, advice)
	if fe.HTTP == http.StatusTooManyRequests || fe.HTTP >= 500 {
		return wrapped
	}
	return &kindError{msg: wrapped.Error(), kind: ErrRefused}
}

func refused(format string, a ...any) error {
	return &kindError{msg: fmt.Sprintf(format, a...), kind: ErrRefused}
}

// fwID makes a resource id from the job's token: lowercase letters,
// digits and hyphens, at most 63 characters.
func fwID(parts ...string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.Join(parts, "-")) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 63 {
		s = strings.Trim(s[:63], "-")
	}
	return s
}

// fwNames are the resource ids of one job.
type fwNames struct{ Job, Train, Valid, Evaluator, Output string }

func namesFor(token, suffix string) fwNames {
	base := fwID("tt", token)
	n := fwNames{Job: base, Train: fwID(base, "train"), Valid: fwID(base, "valid"), Evaluator: fwID(base, "grader"), Output: fwID(base, "model")}
	if suffix != "" {
		n.Output = fwID(suffix, token)
	}
	return n
}

// jobToken of a submission; a random one when the service gave none.
func submissionToken(s Submission) string {
	if tok := s.Metadata[metaKey]; tok != "" {
		return tok
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// graderKinds reads the components' kinds and judge models from the
// canonical grader JSON.
func graderKinds(raw json.RawMessage) (judges []string, err error) {
	var g struct {
		Components []struct {
			Name  string `json:"name"`
			Kind  string `json:"kind"`
			Model string `json:"model"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &g); err != nil || len(g.Components) == 0 {
		return nil, invalid("the grader could not be read for Fireworks: configure it in Step 4 and start again")
	}
	for _, c := range g.Components {
		if c.Kind == "llm_judge" {
			judges = append(judges, c.Model)
		}
	}
	return judges, nil
}

// localHost says whether a URL points at this machine or a private
// network, which Fireworks' evaluator cannot call.
func localHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return true
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".local") || strings.HasSuffix(h, ".internal") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
}

// evaluatorPackage checks the grader's evaluator files and what its judge
// needs, before anything is uploaded, and returns the files to upload and
// the judge (nil when the grader has no judge).
func (t *fireworksTrainer) evaluatorPackage(ctx context.Context, s Submission) (map[string]string, *judgeEndpoint, error) {
	for _, name := range []string{fwEntryFile, "tracetune_grader.py", "requirements.txt"} {
		if strings.TrimSpace(s.Evaluator[name]) == "" {
			return nil, nil, invalid("the grader has no Fireworks evaluator export (%s is missing): configure the grader in Step 4", name)
		}
	}
	judges, err := graderKinds(s.Grader)
	if err != nil {
		return nil, nil, err
	}
	files := make(map[string]string, len(s.Evaluator)+1)
	for k, v := range s.Evaluator {
		files[k] = v
	}
	if len(judges) == 0 {
		return files, nil, nil
	}
	je, err := t.judge(ctx)
	if err != nil {
		return nil, nil, err
	}
	if localHost(je.BaseURL) {
		return nil, nil, invalid("the grader's LLM judge runs on Fireworks' servers, which cannot reach the judge role's provider %s at %s: assign a judge on a public endpoint (OpenAI, OpenRouter, Fireworks, …) in Settings", je.Provider, je.BaseURL)
	}
	for _, m := range judges {
		if m == "" && je.Model == "" {
			return nil, nil, invalid("a judge component names no model and the judge role has none: set the judge role's model in Settings")
		}
	}
	// Where the judge is and which model it uses go with the package; the
	// key goes as a Fireworks secret, never in a file.
	pre := "import os as _tt_os\n" +
		"_tt_os.environ.setdefault(\"TRACETUNE_JUDGE_BASE_URL\", " + strconv.Quote(je.BaseURL) + ")\n" +
		"_tt_os.environ.setdefault(\"TRACETUNE_JUDGE_API_KEY_HEADER\", " + strconv.Quote(je.Header) + ")\n"
	if je.Model != "" {
		pre += "_tt_os.environ.setdefault(\"TRACETUNE_JUDGE_MODEL\", " + strconv.Quote(je.Model) + ")\n"
	}
	files[fwEntryFile] = pre + files[fwEntryFile] // the judge calls use urllib: requirements stay as exported
	return files, &je, nil
}

// tarball packs the files under one folder, as eval-protocol does.
func tarball(dir string, files map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if err := tw.WriteHeader(&tar.Header{Name: dir + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: time.Unix(0, 0)}); err != nil {
		return nil, err
	}
	for _, n := range names {
		c := []byte(files[n])
		if err := tw.WriteHeader(&tar.Header{Name: dir + "/" + n, Mode: 0o644, Size: int64(len(c)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(c); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func countLines(b []byte) int {
	n := 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			n++
		}
	}
	return n
}

// signedUpload asks a resource (datasets/… or evaluators/…) for a signed
// URL and PUTs the file there with the headers the URL is signed for.
func (t *fireworksTrainer) signedUpload(ctx context.Context, resource, filename string, data []byte) error {
	size := strconv.Itoa(len(data))
	var ep struct {
		URLs map[string]string `json:"filenameToSignedUrls"`
	}
	if err := t.do(ctx, http.MethodPost, "/"+resource+":getUploadEndpoint", map[string]any{"filenameToSize": map[string]string{filename: size}}, &ep); err != nil {
		return err
	}
	target := ep.URLs[filename]
	if target == "" {
		return fmt.Errorf("Fireworks gave no upload URL for %s", filename)
	}
	var err error
	for i := 0; i < 4; i++ {
		if i > 0 {
			time.Sleep(time.Duration(250<<i) * time.Millisecond)
		}
		req, rerr := http.NewRequestWithContext(ctx, http.MethodPut, target, bytes.NewReader(data))
		if rerr != nil {
			return rerr
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("X-Goog-Content-Length-Range", size+","+size)
		if err = t.api().Send(req, nil); err == nil || ctx.Err() != nil {
			return err
		}
		var fe *fwError
		if errors.As(err, &fe) && fe.HTTP < 500 && fe.HTTP != http.StatusRequestTimeout {
			return err
		}
	}
	return err
}

// uploadDataset creates a dataset, uploads its rows and validates them.
func (t *fireworksTrainer) uploadDataset(ctx context.Context, id, display string, data []byte) error {
	body := map[string]any{"datasetId": id, "dataset": map[string]any{"displayName": display, "format": "FORMAT_UNSPECIFIED",
		"exampleCount": strconv.Itoa(countLines(data)), "evalProtocol": map[string]any{}}}
	if err := t.do(ctx, http.MethodPost, "/datasets", body, nil); err != nil {
		return t.explain("create dataset "+id, err)
	}
	if len(data) <= fireworksUploadLimit {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile("file", id+".jsonl")
		if err != nil {
			return err
		}
		_, _ = fw.Write(data)
		_ = mw.Close()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.root+"/datasets/"+id+":upload", &buf)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+t.key)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if err := t.api().Send(req, nil); err != nil {
			return t.explain("upload dataset "+id, err)
		}
	} else if err := t.signedUpload(ctx, "datasets/"+id, id+".jsonl", data); err != nil {
		return t.explain("upload dataset "+id, err)
	}
	if err := t.do(ctx, http.MethodPost, "/datasets/"+id+":validateUpload", map[string]any{}, nil); err != nil {
		return t.explain("validate dataset "+id, err)
	}
	return nil
}

// waitReady polls a dataset or evaluator until its state is one of ready.
func (t *fireworksTrainer) waitReady(ctx context.Context, resource, what string, ready string, failed string) error {
	deadline := time.Now().Add(t.limit)
	for {
		var r struct {
			State  string   `json:"state"`
			Status fwStatus `json:"status"`
		}
		if err := t.do(ctx, http.MethodGet, "/"+resource, nil, &r); err != nil {
			return t.explain("read "+what, err)
		}
		switch {
		case r.State == ready:
			return nil
		case failed != "" && r.State == failed:
			msg := r.Status.Message
			if msg == "" {
				msg = r.State
			}
			return refused("%s: Fireworks could not build it: %q. What to do: check the grader in Step 4 (its Python export runs on its own with python3) and start again", what, msg)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is still %s after %s on Fireworks: start again later", what, r.State, t.limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(t.every):
		}
	}
}

// Submit refuses what cannot run on Fireworks before anything is
// uploaded; then it uploads both datasets, sets the judge key as a secret,
// creates the evaluator and waits until it is active, and creates the job.
// When a step fails, the datasets and evaluator made so far are deleted.
func (t *fireworksTrainer) Submit(ctx context.Context, s Submission) (Remote, error) {
	if t.account == "" {
		return Remote{}, invalid("the Fireworks provider has no account id: edit it (providers add --kind fireworks --account A)")
	}
	if countLines(s.Valid) == 0 {
		return Remote{}, invalid("the validation set is empty: Fireworks needs validation rows (lower --split or add records)")
	}
	files, judge, err := t.evaluatorPackage(ctx, s)
	if err != nil {
		return Remote{}, err
	}
	archive, err := tarball(fwEvaluatorDir, files)
	if err != nil {
		return Remote{}, err
	}
	n := namesFor(submissionToken(s), s.Suffix)
	var made []string
	cleanup := func() {
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for _, r := range made {
			_ = t.do(bg, http.MethodDelete, "/"+r, nil, nil)
		}
	}
	fail := func(err error) (Remote, error) { cleanup(); return Remote{}, err }

	for _, d := range []struct {
		id, display string
		data        []byte
	}{
		{n.Train, "Tracetune " + n.Job + " train", s.Train}, {n.Valid, "Tracetune " + n.Job + " validation", s.Valid}} {
		err := t.uploadDataset(ctx, d.id, d.display, d.data)
		if err == nil || !isExists(err) {
			made = append(made, "datasets/"+d.id)
		}
		if err != nil {
			return fail(err)
		}
	}
	for _, id := range []string{n.Train, n.Valid} {
		if err := t.waitReady(ctx, "datasets/"+id, "dataset "+id, "READY", ""); err != nil {
			return fail(err)
		}
	}
	if judge != nil && judge.Key != "" {
		if err := t.setSecret(ctx, fwJudgeKeySecret, judge.Key); err != nil {
			return fail(t.explain("store the judge's key as a Fireworks secret", err))
		}
	}
	ev := map[string]any{"evaluatorId": n.Evaluator, "evaluator": map[string]any{"displayName": "Tracetune grader " + n.Job,
		"description": "Tracetune grader " + s.Metadata["grader_version"] + " (dataset " + s.Metadata["dataset"] + ")",
		"entryPoint":  fwEntryPoint, "requirements": files["requirements.txt"], "commitHash": s.Metadata["grader_version"]}}
	if err := t.do(ctx, http.MethodPost, "/evaluatorsV2", ev, nil); err != nil {
		return fail(t.explain("create the evaluator", err))
	}
	made = append(made, "evaluators/"+n.Evaluator)
	if err := t.signedUpload(ctx, "evaluators/"+n.Evaluator, fwEvaluatorDir+".tar.gz", archive); err != nil {
		return fail(t.explain("upload the evaluator package", err))
	}
	if err := t.do(ctx, http.MethodPost, "/evaluators/"+n.Evaluator+":validateUpload", map[string]any{}, nil); err != nil {
		return fail(t.explain("build the evaluator", err))
	}
	if err := t.waitReady(ctx, "evaluators/"+n.Evaluator, "evaluator "+n.Evaluator, "ACTIVE", "BUILD_FAILED"); err != nil {
		return fail(err)
	}

	tc := map[string]any{"baseModel": s.Model, "outputModel": n.Output}
	h := s.Hyper
	if h.Epochs > 0 {
		tc["epochs"] = h.Epochs
	}
	if h.LearningRate > 0 {
		tc["learningRate"] = h.LearningRate
	}
	if h.LoRARank > 0 {
		tc["loraRank"] = h.LoRARank
	}
	if h.BatchSize > 0 {
		tc["batchSize"] = h.BatchSize
	}
	ip := map[string]any{}
	if h.MaxCompletionLength > 0 {
		ip["maxOutputTokens"] = h.MaxCompletionLength
	}
	if h.NumGenerations > 0 {
		ip["responseCandidatesCount"] = h.NumGenerations
	}
	acct := "accounts/" + t.account
	body := map[string]any{"displayName": "Tracetune " + n.Job, "dataset": acct + "/datasets/" + n.Train,
		"evaluationDataset": acct + "/datasets/" + n.Valid, "evaluator": acct + "/evaluators/" + n.Evaluator,
		"evalAutoCarveout": false, "trainingConfig": tc}
	if len(ip) > 0 {
		body["inferenceParameters"] = ip
	}
	var j fwJob
	if err := t.do(ctx, http.MethodPost, "/reinforcementFineTuningJobs?reinforcementFineTuningJobId="+url.QueryEscape(n.Job), body, &j); err != nil {
		if ctx.Err() != nil {
			return Remote{}, err // the job may exist: the service looks for it (Find) and cleans nothing
		}
		return fail(t.explain("create the reinforcement fine-tuning job", err))
	}
	if j.Name == "" {
		j.Name = acct + "/reinforcementFineTuningJobs/" + n.Job
	}
	return t.remoteOf(j), nil
}

func isExists(err error) bool {
	var fe *fwError
	return errors.As(err, &fe) && (fe.HTTP == http.StatusConflict || fe.Code == "ALREADY_EXISTS")
}

// setSecret stores a secret of the account under keyName (the evaluator
// reads it as that environment variable), replacing an older value.
func (t *fireworksTrainer) setSecret(ctx context.Context, keyName, value string) error {
	name := "accounts/" + t.account + "/secrets/" + fwID(keyName)
	err := t.do(ctx, http.MethodPost, "/secrets", map[string]string{"name": name, "keyName": keyName, "value": value}, nil)
	if isExists(err) {
		err = t.do(ctx, http.MethodPatch, "/secrets/"+fwID(keyName), map[string]string{"name": name, "keyName": keyName, "value": value}, nil)
	}
	return err
}

func (t *fireworksTrainer) getJob(ctx context.Context, id string) (fwJob, error) {
	var j fwJob
	err := t.do(ctx, http.MethodGet, "/reinforcementFineTuningJobs/"+url.PathEscape(id), nil, &j)
	return j, err
}

func (t *fireworksTrainer) Poll(ctx context.Context, id string) (Remote, error) {
	j, err := t.getJob(ctx, id)
	if err != nil {
		return Remote{}, t.explain("read job "+id, err)
	}
	t.polled = &j
	r := t.remoteOf(j)
	if r.Status == StatusSucceeded {
		// Deploy needs the model itself: until Fireworks has it READY the
		// job stays followed (a model that cannot be read does not hold it).
		var m struct {
			State string `json:"state"`
		}
		err := t.do(ctx, http.MethodGet, "/models/"+url.PathEscape(lastSegment(r.FineTunedModel)), nil, &m)
		var fe *fwError
		if err == nil && m.State != "" && m.State != "READY" || errors.As(err, &fe) && fe.HTTP == http.StatusNotFound {
			r.Status, r.FinishedAt = "saving_model", time.Time{}
		}
	}
	return r, nil
}

// Events are made from what the job shows: one per state it was seen in,
// one per progress percentage, and one "metrics" event per training step
// of the job's metrics file (rewards). Ids are stable, so the store keeps
// each once; since is not needed.
func (t *fireworksTrainer) Events(ctx context.Context, id, since string) ([]RemoteEvent, error) {
	var j fwJob
	if p := t.polled; p != nil && lastSegment(p.Name) == id {
		j, t.polled = *p, nil
	} else {
		var err error
		if j, err = t.getJob(ctx, id); err != nil {
			return nil, t.explain("read job "+id, err)
		}
	}
	now := time.Now().UTC()
	var out []RemoteEvent
	if j.State != "" {
		level, msg := "info", "Fireworks: "+j.State
		if status, _ := fireworksStatus(j.State); status == StatusFailed {
			level = "error"
			if j.Status.Message != "" {
				msg += ": " + j.Status.Message
			}
		}
		out = append(out, RemoteEvent{ID: "state-" + j.State, CreatedAt: now, Level: level, Type: "message", Message: msg})
	}
	if p := j.JobProgress; p != nil && p.Percent > 0 {
		msg := fmt.Sprintf("%g%% done (epoch %g", float64(p.Percent), float64(p.Epoch))
		if p.Total > 0 {
			msg += fmt.Sprintf(", %g of %g rollouts", float64(p.Processed), float64(p.Total))
		}
		if p.Failed > 0 {
			msg += fmt.Sprintf(", %g failed", float64(p.Failed))
		}
		data, _ := json.Marshal(p)
		out = append(out, RemoteEvent{ID: fmt.Sprintf("progress-%g", float64(p.Percent)), CreatedAt: now, Level: "info", Type: "progress",
			Message: msg + ")", Data: data})
	}
	if status, _ := fireworksStatus(j.State); status == StatusRunning || status == StatusSucceeded || status == StatusPaused ||
		status == StatusCancelled || j.State == "JOB_STATE_CANCELLING" || status == StatusFailed {
		out = append(out, t.metricEvents(ctx, id, now)...)
	}
	return out, nil
}

// metricEvents reads the job's metrics file, JSON lines of per-step
// numbers. Its format is not documented: a line's step is its "step"
// (or "global_step"); a key naming a reward mean is the training reward,
// or the validation reward when it also names eval or valid. A job with
// no file yet, or a line that does not fit, gives nothing.
func (t *fireworksTrainer) metricEvents(ctx context.Context, id string, now time.Time) []RemoteEvent {
	var ep struct {
		SignedURL string `json:"signedUrl"`
	}
	if err := t.do(ctx, http.MethodGet, "/reinforcementFineTuningJobs/"+url.PathEscape(id)+":getMetricsFileEndpoint", nil, &ep); err != nil || ep.SignedURL == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.SignedURL, nil)
	if err != nil {
		return nil
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	var out []RemoteEvent
	for _, line := range bytes.Split(b, []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(bytes.TrimSpace(line), &m) != nil {
			continue
		}
		data, ok := fireworksMetric(m)
		if !ok {
			continue
		}
		raw, _ := json.Marshal(data)
		msg := fmt.Sprintf("Step %v", data["step"])
		if v, ok := data["train_reward_mean"]; ok {
			msg += fmt.Sprintf(", train mean reward=%.4f", v)
		}
		if v, ok := data["valid_reward_mean"]; ok {
			msg += fmt.Sprintf(", validation mean reward=%.4f", v)
		}
		out = append(out, RemoteEvent{ID: fmt.Sprintf("metrics-step-%v", data["step"]), CreatedAt: now, Level: "info", Type: "metrics", Message: msg, Data: raw})
	}
	return out
}

// fireworksMetric reads one metrics line into the step, total steps and
// rewards metricOf knows, keeping the line under "fireworks".
func fireworksMetric(m map[string]any) (map[string]any, bool) {
	var step float64
	ok := false
	for _, k := range []string{"step", "global_step", "train/step", "iteration"} {
		if step, ok = num(m[k]); ok {
			break
		}
	}
	if !ok {
		return nil, false
	}
	d := map[string]any{"step": int(step), "fireworks": m}
	if total, ok := num(m["total_steps"]); ok {
		d["total_steps"] = int(total)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lk := strings.ToLower(k)
		if !strings.Contains(lk, "reward") || !(strings.Contains(lk, "mean") || strings.Contains(lk, "avg")) || strings.Contains(lk, "std") {
			continue
		}
		v, ok := num(m[k])
		if !ok {
			continue
		}
		name := "train_reward_mean"
		if strings.Contains(lk, "eval") || strings.Contains(lk, "valid") {
			name = "valid_reward_mean"
		}
		if _, seen := d[name]; !seen {
			d[name] = v
		}
	}
	_, tr := d["train_reward_mean"]
	_, va := d["valid_reward_mean"]
	return d, tr || va
}

// Checkpoints: Fireworks RFT keeps only the final model.
func (t *fireworksTrainer) Checkpoints(ctx context.Context, id string) ([]RemoteCheckpoint, error) {
	return nil, nil
}

// Cancel asks for the cancellation (the answer is {}) and reads the job:
// it shows JOB_STATE_CANCELLING until Fireworks has stopped it.
func (t *fireworksTrainer) Cancel(ctx context.Context, id string) (Remote, error) {
	if err := t.do(ctx, http.MethodPost, "/reinforcementFineTuningJobs/"+url.PathEscape(id)+":cancel", map[string]any{}, nil); err != nil {
		return Remote{}, t.explain("cancel job "+id, err)
	}
	return t.Poll(ctx, id)
}

func (t *fireworksTrainer) Pause(ctx context.Context, id string) (Remote, error) {
	return Remote{}, &kindError{msg: "Fireworks reinforcement fine-tuning jobs cannot be paused", kind: ErrUnsupported}
}

// Resume restarts a paused, failed or cancelled job on Fireworks.
func (t *fireworksTrainer) Resume(ctx context.Context, id string) (Remote, error) {
	var j fwJob
	if err := t.do(ctx, http.MethodPost, "/reinforcementFineTuningJobs/"+url.PathEscape(id)+":resume", map[string]any{}, &j); err != nil {
		return Remote{}, t.explain("resume job "+id, err)
	}
	return t.remoteOf(j), nil
}

// Find looks for the job of a token: its id is made from the token.
func (t *fireworksTrainer) Find(ctx context.Context, key, value string) (Remote, bool, error) {
	if key != metaKey || value == "" {
		return Remote{}, false, nil
	}
	id := namesFor(value, "").Job
	j, err := t.getJob(ctx, id)
	var fe *fwError
	if errors.As(err, &fe) && (fe.HTTP == http.StatusNotFound || fe.Code == "NOT_FOUND") {
		return Remote{}, false, nil
	}
	if err != nil {
		return Remote{}, false, t.explain("look for job "+id, err)
	}
	return t.remoteOf(j), true, nil
}
