package app

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"tracetune/backend/health"
	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Records serves the Health Indicator, View Issues, the records browser and
// the record viewer of a dataset.
type Records struct{ *Deps }

// RecordQuery is one page request of the records browser. Zero values mean
// "any"; AfterID is the keyset cursor (the last id of the previous page).
type RecordQuery struct {
	DatasetID     int64    `json:"dataset_id"`
	Code          string   `json:"code"`     // "" any, "valid", "invalid" or an exact code
	TopicID       int64    `json:"topic_id"` // 0 any, -1 uncategorized
	Generated     *bool    `json:"generated"`
	MinConfidence *float64 `json:"min_confidence"`
	MaxConfidence *float64 `json:"max_confidence"`
	Search        string   `json:"search"`
	AfterID       int64    `json:"after_id"`
	Limit         int      `json:"limit"`
	// WithTotal asks for the number of matching records as well (see also
	// Count). Ask once per filter change, not on every Next: a count walks
	// every match while a page stops after Limit rows.
	WithTotal bool `json:"with_total"`
}

// RecordRow is one line of the records browser: enough to choose a record,
// never the whole (possibly very large) record.
type RecordRow struct {
	ID         int64   `json:"id"`
	Line       int     `json:"line"`
	Shape      string  `json:"shape"`
	Preview    string  `json:"preview"` // last user text (or the raw line), shortened
	Turns      int     `json:"turns"`   // prompt messages; 0 when they cannot be read
	Code       string  `json:"code"`
	Detail     string  `json:"detail"`
	TopicID    int64   `json:"topic_id"`
	Topic      string  `json:"topic"`
	Confidence float64 `json:"confidence"`
	Method     string  `json:"method"`
	Generated  bool    `json:"generated"`
	Source     string  `json:"source"`
}

// RecordPage is one page of rows and the cursor of the next one.
type RecordPage struct {
	Rows    []RecordRow `json:"rows"`
	NextID  int64       `json:"next_id"`  // AfterID of the next page; 0 when there is none
	HasMore bool        `json:"has_more"` // another page follows
	Total   int         `json:"total"`    // matching records; -1 unless WithTotal
	// Indexing is, for a search, how many of the dataset's records the
	// search index has still to take in after an import: they are found
	// all the same, by reading them, which is slower.
	Indexing int64 `json:"indexing"`
}

// previewRunes bounds a row's preview text.
const previewRunes = 240

// Page returns one keyset page of a dataset's records.
func (s *Records) Page(q RecordQuery) (RecordPage, error) {
	f, err := filterOf(q)
	if err != nil {
		return RecordPage{}, err
	}
	limit := f.Limit
	f.Limit++ // one more row tells whether a next page exists
	recs, err := s.Store.Records(s.ctx(), f)
	if err != nil {
		return RecordPage{}, err
	}
	page := RecordPage{Rows: make([]RecordRow, 0, len(recs)), Total: -1}
	if f.Search != "" {
		if page.Indexing, err = s.Store.Backlog(s.ctx(), f.DatasetID); err != nil {
			return RecordPage{}, err
		}
	}
	if len(recs) > limit {
		recs, page.HasMore = recs[:limit], true
	}
	for _, r := range recs {
		page.Rows = append(page.Rows, row(r))
	}
	if page.HasMore {
		page.NextID = recs[len(recs)-1].ID
	}
	if q.WithTotal {
		if page.Total, err = s.Store.CountRecords(s.ctx(), f); err != nil {
			return page, err
		}
	}
	return page, nil
}

// Count returns how many records match a query's filters (its cursor and
// limit are ignored). The browser asks for it beside the first page, so the
// rows show at once even when counting a large match takes longer.
func (s *Records) Count(q RecordQuery) (int, error) {
	f, err := filterOf(q)
	if err != nil {
		return 0, err
	}
	return s.Store.CountRecords(s.ctx(), f)
}

