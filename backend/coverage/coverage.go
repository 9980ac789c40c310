package coverage

import (
	"context"
	"fmt"
	"math"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Statuses of a topic against its target.
const (
	Under = "under"
	OK    = "ok"
	Over  = "over"
)

// Ratings of the balance score (PRODUCT.md §4, step 3).
const (
	Good      = "Good"
	Attention = "Attention"
	Poor      = "Poor"
)

// Tolerance is how many percentage points a topic may sit from its target
// before it is under or over.
const Tolerance = 5.0

// Stat is one leaf topic's coverage.
type Stat struct {
	TopicID int64   `json:"topic_id"`
	Topic   string  `json:"topic"`
	Count   int     `json:"count"`
	Percent float64 `json:"percent"` // share of categorized valid records
	Target  float64 `json:"target"`  // the topic's target, or the uniform share
	Gap     float64 `json:"gap"`     // Target - Percent, in points
	Status  string  `json:"status"`  // under, ok, over
	Needed  int     `json:"needed"`  // records to add to this topic alone to reach its target
	Custom  bool    `json:"custom"`  // the target was set by the user
}

// Report is a dataset's coverage.
type Report struct {
	Balance         float64         `json:"balance"`
	Rating          string          `json:"rating"`
	Distribution    map[string]Stat `json:"distribution"`
	Topics          []Stat          `json:"topics"` // the same stats in tree order
	Uncategorized   int             `json:"uncategorized"`
	Categorized     int             `json:"categorized"`
	Valid           int             `json:"valid"`
	Recommendations []string        `json:"recommendations"`
}

// RatingFor rates a balance score: above 0.6 Good, 0.3–0.6 Attention,
// below 0.3 Poor.
func RatingFor(balance float64) string {
	switch {
	case balance > 0.6:
		return Good
	case balance >= 0.3:
		return Attention
	}
	return Poor
}

// Compute measures a dataset's coverage from the store.
func Compute(ctx context.Context, st *store.Store, datasetID int64) (Report, error) {
	ts, err := st.Topics(ctx, datasetID)
	if err != nil {
		return Report{}, fmt.Errorf("coverage of dataset %d: topics: %w", datasetID, err)
	}
	c, err := st.CountTopics(ctx, datasetID)
	if err != nil {
		return Report{}, fmt.Errorf("coverage of dataset %d: counts: %w", datasetID, err)
	}
	return build(record.Leaves(ts), c), nil
}

// build computes the report from leaf topics and counts. Records assigned to
// a non-leaf (which the editor prevents) count as uncategorized.
func build(ls []record.Topic, c store.TopicCounts) Report {
	r := Report{Distribution: map[string]Stat{}, Topics: []Stat{}, Recommendations: []string{}, Valid: c.Valid}
	for _, t := range ls {
		r.Categorized += c.ByTopic[t.ID]
	}
	r.Uncategorized = c.Valid - r.Categorized
	if len(ls) == 0 {
		r.Rating = Poor
		return r
	}
	// Topics without a target share what the set targets leave, equally.
	var setSum float64
	unset := 0
	for _, t := range ls {
		if t.Target > 0 {
			setSum += t.Target
		} else {
			unset++
		}
	}
	uniform := 0.0
	if unset > 0 {
		uniform = math.Max(0, 100-setSum) / float64(unset)
	}
	minC, maxC := math.MaxInt, 0
	for _, t := range ls {
		n := c.ByTopic[t.ID]
		s := Stat{TopicID: t.ID, Topic: t.Name, Count: n, Target: uniform}
		if t.Target > 0 {
			s.Target, s.Custom = t.Target, true
		}
		if r.Categorized > 0 {
			s.Percent = 100 * float64(n) / float64(r.Categorized)
		}
		s.Gap = s.Target - s.Percent
		switch {
		case s.Gap > Tolerance:
			s.Status = Under
		case s.Gap < -Tolerance:
			s.Status = Over
		default:
			s.Status = OK
		}
		s.Needed = needed(n, r.Categorized, s.Target)
		s.Percent, s.Target, s.Gap = round2(s.Percent), round2(s.Target), round2(s.Gap)
		minC, maxC = min(minC, n), max(maxC, n)
		r.Topics = append(r.Topics, s)
		r.Distribution[t.Name] = s
	}
	if maxC > 0 {
		r.Balance = round2(float64(minC) / float64(maxC))
	}
	r.Rating = RatingFor(r.Balance)
	for _, s := range r.Topics {
		if s.Status == Under && s.Needed > 0 {
			r.Recommendations = append(r.Recommendations, fmt.Sprintf("topic %s needs %d more records (%.1f %% now, target %.1f %%)", s.Topic, s.Needed, s.Percent, s.Target))
		}
	}
	if r.Uncategorized > 0 {
		r.Recommendations = append(r.Recommendations, fmt.Sprintf("%d valid records are uncategorized: run categorize (unlabeled)", r.Uncategorized))
	}
	return r
}

// needed is how many records a topic with n of total records needs, added
// to it alone, to reach target percent: (n+x)/(total+x) = t.
func needed(n, total int, target float64) int {
	t := target / 100
	if t <= 0 || t >= 1 {
		if t >= 1 && total > n {
			return math.MaxInt32 // unreachable without removing records
		}
		return 0
	}
	x := (t*float64(total) - float64(n)) / (1 - t)
	if x <= 0 {
		return 0
	}
	return int(math.Ceil(x - 1e-9))
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// SetTarget sets a leaf topic's target share in percent (0: uniform again).
// The set targets of a dataset may not add up to more than 100.
func SetTarget(ctx context.Context, st *store.Store, topicID int64, percent float64) error {
	if percent < 0 || percent > 100 || math.IsNaN(percent) {
		return fmt.Errorf("target %.2f %% for topic %d is outside 0–100", percent, topicID)
	}
	t, err := st.Topic(ctx, topicID)
	if err != nil {
		return err
	}
	ts, err := st.Topics(ctx, t.DatasetID)
	if err != nil {
		return err
	}
	sum := percent
	for _, x := range record.Leaves(ts) {
		if x.ID != topicID {
			sum += x.Target
		}
	}
	if sum > 100+1e-9 {
		return fmt.Errorf("target %.1f %% for %s would bring the set targets to %.1f %% (max 100)", percent, t.Name, sum)
	}
	t.Target = percent
	return st.UpdateTopic(ctx, t)
}

// ResetTargets makes every topic of a dataset uniform again.
func ResetTargets(ctx context.Context, st *store.Store, datasetID int64) error {
	ts, err := st.Topics(ctx, datasetID)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Target != 0 {
			t.Target = 0
			if err := st.UpdateTopic(ctx, t); err != nil {
				return fmt.Errorf("reset target of %s: %w", t.Name, err)
			}
		}
	}
	return nil
}
