package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"tracetune/backend/ingest"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// PullOptions shape a pull.
type PullOptions struct {
	// Filter selects traces. Its From is where the first pull starts (zero:
	// everything) and its To where a pull's window ends (zero: now). Without
	// model/text/tools/errors fields the filter stored by the previous pull
	// is reused, so "Pull new traces" keeps the dataset's selection.
	Filter Filter
	// Since, when set, replaces the stored cursor as the window's start.
	Since time.Time
	// PageSize is the number of traces asked per page (default 100).
	PageSize int
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// Settle leaves out the most recent traces (window end = now − Settle)
	// for sources that index calls with a delay, so a trace logged just
	// before a pull but visible only after it is not skipped for good.
	Settle time.Duration
	// LookBack is how far before the cursor a pull re-reads, for traces
	// the gateway indexed late (0: the source's setting, by default
	// DefaultLookBack); what the dataset already has is skipped by id.
	LookBack time.Duration
}

// DefaultLookBack is a source's look-back window unless set otherwise.
const DefaultLookBack = store.DefaultLookBack

// PullResult is what a pull reports: New records stored (Invalid of them
// failed validation and are kept for review), Skipped traces whose id the
// dataset already had.
type PullResult struct {
	New     int `json:"new"`
	Skipped int `json:"skipped"`
	// Rechecked are traces of the look-back window the dataset already had.
	Rechecked int       `json:"rechecked"`
	Invalid   int       `json:"invalid"`
	Pages     int       `json:"pages"`
	Since     time.Time `json:"since"` // the cursor after the pull
	Source    string    `json:"source"`
}

// Progress receives done/total traces and a message (jobs.Reporter fits).
type Progress func(done, total int64, message string)

// storedFilter is the part of a filter kept with the cursor.
type storedFilter struct {
	Model         string `json:"model,omitempty"`
	Text          string `json:"text,omitempty"`
	HasTools      bool   `json:"has_tools,omitempty"`
	ExcludeErrors bool   `json:"exclude_errors,omitempty"`
}

func (f Filter) selection() storedFilter {
	return storedFilter{Model: f.Model, Text: f.Text, HasTools: f.HasTools, ExcludeErrors: f.ExcludeErrors}
}

// Pull fetches the traces of src newer than the dataset's cursor for it,
// page by page, re-reading a look-back window before the cursor because
// gateways index traces late (Langfuse ingests asynchronously): a trace
// that started before the last pull but became visible after it arrives
// now, and what the dataset already has is skipped by trace id. The cursor
// is the newest trace time seen, never the clock. Each page is validated and stored (trace ids the dataset
// already has are skipped) and the cursor advances with it, so a pull that
// fails or is stopped keeps the pages it stored, and the next pull resumes
// at the page where it stopped before reading anything newer.
func Pull(ctx context.Context, st *store.Store, src Source, sourceID, datasetID int64, opt PullOptions, progress Progress) (PullResult, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.PageSize <= 0 {
		opt.PageSize = 100
	}
	if progress == nil {
		progress = func(int64, int64, string) {}
	}
	label := SourceLabel(src)
	res := PullResult{Source: label}
	cur, found, err := st.PullCursorFor(ctx, datasetID, sourceID)
	if err != nil {
		return res, fmt.Errorf("pull from %s: reading cursor: %w", label, err)
	}
	filter := opt.Filter
	if filter.selection() == (storedFilter{}) && found {
		var sf storedFilter
		if json.Unmarshal([]byte(cur.Filter), &sf) == nil {
			filter.Model, filter.Text, filter.HasTools, filter.ExcludeErrors = sf.Model, sf.Text, sf.HasTools, sf.ExcludeErrors
		}
	}
	fjson, _ := json.Marshal(filter.selection())
	cur.Filter = string(fjson)

	// The windows to read: an unfinished one first (unless --since moves the
	// start), then [since, end).
	type window struct {
		from, to time.Time
		token    string
	}
	var windows []window
	end := filter.To
	if end.IsZero() {
		end = opt.Now().Add(-opt.Settle)
	}
	lookBack := opt.LookBack
	if lookBack <= 0 {
		lookBack = DefaultLookBack
		if row, err := st.SourceByID(ctx, sourceID); err == nil {
			lookBack = row.LookBack()
		}
	}
	start := cur.Since
	if !found {
		start = filter.From
	}
	// traces before fresh were in an earlier pull's range: finding one the
	// dataset has is no news (Rechecked, not Skipped)
	fresh := start
	if !opt.Since.IsZero() {
		start, fresh = opt.Since, opt.Since
	} else if found && !cur.High.IsZero() {
		windows = append(windows, window{cur.Since, cur.High, cur.Token})
		start, fresh = cur.High, cur.High
	} else if found && !start.IsZero() {
		start = start.Add(-lookBack)
		for _, floor := range []time.Time{filter.From, cur.Floor} {
			if start.Before(floor) {
				start = floor
			}
		}
	}
	if end.After(start) {
		windows = append(windows, window{start, end, ""})
	}

	seen := map[string]bool{}
	var done int64
	for _, w := range windows {
		var newest time.Time // of the traces this window listed
		f := filter
		f.From, f.To = w.from, w.to
		token := w.token
		for {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			page, err := src.List(ctx, f, token, opt.PageSize)
			if err != nil {
				return res, fmt.Errorf("pull from %s (%d new so far, kept): %w", label, res.New, err)
			}
			recs := make([]record.Record, 0, len(page.Traces))
			ids := make([]string, 0, len(page.Traces))
			for _, t := range page.Traces {
				ids = append(ids, t.ID)
			}
			present, err := st.PresentTraceIDs(ctx, datasetID, ids)
			if err != nil {
				return res, fmt.Errorf("pull from %s: %w", label, err)
			}
			for _, t := range page.Traces {
				if t.Time.After(newest) {
					newest = t.Time
				}
				switch {
				case seen[t.ID]:
					// repeated across pages of one pull (a page boundary moved): not news
				case present[t.ID] && !t.Time.Truncate(time.Millisecond).After(fresh): // cursors keep milliseconds
					res.Rechecked++
				case present[t.ID]:
					res.Skipped++
				default:
					r := t.Record
					r.DatasetID = datasetID
					recs = append(recs, r)
				}
				seen[t.ID] = true
			}
			if len(recs) > 0 {
				ir, err := ingest.ImportRecords(ctx, st, datasetID, recs)
				if err != nil {
					return res, fmt.Errorf("pull from %s: storing %d traces: %w", label, len(recs), err)
				}
				res.New += ir.Total
				res.Invalid += ir.Invalid
			}
			res.Pages++
			token = page.Next
			if token == "" {
				// the newest trace seen; a window resumed after a stop may
				// have seen it on an earlier run: its start is then a safe
				// (earlier) cursor
				since := newest
				if since.Before(w.from) {
					since = w.from
				}
				if since.Before(cur.Since) && w.token == "" {
					since = cur.Since
				}
				cur.Since, cur.High, cur.Token = since, time.Time{}, ""
			} else {
				cur.Since, cur.High, cur.Token = w.from, w.to, token
			}
			cur.LastNew = res.New
			// Background context: the cursor must match the stored page even
			// when the pull is being stopped.
			if err := st.SavePullCursor(context.Background(), cur); err != nil {
				return res, fmt.Errorf("pull from %s: saving cursor: %w", label, err)
			}
			done += int64(page.Scanned)
			total := int64(page.Total)
			if total < done {
				total = done
			}
			progress(done, total, fmt.Sprintf("%s: %d new, %d skipped", label, res.New, res.Skipped+res.Rechecked))
			if token == "" {
				break
			}
		}
	}
	if len(windows) == 0 {
		cur.LastNew = 0
		if err := st.SavePullCursor(ctx, cur); err != nil {
			return res, fmt.Errorf("pull from %s: saving cursor: %w", label, err)
		}
	}
	res.Since = cur.Since
	_ = st.Touch(context.Background(), datasetID)
	return res, nil
}

