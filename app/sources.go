package app

import (
	"fmt"
	"math"
	"strings"
	"time"

	"tracetune/backend/gateway"
	"tracetune/backend/pipeline"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
)

// Sources serves gateway trace sources: their connections in Settings, the
// "From Gateway Traces" tab of New Dataset, and Pull New Traces on step 1.
// Keys go to the keyring and never come back to the page.
type Sources struct{ *Deps }

func (s *Sources) secrets() *secrets.Store { return s.Deps.Secrets }

// SourceInfo is a source as the page sees it: whether keys are set, never the keys.
type SourceInfo struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	URL          string `json:"url"`
	Project      string `json:"project"`
	HasKey       bool   `json:"has_key"`
	HasPublicKey bool   `json:"has_public_key"`
	HasSecretKey bool   `json:"has_secret_key"`
	// LookBackMinutes is the window each pull re-reads before its cursor
	// (0: none); LookBack the same as --look-back writes it ("15m").
	LookBackMinutes float64 `json:"look_back_minutes"`
	LookBack        string  `json:"look_back"`
}

func info(v gateway.Saved) SourceInfo {
	return SourceInfo{ID: v.ID, Name: v.Name, Kind: v.Kind, URL: v.URL, Project: v.Project,
		HasKey: v.HasKey, HasPublicKey: v.HasPublicKey, HasSecretKey: v.HasSecretKey,
		LookBackMinutes: v.SourceRow.LookBack().Minutes(), LookBack: v.LookBack}
}

// SourceKind describes a kind for the connection form.
type SourceKind struct {
	Kind     string `json:"kind"`
	Label    string `json:"label"`
	Keys     string `json:"keys"` // "public_secret", "key", "optional_key" or "none"
	IsFile   bool   `json:"is_file"`
	URLHint  string `json:"url_hint"`
	UsesProj bool   `json:"uses_project"`
}

// Kinds lists the source kinds for the form.
func (s *Sources) Kinds() []SourceKind {
	return []SourceKind{
		{Kind: "langfuse", Label: "Langfuse", Keys: "public_secret", URLHint: "https://cloud.langfuse.com"},
		{Kind: "litellm", Label: "LiteLLM proxy", Keys: "key", URLHint: "http://localhost:4000"},
		{Kind: "vllora", Label: "vllora gateway", Keys: "optional_key", URLHint: "http://localhost:9090", UsesProj: true},
		{Kind: "otel", Label: "OpenTelemetry file (OTLP/JSON)", Keys: "none", IsFile: true, URLHint: "/path/to/spans.json or a folder"},
		{Kind: "jsonl", Label: "Gateway JSONL file or folder", Keys: "none", IsFile: true, URLHint: "/path/to/traces.jsonl or a folder"},
	}
}

// PickPath opens the native dialog for the file or folder of a file source
// of kind ("otel" or "jsonl"); "" if cancelled.
func (s *Sources) PickPath(kind string, folder bool) (string, error) {
	if folder {
		return s.pickFolder("Choose a folder of trace files")
	}
	if gateway.Kind(kind) == gateway.KindOTel {
		// the otel source reads OTLP/JSON as it is (no gzip, no CSV)
		return s.pickFile("Choose an OpenTelemetry file", otelFiles...)
	}
	return s.pickRecordsFile("Choose a trace file")
}

// List returns the configured sources.
func (s *Sources) List() ([]SourceInfo, error) {
	all, err := gateway.List(s.ctx(), s.Store, s.secrets())
	out := make([]SourceInfo, 0, len(all))
	for _, v := range all {
		out = append(out, info(v))
	}
	return out, err
}

// SourceInput is the connection form. Empty key fields keep stored keys.
type SourceInput struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	URL       string `json:"url"`
	Project   string `json:"project"`
	Key       string `json:"key"`
	PublicKey string `json:"public_key"`
	SecretKey string `json:"secret_key"`
	// LookBackMinutes: how far before its cursor each pull re-reads (0:
	// none); absent keeps the stored window (15 minutes for a new source).
	LookBackMinutes *float64 `json:"look_back_minutes,omitempty"`
}

// config checks the form and turns it into a source config.
func (in SourceInput) config() (gateway.Config, error) {
	if err := need("name", in.Name); err != nil {
		return gateway.Config{}, err
	}
	if err := need("URL or path", in.URL); err != nil {
		return gateway.Config{}, err
	}
	c := gateway.Config{Name: in.Name, Kind: gateway.Kind(in.Kind), URL: in.URL,
		Project: in.Project, Key: in.Key, PublicKey: in.PublicKey, SecretKey: in.SecretKey}
	if m := in.LookBackMinutes; m != nil {
		if math.IsNaN(*m) || math.IsInf(*m, 0) {
			return c, fmt.Errorf("look-back window: want a number of minutes")
		}
		secs, err := gateway.LookBackSetting(time.Duration(*m * float64(time.Minute)))
		if err != nil {
			return c, fmt.Errorf("look-back window of %g minutes: %w", *m, err)
		}
		c.LookBackSeconds = secs
	}
	return c, nil
}

