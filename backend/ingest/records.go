package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"tracetune/backend/health"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// ImportRecords stores records that are already normalized (gateway pulls,
// generation; the caller sets Source, TraceID, Generated…) after running
// checks 1–12 on each and the duplicate check against the dataset and the
// batch itself (by prompt or trace id), in one transaction.
func ImportRecords(ctx context.Context, st *store.Store, datasetID int64, recs []record.Record) (Result, error) {
	start := time.Now()
	res := Result{ByCode: map[string]int{}}
	if len(recs) == 0 {
		return res, nil
	}
	ds, err := st.Dataset(ctx, datasetID)
	if err != nil {
		return res, err
	}
	batch := make([]record.Record, len(recs))
	copy(batch, recs)
	for i := range batch {
		batch[i].ID, batch[i].DatasetID = 0, datasetID
		if batch[i].Shape == "" {
			batch[i].Shape = record.ShapeGateway
		}
		if batch[i].Shape == record.ShapeRaw && batch[i].Detail == "" && batch[i].Raw != "" {
			// a raw line from a gateway: classify it like a file line
			n := Normalize([]byte(batch[i].Raw), batch[i].Line)
			batch[i].Detail = n.Detail
		}
	}
	if err := health.CheckAll(ctx, batch, ds.Settings); err != nil {
		return res, err
	}
	rt, err := st.BeginRecords(ctx, datasetID)
	if err != nil {
		return res, err
	}
	defer rt.Rollback()
	// Stored records come first in id order: look them up by index rather
	// than loading every key of a large dataset for a small batch.
	dd := health.NewDeduper()
	dd.Lookup = rt.FirstPassing
	rt.AssignIDs(batch)
	for i := range batch {
		if batch[i].Code == record.Valid {
			batch[i].Code, batch[i].Detail = dd.Add(batch[i].ID, batch[i].Line, batch[i].Hash, batch[i].TraceID)
		}
	}
	if dd.Err != nil {
		return res, fmt.Errorf("duplicate check: %w", dd.Err)
	}
	if err := rt.Insert(batch); err != nil {
		return res, err
	}
	if err := rt.Commit(); err != nil {
		return res, err
	}
	res.Lines = len(batch)
	res.add(batch)
	res.Duration = time.Since(start)
	return res, nil
}

// EditRecord replaces a record's content with edited JSON (any shape an
// import accepts, pretty-printed or not), re-runs its checks and then the
// duplicate check of its dataset. A JSON syntax error returns an error that
// names line and column, and nothing is stored.
func EditRecord(ctx context.Context, st *store.Store, id int64, jsonText string) (record.Record, error) {
	old, err := st.Record(ctx, id)
	if err != nil {
		return old, err
	}
	text := []byte(jsonText)
	var v any
	if err := json.Unmarshal(text, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			l, c := Position(text, se.Offset-1)
			return old, fmt.Errorf("record %d: invalid JSON at line %d, column %d: %s", id, l, c, se.Error())
		}
		return old, fmt.Errorf("record %d: invalid JSON: %w", id, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, text); err != nil {
		return old, fmt.Errorf("record %d: %w", id, err)
	}
	ds, err := st.Dataset(ctx, old.DatasetID)
	if err != nil {
		return old, err
	}
	n := Normalize(compact.Bytes(), old.Line)
	n.ID, n.DatasetID = old.ID, old.DatasetID
	if n.TraceID == "" {
		n.TraceID = old.TraceID
	}
	health.Check(&n, ds.Settings)
	update := st.UpdateRecordContent
	if Recategorize(old, n) {
		update = st.UpdateRecordContentUncategorized
	}
	if err := update(ctx, n); err != nil {
		return old, err
	}
	// only records sharing a prompt or trace id with the old or the new
	// content can change
	if err := health.RevalidateKeys(ctx, st, old.DatasetID, []string{old.Hash, n.Hash}, []string{old.TraceID, n.TraceID}); err != nil {
		return old, err
	}
	return st.Record(ctx, id)
}

// Recategorize says whether an edit from old to n takes the record out of
// its topic: a categorized record that stays valid with other prompt
// messages is categorized again (Step 2 offers it as unlabeled), unless a
// person put it in its topic.
func Recategorize(old, n record.Record) bool {
	return old.TopicID != 0 && old.Method != record.MethodManual && n.Code == record.Valid &&
		!bytes.Equal(old.Messages, n.Messages)
}

// DeleteRecords deletes records of a dataset and re-runs its duplicate
// check (deleting the first of two duplicates makes the second valid).
func DeleteRecords(ctx context.Context, st *store.Store, datasetID int64, ids []int64) (int, error) {
	var hashes, traces []string
	targeted := len(ids) <= maxTargeted
	if targeted {
		var err error
		if hashes, traces, err = st.KeysOf(ctx, datasetID, ids); err != nil {
			return 0, err
		}
	}
	n, err := st.DeleteRecordIDs(ctx, datasetID, ids)
	if err != nil || n == 0 {
		return n, err
	}
	if targeted {
		err = health.RevalidateKeys(ctx, st, datasetID, hashes, traces)
	} else {
		err = health.RevalidateDuplicates(ctx, st, datasetID)
	}
	return n, err
}

// DeleteMatching deletes every record matching f (the records browser's
// "all N matching", or `tracetune records delete`) and returns how many.
func DeleteMatching(ctx context.Context, st *store.Store, f store.RecordFilter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	ids, err := st.MatchingIDs(ctx, f)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return DeleteRecords(ctx, st, f.DatasetID, ids)
}

// maxTargeted is the largest delete whose duplicate check follows the
// deleted records' keys; a bigger one re-checks the whole dataset.
const maxTargeted = 5000