// PullIDs stores the hand-picked traces ids of src (the preview's
// selection) and sets the cursor to windowEnd, the end of the listing they
// were picked from, so the next pull starts after it.
func PullIDs(ctx context.Context, st *store.Store, src Source, sourceID, datasetID int64, ids []string, f Filter, windowEnd time.Time, progress Progress) (PullResult, error) {
	if progress == nil {
		progress = func(int64, int64, string) {}
	}
	label := SourceLabel(src)
	res := PullResult{Source: label}
	present, err := st.PresentTraceIDs(ctx, datasetID, ids)
	if err != nil {
		return res, err
	}
	const batch = 50
	var recs []record.Record
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		ir, err := ingest.ImportRecords(ctx, st, datasetID, recs)
		if err != nil {
			return fmt.Errorf("pull from %s: storing %d traces: %w", label, len(recs), err)
		}
		res.New += ir.Total
		res.Invalid += ir.Invalid
		res.Pages++
		recs = recs[:0]
		return nil
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if present[id] {
			res.Skipped++
			continue
		}
		t, err := src.Fetch(ctx, id)
		if err != nil {
			if ferr := flush(); ferr != nil {
				return res, ferr
			}
			return res, fmt.Errorf("pull from %s (%d new so far, kept): %w", label, res.New, err)
		}
		r := t.Record
		r.DatasetID = datasetID
		recs = append(recs, r)
		if len(recs) >= batch {
			if err := flush(); err != nil {
				return res, err
			}
		}
		progress(int64(i+1), int64(len(ids)), fmt.Sprintf("%s: %d of %d selected traces", label, i+1, len(ids)))
	}
	if err := flush(); err != nil {
		return res, err
	}
	cur, _, err := st.PullCursorFor(ctx, datasetID, sourceID)
	if err != nil {
		return res, err
	}
	fjson, _ := json.Marshal(f.selection())
	cur.Filter = string(fjson)
	if windowEnd.After(cur.Since) {
		cur.Since = windowEnd
	}
	// the traces of the listing that were not picked stay out: no
	// look-back before its end
	if windowEnd.After(cur.Floor) {
		cur.Floor = windowEnd
	}
	cur.High, cur.Token, cur.LastNew = time.Time{}, "", res.New
	if err := st.SavePullCursor(ctx, cur); err != nil {
		return res, err
	}
	res.Since = cur.Since
	progress(int64(len(ids)), int64(len(ids)), fmt.Sprintf("%s: %d new, %d skipped", label, res.New, res.Skipped))
	return res, nil
}