// Save adds a source or updates the one of the same name.
func (s *Sources) Save(in SourceInput) (SourceInfo, error) {
	c, err := in.config()
	if err != nil {
		return SourceInfo{}, err
	}
	v, err := gateway.Save(s.ctx(), s.Store, s.secrets(), c, true)
	return info(v), err
}

// Remove deletes a source and its keys (records it brought stay).
func (s *Sources) Remove(name string) error {
	return gateway.Remove(s.ctx(), s.Store, s.secrets(), name)
}

// Test asks a saved source for one trace. A refused key or an unreachable
// server is a result with OK false and the reason, not an error.
func (s *Sources) Test(name string) (gateway.Probe, error) {
	p, err := gateway.TestSaved(s.ctx(), s.Store, s.secrets(), name)
	if err != nil {
		return gateway.Probe{Traces: -1, Message: err.Error()}, nil
	}
	return p, nil
}

// Tested is the answer of Save & Test: the source when it was kept, and
// the connection test.
type Tested struct {
	Source *SourceInfo   `json:"source"` // nil: the test failed and nothing was saved
	Test   gateway.Probe `json:"test"`
}

// SaveAndTest tests a source first and keeps it only when it answers, so a
// failed Save & Test leaves no broken source behind.
func (s *Sources) SaveAndTest(in SourceInput) (Tested, error) {
	c, err := in.config()
	if err != nil {
		return Tested{}, err
	}
	v, p, err := gateway.SaveTested(s.ctx(), s.Store, s.secrets(), c, true)
	if err != nil || !p.OK {
		return Tested{Test: p}, err
	}
	i := info(v)
	return Tested{Source: &i, Test: p}, nil
}

// FilterInput is the filter form. Times are RFC 3339 or the browser's
// datetime-local value (local time); "" is an open end.
type FilterInput struct {
	From          string `json:"from"`
	To            string `json:"to"`
	Model         string `json:"model"`
	Text          string `json:"text"`
	HasTools      bool   `json:"has_tools"`
	ExcludeErrors bool   `json:"exclude_errors"`
}

func parseWhen(field, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date and time", field, v)
}

func (in FilterInput) filter() (gateway.Filter, error) {
	from, err := parseWhen("from", in.From)
	if err != nil {
		return gateway.Filter{}, err
	}
	to, err := parseWhen("to", in.To)
	if err != nil {
		return gateway.Filter{}, err
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return gateway.Filter{}, fmt.Errorf("the time range ends before it starts")
	}
	return gateway.Filter{From: from, To: to, Model: strings.TrimSpace(in.Model), Text: strings.TrimSpace(in.Text),
		HasTools: in.HasTools, ExcludeErrors: in.ExcludeErrors}, nil
}

// PreviewRow is one line of the preview table.
type PreviewRow struct {
	ID        string `json:"id"`
	Time      string `json:"time"` // RFC 3339
	Model     string `json:"model"`
	Messages  int    `json:"messages"`
	FirstUser string `json:"first_user"`
	HasTools  bool   `json:"has_tools"`
	Error     bool   `json:"error"`
}

// PreviewPage is one page of the preview. WindowEnd fixes the end of an
// open time range at the first page, so later pages and Create & Start see
// the same selection; pass it back with the next calls.
type PreviewPage struct {
	Rows      []PreviewRow `json:"rows"`
	Next      string       `json:"next"`
	Total     int          `json:"total"` // the source's count before text/tools/errors filters; -1 unknown
	WindowEnd string       `json:"window_end"`
}

