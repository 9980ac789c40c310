package synth

import (
	"errors"
	"fmt"
	"strings"
)

// Strategy names how a candidate prompt is made.
type Strategy string

// The strategies, in the order the generation modal lists them.
const (
	MessageVariation  Strategy = "message_variation"
	FewShot           Strategy = "few_shot"
	TopicDescription  Strategy = "topic_description"
	ScenarioExpansion Strategy = "scenario_expansion"
	ToolChain         Strategy = "tool_chain"
)

// StrategyInfo describes a strategy for people.
type StrategyInfo struct {
	Key         Strategy `json:"key"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
}

// Strategies is the ordered list of strategies (PRODUCT.md §7).
var Strategies = []StrategyInfo{
	{MessageVariation, "Message variation", "keeps the real conversation and varies its last user message (the default for multi-turn data and for chosen records)"},
	{FewShot, "Few-shot", "new prompts in the manner of a few real examples of the topic"},
	{TopicDescription, "Topic description", "prompts written from the topic's name, description and keywords alone"},
	{ScenarioExpansion, "Scenario expansion", "the same need placed in other situations, users, constraints and edge cases"},
	{ToolChain, "Tool chain", "requests that need the topic's tools (one or several calls), with those tools offered"},
}

// ParseStrategy checks a strategy name ("" means automatic).
func ParseStrategy(s string) (Strategy, error) {
	if s == "" {
		return "", nil
	}
	for _, x := range Strategies {
		if string(x.Key) == s {
			return x.Key, nil
		}
	}
	names := make([]string, len(Strategies))
	for i, x := range Strategies {
		names[i] = string(x.Key)
	}
	return "", fmt.Errorf("unknown strategy %q: use one of %s", s, strings.Join(names, ", "))
}

// Limits of the settings.
const (
	MaxVariations  = 10
	MaxCount       = 5000
	MaxRecordIDs   = 1000
	MaxTemperature = 2.0
)

// ErrInvalid marks options or requests a person must correct.
var ErrInvalid = errors.New("invalid")

// Options are one generation: where it starts (exactly one of Gaps,
// RecordIDs, Topic with Count, Regenerate) and its settings.
type Options struct {
	Gaps       bool    `json:"gaps"`       // fill the under-served topics of Coverage
	RecordIDs  []int64 `json:"record_ids"` // variations of these records
	Topic      string  `json:"topic"`      // a leaf topic by name…
	Count      int     `json:"count"`      // …and how many records to make for it
	Regenerate []int64 `json:"regenerate"` // rejected candidates to make again (0 ids: every rejected one)
	// RegenerateAll makes every rejected candidate of the dataset again.
	RegenerateAll bool `json:"regenerate_all"`

	Strategy       Strategy `json:"strategy"`        // "" chooses per record (see strategyFor)
	Variations     int      `json:"variations"`      // prompts asked per source record
	Temperature    float64  `json:"temperature"`     // sampling temperature of the generation model
	MaxShare       float64  `json:"max_share"`       // percent of the dataset's valid records that may be generated
	PreserveIntent bool     `json:"preserve_intent"` // variations keep what the user asked for
	AcceptPassing  bool     `json:"accept_passing"`  // accept every passing candidate when the run ends
}

// Defaults are the settings of PRODUCT.md §7: 3 variations per record,
// temperature 0.7, at most 30 % synthetic, intent preserved.
func Defaults() Options {
	return Options{Variations: 3, Temperature: 0.7, MaxShare: 30, PreserveIntent: true}
}

// Entry names where the generation starts: gaps, records, topic or
// regenerate.
func (o Options) Entry() string {
	switch {
	case o.Gaps:
		return "gaps"
	case len(o.RecordIDs) > 0:
		return "records"
	case o.Topic != "":
		return "topic"
	}
	return "regenerate"
}

// Validate checks the options every caller passes (window, command, job).
func (o Options) Validate() error {
	entries := 0
	for _, on := range []bool{o.Gaps, len(o.RecordIDs) > 0, o.Topic != "", len(o.Regenerate) > 0 || o.RegenerateAll} {
		if on {
			entries++
		}
	}
	switch {
	case entries == 0:
		return fmt.Errorf("say what to generate: fill the gaps, chosen records, a topic with a count, or regenerate rejected candidates: %w", ErrInvalid)
	case entries > 1:
		return fmt.Errorf("generate one thing at a time: gaps, records, a topic or regenerate: %w", ErrInvalid)
	case o.Topic != "" && (o.Count < 1 || o.Count > MaxCount):
		return fmt.Errorf("count %d for topic %s: give 1–%d: %w", o.Count, o.Topic, MaxCount, ErrInvalid)
	case o.Topic == "" && o.Count != 0:
		return fmt.Errorf("a count goes with a topic: %w", ErrInvalid)
	case len(o.RecordIDs) > MaxRecordIDs:
		return fmt.Errorf("%d records chosen: generate from at most %d at a time: %w", len(o.RecordIDs), MaxRecordIDs, ErrInvalid)
	case o.Variations < 1 || o.Variations > MaxVariations:
		return fmt.Errorf("variations per record %d: give 1–%d: %w", o.Variations, MaxVariations, ErrInvalid)
	case o.Temperature < 0 || o.Temperature > MaxTemperature:
		return fmt.Errorf("temperature %.2f: give 0–%.0f: %w", o.Temperature, MaxTemperature, ErrInvalid)
	case o.MaxShare <= 0 || o.MaxShare >= 100:
		return fmt.Errorf("maximum synthetic share %.1f %%: give more than 0 and less than 100: %w", o.MaxShare, ErrInvalid)
	}
	for _, id := range append(append([]int64{}, o.RecordIDs...), o.Regenerate...) {
		if id <= 0 {
			return fmt.Errorf("id %d: ids are positive: %w", id, ErrInvalid)
		}
	}
	if _, err := ParseStrategy(string(o.Strategy)); err != nil {
		return fmt.Errorf("%v: %w", err, ErrInvalid)
	}
	return nil
}
