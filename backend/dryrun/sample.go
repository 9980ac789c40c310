package dryrun

import (
	"math/rand/v2"
	"sort"

	"tracetune/backend/store"
)

// Stratified sampling by leaf topic (PRODUCT.md §9): each topic's share of
// the sample is its share of the valid records, rounded by largest
// remainder, with at least one record per non-empty topic; uncategorized
// records are a stratum of their own. The same records and seed always give
// the same sample.

// stratum is one topic's candidates (TopicID 0 = uncategorized).
type stratum struct {
	TopicID int64
	Topic   string
	IDs     []store.DryRunCandidate
}

// allocate splits n among strata of the given sizes: proportional quotas,
// floors first, one for every non-empty stratum, then the rest by largest
// fractional part (ties to the earlier stratum). When there are more
// non-empty strata than n, the largest strata get one each.
func allocate(sizes []int, n int) []int {
	out := make([]int, len(sizes))
	total := 0
	for _, s := range sizes {
		total += s
	}
	if n <= 0 || total == 0 {
		return out
	}
	if n >= total {
		copy(out, sizes)
		return out
	}
	nonEmpty := make([]int, 0, len(sizes))
	for i, s := range sizes {
		if s > 0 {
			nonEmpty = append(nonEmpty, i)
		}
	}
	if len(nonEmpty) >= n {
		sort.SliceStable(nonEmpty, func(a, b int) bool { return sizes[nonEmpty[a]] > sizes[nonEmpty[b]] })
		for _, i := range nonEmpty[:n] {
			out[i] = 1
		}
		return out
	}
	quota := make([]float64, len(sizes))
	sum := 0
	for _, i := range nonEmpty {
		quota[i] = float64(n) * float64(sizes[i]) / float64(total)
		out[i] = int(quota[i])
		if out[i] == 0 {
			out[i] = 1 // every non-empty topic is represented
		}
		sum += out[i]
	}
	// The minimum of one may have taken more than the floors left: take the
	// excess back from the strata most above their quota.
	for sum > n {
		best := -1
		for _, i := range nonEmpty {
			if out[i] > 1 && (best < 0 || float64(out[i])-quota[i] > float64(out[best])-quota[best]) {
				best = i
			}
		}
		out[best]--
		sum--
	}
	// Hand out what is left by largest remainder.
	order := append([]int(nil), nonEmpty...)
	sort.SliceStable(order, func(a, b int) bool {
		return quota[order[a]]-float64(out[order[a]]) > quota[order[b]]-float64(out[order[b]])
	})
	for k := 0; sum < n; k = (k + 1) % len(order) {
		i := order[k]
		if out[i] < sizes[i] {
			out[i]++
			sum++
		}
	}
	return out
}

// strata groups candidates by topic, in order of topic id (uncategorized
// first); candidates keep their id order.
func strata(cands []store.DryRunCandidate) []stratum {
	idx := map[int64]int{}
	var out []stratum
	for _, c := range cands {
		i, ok := idx[c.TopicID]
		if !ok {
			i = len(out)
			idx[c.TopicID] = i
			out = append(out, stratum{TopicID: c.TopicID, Topic: c.Topic})
		}
		out[i].IDs = append(out[i].IDs, c)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].TopicID < out[b].TopicID })
	return out
}

// Pick draws the stratified sample of n candidates for seed, in record id
// order.
func Pick(cands []store.DryRunCandidate, n int, seed int64) []store.DryRunCandidate {
	ss := strata(cands)
	sizes := make([]int, len(ss))
	for i, s := range ss {
		sizes[i] = len(s.IDs)
	}
	alloc := allocate(sizes, n)
	var out []store.DryRunCandidate
	for i, s := range ss {
		if alloc[i] == 0 {
			continue
		}
		// One generator per stratum, keyed by the topic: adding records to
		// one topic does not reshuffle the others.
		r := rand.New(rand.NewPCG(uint64(seed), uint64(s.TopicID)))
		ids := append([]store.DryRunCandidate(nil), s.IDs...)
		r.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
		out = append(out, ids[:alloc[i]]...)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}
