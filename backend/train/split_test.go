package train

import (
	"errors"
	"math"
	"strings"
	"testing"

	"tracetune/backend/store"
)

// candidates makes records over topics of the given sizes; the first gen
// records of each topic are generated.
func candidates(sizes []int, gen int) []store.TrainCandidate {
	var out []store.TrainCandidate
	id := int64(0)
	for t, n := range sizes {
		for i := 0; i < n; i++ {
			id++
			out = append(out, store.TrainCandidate{ID: id, TopicID: int64(t + 1), Generated: i < gen})
		}
	}
	return out
}

func parts(res splitResult) (train, valid map[int64]int) {
	train, valid = map[int64]int{}, map[int64]int{}
	for _, r := range res.Rows {
		if r.Part == PartValidation {
			valid[r.TopicID]++
		} else {
			train[r.TopicID]++
		}
	}
	return
}

func TestTheSplitIsStratifiedWithinOneRecordPerTopic(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
		split float64
	}{
		{"three uneven topics", []int{47, 31, 22}, 0.9},
		{"many small topics", []int{3, 5, 7, 11, 13, 2, 1, 9}, 0.8},
		{"one large and one tiny topic", []int{990, 10}, 0.9},
		{"an odd split", []int{101, 57, 38, 4}, 0.77},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := candidates(tc.sizes, 0)
			res, err := makeSplit(c, Options{Split: tc.split, Seed: 5}, Info{})
			if err != nil {
				t.Fatal(err)
			}
			_, valid := parts(res)
			n := len(c)
			if res.Valid+res.Train != n || len(res.Rows) != n {
				t.Fatalf("%d + %d of %d, %d rows", res.Train, res.Valid, n, len(res.Rows))
			}
			if want := int(math.Round(float64(n) * (1 - tc.split))); res.Valid != want {
				t.Errorf("validation %d, want %d", res.Valid, want)
			}
			for i, size := range tc.sizes {
				ideal := float64(res.Valid) * float64(size) / float64(n)
				if got := valid[int64(i+1)]; math.Abs(float64(got)-ideal) > 1 {
					t.Errorf("topic %d: %d validation records, ideal %.2f", i+1, got, ideal)
				}
			}
		})
	}
}

