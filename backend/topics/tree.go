package topics

import (
	"context"
	"fmt"
	"math"
	"strings"

	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Node is a topic with its record count and subtopics, for the tree editor.
type Node struct {
	ID          int64    `json:"id"`
	ParentID    int64    `json:"parent_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Keywords    []string `json:"keywords"`
	Target      float64  `json:"target"`
	Leaf        bool     `json:"leaf"`
	Count       int      `json:"count"` // valid records assigned (to it or, for a parent, its subtree)
	Children    []Node   `json:"children"`
}

// Tree returns a dataset's hierarchy with record counts.
func (s *Service) Tree(ctx context.Context, datasetID int64) ([]Node, error) {
	ts, err := s.st.Topics(ctx, datasetID)
	if err != nil {
		return nil, fmt.Errorf("topics of dataset %d: %w", datasetID, err)
	}
	c, err := s.st.CountTopics(ctx, datasetID)
	if err != nil {
		return nil, fmt.Errorf("count records of dataset %d: %w", datasetID, err)
	}
	kids := map[int64][]record.Topic{}
	for _, t := range ts {
		kids[t.ParentID] = append(kids[t.ParentID], t)
	}
	var build func(p int64) []Node
	build = func(p int64) []Node {
		out := []Node{}
		for _, t := range kids[p] {
			n := Node{ID: t.ID, ParentID: t.ParentID, Name: t.Name, Description: t.Description, Keywords: t.Keywords,
				Target: t.Target, Count: c.ByTopic[t.ID], Children: build(t.ID)}
			n.Leaf = len(n.Children) == 0
			for _, ch := range n.Children {
				n.Count += ch.Count
			}
			out = append(out, n)
		}
		return out
	}
	return build(0), nil
}

// AddTopic adds a topic under parentID (0: top level). If the parent was a
// leaf with records, those records become uncategorized (records belong to
// leaves), and their number is returned.
func (s *Service) AddTopic(ctx context.Context, datasetID, parentID int64, name, description string, keywords []string) (record.Topic, int, error) {
	name = strings.TrimSpace(name)
	if err := ValidName(name); err != nil {
		return record.Topic{}, 0, err
	}
	if parentID != 0 {
		p, err := s.st.Topic(ctx, parentID)
		if err != nil {
			return record.Topic{}, 0, fmt.Errorf("parent topic: %w", err)
		}
		if p.DatasetID != datasetID {
			return record.Topic{}, 0, fmt.Errorf("parent topic %d belongs to another dataset", parentID)
		}
	}
	t, err := s.st.InsertTopic(ctx, record.Topic{DatasetID: datasetID, ParentID: parentID, Name: name,
		Description: strings.TrimSpace(description), Keywords: cleanKeywords(keywords)})
	if err != nil {
		return t, 0, fmt.Errorf("add topic %q: %w", name, err)
	}
	cleared, err := s.unassignParents(ctx, datasetID)
	return t, cleared, err
}

// unassignParents clears assignments to topics that are no longer leaves.
func (s *Service) unassignParents(ctx context.Context, datasetID int64) (int, error) {
	ts, err := s.st.Topics(ctx, datasetID)
	if err != nil {
		return 0, err
	}
	specs := toSpecs(ts)
	// ReplaceTopics with keep and the same tree changes nothing but the
	// parents' assignments.
	return s.st.ReplaceTopics(ctx, datasetID, specs, true)
}

// topicOf reads a topic and checks that it belongs to the dataset the
// caller works on: every tree edit goes through it, so an id from another
// dataset is refused here whichever screen or command sent it.
func (s *Service) topicOf(ctx context.Context, datasetID, topicID int64) (record.Topic, error) {
	t, err := s.st.Topic(ctx, topicID)
	if err != nil {
		return t, fmt.Errorf("topic %d: %w", topicID, err)
	}
	if t.DatasetID != datasetID {
		return t, fmt.Errorf("topic %d (%s) belongs to dataset %d, not %d", topicID, t.Name, t.DatasetID, datasetID)
	}
	return t, nil
}

// RenameTopic gives a topic a new snake_case name, unique in its dataset.
func (s *Service) RenameTopic(ctx context.Context, datasetID, topicID int64, name string) error {
	name = strings.TrimSpace(name)
	if err := ValidName(name); err != nil {
		return err
	}
	t, err := s.topicOf(ctx, datasetID, topicID)
	if err != nil {
		return err
	}
	t.Name = name
	return s.st.UpdateTopic(ctx, t)
}

// EditTopic sets a topic's description and keywords.
func (s *Service) EditTopic(ctx context.Context, datasetID, topicID int64, description string, keywords []string) error {
	t, err := s.topicOf(ctx, datasetID, topicID)
	if err != nil {
		return err
	}
	t.Description, t.Keywords = strings.TrimSpace(description), cleanKeywords(keywords)
	return s.st.UpdateTopic(ctx, t)
}

// SetTarget sets a leaf topic's target share in percent (0: uniform again).
// The set targets of a dataset may not add up to more than 100.
func (s *Service) SetTarget(ctx context.Context, datasetID, topicID int64, percent float64) error {
	if percent < 0 || percent > 100 || math.IsNaN(percent) {
		return fmt.Errorf("target %.2f %% for topic %d is outside 0–100", percent, topicID)
	}
	t, err := s.topicOf(ctx, datasetID, topicID)
	if err != nil {
		return err
	}
	ts, err := s.st.Topics(ctx, datasetID)
	if err != nil {
		return err
	}
	sum := percent
	for _, x := range record.Leaves(ts) {
		if x.ID != topicID {
			sum += x.Target
		}
	}
	if sum > 100+1e-9 {
		return fmt.Errorf("target %.1f %% for %s would bring the set targets to %.1f %% (max 100)", percent, t.Name, sum)
	}
	t.Target = percent
	return s.st.UpdateTopic(ctx, t)
}

// ResetTargets makes every topic of a dataset uniform again.
func (s *Service) ResetTargets(ctx context.Context, datasetID int64) error {
	ts, err := s.st.Topics(ctx, datasetID)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Target != 0 {
			t.Target = 0
			if err := s.st.UpdateTopic(ctx, t); err != nil {
				return fmt.Errorf("reset target of %s: %w", t.Name, err)
			}
		}
	}
	return nil
}

// MoveTopic puts a topic (with its subtree) under newParentID (0: top
// level), as its last child. It refuses to move a topic into its own
// subtree. Records of a leaf that becomes a parent are unassigned; the
// number is returned.
func (s *Service) MoveTopic(ctx context.Context, datasetID, topicID, newParentID int64) (int, error) {
	t, err := s.topicOf(ctx, datasetID, topicID)
	if err != nil {
		return 0, err
	}
	if newParentID != 0 {
		p, err := s.topicOf(ctx, datasetID, newParentID)
		if err != nil {
			return 0, fmt.Errorf("new parent: %w", err)
		}
		in, err := s.st.IsDescendant(ctx, newParentID, topicID)
		if err != nil {
			return 0, err
		}
		if in {
			return 0, fmt.Errorf("topic %q cannot move under %q, which is inside it", t.Name, p.Name)
		}
	}
	ts, err := s.st.Topics(ctx, t.DatasetID)
	if err != nil {
		return 0, err
	}
	pos := 0
	for _, x := range ts {
		if x.ParentID == newParentID && x.ID != t.ID && x.Position >= pos {
			pos = x.Position + 1
		}
	}
	t.ParentID, t.Position = newParentID, pos
	if err := s.st.UpdateTopic(ctx, t); err != nil {
		return 0, err
	}
	return s.unassignParents(ctx, t.DatasetID)
}

// DeleteTopic removes a topic and its subtopics; their records become
// uncategorized. It returns how many assignments were cleared.
func (s *Service) DeleteTopic(ctx context.Context, datasetID, topicID int64) (int, error) {
	if _, err := s.topicOf(ctx, datasetID, topicID); err != nil {
		return 0, err
	}
	return s.st.DeleteTopic(ctx, topicID)
}

// toSpecs turns a flat, tree-ordered topic list into nested specs.
func toSpecs(ts []record.Topic) []store.TopicSpec {
	kids := map[int64][]record.Topic{}
	for _, t := range ts {
		kids[t.ParentID] = append(kids[t.ParentID], t)
	}
	var build func(p int64) []store.TopicSpec
	build = func(p int64) []store.TopicSpec {
		var out []store.TopicSpec
		for _, t := range kids[p] {
			out = append(out, store.TopicSpec{Name: t.Name, Description: t.Description, Keywords: t.Keywords,
				Target: t.Target, Subtopics: build(t.ID)})
		}
		return out
	}
	return build(0)
}
