package pipeline

import (
	"context"
	"fmt"

	"tracetune/backend/gateway"
	"tracetune/backend/ingest"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/store"
	"tracetune/backend/topics"
)

// Records that a pull or an append import adds to a dataset that already
// has topics are categorized in the same job, so that coverage does not
// drift while a team pulls production traces every day. Only the new
// records are touched (earlier assignments, and the ones a person made,
// stay), with the provider choice of step 2's Categorize; coverage is
// refreshed after. The cost is that of the new records, not the dataset's:
// only they are read and embedded, or vectorized offline with the model
// topics caches (topics/catmodel.go). A store mark (store.BeginAutocat) is
// set before the records arrive and removed once they are categorized, so
// what a stop, a failure or a crash leaves uncategorized is picked up by
// the next pull or import. An unreachable provider does not fail the pull: its message says
// why the new records stay uncategorized.

// AutoCategorized is what categorizing the new records of a pull or an
// append import did.
type AutoCategorized struct {
	topics.NewResult
	Error   string `json:"error,omitempty"`   // why categorization failed; the records stay uncategorized
	Stopped bool   `json:"stopped,omitempty"` // Stop came first: the rest wait for the next run
}

// PullResult is a pull's result: the gateway's figures and, when the
// dataset has topics, the categorization of the new records.
type PullResult struct {
	gateway.PullResult
	Categorize *AutoCategorized `json:"categorize,omitempty"`
}

// ImportResult is an import's result: the file's figures and, for an
// append into a dataset with topics, the categorization of the new records.
type ImportResult struct {
	ingest.Result
	Categorize *AutoCategorized `json:"categorize,omitempty"`
}

// newRecords follows the records one pull or import adds; nil when the
// dataset has no topics (nothing to do).
type newRecords struct {
	st        *store.Store
	datasetID int64
	after     int64
}

// watchNew is called before records arrive: without topics it does nothing
// more than read them.
func watchNew(ctx context.Context, st *store.Store, datasetID int64) (*newRecords, error) {
	ts, err := st.Topics(ctx, datasetID)
	if err != nil {
		return nil, fmt.Errorf("topics of dataset %d: %w", datasetID, err)
	}
	if len(record.Leaves(ts)) == 0 {
		return nil, nil
	}
	after, err := st.BeginAutocat(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	return &newRecords{st: st, datasetID: datasetID, after: after}, nil
}

// categorize runs once the records arrived: step 2 shows Processing while
// it runs and then the outcome, step 3 is refreshed. A failure is reported
// in the result, not returned; the error is a stop (a jobs.StopNote).
func (n *newRecords) categorize(ctx context.Context, report jobs.Reporter) (*AutoCategorized, error) {
	if n == nil {
		return nil, nil
	}
	res := &AutoCategorized{}
	bg := context.WithoutCancel(ctx) // the mark and the counts are written even after a stop
	waiting, err := n.st.CountNewRecords(ctx, n.datasetID, n.after, 0)
	switch {
	case err != nil && ctx.Err() != nil:
		res.Stopped = true
		return res, &jobs.StopNote{Text: res.Summary(), Err: ctx.Err()}
	case err != nil:
		res.Error = err.Error()
		return res, nil
	case waiting.Uncategorized == 0:
		// Nothing new is valid and without a topic: step 2 stays as it was.
		_ = n.st.EndAutocat(bg, n.datasetID, n.after)
		return res, nil
	}
	var stop error
	_, _ = RunStep(ctx, n.st, n.datasetID, StepTopics, func(ctx context.Context) (string, error) {
		r, err := topics.New(n.st).CategorizeNew(ctx, n.datasetID, n.after, func(d, t int64, m string) {
			report(d, t, "categorizing new records: "+m)
		})
		res.NewResult = r
		switch {
		case err == nil:
			// Should removing the mark fail, the next run finds these
			// records categorized and has nothing to do.
			_ = n.st.EndAutocat(bg, n.datasetID, n.after)
			return fmt.Sprintf("%s new records categorized, %s under %.1f", thousands(r.Categorized), thousands(r.LowConfidence), record.LowConfidence), nil
		case ctx.Err() != nil:
			res.Stopped = true
			stop = &jobs.StopNote{Text: res.Summary(), Err: ctx.Err()}
			return "", stop
		}
		// Not a failure of step 2: its node asks for the records without
		// a topic to be categorized, and this message says why they are.
		res.Error = err.Error()
		return res.Summary(), nil
	})
	if res.Categorized > 0 {
		// After a stop too: what was stored counts, and it takes a moment.
		_ = RefreshCoverage(bg, n.st, n.datasetID)
	}
	return res, stop
}

// Summary says what happened in words ("118 categorized (3 low confidence)"),
// for the step messages and the commands; "" when nothing new was valid.
func (a *AutoCategorized) Summary() string {
	const rest = "until the next pull or import, or Categorize unlabeled"
	switch {
	case a == nil:
		return ""
	case a.Stopped && a.Records == 0:
		return "stopped before the new records were categorized; they stay uncategorized " + rest
	case a.Stopped:
		return fmt.Sprintf("stopped after %s of %s new records were categorized; the rest stay uncategorized %s",
			thousands(a.Categorized), thousands(a.Records), rest)
	case a.Error != "" && a.Categorized > 0:
		return fmt.Sprintf("categorizing the new records failed after %s of %s (%s); the rest stay uncategorized %s",
			thousands(a.Categorized), thousands(a.Records), a.Error, rest)
	case a.Error != "" && a.Records > 0:
		return fmt.Sprintf("categorizing the %s new records failed (%s); they stay uncategorized %s", thousands(a.Records), a.Error, rest)
	case a.Error != "":
		return fmt.Sprintf("categorizing the new records failed (%s); they stay uncategorized %s", a.Error, rest)
	case a.Records == 0:
		return ""
	}
	return fmt.Sprintf("%s categorized (%s low confidence)", thousands(a.Categorized), thousands(a.LowConfidence))
}

// withCategorized adds the outcome to an extract message ("120 new, …").
func withCategorized(msg string, a *AutoCategorized) string {
	s := a.Summary()
	switch {
	case s == "":
		return msg
	case a.Error != "" || a.Stopped:
		return msg + "; " + s
	}
	return msg + ", " + s
}
