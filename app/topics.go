package app

import (
	"context"
	"fmt"
	"os"
	"strings"

	"tracetune/backend/coverage"
	"tracetune/backend/jobs"
	"tracetune/backend/pipeline"
	"tracetune/backend/record"
	"tracetune/backend/topics"
)

// Topics serves step 2 (topics and categorization) and step 3 (coverage):
// the tree editor, generation, templates, categorization, the low-confidence
// review, targets and the hierarchy's JSON import/export.
type Topics struct{ *Deps }

// generateSeed makes generation from the window repeatable: the same records
// give the same topics every time.
const generateSeed = 1

func (s *Topics) svc() *topics.Service { return topics.New(s.Store) }

// dataset checks that a dataset exists, so that errors name it.
func (s *Topics) dataset(id int64) error {
	if _, err := s.Store.Dataset(s.ctx(), id); err != nil {
		return fmt.Errorf("dataset %d: %w", id, err)
	}
	return nil
}

// topicOf checks that a topic belongs to the dataset the window shows.
func (s *Topics) topicOf(datasetID, topicID int64) (record.Topic, error) {
	t, err := s.Store.Topic(s.ctx(), topicID)
	if err != nil {
		return t, fmt.Errorf("topic %d: %w", topicID, err)
	}
	if t.DatasetID != datasetID {
		return t, fmt.Errorf("topic %d (%s) belongs to dataset %d, not %d", topicID, t.Name, t.DatasetID, datasetID)
	}
	return t, nil
}

// Tree returns the dataset's topic hierarchy with record counts per topic.
func (s *Topics) Tree(datasetID int64) ([]topics.Node, error) {
	out, err := s.svc().Tree(s.ctx(), datasetID)
	if out == nil {
		out = []topics.Node{}
	}
	return out, err
}

// Stats returns the step-2 figures (topics, categorized, low confidence).
func (s *Topics) Stats(datasetID int64) (topics.Stats, error) {
	return s.svc().Stats(s.ctx(), datasetID)
}

// Templates lists the built-in hierarchies.
func (s *Topics) Templates() []topics.Template { return topics.Templates() }

// AssignmentCount is how many assignments a regeneration (or an import or
// template that clears) would make uncategorized: the number the warning names.
func (s *Topics) AssignmentCount(datasetID int64) (int, error) {
	return s.svc().AssignmentCount(s.ctx(), datasetID)
}

