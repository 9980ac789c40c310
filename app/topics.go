package app

import (
	"fmt"
	"os"
	"strings"

	"tracetune/backend/coverage"
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
	opt := topics.GenerateOptions{K: k, Seed: generateSeed, Offline: offline}
	if err := opt.Validate(); err != nil {
		return 0, err
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.GenerateTopicsWork(s.Store, datasetID, opt))
}

// Categorize assigns records to leaf topics in the background: mode
// "unlabeled" touches only records without a topic, "all" recategorizes
// every valid record except those a person confirmed or moved (method
// manual), which keep their topic. It returns the job id.
func (s *Topics) Categorize(datasetID int64, mode string, offline bool) (int64, error) {
	opt := topics.CategorizeOptions{Mode: topics.Mode(mode), Offline: offline}
	if err := opt.Validate(); err != nil {
		return 0, err
	}
	if err := s.dataset(datasetID); err != nil {
		return 0, err
	}
	return s.Jobs.Start(pipeline.CategorizeWork(s.Store, datasetID, opt))
}

// ApplyTemplate replaces the hierarchy with a built-in template; keep
// preserves assignments to topics whose name survives.
func (s *Topics) ApplyTemplate(datasetID int64, key string, keep bool) (Replaced, error) {
	if err := need("template", key); err != nil {
		return Replaced{}, err
	}
	return s.replace(datasetID, pipeline.TopicsSource{Template: key, Keep: keep})
}

// Replaced is the answer to a template or an import: what changed, and the
// job that categorizes the records left without a topic.
type Replaced struct {
	topics.ImportResult
	JobID int64 `json:"job_id"`
}

func (s *Topics) replace(datasetID int64, src pipeline.TopicsSource) (Replaced, error) {
	if err := s.dataset(datasetID); err != nil {
		return Replaced{}, err
	}
	r, job, err := pipeline.ReplaceTopics(s.ctx(), s.Store, datasetID, src)
	s.changed(datasetID)
	if err != nil {
		return Replaced{ImportResult: r}, err
	}
	id, err := s.Jobs.Start(job)
	return Replaced{ImportResult: r, JobID: id}, err
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
	err := s.svc().RenameTopic(s.ctx(), datasetID, topicID, strings.TrimSpace(name))
	s.changed(datasetID)
	return err
}

// EditTopic sets a topic's description and keywords.
func (s *Topics) EditTopic(datasetID, topicID int64, description string, keywords []string) error {
	err := s.svc().EditTopic(s.ctx(), datasetID, topicID, description, keywords)
	s.changed(datasetID)
	return err
}

// MoveTopic puts a topic under newParentID (0: top level); it returns how
// many records were unassigned because a leaf became a parent.
func (s *Topics) MoveTopic(datasetID, topicID, newParentID int64) (int, error) {
	n, err := s.svc().MoveTopic(s.ctx(), datasetID, topicID, newParentID)
	s.changed(datasetID)
	return n, err
}

// DeleteTopic removes a topic and its subtopics; it returns how many
// records became uncategorized.
func (s *Topics) DeleteTopic(datasetID, topicID int64) (int, error) {
	n, err := s.svc().DeleteTopic(s.ctx(), datasetID, topicID)
	s.changed(datasetID)
	return n, err
}

// SetTarget sets a leaf topic's target share in percent (0: uniform).
func (s *Topics) SetTarget(datasetID, topicID int64, percent float64) error {
	err := s.svc().SetTarget(s.ctx(), datasetID, topicID, percent)
	s.changed(datasetID)
	return err
}

// ResetTargets makes every topic's target uniform again.
func (s *Topics) ResetTargets(datasetID int64) error {
	if err := s.dataset(datasetID); err != nil {
		return err
	}
	err := s.svc().ResetTargets(s.ctx(), datasetID)
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
	err := s.svc().Move(s.ctx(), datasetID, recordIDs, topicID)
	s.changed(datasetID)
	return err
}

// ConfirmAllLow confirms the topic of every low-confidence record ("all N
// matching") and returns how many.
func (s *Topics) ConfirmAllLow(datasetID int64) (int, error) {
	n, err := s.svc().ConfirmAllLow(s.ctx(), datasetID)
	s.changed(datasetID)
	return n, err
}

// MoveAllLow moves every low-confidence record to a leaf topic and returns
// how many.
func (s *Topics) MoveAllLow(datasetID, topicID int64) (int, error) {
	n, err := s.svc().MoveAllLow(s.ctx(), datasetID, topicID)
	s.changed(datasetID)
	return n, err
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
func (s *Topics) PickImportFile() (string, error) {
	return s.pickFile("Choose a topics JSON file", jsonFiles...)
}

// ImportHierarchy replaces the hierarchy with the one in a JSON file; keep
// preserves assignments to topics whose name survives, otherwise every
// assignment is cleared.
func (s *Topics) ImportHierarchy(datasetID int64, path string, keep bool) (Replaced, error) {
	if err := need("file", path); err != nil {
		return Replaced{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Replaced{}, fmt.Errorf("import topics: %w", err)
	}
	defer f.Close()
	h, err := topics.ParseHierarchy(f)
	if err != nil {
		return Replaced{}, fmt.Errorf("import topics from %s: %w", path, err)
	}
	r, err := s.replace(datasetID, pipeline.TopicsSource{Hierarchy: &h, Keep: keep})
	if err != nil {
		return r, fmt.Errorf("import topics from %s: %w", path, err)
	}
	return r, nil
}
