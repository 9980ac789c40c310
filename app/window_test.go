package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracetune/backend/testutil"
)

func TestWindowStateIsKeptAcrossRuns(t *testing.T) {
	cases := []struct {
		name string
		file string // window.json's content; "" = no file
		want WindowState
	}{
		{"a first run opens at the default size", "", WindowState{Width: DefaultWidth, Height: DefaultHeight}},
		{"a saved size and position come back", `{"width":1100,"height":700,"x":150,"y":90,"has_pos":true}`,
			WindowState{Width: 1100, Height: 700, X: 150, Y: 90, HasPos: true}},
		{"a size below the minimum is raised to it", `{"width":300,"height":200}`, WindowState{Width: MinWidth, Height: MinHeight}},
		{"a damaged file gives the defaults", `{"width":`, WindowState{Width: DefaultWidth, Height: DefaultHeight}},
		{"a maximised window stays maximised", `{"width":1300,"height":900,"maximised":true}`,
			WindowState{Width: 1300, Height: 900, Maximised: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.file != "" {
				if err := os.WriteFile(filepath.Join(dir, "window.json"), []byte(c.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := LoadWindowState(dir); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	t.Run("what is saved is what the next start reads, in a data folder made on demand", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "new", "tracetune")
		ws := WindowState{Width: 1440, Height: 880, X: 20, Y: 30, HasPos: true}
		if err := SaveWindowState(dir, ws); err != nil {
			t.Fatal(err)
		}
		if got := LoadWindowState(dir); got != ws {
			t.Errorf("got %+v, want %+v", got, ws)
		}
	})
}

func TestSettingsShowsTheDataFolderAndAboutNamesTheVersion(t *testing.T) {
	st := testutil.OpenStore(t)
	dir := t.TempDir()
	d := NewDeps(st, dir)
	if got := (&Settings{d}).DataDir(); got != dir {
		t.Errorf("DataDir() = %q, want %q", got, dir)
	}
	about := AboutText(dir)
	for _, want := range []string{"Tracetune " + Version, dir} {
		if !strings.Contains(about, want) {
			t.Errorf("About text lacks %q:\n%s", want, about)
		}
	}
	if v := (&Window{d}).Version(); v != Version {
		t.Errorf("Window.Version() = %q, want %q", v, Version)
	}
}

func TestTheTitleNamesAnExistingDatasetOnly(t *testing.T) {
	st := testutil.OpenStore(t)
	w := &Window{NewDeps(st, t.TempDir())}
	// headless (no window) the title is not set, but the dataset is looked up
	if err := w.ShowDataset(0); err != nil {
		t.Fatalf("no dataset open: %v", err)
	}
	if err := w.ShowDataset(4242); err == nil {
		t.Fatal("a missing dataset gave a title")
	}
	ds, err := st.CreateDataset(context.Background(), "support bot", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ShowDataset(ds.ID); err != nil {
		t.Fatalf("dataset %d: %v", ds.ID, err)
	}
}
