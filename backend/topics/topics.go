package topics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Progress reports how far long work is; a jobs.Reporter fits. May be nil.
type Progress = func(done, total int64, message string)

// AI is what this package needs from a language-model provider: embeddings
// for the embedding role and structured (JSON) output from the generation
// model. An adapter over backend/llm satisfies it; nil means offline.
type AI interface {
	// Embed returns one vector per text, in order (cached by content hash
	// in the provider, so repeated texts cost nothing).
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// JSON asks the generation model for an object matching schema and
	// decodes the answer into out.
	JSON(ctx context.Context, system, user, schemaName string, schema json.RawMessage, out any) error
}

// Resolver finds the provider configured for a dataset's work; it returns
// (nil, nil) when none is configured, which means offline.
type Resolver func(ctx context.Context) (AI, error)

// Service is the topics API used by the app, the CLI and the pipeline.
type Service struct {
	st      *store.Store
	resolve Resolver
}

// New returns the service over st, resolving the provider from the app's
// settings on each call (see DefaultResolver).
func New(st *store.Store) *Service {
	return &Service{st: st, resolve: func(ctx context.Context) (AI, error) { return DefaultResolver(ctx, st) }}
}

// WithAI returns a copy of the service that uses ai (nil: always offline).
func (s *Service) WithAI(ai AI) *Service {
	return &Service{st: s.st, resolve: func(context.Context) (AI, error) { return ai, nil }}
}

// ai returns the provider unless offline is forced or none is configured.
func (s *Service) ai(ctx context.Context, offline bool) (AI, error) {
	if offline || s.resolve == nil {
		return nil, nil
	}
	return s.resolve(ctx)
}

func report(p Progress, done, total int64, msg string) {
	if p != nil {
		p(done, total, msg)
	}
}

// Stats are the step-2 figures of a dataset.
type Stats struct {
	Topics        int `json:"topics"`
	Leaves        int `json:"leaves"`
	Valid         int `json:"valid"`
	Categorized   int `json:"categorized"`
	Uncategorized int `json:"uncategorized"`
	LowConfidence int `json:"low_confidence"`
	// Threshold is record.LowConfidence, sent so the window names the same
	// number the backend counts with.
	Threshold float64 `json:"threshold"`
}

// Stats counts topics and categorization of a dataset.
func (s *Service) Stats(ctx context.Context, datasetID int64) (Stats, error) {
	ts, err := s.st.Topics(ctx, datasetID)
	if err != nil {
		return Stats{}, fmt.Errorf("topics of dataset %d: %w", datasetID, err)
	}
	c, err := s.st.CountTopics(ctx, datasetID)
	if err != nil {
		return Stats{}, fmt.Errorf("count assignments of dataset %d: %w", datasetID, err)
	}
	return Stats{Topics: len(ts), Leaves: len(record.Leaves(ts)), Valid: c.Valid, Categorized: c.Categorized,
		Uncategorized: c.Uncategorized, LowConfidence: c.Low, Threshold: record.LowConfidence}, nil
}

// AssignmentCount is how many records a regeneration (or a clear import)
// would make uncategorized.
func (s *Service) AssignmentCount(ctx context.Context, datasetID int64) (int, error) {
	return s.st.AssignmentCount(ctx, datasetID)
}

var (
	nonWord  = regexp.MustCompile(`[^a-z0-9]+`)
	snakeRE  = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	errEmpty = errors.New("topic name is empty")
)

// Slug turns free text into a snake_case topic name ("Billing & Refunds" →
// "billing_refunds"); a name that would start with a digit gets "topic_".
func Slug(s string) string {
	s = strings.Trim(nonWord.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		s = "topic_" + s
	}
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "_")
	}
	return s
}

// ValidName checks that a topic name is snake_case.
func ValidName(name string) error {
	if name == "" {
		return errEmpty
	}
	if !snakeRE.MatchString(name) {
		return fmt.Errorf("topic name %q is not snake_case (lower-case letters, digits and single underscores; try %q)", name, Slug(name))
	}
	return nil
}

// uniqueName returns name, or name_2, name_3… if taken.
func uniqueName(name string, taken map[string]bool) string {
	if name == "" {
		name = "topic"
	}
	n := name
	for i := 2; taken[n]; i++ {
		n = fmt.Sprintf("%s_%d", name, i)
	}
	taken[n] = true
	return n
}

// cleanKeywords trims, lower-cases and de-duplicates keywords.
func cleanKeywords(kw []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, k := range kw {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}
