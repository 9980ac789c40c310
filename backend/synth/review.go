package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"tracetune/backend/health"
	"tracetune/backend/ingest"
	"tracetune/backend/llm"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// MethodGenerated is the categorization method of an accepted candidate:
// it was made for its topic.
const MethodGenerated = "generated"

// ErrCap means accepting would pass the synthetic-share cap.
var ErrCap = errors.New("over the synthetic share cap")

// AcceptResult says what accepting did.
type AcceptResult struct {
	Accepted      int      `json:"accepted"`       // records added
	Records       []int64  `json:"records"`        // their ids
	LowConfidence int      `json:"low_confidence"` // whose topic the categorization pass did not confirm: flagged for review
	Rejected      int      `json:"rejected"`       // turned out duplicates of records stored meanwhile
	Notes         []string `json:"notes"`
}

// List returns a dataset's candidates (batchID 0: every run; statuses
// empty: any).
func List(ctx context.Context, st *store.Store, datasetID, batchID int64, statuses ...string) ([]store.Candidate, error) {
	return st.Candidates(ctx, store.CandidateFilter{DatasetID: datasetID, BatchID: batchID, Statuses: statuses})
}

// AcceptPassing accepts every pending candidate of a run (0: of every run).
func AcceptPassing(ctx context.Context, st *store.Store, datasetID, batchID int64) (AcceptResult, error) {
	cs, err := List(ctx, st, datasetID, batchID, store.CandidatePending)
	if err != nil {
		return AcceptResult{Records: []int64{}, Notes: []string{}}, err
	}
	return accept(ctx, st, datasetID, cs)
}

// Accept turns candidates into records. Only candidates that passed their
// checks (pending, or rejected by hand after passing) are accepted.
func Accept(ctx context.Context, st *store.Store, datasetID int64, ids []int64) (AcceptResult, error) {
	res := AcceptResult{Records: []int64{}, Notes: []string{}}
	if len(ids) == 0 {
		return res, fmt.Errorf("no candidates given: %w", ErrInvalid)
	}
	cs, err := st.Candidates(ctx, store.CandidateFilter{DatasetID: datasetID, IDs: ids})
	if err != nil {
		return res, err
	}
	if len(cs) != len(uniq(ids)) {
		return res, fmt.Errorf("%d of %d candidates are not in dataset %d: %w", len(uniq(ids))-len(cs), len(uniq(ids)), datasetID, store.ErrNotFound)
	}
	for _, c := range cs {
		switch {
		case c.Status == store.CandidateAccepted:
			return res, fmt.Errorf("candidate %d is already record %d: %w", c.ID, c.RecordID, ErrInvalid)
		case c.Status == store.CandidateRejected && c.Reason != ReasonByUser:
			return res, fmt.Errorf("candidate %d failed a check (%s: %s): edit it or regenerate it: %w", c.ID, c.Reason, c.Detail, ErrInvalid)
		}
	}
	return accept(ctx, st, datasetID, cs)
}

