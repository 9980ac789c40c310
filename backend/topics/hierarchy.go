package topics

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"tracetune/backend/store"
)

// HierarchyVersion is the version of the exported JSON format.
const HierarchyVersion = 1

// Hierarchy is the JSON form of a topic tree, for export and import:
//
//	{"version":1,"dataset":"support","topics":[{"name":"billing","description":"…",
//	  "keywords":["refund"],"target":12.5,"subtopics":[…]}]}
type Hierarchy struct {
	Version int               `json:"version"`
	Dataset string            `json:"dataset,omitempty"`
	Topics  []store.TopicSpec `json:"topics"`
}

// ImportResult says what an import or template did.
type ImportResult struct {
	Topics  int `json:"topics"`
	Cleared int `json:"cleared"` // assignments made uncategorized
}

// Export returns a dataset's hierarchy.
func (s *Service) Export(ctx context.Context, datasetID int64) (Hierarchy, error) {
	d, err := s.st.Dataset(ctx, datasetID)
	if err != nil {
		return Hierarchy{}, err
	}
	ts, err := s.st.Topics(ctx, datasetID)
	if err != nil {
		return Hierarchy{}, fmt.Errorf("topics of dataset %q: %w", d.Name, err)
	}
	specs := toSpecs(ts)
	if specs == nil {
		specs = []store.TopicSpec{}
	}
	return Hierarchy{Version: HierarchyVersion, Dataset: d.Name, Topics: specs}, nil
}

// ExportJSON writes a dataset's hierarchy as indented JSON.
func (s *Service) ExportJSON(ctx context.Context, datasetID int64, w io.Writer) error {
	h, err := s.Export(ctx, datasetID)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(h)
}

// ParseHierarchy reads and checks a hierarchy JSON document. It also accepts
// a bare array of topics.
func ParseHierarchy(r io.Reader) (Hierarchy, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Hierarchy{}, fmt.Errorf("read topic hierarchy: %w", err)
	}
	var h Hierarchy
	trim := strings.TrimSpace(string(b))
	if strings.HasPrefix(trim, "[") {
		err = json.Unmarshal(b, &h.Topics)
		h.Version = HierarchyVersion
	} else {
		err = json.Unmarshal(b, &h)
	}
	if err != nil {
		return Hierarchy{}, fmt.Errorf("topic hierarchy is not valid JSON: %w", err)
	}
	if h.Version == 0 {
		h.Version = HierarchyVersion
	}
	if h.Version != HierarchyVersion {
		return Hierarchy{}, fmt.Errorf("topic hierarchy version %d is not supported (want %d)", h.Version, HierarchyVersion)
	}
	if err := checkSpecs(h.Topics); err != nil {
		return Hierarchy{}, err
	}
	return h, nil
}

// checkSpecs validates names (snake_case, unique across the tree), keywords
// and targets, naming the topic's path on error.
func checkSpecs(specs []store.TopicSpec) error {
	seen := map[string]string{}
	var walk func(path string, list []store.TopicSpec) error
	walk = func(path string, list []store.TopicSpec) error {
		for i := range list {
			sp := &list[i]
			sp.Name = strings.TrimSpace(sp.Name)
			where := fmt.Sprintf("%stopics[%d]", path, i)
			if err := ValidName(sp.Name); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if prev, dup := seen[sp.Name]; dup {
				return fmt.Errorf("%s: topic name %q is used twice (also at %s)", where, sp.Name, prev)
			}
			seen[sp.Name] = where
			if sp.Target < 0 || sp.Target > 100 {
				return fmt.Errorf("%s (%s): target %.1f is outside 0–100", where, sp.Name, sp.Target)
			}
			sp.Description = strings.TrimSpace(sp.Description)
			sp.Keywords = cleanKeywords(sp.Keywords)
			if err := walk(where+".sub", sp.Subtopics); err != nil {
				return err
			}
		}
		return nil
	}
	return walk("", specs)
}

// Import replaces a dataset's hierarchy. With keep, records stay on topics
// whose name survives; otherwise every assignment is cleared.
func (s *Service) Import(ctx context.Context, datasetID int64, h Hierarchy, keep bool) (ImportResult, error) {
	h.Topics = cloneSpecs(h.Topics) // checkSpecs normalizes in place
	if err := checkSpecs(h.Topics); err != nil {
		return ImportResult{}, err
	}
	cleared, err := s.st.ReplaceTopics(ctx, datasetID, h.Topics, keep)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import topics into dataset %d: %w", datasetID, err)
	}
	return ImportResult{Topics: countSpecs(h.Topics), Cleared: cleared}, nil
}

func countSpecs(list []store.TopicSpec) int {
	n := len(list)
	for _, sp := range list {
		n += countSpecs(sp.Subtopics)
	}
	return n
}

func cloneSpecs(list []store.TopicSpec) []store.TopicSpec {
	if list == nil {
		return nil
	}
	out := make([]store.TopicSpec, len(list))
	for i, sp := range list {
		sp.Keywords = append([]string(nil), sp.Keywords...)
		sp.Subtopics = cloneSpecs(sp.Subtopics)
		out[i] = sp
	}
	return out
}