// Generate discovers topics (k = 0 chooses k automatically) and replaces
// the hierarchy, clearing every assignment, then categorizes all valid
// records and refreshes coverage, in the background. Both steps' nodes show
// Processing while they run. It returns the job id.
func (s *Topics) Generate(datasetID int64, k int, offline bool) (int64, error) {
	if k < 0 || k > 200 {
		return 0, fmt.Errorf("number of topics k=%d must be 0 (automatic) or 1–200", k)
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	svc, st := s.svc(), s.Store
	work := func(ctx context.Context, report jobs.Reporter) (any, error) {
		var res struct {
			Generate   topics.GenerateResult   `json:"generate"`
			Categorize topics.CategorizeResult `json:"categorize"`
		}
		_, err := pipeline.RunStep(ctx, st, datasetID, pipeline.StepTopics, func(ctx context.Context) (string, error) {
			g, err := svc.Generate(ctx, datasetID, topics.GenerateOptions{K: k, Seed: generateSeed, Offline: offline},
				func(d, t int64, m string) { report(d, t, "generate: "+m) })
			res.Generate = g
			if err != nil {
				return "", err
			}
			c, err := svc.Categorize(ctx, datasetID, topics.CategorizeOptions{Mode: topics.ModeAll, Offline: offline},
				func(d, t int64, m string) { report(d, t, "categorize: "+m) })
			res.Categorize = c
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d topics (%s), %d records categorized", g.K, g.Vectors, c.Processed), nil
		})
		if err != nil {
			return res, err
		}
		return res, s.refreshCoverage(ctx, datasetID)
	}
	return s.Jobs.Start(datasetID, "topics_generate", work)
}

// Categorize assigns records to leaf topics in the background: mode
// "unlabeled" touches only records without a topic, "all" recategorizes
// every valid record except those a person confirmed or moved (method
// manual), which keep their topic. It returns the job id.
func (s *Topics) Categorize(datasetID int64, mode string, offline bool) (int64, error) {
	m := topics.Mode(mode)
	if m != topics.ModeUnlabeled && m != topics.ModeAll {
		return 0, fmt.Errorf("categorize mode must be unlabeled or all, not %q", mode)
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	svc, st := s.svc(), s.Store
	work := func(ctx context.Context, report jobs.Reporter) (any, error) {
		var res topics.CategorizeResult
		_, err := pipeline.RunStep(ctx, st, datasetID, pipeline.StepTopics, func(ctx context.Context) (string, error) {
			c, err := svc.Categorize(ctx, datasetID, topics.CategorizeOptions{Mode: m, Offline: offline}, report)
			res = c
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d records categorized (%s), %d under 0.7", c.Processed, m, c.LowConfidence), nil
		})
		if err != nil {
			return res, err
		}
		return res, s.refreshCoverage(ctx, datasetID)
	}
	return s.Jobs.Start(datasetID, "categorize", work)
}

// refreshCoverage re-runs step 3 after categorization so its node follows.
func (s *Topics) refreshCoverage(ctx context.Context, datasetID int64) error {
	_, err := pipeline.RunStep(ctx, s.Store, datasetID, pipeline.StepCoverage, func(ctx context.Context) (string, error) {
		r, err := coverage.Compute(ctx, s.Store, datasetID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("balance %.2f (%s)", r.Balance, r.Rating), nil
	})
	return err
}

// ApplyTemplate replaces the hierarchy with a built-in template; keep
// preserves assignments to topics whose name survives.
func (s *Topics) ApplyTemplate(datasetID int64, key string, keep bool) (topics.ImportResult, error) {
	if err := need("template", key); err != nil {
		return topics.ImportResult{}, err
	}
	if err := s.dataset(datasetID); err != nil {
		return topics.ImportResult{}, err
	}
	r, err := s.svc().ApplyTemplate(s.ctx(), datasetID, key, keep)
	s.changed(datasetID)
	return r, err
}

// Added is the answer to AddTopic: the new topic and how many records of a
// former leaf parent became uncategorized.
type Added struct {
	Topic   record.Topic `json:"topic"`
	Cleared int          `json:"cleared"`
}

// AddTopic adds a topic under parentID (0: top level).
func (s *Topics) AddTopic(datasetID, parentID int64, name, description string, keywords []string) (Added, error) {
	if err := need("topic name", name); err != nil {
		return Added{}, err
	}
	if err := s.dataset(datasetID); err != nil {
		return Added{}, err
	}
	t, n, err := s.svc().AddTopic(s.ctx(), datasetID, parentID, name, description, keywords)
	s.changed(datasetID)
	return Added{Topic: t, Cleared: n}, err
}

// RenameTopic gives a topic a new snake_case name.
func (s *Topics) RenameTopic(datasetID, topicID int64, name string) error {
	if err := need("topic name", name); err != nil {
		return err
	}
	if _, err := s.topicOf(datasetID, topicID); err != nil {
		return err
	}
	err := s.svc().RenameTopic(s.ctx(), topicID, strings.TrimSpace(name))
	s.changed(datasetID)
	return err
}

// EditTopic sets a topic's description and keywords.
func (s *Topics) EditTopic(datasetID, topicID int64, description string, keywords []string) error {
	if _, err := s.topicOf(datasetID, topicID); err != nil {
		return err
	}
	err := s.svc().EditTopic(s.ctx(), topicID, description, keywords)
	s.changed(datasetID)
	return err
}

// MoveTopic puts a topic under newParentID (0: top level); it returns how
// many records were unassigned because a leaf became a parent.
func (s *Topics) MoveTopic(datasetID, topicID, newParentID int64) (int, error) {
	if _, err := s.topicOf(datasetID, topicID); err != nil {
		return 0, err
	}
	if newParentID != 0 {
		if _, err := s.topicOf(datasetID, newParentID); err != nil {
			return 0, fmt.Errorf("new parent: %w", err)
		}
	}
	n, err := s.svc().MoveTopic(s.ctx(), topicID, newParentID)
	s.changed(datasetID)
	return n, err
}

// DeleteTopic removes a topic and its subtopics; it returns how many
// records became uncategorized.
func (s *Topics) DeleteTopic(datasetID, topicID int64) (int, error) {
	if _, err := s.topicOf(datasetID, topicID); err != nil {
		return 0, err
	}
	n, err := s.svc().DeleteTopic(s.ctx(), topicID)
	s.changed(datasetID)
	return n, err
}

// SetTarget sets a leaf topic's target share in percent (0: uniform).
func (s *Topics) SetTarget(datasetID, topicID int64, percent float64) error {
	if _, err := s.topicOf(datasetID, topicID); err != nil {
		return err
	}
	err := coverage.SetTarget(s.ctx(), s.Store, topicID, percent)
	s.changed(datasetID)
	return err
}

// ResetTargets makes every topic's target uniform again.
func (s *Topics) ResetTargets(datasetID int64) error {
	if err := s.dataset(datasetID); err != nil {
		return err
	}
	err := coverage.ResetTargets(s.ctx(), s.Store, datasetID)
	s.changed(datasetID)
	return err
}

// Coverage returns step 3's report: distribution, balance, rating and
// recommendations.
func (s *Topics) Coverage(datasetID int64) (coverage.Report, error) {
	r, err := coverage.Compute(s.ctx(), s.Store, datasetID)
	if r.Topics == nil {
		r.Topics = []coverage.Stat{}
	}
	if r.Recommendations == nil {
		r.Recommendations = []string{}
	}
	return r, err
}

// LowConfidence returns a keyset page (record id > afterID) of records
// categorized with confidence under 0.7; their text is plain text.
func (s *Topics) LowConfidence(datasetID, afterID int64, limit int) ([]topics.LowItem, error) {
	out, err := s.svc().LowConfidence(s.ctx(), datasetID, afterID, limit)
	if out == nil {
		out = []topics.LowItem{}
	}
	return out, err
}

// Confirm keeps the records' topics as a manual choice (confidence 1).
func (s *Topics) Confirm(datasetID int64, recordIDs []int64) error {
	if len(recordIDs) == 0 {
		return fmt.Errorf("no records to confirm")
	}
	err := s.svc().Confirm(s.ctx(), datasetID, recordIDs)
	s.changed(datasetID)
	return err
}

// MoveRecords assigns records to another leaf topic by hand (confidence 1).
func (s *Topics) MoveRecords(datasetID int64, recordIDs []int64, topicID int64) error {
	if len(recordIDs) == 0 {
		return fmt.Errorf("no records to move")
	}
	if _, err := s.topicOf(datasetID, topicID); err != nil {
		return err
	}
	err := s.svc().Move(s.ctx(), datasetID, recordIDs, topicID)
	s.changed(datasetID)
	return err
}

// PickExportPath opens the native save dialog for the hierarchy's JSON.
func (s *Topics) PickExportPath(datasetID int64) (string, error) {
	d, err := s.Store.Dataset(s.ctx(), datasetID)
	if err != nil {
		return "", err
	}
	return s.pickSave("Export topics", topics.Slug(d.Name)+".topics.json")
}

// ExportHierarchy writes the hierarchy as JSON to path.
func (s *Topics) ExportHierarchy(datasetID int64, path string) error {
	if err := need("path", path); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("export topics: %w", err)
	}
	if err := s.svc().ExportJSON(s.ctx(), datasetID, f); err != nil {
		f.Close()
		return fmt.Errorf("export topics to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export topics to %s: %w", path, err)
	}
	return nil
}

// PickImportFile opens the native open dialog for a topics JSON file.
func (s *Topics) PickImportFile() (string, error) { return s.pickJSONL("Choose a topics JSON file") }

// ImportHierarchy replaces the hierarchy with the one in a JSON file; keep
// preserves assignments to topics whose name survives, otherwise every
// assignment is cleared.
func (s *Topics) ImportHierarchy(datasetID int64, path string, keep bool) (topics.ImportResult, error) {
	if err := need("file", path); err != nil {
		return topics.ImportResult{}, err
	}
	if err := s.dataset(datasetID); err != nil {
		return topics.ImportResult{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return topics.ImportResult{}, fmt.Errorf("import topics: %w", err)
	}
	defer f.Close()
	h, err := topics.ParseHierarchy(f)
	if err != nil {
		return topics.ImportResult{}, fmt.Errorf("import topics from %s: %w", path, err)
	}
	r, err := s.svc().Import(s.ctx(), datasetID, h, keep)
	s.changed(datasetID)
	if err != nil {
		return r, fmt.Errorf("import topics from %s: %w", path, err)
	}
	return r, nil
}