// Preview lists one page of a source's traces matching the filter.
func (s *Sources) Preview(source string, in FilterInput, windowEnd, token string, limit int) (PreviewPage, error) {
	if err := need("source", source); err != nil {
		return PreviewPage{}, err
	}
	f, err := in.filter()
	if err != nil {
		return PreviewPage{}, err
	}
	end, err := s.windowEnd(f, windowEnd)
	if err != nil {
		return PreviewPage{}, err
	}
	f.To = end
	src, _, err := gateway.Load(s.ctx(), s.Store, s.secrets(), source)
	if err != nil {
		return PreviewPage{}, err
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	p, err := src.List(s.ctx(), f, token, limit)
	if err != nil {
		return PreviewPage{}, err
	}
	out := PreviewPage{Rows: make([]PreviewRow, 0, len(p.Traces)), Next: p.Next, Total: p.Total, WindowEnd: end.Format(time.RFC3339Nano)}
	for _, t := range p.Traces {
		out.Rows = append(out.Rows, PreviewRow{ID: t.ID, Time: t.Time.Format(time.RFC3339), Model: t.Model, Messages: t.Messages,
			FirstUser: t.FirstUser, HasTools: t.HasTools, Error: t.Error})
	}
	return out, nil
}

func (s *Sources) windowEnd(f gateway.Filter, given string) (time.Time, error) {
	if !f.To.IsZero() {
		return f.To, nil
	}
	if given != "" {
		return parseWhen("window end", given)
	}
	return time.Now().UTC(), nil
}

// CreateInput is the Create & Start form of the gateway tab. IDs empty
// means every trace matching the filter.
type CreateInput struct {
	Name      string      `json:"name"`
	Objective string      `json:"objective"`
	Source    string      `json:"source"`
	Filter    FilterInput `json:"filter"`
	IDs       []string    `json:"ids"`
	WindowEnd string      `json:"window_end"`
}

// CreateDataset creates a dataset from a source's selection and starts the
// chain (pull in pages with progress, then Topics → Categorize → Coverage)
// in the background; Stop keeps the pages already stored.
func (s *Sources) CreateDataset(in CreateInput) (Created, error) {
	if err := need("name", in.Name); err != nil {
		return Created{}, err
	}
	if err := need("source", in.Source); err != nil {
		return Created{}, err
	}
	f, err := in.Filter.filter()
	if err != nil {
		return Created{}, err
	}
	end, err := s.windowEnd(f, in.WindowEnd)
	if err != nil {
		return Created{}, err
	}
	d, job, err := pipeline.CreateFromSource(s.ctx(), s.Store, s.secrets(), in.Name, in.Objective,
		pipeline.SourceSelection{Source: in.Source, Filter: f, IDs: in.IDs, WindowEnd: end})
	if err != nil {
		return Created{}, err
	}
	id, err := s.Jobs.Start(job)
	return Created{Dataset: d, JobID: id}, err
}

// Pull starts pulling the traces newer than the last pull from a source
// into a dataset, in the background; the job's result is {"new","skipped","invalid"}.
func (s *Sources) Pull(datasetID int64, source string) (int64, error) {
	if err := need("source", source); err != nil {
		return 0, err
	}
	job, err := pipeline.PullWork(s.ctx(), s.Store, s.secrets(), datasetID, source, gateway.PullOptions{})
	if err != nil {
		return 0, err
	}
	return s.Jobs.Start(job)
}

// Connect links a source to a dataset with the filter the person chose
// (a dataset made from a file has none to inherit) and starts the first
// pull in the background; its From is where that pull starts. The filter
// is kept with the cursor, so later pulls apply it too.
func (s *Sources) Connect(datasetID int64, source string, in FilterInput) (int64, error) {
	if err := need("source", source); err != nil {
		return 0, err
	}
	f, err := in.filter()
	if err != nil {
		return 0, err
	}
	job, err := pipeline.PullWork(s.ctx(), s.Store, s.secrets(), datasetID, source, gateway.PullOptions{Filter: f})
	if err != nil {
		return 0, err
	}
	return s.Jobs.Start(job)
}

// Linked is a source a dataset pulls from, for step 1.
type Linked struct {
	Source   string `json:"source"`
	Kind     string `json:"kind"`
	Since    string `json:"since"` // RFC 3339; "" before the first pull
	Pending  bool   `json:"pending"`
	LastNew  int    `json:"last_new"`
	Updated  string `json:"updated"`
	Filter   string `json:"filter"`
	SourceID int64  `json:"source_id"`
}

// Linked lists the sources a dataset has pulled from, most recent first.
func (s *Sources) Linked(datasetID int64) ([]Linked, error) {
	cs, err := s.Store.PullCursors(s.ctx(), datasetID)
	out := make([]Linked, 0, len(cs))
	for _, c := range cs {
		out = append(out, linked(c))
	}
	return out, err
}

func linked(c store.PullCursor) Linked {
	l := Linked{Source: c.SourceName, Kind: c.SourceKind, Pending: c.Token != "", LastNew: c.LastNew, Filter: c.Filter, SourceID: c.SourceID}
	if !c.Since.IsZero() {
		l.Since = c.Since.Format(time.RFC3339)
	}
	if !c.UpdatedAt.IsZero() {
		l.Updated = c.UpdatedAt.Format(time.RFC3339)
	}
	return l
}
