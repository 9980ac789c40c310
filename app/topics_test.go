package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/jobs"
	"tracetune/backend/pipeline"
	"tracetune/backend/store"
)

// topicsFixture writes a JSONL file of three clear topic families.
func topicsFixture(t *testing.T) string {
	t.Helper()
	fam := map[string][]string{
		"billing": {"I was charged twice, refund my %s invoice please", "Why is there an extra charge on my %s bill and invoice?"},
		"login":   {"I cannot log in, the password reset for my %s never arrives", "My %s password stopped working and the login is locked"},
		"cooking": {"Give me an oven recipe for %s for dinner", "How long do I bake %s and at what oven temperature?"},
	}
	fill := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"}
	var b strings.Builder
	for _, stems := range fam {
		for _, s := range stems {
			for _, f := range fill {
				line, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": fmt.Sprintf(s, f)}}})
				b.Write(line)
				b.WriteByte('\n')
			}
		}
	}
	p := filepath.Join(t.TempDir(), "topics.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func newTopics(t *testing.T) (*Topics, *Datasets) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := NewDeps(st, t.TempDir())
	return &Topics{d}, &Datasets{d}
}

func waitJob(t *testing.T, r *jobs.Runner, id int64) jobs.Progress {
	t.Helper()
	p := r.Wait(id)
	if p.State != jobs.Done {
		t.Fatalf("job %d (%s) ended %s: %s", id, p.Kind, p.State, p.Error)
	}
	return p
}

func TestTopicsBindingsEndToEnd(t *testing.T) {
	tp, ds := newTopics(t)
	c, err := ds.CreateFromFile("support", "", topicsFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, tp.Jobs, c.JobID)
	id := c.Dataset.ID

	// Generate offline with k=3, through the job runner and RunStep.
	job, err := tp.Generate(id, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, tp.Jobs, job)
	tree, err := tp.Tree(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree) != 3 {
		t.Fatalf("generate k=3 gave %d topics", len(tree))
	}
	stats, err := tp.Stats(id)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Valid != 60 || stats.Categorized != 60 {
		t.Fatalf("stats after generate+categorize: %+v", stats)
	}
	steps, err := pipeline.Steps(tp.ctx(), tp.Store, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps[1:3] {
		if s.Status == pipeline.Processing || s.Status == pipeline.Failed {
			t.Errorf("step %d is %s after the job: %s", s.Number, s.Status, s.Message)
		}
	}
	if n, err := tp.AssignmentCount(id); err != nil || n != 60 {
		t.Fatalf("assignment count = %d, %v; want 60", n, err)
	}

	// Tree editor: add a parent, move a leaf under it, rename, edit, target.
	parent, err := tp.AddTopic(id, 0, "group_a", "a group", nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf := tree[0]
	if _, err := tp.MoveTopic(id, leaf.ID, parent.Topic.ID); err != nil {
		t.Fatal(err)
	}
	if err := tp.RenameTopic(id, leaf.ID, "Not Snake"); err == nil {
		t.Error("a non-snake_case name was accepted")
	}
	if err := tp.RenameTopic(id, leaf.ID, "moved_leaf"); err != nil {
		t.Fatal(err)
	}
	if err := tp.EditTopic(id, leaf.ID, "desc", []string{"Foo", "foo", " bar "}); err != nil {
		t.Fatal(err)
	}
	if err := tp.SetTarget(id, leaf.ID, 50); err != nil {
		t.Fatal(err)
	}
	if err := tp.SetTarget(id, leaf.ID, 150); err == nil {
		t.Error("a 150 % target was accepted")
	}
	tree, _ = tp.Tree(id)
	var moved bool
	for _, n := range tree {
		if n.Name == "group_a" && len(n.Children) == 1 && n.Children[0].Name == "moved_leaf" {
			moved = true
			if k := n.Children[0].Keywords; len(k) != 2 {
				t.Errorf("keywords = %v", k)
			}
		}
	}
	if !moved {
		t.Fatalf("tree after move/rename: %+v", tree)
	}
	cov, err := tp.Coverage(id)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := cov.Distribution["moved_leaf"]; !ok || s.Target != 50 {
		t.Fatalf("coverage of moved_leaf: %+v", cov.Distribution)
	}

	// Another dataset's topic is refused.
	other, err := ds.CreateFromFile("other", "", topicsFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, tp.Jobs, other.JobID)
	if err := tp.RenameTopic(other.Dataset.ID, leaf.ID, "x"); err == nil || !strings.Contains(err.Error(), "belongs to dataset") {
		t.Errorf("renaming through the wrong dataset: %v", err)
	}

	// Export, then import the file into the other dataset (clear).
	out := filepath.Join(t.TempDir(), "h.json")
	if err := tp.ExportHierarchy(id, out); err != nil {
		t.Fatal(err)
	}
	r, err := tp.ImportHierarchy(other.Dataset.ID, out, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Topics != 4 {
		t.Fatalf("import gave %d topics, want 4", r.Topics)
	}
	j, err := tp.Categorize(other.Dataset.ID, "unlabeled", true)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, tp.Jobs, j)
	if s, _ := tp.Stats(other.Dataset.ID); s.Categorized != 60 {
		t.Fatalf("categorize unlabeled after import: %+v", s)
	}
	if _, err := tp.Categorize(id, "some", true); err == nil {
		t.Error("mode some was accepted")
	}

	// Low confidence review and manual moves.
	low, err := tp.LowConfidence(id, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(low) > 0 {
		if err := tp.Confirm(id, []int64{low[0].RecordID}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tp.MoveRecords(id, []int64{}, leaf.ID); err == nil {
		t.Error("an empty move was accepted")
	}

	// Delete clears the subtree's assignments.
	n, err := tp.DeleteTopic(id, parent.Topic.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := tp.Stats(id); s.Uncategorized != n || s.Topics != 2 {
		t.Fatalf("after deleting group_a (cleared %d): %+v", n, s)
	}
	if _, err := tp.ApplyTemplate(id, "no_such_template", true); err == nil {
		t.Error("an unknown template was accepted")
	}
	if len(tp.Templates()) < 5 {
		t.Errorf("only %d templates", len(tp.Templates()))
	}
}
