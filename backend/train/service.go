package train

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Inputs are what the earlier steps hand a job: the grader (its version and
// its export for the chosen trainer) and the dry run it follows.
type Inputs struct {
	GraderVersion string
	Grader        json.RawMessage   // OpenAI/Azure: the object for method.reinforcement.grader
	RewardPy      string            // trl: reward.py from the grader export
	GraderJSON    json.RawMessage   // trl: the grader definition, kept in the bundle for reference
	Evaluator     map[string]string // fireworks: the evaluator package (Grader is then the canonical grader JSON)
	DryRunID      int64             // the dry run the gate was based on (0: none)
	DryRunVerdict string            // GO, CAUTION or NO-GO
	// OverrideReason is what the explicit override went past (the gate's
	// words: no dry run, grader changed, other model, production answers,
	// NO-GO); "" when the gate was open without it.
	OverrideReason string
}

// check says whether the inputs carry the grader export the trainer needs.
func (in Inputs) check(info Info) error {
	if info.Remote && len(bytes.TrimSpace(in.Grader)) == 0 || !info.Remote && strings.TrimSpace(in.RewardPy) == "" {
		return invalid("the grader has no export for trainer %s: configure the grader in Step 4", info.Name)
	}
	return nil
}

// Service starts and follows training jobs. Zero fields take defaults:
// providers from the process's secrets, a 5-minute HTTP client, polling
// every 5 s backing off to 60 s while nothing changes.
type Service struct {
	Store      *store.Store
	Providers  *llm.Manager
	HTTPClient *http.Client
	PollMin    time.Duration
	PollMax    time.Duration
	// StaleAfter is how long a job may stay "preparing" before it is taken
	// for one a dead process left behind (default 15 minutes).
	StaleAfter time.Duration
}

func (s *Service) providers() *llm.Manager {
	if s.Providers != nil {
		return s.Providers
	}
	return &llm.Manager{Store: s.Store}
}

func (s *Service) pollMin() time.Duration {
	if s.PollMin > 0 {
		return s.PollMin
	}
	return 5 * time.Second
}

func (s *Service) pollMax() time.Duration {
	if s.PollMax > 0 {
		return s.PollMax
	}
	return time.Minute
}

func (s *Service) staleAfter() time.Duration {
	if s.StaleAfter > 0 {
		return s.StaleAfter
	}
	return 15 * time.Minute
}

// pollTrouble starts the error text of a job whose platform could not be
// polled; it goes away with the next good poll.
const pollTrouble = "could not reach the platform (polling goes on): "

// metaKey names the job in the remote job's metadata, so a start that
// died between creating the job and recording its id is found again
// rather than created twice.
const metaKey = "tracetune_job"

// Start checks the options, splits the records, records the job and its
// split, then writes the files and starts the job: for OpenAI/Azure the
// files are uploaded and the RFT job created (Start returns once the
// platform accepted it; Watch follows it); for trl the bundle is written.
//
// A refusal leaves no half-created job: the uploaded files are deleted on
// the platform, no remote job exists, and the job record stays as failed
// with the platform's reason and what to do next (the returned error says
// the same), so the panel and `train list` show why.
func (s *Service) Start(ctx context.Context, datasetID int64, o Options, in Inputs) (Job, error) {
	if err := o.Validate(); err != nil {
		return Job{}, err
	}
	o = o.withDefaults()
	info, _ := TrainerInfo(o.Trainer)
	if _, err := s.Store.Dataset(ctx, datasetID); err != nil {
		return Job{}, err
	}
	if strings.EqualFold(in.DryRunVerdict, "NO-GO") && !o.OverrideNoGo {
		return Job{}, invalid("the last dry run (%d) says NO-GO: fix what it names and run it again, or start with the NO-GO override (kept with the job)", in.DryRunID)
	}
	if in.OverrideReason == "" && o.OverrideNoGo && strings.EqualFold(in.DryRunVerdict, "NO-GO") {
		in.OverrideReason = "NO-GO"
	}
	if err := in.check(info); err != nil {
		return Job{}, err
	}
	row := store.TrainJob{DatasetID: datasetID, Trainer: o.Trainer, GraderVersion: in.GraderVersion, DryRunID: in.DryRunID,
		DryRunVerdict: in.DryRunVerdict, OverrideNoGo: in.OverrideReason != "", OverrideReason: in.OverrideReason, SplitSeed: o.Seed,
		Status: StatusPreparing}
	target, err := s.Target(ctx, o)
	if err != nil {
		return Job{}, err
	}
	row.Provider, row.BaseModel = target.Provider, target.Model
	var tr Trainer = trlTrainer{info: info}
	if info.Remote {
		if tr, err = s.connect(ctx, info, target.Provider); err != nil {
			return Job{}, err
		}
	}
	o.Model = row.BaseModel
	cands, err := s.Store.TrainCandidates(ctx, datasetID)
	if err != nil {
		return Job{}, err
	}
	sp, err := makeSplit(cands, o, info)
	if err != nil {
		return Job{}, err
	}
	notes := sp.Notes
	if in.DryRunID == 0 {
		notes = append(notes, "no dry run on the current grader version: the job started without one")
	}
	switch {
	case row.OverrideReason == "NO-GO":
		notes = append(notes, fmt.Sprintf("started over a NO-GO dry run (%d) by explicit override", in.DryRunID))
	case row.OverrideNoGo:
		notes = append(notes, fmt.Sprintf("started by explicit override (%s): the dry run did not measure this grader on %s", row.OverrideReason, row.BaseModel))
	}
	ob, _ := json.Marshal(o)
	nb, _ := json.Marshal(orEmpty(notes))
	row.Options, row.Notes, row.TrainCount, row.ValidCount = string(ob), string(nb), sp.Train, sp.Valid
	row, err = s.Store.CreateTrainJob(ctx, row, sp.Rows)
	if err != nil {
		return Job{}, err
	}
	return s.submit(ctx, tr, row, o, in, sp)
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// resolveProvider picks the provider (the option, else the training
// role's) and the base model (the option, else the role's model when it is
// the role's provider, else the trainer's default), and checks its kind.
func (s *Service) resolveProvider(ctx context.Context, info Info, o Options) (string, string, error) {
	m := s.providers()
	name, model := o.Provider, o.Model
	if name == "" || model == "" {
		roles, err := m.Roles(ctx)
		if err != nil {
			return "", "", err
		}
		for _, r := range roles {
			if r.Role == llm.RoleTraining && r.Provider != "" && (name == "" || strings.EqualFold(name, r.Provider)) {
				if name == "" {
					name = r.Provider
				}
				if model == "" {
					model = r.Model
				}
			}
		}
	}
	if name == "" {
		return "", "", invalid("no provider for training: assign one to the training role in Settings, or name one (--provider)")
	}
	cfg, err := m.Endpoint(ctx, name)
	if err != nil {
		return "", "", err
	}
	if !slices.Contains(info.ProviderKinds, cfg.Kind) {
		if cfg.Kind == llm.KindAzure {
			return "", "", invalid("provider %s is an Azure OpenAI provider: use trainer azure", cfg.Name)
		}
		if info.Name == "azure" {
			return "", "", invalid("trainer azure needs an Azure OpenAI provider; %s is of kind %s", cfg.Name, cfg.Kind)
		}
		if info.Name == "fireworks" {
			return "", "", invalid("trainer fireworks needs a Fireworks provider (providers add --kind fireworks --account A); %s is of kind %s", cfg.Name, cfg.Kind)
		}
		return "", "", invalid("provider %s (kind %s) has no fine-tuning API: use an OpenAI or Azure OpenAI provider, or trainer trl", cfg.Name, cfg.Kind)
	}
	if model == "" {
		model = info.DefaultModel
	}
	return cfg.Name, model, nil
}

// Target is what a job would fine-tune: the trainer, the provider it talks
// to ("" for a TRL bundle) and the base model.
type Target struct {
	Trainer  string `json:"trainer"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
}

// Target resolves the provider and base model a job with these options
// trains: the options', else the training role's, else the trainer's
// default. It is the one place that answer comes from: Start records it,
// the Train gate compares the dry run's model with it, and the dry run
// answers with it by default. On an error (no usable provider) the target
// still names the model the options imply.
func (s *Service) Target(ctx context.Context, o Options) (Target, error) {
	info, err := TrainerInfo(o.Trainer)
	if err != nil {
		return Target{}, err
	}
	t := Target{Trainer: info.Name, Provider: o.Provider, Model: o.Model}
	if !info.Remote {
		t.Provider = ""
		if t.Model == "" {
			t.Model = info.DefaultModel
		}
		return t, nil
	}
	name, model, err := s.resolveProvider(ctx, info, o)
	if err != nil {
		if t.Model == "" {
			t.Model = info.DefaultModel
		}
		return t, err
	}
	t.Provider, t.Model = name, model
	return t, nil
}

// ChosenTarget is what the dataset trains when nobody says otherwise: the
// target saved with SaveTarget (Step 6's form, `train target`) unless a
// job started after it; else the
// trainer, provider and base model of its newest job; else the trainer
// that serves the training role's provider (openai for OpenAI-compatible,
// azure, fireworks) with the role's model. ok is false when neither
// names one (no job, no training role).
func (s *Service) ChosenTarget(ctx context.Context, datasetID int64) (Target, bool, error) {
	jobs, err := s.Store.TrainJobs(ctx, datasetID)
	if err != nil {
		return Target{}, false, err
	}
	var newest *store.TrainJob
	if len(jobs) > 0 {
		newest = &jobs[0]
	}
	if t, ok, err := s.savedTarget(ctx, datasetID, newest); err != nil || ok {
		return t, ok, err
	}
	if len(jobs) > 0 && jobs[0].BaseModel != "" {
		j := jobs[0]
		t := Target{Trainer: j.Trainer, Provider: j.Provider, Model: j.BaseModel}
		if info, err := TrainerInfo(j.Trainer); err == nil && !info.Remote {
			t.Provider = "" // a TRL job's provider serves its attached model; it trains nothing
		}
		return t, true, nil
	}
	m := s.providers()
	roles, err := m.Roles(ctx)
	if err != nil {
		return Target{}, false, err
	}
	for _, r := range roles {
		if r.Role != llm.RoleTraining || r.Provider == "" {
			continue
		}
		p, err := m.Get(ctx, r.Provider)
		if err != nil {
			return Target{}, false, nil // a role naming a removed provider chooses nothing
		}
		for _, info := range Trainers {
			if slices.Contains(info.ProviderKinds, p.Kind) {
				t, err := s.Target(ctx, Options{Trainer: info.Name, Provider: r.Provider})
				return t, err == nil, nil
			}
		}
	}
	return Target{}, false, nil
}

// SameModel says whether two names are one base model: case aside, a
// Fireworks "accounts/A/models/" prefix aside, and a dated snapshot
// ("o4-mini-2025-04-16") the same as its alias ("o4-mini").
func SameModel(a, b string) bool {
	return a != "" && b != "" && modelKey(a) == modelKey(b)
}

var snapshotDate = regexp.MustCompile(`-\d{4}-\d{2}-\d{2}$`)

func modelKey(m string) string {
	m = strings.ToLower(strings.TrimSpace(m))
	if strings.HasPrefix(m, "accounts/") {
		if i := strings.Index(m, "/models/"); i > 0 {
			m = m[i+len("/models/"):]
		}
	}
	return snapshotDate.ReplaceAllString(m, "")
}

// connect builds the trainer that talks to a provider.
func (s *Service) connect(ctx context.Context, info Info, provider string) (Trainer, error) {
	cfg, err := s.providers().Endpoint(ctx, provider)
	if err != nil {
		return nil, err
	}
	if info.Name == "fireworks" {
		return s.newFireworksTrainer(info, cfg), nil
	}
	return newOpenAITrainer(info, cfg, s.HTTPClient), nil
}

func (s *Service) trainerOf(ctx context.Context, j store.TrainJob) (Trainer, error) {
	info, err := TrainerInfo(j.Trainer)
	if err != nil {
		return nil, err
	}
	if !info.Remote {
		return trlTrainer{info: info}, nil
	}
	return s.connect(ctx, info, j.Provider)
}

// eachRecord calls fn with every record of the split, in id order, and
// the part it belongs to.
func eachRecord(ctx context.Context, st *store.Store, datasetID int64, rows []store.SplitRow, fn func(rec record.Record, part string) error) error {
	part := make(map[int64]string, len(rows))
	for _, r := range rows {
		part[r.RecordID] = r.Part
	}
	f := store.RecordFilter{DatasetID: datasetID, Code: "valid", Limit: 1000}
	seen := 0
	for {
		page, err := st.Records(ctx, f)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, rec := range page {
			if p, ok := part[rec.ID]; ok {
				if err := fn(rec, p); err != nil {
					return err
				}
				seen++
			}
		}
		f.AfterID = page[len(page)-1].ID
	}
	if seen != len(rows) {
		return fmt.Errorf("%d records of the split changed while the files were written (edited or deleted): start again", len(rows)-seen)
	}
	return nil
}

func (s *Service) fail(ctx context.Context, row store.TrainJob, err error) (Job, error) {
	row.Status, row.Error, row.FinishedAt = StatusFailed, err.Error(), time.Now()
	if uerr := s.Store.UpdateTrainJob(context.WithoutCancel(ctx), row); uerr != nil {
		return fromRow(row), errors.Join(err, uerr)
	}
	return fromRow(row), err
}

// submit writes the split in the trainer's line format and starts the job.
func (s *Service) submit(ctx context.Context, tr Trainer, row store.TrainJob, o Options, in Inputs, sp splitResult) (Job, error) {
	if release, ok := preparing.claim(s.Store, row.ID); ok {
		defer release()
	}
	sub, err := s.prepare(ctx, tr, row, o, in, sp)
	if err != nil {
		return s.fail(ctx, row, err)
	}
	token, err := s.jobToken(ctx, row.ID)
	if err != nil {
		return s.fail(ctx, row, err)
	}
	sub.Metadata[metaKey] = token
	r, err := tr.Submit(ctx, sub)
	if err != nil && ctx.Err() != nil && tr.Info().Remote {
		// Stopped while the create request was out: the platform may have
		// made the job anyway. Look for it by its token before giving up.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		found, ok, ferr := tr.Find(bg, metaKey, token)
		cancel()
		if ferr == nil && ok {
			r, err = found, nil
		} else {
			return s.fail(ctx, row, errors.New("stopped before the platform accepted the job; nothing was left on the platform"))
		}
	}
	if err != nil {
		return s.fail(ctx, row, err)
	}
	row.RemoteID, row.TrainFile, row.ValidFile, row.OutDir = r.ID, r.TrainFile, r.ValidFile, r.Location
	row.StartedAt = time.Now()
	applyRemote(&row, r)
	if err := s.Store.UpdateTrainJob(context.WithoutCancel(ctx), row); err != nil {
		return fromRow(row), err
	}
	if tr.Info().Remote {
		_, _ = s.pullEvents(ctx, tr, &row) // the first log lines ("Validating training file…")
	}
	return Get(ctx, s.Store, row.ID)
}

// prepare writes the split in the trainer's line format and assembles
// what the trainer gets: the one preparation Start submits and Export
// writes to a folder.
func (s *Service) prepare(ctx context.Context, tr Trainer, row store.TrainJob, o Options, in Inputs, sp splitResult) (Submission, error) {
	var trainBuf, validBuf bytes.Buffer
	err := eachRecord(ctx, s.Store, row.DatasetID, sp.Rows, func(rec record.Record, part string) error {
		line, err := tr.Line(rec)
		if err != nil {
			return err
		}
		b := &trainBuf
		if part == PartValidation {
			b = &validBuf
		}
		b.Write(line)
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		return Submission{}, fmt.Errorf("write the training files: %w", err)
	}
	return Submission{Model: row.BaseModel, Suffix: o.Suffix, Seed: o.Seed, Train: trainBuf.Bytes(), Valid: validBuf.Bytes(),
		Grader: in.Grader, Hyper: o.Hyper, ResponseFormat: o.ResponseFormat, Evaluator: in.Evaluator,
		Metadata: map[string]string{"dataset": strconv.FormatInt(row.DatasetID, 10), "grader_version": trimTo(in.GraderVersion, 512)},
		Bundle: BundleSpec{Dir: bundleDir(s.Store, row, o), Zip: !o.NoZip, RewardPy: in.RewardPy, GraderJSON: in.GraderJSON,
			Manifest: Manifest{Job: row.ID, Dataset: row.DatasetID, GraderVersion: row.GraderVersion, DryRunID: row.DryRunID,
				DryRunVerdict: row.DryRunVerdict, OverrideNoGo: row.OverrideNoGo, SplitSeed: row.SplitSeed, Stratified: !o.NoStratify,
				TrainRows: sp.Train, EvalRows: sp.Valid}}}, nil
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// jobToken names a job uniquely across databases: a random id of this
// database and the job id.
func (s *Service) jobToken(ctx context.Context, id int64) (string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	ns, err := s.Store.EnsureSetting(ctx, "train_namespace", hex.EncodeToString(b[:]))
	if err != nil {
		return "", fmt.Errorf("training namespace: %w", err)
	}
	return ns + "-" + strconv.FormatInt(id, 10), nil
}

// applyRemote copies a remote state into the row; a final state sets the
// finish time.
func applyRemote(row *store.TrainJob, r Remote) {
	status := r.Status
	switch status {
	case StatusValidating, StatusQueued, StatusRunning, StatusPaused, StatusSucceeded, StatusFailed, StatusCancelled, StatusExported:
	default:
		// an unknown word (pausing, resuming, …) keeps the job followed
		if status == "" {
			status = row.Status
		} else if !Final(row.Status) {
			row.RemoteStatus = status
			if r.Native != "" {
				row.RemoteStatus = r.Native
			}
			return
		}
	}
	row.Status, row.RemoteStatus = status, r.Status
	if r.Native != "" {
		row.RemoteStatus = r.Native
	}
	if r.FineTunedModel != "" {
		row.FineTunedModel = r.FineTunedModel
	}
	if r.Error != "" {
		row.Error = r.Error
	}
	if r.TrainedTokens > 0 {
		row.TrainedTokens = r.TrainedTokens
	}
	if Final(status) && row.FinishedAt.IsZero() {
		row.FinishedAt = r.FinishedAt
		if row.FinishedAt.IsZero() {
			row.FinishedAt = time.Now()
		}
	}
}

// Sync polls a remote job once: its state, new events (logs and reward
// metrics) and checkpoints, all stored. A job in a final state is
// returned as stored.
func (s *Service) Sync(ctx context.Context, jobID int64) (Job, error) {
	row, err := s.Store.TrainJob(ctx, jobID)
	if err != nil {
		return Job{}, err
	}
	if Final(row.Status) {
		return fromRow(row), nil
	}
	if row.RemoteID == "" {
		return s.settle(ctx, row)
	}
	tr, err := s.trainerOf(ctx, row)
	if err != nil {
		return fromRow(row), err
	}
	if _, err := s.pull(ctx, tr, &row); err != nil {
		return fromRow(row), err
	}
	return fromRow(row), nil
}

// pullWith connects to the job's platform and pulls.
func (s *Service) pullWith(ctx context.Context, row *store.TrainJob) (bool, error) {
	tr, err := s.trainerOf(ctx, *row)
	if err != nil {
		return false, err
	}
	return s.pull(ctx, tr, row)
}

// pull reads the remote state, events and checkpoints into the store and
// says whether anything changed.
func (s *Service) pull(ctx context.Context, tr Trainer, row *store.TrainJob) (bool, error) {
	r, err := tr.Poll(ctx, row.RemoteID)
	if err != nil {
		return false, err
	}
	before := row.Status + "|" + row.RemoteStatus + "|" + row.FineTunedModel
	if strings.HasPrefix(row.Error, pollTrouble) {
		row.Error = "" // reached again
	}
	applyRemote(row, r)
	changed := before != row.Status+"|"+row.RemoteStatus+"|"+row.FineTunedModel
	news, err := s.pullEvents(ctx, tr, row)
	changed = changed || news
	if err != nil {
		return changed, err
	}
	if row.Status != StatusValidating && row.Status != StatusQueued {
		cps, err := tr.Checkpoints(ctx, row.RemoteID)
		if err != nil {
			return changed, err
		}
		cs := make([]store.TrainCheckpoint, 0, len(cps))
		for _, c := range cps {
			cs = append(cs, store.TrainCheckpoint{RemoteID: c.ID, Step: c.Step, Model: c.Model, Metrics: string(c.Metrics), CreatedAt: c.CreatedAt})
		}
		if err := s.Store.UpsertTrainCheckpoints(ctx, row.ID, cs); err != nil {
			return changed, err
		}
	}
	return changed, s.Store.UpdateTrainJob(context.WithoutCancel(ctx), *row)
}

// pullEvents stores the events newer than the last one stored, and the
// reward metrics among them; it says whether there were any.
func (s *Service) pullEvents(ctx context.Context, tr Trainer, row *store.TrainJob) (bool, error) {
	since, err := s.Store.LastTrainEventID(ctx, row.ID)
	if err != nil {
		return false, err
	}
	evs, err := tr.Events(ctx, row.RemoteID, since)
	if err != nil || len(evs) == 0 {
		return false, err
	}
	rows := make([]store.TrainEvent, 0, len(evs))
	var ms []store.TrainMetric
	for _, e := range evs {
		rows = append(rows, store.TrainEvent{RemoteID: e.ID, CreatedAt: e.CreatedAt, Level: e.Level, Type: e.Type, Message: e.Message, Data: string(e.Data)})
		if m, ok := metricOf(e); ok {
			ms = append(ms, m)
		}
	}
	n, err := s.Store.AddTrainEvents(ctx, row.ID, rows)
	if err != nil {
		return false, err
	}
	return n > 0, s.Store.UpsertTrainMetrics(ctx, row.ID, ms)
}

// metricOf reads a metrics event's step and rewards, under each spelling
// the platform uses: data.scores.*_reward_mean, then the flat
// train_mean_reward / full_valid_mean_reward.
func metricOf(e RemoteEvent) (store.TrainMetric, bool) {
	if e.Type != "metrics" || len(e.Data) == 0 {
		return store.TrainMetric{}, false
	}
	var d map[string]any
	if json.Unmarshal(e.Data, &d) != nil {
		return store.TrainMetric{}, false
	}
	step, ok := num(d["step"])
	if !ok {
		return store.TrainMetric{}, false
	}
	scores, _ := d["scores"].(map[string]any)
	pick := func(vs ...any) *float64 {
		for _, v := range vs {
			if f, ok := num(v); ok {
				return &f
			}
		}
		return nil
	}
	total, _ := num(d["total_steps"])
	return store.TrainMetric{Step: int(step), TotalSteps: int(total),
		TrainRewardMean: pick(scores["train_reward_mean"], d["train_reward_mean"], d["train_mean_reward"]),
		ValidRewardMean: pick(scores["valid_reward_mean"], d["valid_reward_mean"], d["full_valid_mean_reward"], d["valid_mean_reward"]),
		Data:            string(e.Data), CreatedAt: e.CreatedAt}, true
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// settle handles a job with no remote id: one being prepared now, or one
// a dead process left while preparing. After staleAfter the platform is
// asked for a job created with this job's token (adopted when found);
// otherwise the job is marked failed.
func (s *Service) settle(ctx context.Context, row store.TrainJob) (Job, error) {
	if time.Since(row.UpdatedAt) < s.staleAfter() || preparing.has(s.Store, row.ID) {
		return fromRow(row), nil
	}
	if tr, err := s.trainerOf(ctx, row); err == nil {
		token, _ := s.jobToken(ctx, row.ID)
		if r, ok, err := tr.Find(ctx, metaKey, token); err == nil && ok {
			row.RemoteID, row.TrainFile, row.ValidFile, row.StartedAt = r.ID, r.TrainFile, r.ValidFile, time.Now()
			applyRemote(&row, r)
			if err := s.Store.UpdateTrainJob(ctx, row); err != nil {
				return fromRow(row), err
			}
			return s.Sync(ctx, row.ID)
		}
	}
	return s.fail(ctx, row, errors.New("the app stopped while this job was being prepared, before the platform accepted it: start it again"))
}

// Watch polls a job until it reaches a final state or ctx ends, calling
// notify (may be nil) after every poll that changed something. The
// interval starts at PollMin, doubles while nothing changes up to PollMax,
// and goes back to PollMin on news. A failed poll (a network outage, a
// 5xx, a revoked key) shows in the job's error text until a poll succeeds
// again; polling goes on.
func (s *Service) Watch(ctx context.Context, jobID int64, notify func(Job)) (Job, error) {
	release, ok := watching.claim(s.Store, jobID)
	if !ok {
		// another goroutine of this process follows it already
		return Get(ctx, s.Store, jobID)
	}
	defer release()
	wait := s.pollMin()
	for {
		row, err := s.Store.TrainJob(ctx, jobID)
		if err != nil {
			return Job{}, err
		}
		if Final(row.Status) {
			return fromRow(row), nil
		}
		changed := false
		if row.RemoteID == "" {
			j, err := s.settle(ctx, row)
			if err != nil || j.Final {
				if notify != nil {
					notify(j)
				}
				return j, err
			}
		} else if changed, err = s.pullWith(ctx, &row); err != nil {
			if ctx.Err() != nil {
				return fromRow(row), ctx.Err()
			}
			// keep following: the reason shows until the next good poll
			if msg := pollTrouble + err.Error(); row.Error != msg {
				row.Error = msg
				if s.Store.UpdateTrainJob(context.WithoutCancel(ctx), row) == nil && notify != nil {
					notify(fromRow(row))
				}
			}
			wait = min(wait*2, s.pollMax())
		}
		if changed && notify != nil {
			notify(fromRow(row))
		}
		if Final(row.Status) {
			return fromRow(row), nil
		}
		if changed {
			wait = s.pollMin()
		}
		select {
		case <-ctx.Done():
			return fromRow(row), ctx.Err()
		case <-time.After(wait):
		}
		if !changed {
			wait = min(wait*2, s.pollMax())
		}
	}
}

// jobSet is a set of jobs of this process, per database.
type jobSet struct {
	sync.Mutex
	m map[string]bool
}

func jobKey(st *store.Store, jobID int64) string {
	return st.Path() + "\x00" + strconv.FormatInt(jobID, 10)
}

// claim adds a job; ok is false when it is in the set already.
func (set *jobSet) claim(st *store.Store, jobID int64) (release func(), ok bool) {
	k := jobKey(st, jobID)
	set.Lock()
	defer set.Unlock()
	if set.m[k] {
		return nil, false
	}
	set.m[k] = true
	return func() {
		set.Lock()
		delete(set.m, k)
		set.Unlock()
	}, true
}

func (set *jobSet) has(st *store.Store, jobID int64) bool {
	set.Lock()
	defer set.Unlock()
	return set.m[jobKey(st, jobID)]
}

// watching holds the jobs a goroutine of this process follows, so the
// app's resume at start and a Start never poll one job twice; preparing
// the jobs it is uploading now, so a long upload is not taken for a job a
// dead process left behind.
var watching, preparing = &jobSet{m: map[string]bool{}}, &jobSet{m: map[string]bool{}}

// Resume follows, in the background, every job not in a final state (the
// app calls it at start): each is polled until it ends or ctx is
// cancelled. It returns how many it follows.
func (s *Service) Resume(ctx context.Context, notify func(Job)) (int, error) {
	open, err := s.Store.OpenTrainJobs(ctx)
	if err != nil {
		return 0, err
	}
	for _, row := range open {
		go func(id int64) { _, _ = s.Watch(ctx, id, notify) }(row.ID)
	}
	return len(open), nil
}

// Resume is Service.Resume with the default settings.
func Resume(ctx context.Context, st *store.Store, notify func(Job)) (int, error) {
	return (&Service{Store: st}).Resume(ctx, notify)
}

// SyncOpen polls every job not in a final state once (the command line's
// way to catch up without staying).
func (s *Service) SyncOpen(ctx context.Context, datasetID int64) error {
	open, err := s.Store.OpenTrainJobs(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, row := range open {
		if datasetID == 0 || row.DatasetID == datasetID {
			if _, err := s.Sync(ctx, row.ID); err != nil {
				errs = append(errs, fmt.Errorf("job %d: %w", row.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Cancel cancels a remote job.
func (s *Service) Cancel(ctx context.Context, jobID int64) (Job, error) {
	return s.control(ctx, jobID, "cancel", Trainer.Cancel)
}

// Pause pauses a running remote job (a checkpoint is kept; ResumeJob goes on).
func (s *Service) Pause(ctx context.Context, jobID int64) (Job, error) {
	return s.control(ctx, jobID, "pause", Trainer.Pause)
}

// ResumeJob resumes a paused remote job.
func (s *Service) ResumeJob(ctx context.Context, jobID int64) (Job, error) {
	return s.control(ctx, jobID, "resume", Trainer.Resume)
}

func (s *Service) control(ctx context.Context, jobID int64, verb string, op func(Trainer, context.Context, string) (Remote, error)) (Job, error) {
	row, err := s.Store.TrainJob(ctx, jobID)
	if err != nil {
		return Job{}, err
	}
	if Final(row.Status) {
		return fromRow(row), &kindError{msg: fmt.Sprintf("job %d cannot %s: it is %s", jobID, verb, row.Status), kind: ErrFinal}
	}
	tr, err := s.trainerOf(ctx, row)
	if err != nil {
		return fromRow(row), err
	}
	if row.RemoteID == "" {
		return fromRow(row), invalid("job %d is still being prepared: %s it once the platform has accepted it", jobID, verb)
	}
	if (verb == "pause" || verb == "resume") && !tr.Info().CanPause {
		return fromRow(row), &kindError{msg: fmt.Sprintf("trainer %s cannot %s jobs", row.Trainer, verb), kind: ErrUnsupported}
	}
	r, err := op(tr, ctx, row.RemoteID)
	if err != nil {
		return fromRow(row), err
	}
	applyRemote(&row, r)
	if err := s.Store.UpdateTrainJob(context.WithoutCancel(ctx), row); err != nil {
		return fromRow(row), err
	}
	if _, err := s.pull(ctx, tr, &row); err != nil {
		return fromRow(row), nil // the action took; the logs follow on the next poll
	}
	return fromRow(row), nil
}