func uniq(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func accept(ctx context.Context, st *store.Store, datasetID int64, cs []store.Candidate) (AcceptResult, error) {
	res := AcceptResult{Records: []int64{}, Notes: []string{}}
	if len(cs) == 0 {
		return res, nil
	}
	ds, err := st.Dataset(ctx, datasetID)
	if err != nil {
		return res, fmt.Errorf("dataset %d: %w", datasetID, err)
	}
	// The cap: the strictest of the runs the candidates come from.
	maxShare := Defaults().MaxShare
	for _, c := range cs {
		if raw, err := st.SynthBatchOptions(ctx, c.BatchID); err == nil {
			var o Options
			if json.Unmarshal([]byte(raw), &o) == nil && o.MaxShare > 0 {
				maxShare = math.Min(maxShare, o.MaxShare)
			}
		}
	}
	counts, err := st.DatasetCounts(ctx, datasetID)
	if err != nil {
		return res, err
	}
	gen, _, err := st.GeneratedCounts(ctx, datasetID)
	if err != nil {
		return res, err
	}
	if a := allowed(counts.Valid, gen, 0, maxShare); len(cs) > a {
		return res, fmt.Errorf("accepting %d would make generated records %.1f %% of the dataset's valid records, above the %.0f %% cap: accept at most %d: %w",
			len(cs), share(gen+len(cs), counts.Valid+len(cs)), maxShare, a, ErrCap)
	}
	ts, err := st.Topics(ctx, datasetID)
	if err != nil {
		return res, err
	}
	cl, err := newClassifier(ctx, st, datasetID, record.Leaves(ts))
	if err != nil {
		return res, err
	}
	texts := make([]string, len(cs))
	for i, c := range cs {
		texts[i] = c.Text
	}
	verdicts, err := cl.classify(ctx, texts)
	if err != nil {
		return res, err
	}
	recs := make([]record.Record, len(cs))
	hashes := make([]string, len(cs))
	for i, c := range cs {
		r := candidateRecord(c.Messages, c.Tools)
		meta, _ := json.Marshal(map[string]any{"generated": true, "candidate_id": c.ID, "batch_id": c.BatchID, "strategy": c.Strategy})
		r.Metadata, r.Source = meta, "generated:"+c.Strategy
		r.Generated, r.SourceRecordID, r.Strategy = true, c.SourceRecordID, c.Strategy
		r.Method = MethodGenerated
		topic, conf := c.TopicID, 1.0
		if v := verdicts[i]; v.ok {
			switch {
			case topic == 0: // made from an uncategorized record: the pass decides
				topic, conf = v.best, v.bestConf
			case v.best == topic:
				conf = v.conf[topic]
			default:
				// The pass put it elsewhere: it stays on the topic it was
				// made for, under the threshold, for a person to review.
				conf = math.Min(v.conf[topic], record.LowConfidence/2)
			}
		}
		if topic != 0 {
			r.TopicID, r.Confidence = topic, math.Round(conf*1000)/1000
			if r.Confidence < record.LowConfidence {
				res.LowConfidence++
			}
		} else {
			r.Method = ""
		}
		chk := r
		health.Check(&chk, ds.Settings)
		hashes[i] = chk.Hash
		recs[i] = r
	}
	if _, err := ingest.ImportRecords(ctx, st, datasetID, recs); err != nil {
		return res, fmt.Errorf("add accepted candidates: %w", err)
	}
	rows, err := st.PassingByKeys(ctx, datasetID, hashes, nil)
	if err != nil {
		return res, err
	}
	newest := map[string]store.DedupeRow{}
	for _, r := range rows {
		if r.ID > newest[r.Hash].ID {
			newest[r.Hash] = r
		}
	}
	var dups []int64
	for i, c := range cs {
		row, ok := newest[hashes[i]]
		switch {
		case ok && row.Code == record.Valid && !contains64(res.Records, row.ID):
			c.Status, c.Reason, c.Detail, c.RecordID = store.CandidateAccepted, "", "", row.ID
			res.Accepted++
			res.Records = append(res.Records, row.ID)
		default:
			// stored meanwhile by someone else: the copy goes
			c.Status, c.Reason, c.Detail = store.CandidateRejected, ReasonDuplicateSeed, "the same prompt was stored while it waited for review"
			if ok && row.Code == record.Duplicate {
				dups = append(dups, row.ID)
			}
			res.Rejected++
		}
		if err := st.UpdateCandidate(ctx, c); err != nil {
			return res, err
		}
	}
	if len(dups) > 0 {
		if _, err := ingest.DeleteRecords(ctx, st, datasetID, dups); err != nil {
			return res, err
		}
	}
	if res.LowConfidence > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d accepted records were not confirmed in their topic by the categorization pass: review them under Low Confidence", res.LowConfidence))
	}
	return res, nil
}