func TestTheSameSeedGivesTheSameSplitAndAnotherSeedAnother(t *testing.T) {
	c := candidates([]int{40, 30, 30}, 0)
	ids := func(seed int64) string {
		res, err := makeSplit(c, Options{Split: 0.9, Seed: seed}, Info{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range res.Rows {
			if r.Part == PartValidation {
				b.WriteString(thousands(int(r.RecordID)) + " ")
			}
		}
		return b.String()
	}
	if a, b := ids(1), ids(1); a != b {
		t.Errorf("seed 1 twice: %q vs %q", a, b)
	}
	if a, b := ids(1), ids(2); a == b {
		t.Errorf("seeds 1 and 2 gave the same validation set %q", a)
	}
}

func TestGeneratedRecordsStayOutOfValidationUnlessAsked(t *testing.T) {
	c := candidates([]int{20, 20}, 15) // 5 real records per topic
	res, err := makeSplit(c, Options{Split: 0.8, Seed: 1}, Info{})
	if err != nil {
		t.Fatal(err)
	}
	gen := map[int64]bool{}
	for _, x := range c {
		gen[x.ID] = x.Generated
	}
	for _, r := range res.Rows {
		if r.Part == PartValidation && gen[r.RecordID] {
			t.Errorf("generated record %d is in validation", r.RecordID)
		}
	}
	if res.Valid != 8 {
		t.Errorf("validation %d, want 8", res.Valid)
	}
	with, err := makeSplit(c, Options{Split: 0.5, Seed: 1, IncludeGenerated: true}, Info{})
	if err != nil {
		t.Fatal(err)
	}
	if with.Valid != 20 {
		t.Errorf("with generated allowed: validation %d, want 20", with.Valid)
	}
	short, err := makeSplit(c, Options{Split: 0.5, Seed: 1}, Info{})
	if err != nil {
		t.Fatal(err)
	}
	if short.Valid != 10 || len(short.Notes) != 1 || !strings.Contains(short.Notes[0], "generated") {
		t.Errorf("only 10 real records: validation %d, notes %q", short.Valid, short.Notes)
	}
	if _, err := makeSplit(candidates([]int{4}, 4), Options{Split: 0.9, Seed: 1}, Info{}); err == nil {
		t.Error("all records generated: want an error saying so")
	}
}

func TestTheTrainersLimitsAreAppliedWithANote(t *testing.T) {
	c := candidates([]int{60, 30, 10}, 0)
	res, err := makeSplit(c, Options{Split: 0.7, Seed: 3}, Info{Label: "Test RFT", MaxTrain: 50, MaxValidation: 12})
	if err != nil {
		t.Fatal(err)
	}
	train, valid := parts(res)
	if res.Valid != 12 || res.Train != 50 || len(res.Rows) != 62 {
		t.Fatalf("train %d validation %d rows %d", res.Train, res.Valid, len(res.Rows))
	}
	if len(res.Notes) != 2 || !strings.Contains(res.Notes[0], "validation capped at 12 lines (the Test RFT limit)") ||
		!strings.Contains(res.Notes[1], "training capped at 50 lines") {
		t.Errorf("notes %q", res.Notes)
	}
	for i, size := range []int{60, 30, 10} {
		k := int64(i + 1)
		if math.Abs(float64(valid[k])-12*float64(size)/100) > 1 || math.Abs(float64(train[k])-50*float64(size)/100) > 1 {
			t.Errorf("topic %d: %d train, %d validation", k, train[k], valid[k])
		}
	}
}

func TestTooFewRecordsCannotBeSplit(t *testing.T) {
	if _, err := makeSplit(candidates([]int{1}, 0), Options{Split: 0.9, Seed: 1}, Info{}); err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("one record: %v", err)
	}
}

func TestOptionsValidateNameTheBadField(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string // "" = valid
	}{
		{"defaults of each trainer", Options{Trainer: "openai"}, ""},
		{"a full OpenAI set", Options{Trainer: "azure", Split: 0.8, Suffix: "support-v2", Hyper: Hyperparameters{Epochs: 3, BatchSize: 16,
			LearningRateMultiplier: 1.5, ReasoningEffort: "high", ComputeMultiplier: 2, EvalInterval: 5, EvalSamples: 3}}, ""},
		{"a TRL set", Options{Trainer: "trl", OutDir: "/tmp/b", Hyper: Hyperparameters{LearningRate: 1e-6, NumGenerations: 4, LoRARank: 8}}, ""},
		{"an unknown trainer", Options{Trainer: "gpu"}, "not one of openai, azure, fireworks, trl"},
		{"a split outside 0.5–0.99", Options{Trainer: "openai", Split: 0.3}, "split must be"},
		{"a suffix with spaces", Options{Trainer: "openai", Suffix: "my model"}, "suffix"},
		{"a provider for trl", Options{Trainer: "trl", Provider: "oa"}, "takes no provider"},
		{"an out folder for openai", Options{Trainer: "openai", OutDir: "/tmp"}, "--out is for the trl bundle"},
		{"batch size above 256", Options{Trainer: "openai", Hyper: Hyperparameters{BatchSize: 300}}, "batch size"},
		{"an unknown reasoning effort", Options{Trainer: "openai", Hyper: Hyperparameters{ReasoningEffort: "max"}}, "reasoning effort"},
		{"compute multiplier above 10", Options{Trainer: "openai", Hyper: Hyperparameters{ComputeMultiplier: 11}}, "compute multiplier"},
		{"one generation per prompt", Options{Trainer: "trl", Hyper: Hyperparameters{NumGenerations: 1}}, "generations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v, want one naming %q (ErrInvalid)", err, tc.want)
			}
		})
	}
}
