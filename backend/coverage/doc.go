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
//	    Stat{TopicID, Topic, Count, Percent, Target, Gap, Fill, Status "under"|"ok"|"over",
//	         Needed (records that end "under"), ToTarget (records to reach the target), Custom}
//	coverage.RatingFor(balance) string               // "Good" | "Attention" | "Poor"; "Single topic" for one leaf
//
// Percent, Target and Gap are percentage points; Gap = Target - Percent, so a
// positive gap means the topic needs more records. Targets left at 0 share
// what the set ones leave, equally. Balance = the smallest fill, where a
// topic's fill is its count per point of target over the largest such
// figure: with uniform targets, smallest / largest leaf count (0 when a
// leaf is empty); rating Good above 0.6, Attention from 0.3, Poor below. A
// topic is under when its fill is at most 0.6 and it is below its target,
// so Good means no topic is under (see build).
package coverage