func contains64(xs []int64, x int64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Reject rejects candidates by hand (accepted ones stay records: delete
// those in the records browser). It returns how many changed.
func Reject(ctx context.Context, st *store.Store, datasetID int64, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, fmt.Errorf("no candidates given: %w", ErrInvalid)
	}
	cs, err := st.Candidates(ctx, store.CandidateFilter{DatasetID: datasetID, IDs: ids})
	if err != nil {
		return 0, err
	}
	if len(cs) != len(uniq(ids)) {
		return 0, fmt.Errorf("%d of %d candidates are not in dataset %d: %w", len(uniq(ids))-len(cs), len(uniq(ids)), datasetID, store.ErrNotFound)
	}
	n := 0
	for _, c := range cs {
		if c.Status != store.CandidatePending {
			continue
		}
		c.Status, c.Reason, c.Detail = store.CandidateRejected, ReasonByUser, "rejected in review"
		if err := st.UpdateCandidate(ctx, c); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Edit replaces a candidate's text and checks it again (against the seeds
// of its topic and the dataset's other candidates): it becomes pending if
// it passes, else rejected with the reason.
func Edit(ctx context.Context, st *store.Store, datasetID, id int64, text string) (store.Candidate, error) {
	cs, err := st.Candidates(ctx, store.CandidateFilter{DatasetID: datasetID, IDs: []int64{id}})
	if err != nil {
		return store.Candidate{}, err
	}
	if len(cs) == 0 {
		return store.Candidate{}, fmt.Errorf("candidate %d of dataset %d: %w", id, datasetID, store.ErrNotFound)
	}
	c := cs[0]
	if c.Status == store.CandidateAccepted {
		return c, fmt.Errorf("candidate %d is already record %d: edit the record instead: %w", id, c.RecordID, ErrInvalid)
	}
	ds, err := st.Dataset(ctx, datasetID)
	if err != nil {
		return c, err
	}
	text = Clean(text)
	msgs, err := withText(c.Messages, text)
	if err != nil {
		return c, fmt.Errorf("candidate %d: %w", id, err)
	}
	chk := NewChecker(ds.Settings)
	if chk.Embed, err = embedderFor(ctx, st); err != nil {
		return c, err
	}
	chk.Stored = func(ctx context.Context, hash string) (int64, bool, error) {
		rows, err := st.PassingByKeys(ctx, datasetID, []string{hash}, nil)
		if err != nil || len(rows) == 0 {
			return 0, false, err
		}
		return rows[0].ID, true, nil
	}
	var src record.Record
	if c.SourceRecordID > 0 {
		if r, err := st.Record(ctx, c.SourceRecordID); err == nil && r.DatasetID == datasetID {
			src = r
		}
	}
	if c.TopicID > 0 {
		no := false
		seeds, err := st.Records(ctx, store.RecordFilter{DatasetID: datasetID, Code: "valid", TopicID: c.TopicID, Generated: &no, Limit: poolLimit})
		if err != nil {
			return c, err
		}
		if err := addRecords(ctx, chk, seeds); err != nil {
			return c, err
		}
	} else if src.ID != 0 {
		if err := addRecords(ctx, chk, []record.Record{src}); err != nil {
			return c, err
		}
	}
	others, err := st.Candidates(ctx, store.CandidateFilter{DatasetID: datasetID, Statuses: []string{store.CandidatePending, store.CandidateAccepted}})
	if err != nil {
		return c, err
	}
	var ids []int64
	var texts []string
	for _, o := range others {
		if o.ID != c.ID {
			ids, texts = append(ids, o.ID), append(texts, o.Text)
		}
	}
	if err := chk.AddCandidates(ctx, ids, texts); err != nil {
		return c, err
	}
	allowed := lastUserText(src.Messages) + "\n" + renderContext(parseMessages(src.Messages))
	v, err := chk.Check(ctx, c.ID, text, candidateRecord(msgs, c.Tools), allowed)
	if err != nil {
		return c, err
	}
	c.Text, c.Messages, c.Reason, c.Detail = text, msgs, v.Reason, v.Detail
	c.Status = store.CandidatePending
	if v.Reason != "" {
		c.Status = store.CandidateRejected
	}
	return c, st.UpdateCandidate(ctx, c)
}

func addRecords(ctx context.Context, chk *Checker, rs []record.Record) error {
	ids := make([]int64, len(rs))
	texts := make([]string, len(rs))
	for i, r := range rs {
		ids[i], texts[i] = r.ID, lastUserText(r.Messages)
	}
	return chk.AddSeeds(ctx, ids, texts)
}

// embedderFor returns the embedding role's embedder, or nil offline.
func embedderFor(ctx context.Context, st *store.Store) (Embedder, error) {
	ec, model, err := llm.ForRole(ctx, st, llm.RoleEmbedding)
	if errors.Is(err, llm.ErrNoProvider) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("embedding model: %w", err)
	}
	return func(ctx context.Context, texts []string) ([][]float32, error) { return ec.Embed(ctx, model, texts) }, nil
}
