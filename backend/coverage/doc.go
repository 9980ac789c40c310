// Package coverage measures how a dataset's valid, categorized records spread
// over its leaf topics against their targets (PRODUCT.md §7): count, percent,
// target, gap and status per topic, the balance score, a rating and
// recommendations for under-served topics.
//
// API overview:
//
//	coverage.Compute(ctx, st, datasetID) (Report, error)
//	    Report{Balance, Rating, Distribution map[topic]Stat, Topics []Stat (tree order),
//	           Uncategorized, Categorized, Valid, Recommendations []string}
//	    Stat{TopicID, Topic, Count, Percent, Target, Gap, Status "under"|"ok"|"over",
//	         Needed (records to add to this topic alone to reach its target), Custom}
//	coverage.SetTarget(ctx, st, topicID, percent)  // 0 = back to uniform
//	coverage.ResetTargets(ctx, st, datasetID)
//	coverage.RatingFor(balance) string               // "Good" | "Attention" | "Poor"
//
// Percent, Target and Gap are percentage points; Gap = Target - Percent, so a
// positive gap means the topic needs more records. Targets left at 0 share
// what the set ones leave, equally. Balance = smallest / largest leaf count
// (0 when a leaf is empty); rating Good above 0.6, Attention from 0.3, Poor
// below.
package coverage
