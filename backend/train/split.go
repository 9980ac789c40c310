package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"tracetune/backend/store"
)

// splitResult is a computed split: every record's part, and what a person
// should know about it (limits applied, generated records held back).
type splitResult struct {
	Rows         []store.SplitRow
	Train, Valid int
	Notes        []string
}

// makeSplit divides the valid records into training and validation. The
// validation set is about (1 − split) of the records, stratified by leaf
// topic: each topic gets its share within one record (largest remainder),
// as far as it has records allowed into validation (generated records are
// not, unless asked). The same records and seed give the same split. The
// trainer's line limits are applied with a note: validation is capped and
// the rest trains; training above its cap is thinned, stratified too.
func makeSplit(cands []store.TrainCandidate, o Options, info Info) (splitResult, error) {
	var res splitResult
	n := len(cands)
	if n < 2 {
		return res, invalid("training needs at least 2 valid records (one to train on, one to validate); the dataset has %d", n)
	}
	eligible := 0
	for _, c := range cands {
		if o.IncludeGenerated || !c.Generated {
			eligible++
		}
	}
	if eligible == 0 {
		return res, invalid("every valid record is generated and generated records are kept out of validation: allow them (include generated) or add real records")
	}
	v := int(math.Round(float64(n) * (1 - o.Split)))
	v = max(v, 1)
	if v > n-1 {
		v = n - 1
	}
	if v > eligible {
		res.Notes = append(res.Notes, fmt.Sprintf("validation has %s records instead of %s: only %s records are not generated (include generated to use them)",
			thousands(eligible), thousands(v), thousands(eligible)))
		v = eligible
	}
	if info.MaxValidation > 0 && v > info.MaxValidation {
		res.Notes = append(res.Notes, fmt.Sprintf("validation capped at %s lines (the %s limit); the other %s records it would have had train instead",
			thousands(info.MaxValidation), info.Label, thousands(v-info.MaxValidation)))
		v = info.MaxValidation
	}

	groups := group(cands, !o.NoStratify, o.Seed, o.IncludeGenerated)
	// validation: largest remainder over the topics' shares, within what
	// each topic may give
	ideal := make([]float64, len(groups))
	alloc := make([]int, len(groups))
	given := 0
	for i, g := range groups {
		ideal[i] = float64(v) * float64(len(g.all)) / float64(n)
		alloc[i] = min(int(math.Floor(ideal[i])), g.eligible)
		given += alloc[i]
	}
	for ; given < v; given++ {
		best := -1
		for i, g := range groups {
			if alloc[i] < g.eligible && (best < 0 || ideal[i]-float64(alloc[i]) > ideal[best]-float64(alloc[best])) {
				best = i
			}
		}
		alloc[best]++
	}
	train := make([][]store.TrainCandidate, len(groups))
	for i, g := range groups {
		taken := 0
		for _, c := range g.all {
			if taken < alloc[i] && (o.IncludeGenerated || !c.Generated) {
				res.Rows = append(res.Rows, store.SplitRow{RecordID: c.ID, Part: PartValidation, TopicID: c.TopicID})
				taken++
				continue
			}
			train[i] = append(train[i], c)
		}
	}
	res.Valid = v

	t := n - v
	keep := make([]int, len(groups))
	for i := range groups {
		keep[i] = len(train[i])
	}
	if info.MaxTrain > 0 && t > info.MaxTrain {
		res.Notes = append(res.Notes, fmt.Sprintf("training capped at %s lines (the %s limit): %s records are left out, evenly across topics",
			thousands(info.MaxTrain), info.Label, thousands(t-info.MaxTrain)))
		kept := 0
		id := make([]float64, len(groups))
		for i := range groups {
			id[i] = float64(info.MaxTrain) * float64(len(train[i])) / float64(t)
			keep[i] = int(math.Floor(id[i]))
			kept += keep[i]
		}
		for ; kept < info.MaxTrain; kept++ {
			best := -1
			for i := range groups {
				if keep[i] < len(train[i]) && (best < 0 || id[i]-float64(keep[i]) > id[best]-float64(keep[best])) {
					best = i
				}
			}
			keep[best]++
		}
		t = info.MaxTrain
	}
	for i := range groups {
		for _, c := range train[i][:keep[i]] {
			res.Rows = append(res.Rows, store.SplitRow{RecordID: c.ID, Part: PartTrain, TopicID: c.TopicID})
		}
	}
	res.Train = t
	sort.Slice(res.Rows, func(a, b int) bool { return res.Rows[a].RecordID < res.Rows[b].RecordID })
	return res, nil
}

type splitGroup struct {
	key      int64
	all      []store.TrainCandidate // shuffled
	eligible int
}

// group puts the records in one group per leaf topic (uncategorized ones
// together), or all in one, each shuffled by the seed, and counts those
// allowed into validation.
func group(cands []store.TrainCandidate, stratify bool, seed int64, withGenerated bool) []splitGroup {
	by := map[int64][]store.TrainCandidate{}
	for _, c := range cands {
		k := int64(0)
		if stratify {
			k = c.TopicID
		}
		by[k] = append(by[k], c)
	}
	keys := make([]int64, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	out := make([]splitGroup, 0, len(keys))
	for _, k := range keys {
		list := by[k]
		sort.Slice(list, func(a, b int) bool { return list[a].ID < list[b].ID })
		r := rand.New(rand.NewPCG(uint64(seed), uint64(k)))
		r.Shuffle(len(list), func(a, b int) { list[a], list[b] = list[b], list[a] })
		g := splitGroup{key: k, all: list}
		for _, c := range list {
			if withGenerated || !c.Generated {
				g.eligible++
			}
		}
		out = append(out, g)
	}
	return out
}

// thousands formats 1234567 as "1,234,567".
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
