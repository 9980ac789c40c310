package cli

import (
	"context"
	"testing"
	"time"

	"tracetune/app"
	"tracetune/backend/pipeline"
	"tracetune/backend/secrets"
	"tracetune/backend/store"
	"tracetune/backend/testutil"
)

// A pull from the command line and one from the window run the same
// pipeline job, so step 1 ends in the same state, with the same message, in
// success and in failure.
func TestPullFromTheCommandLineMarksExtractLikeTheWindow(t *testing.T) {
	sec := secrets.Open(secrets.Options{ForceFile: true, Dir: t.TempDir()})
	old := sourceSecrets
	sourceSecrets = func() *secrets.Store { return sec }
	t.Cleanup(func() { sourceSecrets = old })
	fake := testutil.StartLangfuse(t, "pk-lf-par", "sk-lf-par")
	fake.Add(testutil.SampleGatewayTraces("p", 12, time.Now().UTC().Add(-2*time.Hour), 5*time.Minute)...)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"sources", "add", "--name", "prod", "--kind", "langfuse", "--url", fake.URL, "--public-key", "pk-lf-par", "--secret-key", "sk-lf-par"},
		{"create", "--name", "by-command"},
		{"create", "--name", "by-window"},
	} {
		if code, _, errOut := runCLI(t, dir, args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	st, err := store.Open(DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	deps := app.NewDeps(st, dir)
	deps.Secrets = sec
	t.Cleanup(func() { deps.Jobs.StopAll(); st.Close() })
	win := &app.Sources{Deps: deps}
	ctx := context.Background()
	byCmd, _ := st.FindDataset(ctx, "by-command")
	byWin, _ := st.FindDataset(ctx, "by-window")

	extract := func(datasetID int64) (store.StepState, pipeline.Step) {
		t.Helper()
		states, err := st.StepStates(ctx, datasetID)
		if err != nil {
			t.Fatal(err)
		}
		steps, err := pipeline.Steps(ctx, st, datasetID)
		if err != nil {
			t.Fatal(err)
		}
		return states[pipeline.StepExtract], steps[0]
	}
	pullBoth := func(t *testing.T) (cmdCode int) {
		cmdCode, _, _ = runCLI(t, dir, "pull", "--dataset", "by-command", "--source", "prod")
		id, err := win.Pull(byWin.ID, "prod")
		if err != nil {
			t.Fatal(err)
		}
		deps.Jobs.Wait(id)
		return cmdCode
	}
	same := func(t *testing.T, wantState string) {
		t.Helper()
		cs, cstep := extract(byCmd.ID)
		ws, wstep := extract(byWin.ID)
		if cs.State != wantState || ws.State != wantState {
			t.Fatalf("extract state: command %q, window %q, want %q", cs.State, ws.State, wantState)
		}
		if cs.Message != ws.Message || cs.Message == "" {
			t.Errorf("extract message: command %q, window %q", cs.Message, ws.Message)
		}
		if cstep.Status != wstep.Status || cstep.Figure != wstep.Figure {
			t.Errorf("extract node: command %s %q, window %s %q", cstep.Status, cstep.Figure, wstep.Status, wstep.Figure)
		}
	}

	t.Run("a pull that works", func(t *testing.T) {
		if code := pullBoth(t); code != 0 {
			t.Fatalf("command pull exit %d", code)
		}
		same(t, "done")
		if _, step := extract(byCmd.ID); step.Status != pipeline.Complete || step.Figure != "12 records" {
			t.Errorf("extract node after the pull: %s %q", step.Status, step.Figure)
		}
	})
	t.Run("a pull that fails", func(t *testing.T) {
		fake.FailListAfter(0)
		defer fake.Recover()
		if code := pullBoth(t); code != 1 {
			t.Fatalf("command pull exit %d, want 1", code)
		}
		same(t, "failed")
		if _, step := extract(byCmd.ID); step.Status != pipeline.Failed {
			t.Errorf("extract node after a failed pull: %s", step.Status)
		}
	})
}
