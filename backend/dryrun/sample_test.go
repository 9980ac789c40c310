package dryrun

import (
	"fmt"
	"slices"
	"testing"

	"tracetune/backend/store"
)

func TestAllocationIsProportionalByLargestRemainderWithOnePerTopic(t *testing.T) {
	cases := []struct {
		name  string
		sizes []int
		n     int
		want  []int
	}{
		{"exact proportions", []int{50, 30, 20}, 10, []int{5, 3, 2}},
		{"largest remainders get the rest", []int{45, 35, 20}, 10, []int{5, 3, 2}},
		{"ties go to the earlier topic", []int{3, 3, 3}, 4, []int{2, 1, 1}},
		{"a tiny topic still gets one", []int{1, 1000}, 10, []int{1, 9}},
		{"several tiny topics take from the big one", []int{1, 1, 1, 97}, 10, []int{1, 1, 1, 7}},
		{"more topics than samples: the largest get one", []int{5, 1, 1, 1}, 3, []int{1, 1, 1, 0}},
		{"empty topics get none", []int{0, 10, 0, 10}, 4, []int{0, 2, 0, 2}},
		{"n above the total takes everything", []int{2, 3}, 300, []int{2, 3}},
		{"nothing to sample", []int{0, 0}, 5, []int{0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := allocate(c.sizes, c.n)
			if !slices.Equal(got, c.want) {
				t.Fatalf("allocate(%v, %d) = %v, want %v", c.sizes, c.n, got, c.want)
			}
		})
	}
}

func candidates(perTopic map[int64]int, generatedEvery int) []store.DryRunCandidate {
	var out []store.DryRunCandidate
	id := int64(1)
	for topic := int64(0); topic < 20; topic++ {
		for i := 0; i < perTopic[topic]; i++ {
			name := ""
			if topic > 0 {
				name = fmt.Sprintf("topic_%d", topic)
			}
			out = append(out, store.DryRunCandidate{ID: id, TopicID: topic, Topic: name, Generated: generatedEvery > 0 && int(id)%generatedEvery == 0})
			id++
		}
	}
	// the store lists candidates by id; shuffle the topics' order by id
	slices.SortFunc(out, func(a, b store.DryRunCandidate) int { return int(a.ID - b.ID) })
	return out
}

func TestPickIsStratifiedDeterministicAndIncludesGeneratedRecords(t *testing.T) {
	cands := candidates(map[int64]int{0: 40, 1: 500, 2: 300, 3: 2, 4: 158}, 5)
	a := Pick(cands, 100, 7)
	t.Run("the sample has the requested size", func(t *testing.T) {
		if len(a) != 100 {
			t.Fatalf("picked %d", len(a))
		}
	})
	t.Run("each topic, uncategorized included, is represented in proportion", func(t *testing.T) {
		per := map[int64]int{}
		for _, c := range a {
			per[c.TopicID]++
		}
		want := map[int64]int{0: 4, 1: 50, 2: 30, 3: 1, 4: 15}
		for k, v := range want {
			if per[k] != v {
				t.Errorf("topic %d: %d samples, want %d (all %v)", k, per[k], v, per)
			}
		}
	})
	t.Run("the same seed gives the same sample, another seed another", func(t *testing.T) {
		b := Pick(cands, 100, 7)
		c := Pick(cands, 100, 8)
		if !slices.Equal(a, b) {
			t.Fatal("same seed, different samples")
		}
		if slices.Equal(a, c) {
			t.Fatal("different seeds, same sample")
		}
	})
	t.Run("no record is picked twice and generated records are among them", func(t *testing.T) {
		seen, gen := map[int64]bool{}, 0
		for _, c := range a {
			if seen[c.ID] {
				t.Fatalf("record %d twice", c.ID)
			}
			seen[c.ID] = true
			if c.Generated {
				gen++
			}
		}
		if gen == 0 {
			t.Fatal("no generated record sampled")
		}
	})
	t.Run("fewer records than n takes them all", func(t *testing.T) {
		small := candidates(map[int64]int{1: 3, 2: 4}, 0)
		if got := Pick(small, 300, 1); len(got) != 7 {
			t.Fatalf("picked %d of 7", len(got))
		}
	})
}
