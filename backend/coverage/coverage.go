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

// Ratings of the balance score (PRODUCT.md §4, step 3). Single is the
// rating of a dataset with one leaf topic, where balance does not apply.
const (
	Good      = "Good"
	Attention = "Attention"
	Poor      = "Poor"
	Single    = "Single topic"
)

// GoodBalance is the balance above which coverage is Good; under it a
// topic's fill makes it under-served.
const GoodBalance = 0.6

// Tolerance is how many percentage points a topic may sit above its target
// before it is over.
const Tolerance = 5.0

// Stat is one leaf topic's coverage.
type Stat struct {
	TopicID int64   `json:"topic_id"`
	Topic   string  `json:"topic"`
	Count   int     `json:"count"`
	Percent float64 `json:"percent"` // share of categorized valid records
	Target  float64 `json:"target"`  // the topic's target, or the uniform share
	Gap     float64 `json:"gap"`     // Target - Percent, in points
	// Fill is the topic's share of its target relative to the best-filled
	// topic's (1 for that one). Balance is the smallest fill.
	Fill   float64 `json:"fill"`
	Status string  `json:"status"` // under (fill at most 0.6, below target), over (more than 5 points above target), ok
	Needed int     `json:"needed"` // records that end "under" for this topic alone: fill above 0.6 or its target reached
	// ToTarget is how many records this topic alone needs to reach its
	// target share (what generation aims at).
	ToTarget int  `json:"to_target"`
	Custom   bool `json:"custom"` // the target was set by the user
	// Generated is how many of Count are synthetic (step 3's Generate).
	Generated int `json:"generated"`
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
	Note            string          `json:"note,omitempty"` // why balance does not apply, when it does not
}

// RatingFor rates a balance score: above 0.6 Good, 0.3–0.6 Attention,
// below 0.3 Poor.
func RatingFor(balance float64) string {
	switch {
	case balance > GoodBalance:
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
	r := build(record.Leaves(ts), c)
	_, gen, err := st.GeneratedCounts(ctx, datasetID)
	if err != nil {
		return r, fmt.Errorf("coverage of dataset %d: %w", datasetID, err)
	}
	for i := range r.Topics {
		r.Topics[i].Generated = gen[r.Topics[i].TopicID]
		r.Distribution[r.Topics[i].Topic] = r.Topics[i]
	}
	return r, nil
}

// FromCounts computes the report leaf topics would have with counts c (a
// generation preview's expected balance).
func FromCounts(leaves []record.Topic, c store.TopicCounts) Report { return build(leaves, c) }

// build computes the report from leaf topics and counts. Records assigned to
// a non-leaf (which the editor prevents) count as uncategorized.
//
// One figure drives everything the report says: each topic's fill, its
// count per point of target relative to the best-filled topic's. With
// uniform targets that is count / largest count, so the balance (the
// smallest fill) is the product's smallest / largest count. A topic is under
// when its fill is at most 0.6 and it is below its target. The topic with
// the smallest fill is always below its target (it sits under the average
// count per point, which is the total's), so the rating is Good exactly
// when no topic is under, and the recommendations name exactly the under
// topics. With custom targets the balance compares counts per point of
// target rather than raw counts: data exactly on 90/10 targets is balanced.
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
	targets := make([]float64, len(ls))
	sumT := 0.0
	for i, t := range ls {
		targets[i] = uniform
		if t.Target > 0 {
			targets[i] = t.Target
		}
		sumT += targets[i]
	}
	best := 0.0 // the largest count per point of target
	for i, t := range ls {
		if targets[i] > 0 {
			best = math.Max(best, float64(c.ByTopic[t.ID])/targets[i])
		}
	}
	r.Balance = 1
	for i, t := range ls {
		n := c.ByTopic[t.ID]
		s := Stat{TopicID: t.ID, Topic: t.Name, Count: n, Target: targets[i], Custom: t.Target > 0}
		if r.Categorized > 0 {
			s.Percent = 100 * float64(n) / float64(r.Categorized)
		}
		s.Gap = s.Target - s.Percent
		// Set targets that add up to less than 100 are read as proportions.
		share := 0.0
		if sumT > 0 {
			share = 100 * targets[i] / sumT
		}
		switch {
		case s.Target <= 0: // nothing is asked of this topic
			s.Fill = 1
		case best > 0:
			// rounded as shown: the status and the rating read the same figure
			s.Fill = round2(float64(n) / s.Target / best)
		}
		s.ToTarget = needed(n, r.Categorized, share)
		switch {
		case len(ls) > 1 && s.Fill <= GoodBalance && s.Percent < share:
			s.Status = Under
			// It stops being under when its fill passes 0.6 (the largest
			// topic staying as it is) or when it reaches its target.
			toFill := int(math.Floor((GoodBalance+0.005)*best*s.Target-float64(n)+1e-9)) + 1
			s.Needed = max(1, min(toFill, s.ToTarget))
		case s.Gap < -Tolerance:
			s.Status = Over
		default:
			s.Status = OK
		}
		r.Balance = math.Min(r.Balance, s.Fill)
		s.Percent, s.Target, s.Gap = round2(s.Percent), round2(s.Target), round2(s.Gap)
		r.Topics = append(r.Topics, s)
		r.Distribution[t.Name] = s
	}
	r.Balance = round2(r.Balance)
	r.Rating = RatingFor(r.Balance)
	if len(ls) == 1 {
		r.Balance, r.Rating = 1, Single
		r.Note = "One topic: balance compares topics, so it does not apply. Add topics (or let discovery find them) to measure it."
	}
	for _, s := range r.Topics {
		if s.Status == Under {
			r.Recommendations = append(r.Recommendations, fmt.Sprintf("topic %s needs %d more records (%.1f %% now, target %.1f %%; %d to reach the target)",
				s.Topic, s.Needed, s.Percent, s.Target, s.ToTarget))
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