// filterOf checks a query and turns it into the store's filter.
func filterOf(q RecordQuery) (store.RecordFilter, error) {
	if q.Limit <= 0 {
		q.Limit = store.DefaultPageSize
	}
	if q.Limit > store.MaxPageSize-1 {
		q.Limit = store.MaxPageSize - 1
	}
	f := store.RecordFilter{
		DatasetID: q.DatasetID, Code: q.Code, TopicID: q.TopicID, Generated: q.Generated,
		MinConfidence: q.MinConfidence, MaxConfidence: q.MaxConfidence, Search: q.Search,
		AfterID: q.AfterID, Limit: q.Limit,
	}
	return f, f.Validate()
}

// row projects a record onto a browser line.
func row(r record.Record) RecordRow {
	out := RecordRow{
		ID: r.ID, Line: r.Line, Shape: string(r.Shape), Code: string(r.Code), Detail: r.Detail,
		TopicID: r.TopicID, Topic: r.Topic, Confidence: r.Confidence, Method: r.Method,
		Generated: r.Generated, Source: r.Source,
	}
	var msgs []record.Message
	if len(r.Messages) > 0 && json.Unmarshal(r.Messages, &msgs) == nil {
		out.Turns = len(msgs)
		out.Preview = record.LastUserText(msgs)
	}
	if out.Preview == "" {
		out.Preview = r.Raw
	}
	out.Preview = shorten(out.Preview, previewRunes)
	return out
}

// shorten collapses white space and cuts text to n runes with an ellipsis.
func shorten(s string, n int) string {
	if len(s) > 4*n+64 {
		// Bound the work on huge lines; a rune cut in half is dropped.
		s = strings.ToValidUTF8(s[:4*n+64], "")
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}

// Get returns one whole record for the record viewer.
func (s *Records) Get(id int64) (record.Record, error) {
	if id <= 0 {
		return record.Record{}, errors.New("record id is required")
	}
	return s.Store.Record(s.ctx(), id)
}

// Update replaces a record's content with edited JSON; the dataset is
// revalidated and the updated record (with its new code) returned.
func (s *Records) Update(id int64, jsonText string) (record.Record, error) {
	if id <= 0 {
		return record.Record{}, errors.New("record id is required")
	}
	if err := need("record JSON", jsonText); err != nil {
		return record.Record{}, err
	}
	r, err := ingest.EditRecord(s.ctx(), s.Store, id, jsonText)
	if err != nil {
		return r, err
	}
	s.changed(r.DatasetID)
	return r, nil
}

// Delete deletes records of a dataset and returns how many went; the
// dataset is revalidated (the second of two duplicates may become valid).
func (s *Records) Delete(datasetID int64, ids []int64) (int, error) {
	if datasetID <= 0 {
		return 0, errors.New("dataset is required")
	}
	if len(ids) == 0 {
		return 0, errors.New("no records chosen to delete")
	}
	n, err := ingest.DeleteRecords(s.ctx(), s.Store, datasetID, ids)
	if n > 0 || err == nil {
		s.changed(datasetID)
	}
	return n, err
}

// DeleteMatching deletes every record matching a query's filters ("all N
// matching", its cursor and limit ignored) in one transaction and returns
// how many went; duplicates are rechecked.
func (s *Records) DeleteMatching(q RecordQuery) (int, error) {
	f, err := filterOf(q)
	if err != nil {
		return 0, err
	}
	n, err := ingest.DeleteMatching(s.ctx(), s.Store, f)
	if n > 0 || err == nil {
		s.changed(q.DatasetID)
	}
	return n, err
}

// Health returns a dataset's health report (View Issues).
func (s *Records) Health(datasetID int64) (health.Report, error) {
	if datasetID <= 0 {
		return health.Report{}, errors.New("dataset is required")
	}
	rep, err := health.ReportFor(s.ctx(), s.Store, datasetID)
	if rep.Codes == nil {
		rep.Codes = []health.CodeCount{}
	}
	if rep.Advice == nil {
		rep.Advice = []string{}
	}
	return rep, err
}

// Codes lists every validation code in check order (the browser's filter).
func (s *Records) Codes() []string {
	out := make([]string, len(record.CheckOrder))
	for i, c := range record.CheckOrder {
		out[i] = string(c)
	}
	return out
}
