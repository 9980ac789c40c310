package health

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

const pageSize = 2000

// Revalidate recomputes every code of a dataset — checks 1–12 on each
// record with the dataset's settings, then duplicates in id order — and
// stores what changed, so stored codes always equal a fresh validation.
func Revalidate(ctx context.Context, st *store.Store, datasetID int64) error {
	return RevalidateReport(ctx, st, datasetID, nil)
}

// RevalidateReport is Revalidate reporting records done / total (for a
// settings change on a large dataset, run as a job).
func RevalidateReport(ctx context.Context, st *store.Store, datasetID int64, report func(done, total int64)) error {
	ds, err := st.Dataset(ctx, datasetID)
	if err != nil {
		return err
	}
	var total int64
	if report != nil {
		n, err := st.CountRecords(ctx, store.RecordFilter{DatasetID: datasetID})
		if err != nil {
			return err
		}
		total = int64(n)
	}
	var done int64
	dd := NewDeduper()
	var after int64
	for {
		page, err := st.RecordPage(ctx, datasetID, after, pageSize)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		fresh := make([]record.Record, len(page))
		copy(fresh, page)
		if err := CheckAll(ctx, fresh, ds.Settings); err != nil {
			return err
		}
		var ups []store.CodeUpdate
		for i := range fresh {
			f := &fresh[i]
			if f.Code == record.Valid {
				f.Code, f.Detail = dd.Add(f.ID, f.Line, f.Hash, f.TraceID)
			}
			if o := page[i]; o.Code != f.Code || o.Detail != f.Detail || o.Hash != f.Hash {
				ups = append(ups, store.CodeUpdate{ID: f.ID, Code: f.Code, Detail: f.Detail, Hash: f.Hash})
			}
		}
		if err := st.UpdateCodes(ctx, ups); err != nil {
			return fmt.Errorf("revalidate dataset %d: %w", datasetID, err)
		}
		after = page[len(page)-1].ID
		done += int64(len(page))
		if report != nil {
			report(done, total)
		}
	}
}

// RevalidateDuplicates recomputes check 13 only. It is enough after a delete
// or after an edit whose record was re-checked: checks 1–12 of the other
// records depend on nothing but themselves.
func RevalidateDuplicates(ctx context.Context, st *store.Store, datasetID int64) error {
	dd := NewDeduper()
	var after int64
	for {
		rows, err := st.DedupeRows(ctx, datasetID, after, 20000)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := st.UpdateCodes(ctx, dedupeUpdates(dd, rows)); err != nil {
			return fmt.Errorf("revalidate duplicates of dataset %d: %w", datasetID, err)
		}
		after = rows[len(rows)-1].ID
	}
}

// CheckAll runs Check on every record, spread over the machine's cores.
func CheckAll(ctx context.Context, recs []record.Record, set record.Settings) error {
	workers := runtime.GOMAXPROCS(0)
	if len(recs) < 64 || workers == 1 {
		for i := range recs {
			Check(&recs[i], set)
		}
		return ctx.Err()
	}
	g, ctx := errgroup.WithContext(ctx)
	per := (len(recs) + workers - 1) / workers
	for lo := 0; lo < len(recs); lo += per {
		part := recs[lo:min(lo+per, len(recs))]
		g.Go(func() error {
			for i := range part {
				if i%256 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				Check(&part[i], set)
			}
			return nil
		})
	}
	return g.Wait()
}

// RevalidateKeys recomputes check 13 for the records a change can affect:
// those connected to the given prompt hashes or trace ids through shared
// hashes or trace ids (the closure is followed until it stops growing).
// Records outside that set share no key with it, so their outcome cannot
// change, and the result equals a full RevalidateDuplicates — in
// milliseconds instead of a scan of the whole dataset.
func RevalidateKeys(ctx context.Context, st *store.Store, datasetID int64, hashes, traces []string) error {
	seenH, seenT := map[string]bool{}, map[string]bool{}
	rows := map[int64]store.DedupeRow{}
	nextH, nextT := newKeys(hashes, seenH), newKeys(traces, seenT)
	for len(nextH)+len(nextT) > 0 {
		found, err := st.PassingByKeys(ctx, datasetID, nextH, nextT)
		if err != nil {
			return err
		}
		nextH, nextT = nil, nil
		for _, r := range found {
			if _, ok := rows[r.ID]; ok {
				continue
			}
			rows[r.ID] = r
			nextH = append(nextH, newKeys([]string{r.Hash}, seenH)...)
			nextT = append(nextT, newKeys([]string{r.TraceID}, seenT)...)
		}
	}
	ordered := slices.Collect(maps.Values(rows))
	slices.SortFunc(ordered, func(a, b store.DedupeRow) int { return cmp.Compare(a.ID, b.ID) })
	if err := st.UpdateCodes(ctx, dedupeUpdates(NewDeduper(), ordered)); err != nil {
		return fmt.Errorf("revalidate duplicates of dataset %d: %w", datasetID, err)
	}
	return nil
}

// newKeys returns the non-empty keys not seen yet, marking them seen.
func newKeys(keys []string, seen map[string]bool) []string {
	var out []string
	for _, k := range keys {
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// dedupeUpdates feeds rows (in id order) to dd and returns the code changes.
// A duplicate is always rewritten: its detail names its original, which may
// have changed, and rewriting an unchanged one is harmless.
func dedupeUpdates(dd *Deduper, rows []store.DedupeRow) []store.CodeUpdate {
	var ups []store.CodeUpdate
	for _, r := range rows {
		code, detail := dd.Add(r.ID, r.Line, r.Hash, r.TraceID)
		if code != r.Code || code == record.Duplicate {
			ups = append(ups, store.CodeUpdate{ID: r.ID, Code: code, Detail: detail, Hash: r.Hash})
		}
	}
	return ups
}
