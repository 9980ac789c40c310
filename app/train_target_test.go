package app

import (
	"context"
	"path/filepath"
	"testing"

	"tracetune/backend/pipeline"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
	"tracetune/backend/train"
)

// TestStep6TargetIsStep5sDefault: what Step 6's form saves (Train.SetTarget)
// is who answers in Step 5 (DryRun.Answers, the preview) and the model
// the Train gate expects; another model in Step 5 is marked as not
// counting for the gate.
func TestStep6TargetIsStep5sDefault(t *testing.T) {
	fake := testutil.StartFineTune(t)
	t.Setenv("OPENAI_API_KEY", "sk-app-target-0000")
	t.Setenv("OPENAI_BASE_URL", fake.URL)
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := NewDeps(st, t.TempDir())
	tr, dr := &Train{d}, &DryRun{d}
	ds, err := st.CreateDataset(context.Background(), "target", "")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("before the form saves anything: the training role's model", func(t *testing.T) {
		a, err := dr.Answers(ds.ID, "", "")
		if err != nil || a.Model != "o4-mini" || !a.ForGate || a.Target.Model != "o4-mini" {
			t.Fatalf("answers %+v %v", a, err)
		}
	})
	t.Run("the form's new base model is Step 5's and the gate's", func(t *testing.T) {
		got, err := tr.SetTarget(ds.ID, train.Target{Trainer: "openai", Model: "gpt-5-2025-08-07"})
		if err != nil || got.Model != "gpt-5-2025-08-07" || got.Provider == "" {
			t.Fatalf("set %+v %v", got, err)
		}
		if tg, err := tr.Target(ds.ID); err != nil || tg != got {
			t.Fatalf("target %+v %v", tg, err)
		}
		a, err := dr.Answers(ds.ID, "", "")
		if err != nil || a.Model != got.Model || a.Provider != got.Provider || !a.ForGate || a.Target != got {
			t.Fatalf("answers %+v %v", a, err)
		}
		p, err := dr.PreviewModel(ds.ID, 10, "base", "", "")
		if err != nil || p.Model != got.Model || !p.ForGate {
			t.Fatalf("preview %+v %v", p, err)
		}
		gate, err := tr.Check(ds.ID, train.Options{})
		if err != nil || gate.Target != got || len(gate.Issues) != 1 || gate.Issues[0].Reason != pipeline.OverrideNoDryRun ||
			gate.Issues[0].Model != got.Model {
			t.Fatalf("gate %+v %v", gate, err)
		}
	})
	t.Run("another model in Step 5 does not count for the gate", func(t *testing.T) {
		a, err := dr.Answers(ds.ID, "", "o4-mini")
		if err != nil || a.Model != "o4-mini" || a.ForGate || a.Target.Model != "gpt-5-2025-08-07" {
			t.Fatalf("answers %+v %v", a, err)
		}
		if _, err := tr.SetTarget(ds.ID, train.Target{Trainer: "azure"}); err == nil {
			t.Fatal("azure without an Azure provider was saved")
		}
		if _, err := dr.RunModel(ds.ID, 10, "production", "", "o4-mini"); err == nil {
			t.Fatal("production responses with a model were accepted")
		}
	})
}
