package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"

	"github.com/wailsapp/wails/v2/pkg/menu"
	"github.com/wailsapp/wails/v2/pkg/menu/keys"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Window serves the window itself: its title names the open dataset.
type Window struct{ *Deps }

// ShowDataset titles the window after the dataset the canvas shows; 0 (no
// dataset open) gives the plain app name.
func (w *Window) ShowDataset(datasetID int64) error {
	title := "Tracetune"
	if datasetID != 0 {
		ds, err := w.Store.Dataset(w.ctx(), datasetID)
		if err != nil {
			return fmt.Errorf("title the window for dataset %d: %w", datasetID, err)
		}
		title = ds.Name + " — Tracetune"
	}
	if w.win != nil {
		runtime.WindowSetTitle(w.win, title)
	}
	return nil
}

// Version is the app's version, for the About text and Settings.
func (w *Window) Version() string { return Version }

// DataDir is the folder holding the database and the window state.
func (s *Settings) DataDir() string { return s.Deps.DataDir }

// OpenDataDir shows the data folder in the system's file manager.
func (s *Settings) OpenDataDir() error { return openFolder(s.Deps.DataDir) }

// openFolder opens dir in the file manager. Wails' BrowserOpenURL refuses
// file:// URLs, so the platform's opener is started directly; dir is the
// app's own data directory, never text from a trace.
func openFolder(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("open data folder: %w", err)
	}
	var cmd *exec.Cmd
	switch goruntime.GOOS {
	case "windows":
		cmd = exec.Command("explorer", dir)
	case "darwin":
		cmd = exec.Command("open", dir)
	default:
		cmd = exec.Command("xdg-open", dir)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open data folder %s (is a file manager installed?): %w", dir, err)
	}
	go cmd.Wait() //nolint:errcheck // reap the opener; its exit status says nothing useful
	return nil
}

// WindowState is the window's size and position, kept across runs in
// window.json in the data directory.
type WindowState struct {
	Width     int  `json:"width"`
	Height    int  `json:"height"`
	X         int  `json:"x"`
	Y         int  `json:"y"`
	HasPos    bool `json:"has_pos"`
	Maximised bool `json:"maximised"`
}

// The window's default and smallest sizes.
const (
	DefaultWidth  = 1280
	DefaultHeight = 820
	MinWidth      = 960
	MinHeight     = 600
)

func windowStatePath(dataDir string) string { return filepath.Join(dataDir, "window.json") }

// LoadWindowState reads the saved window state; a missing or unreadable
// file gives the defaults, and sizes below the minimum are raised to it.
func LoadWindowState(dataDir string) WindowState {
	ws := WindowState{Width: DefaultWidth, Height: DefaultHeight}
	if b, err := os.ReadFile(windowStatePath(dataDir)); err == nil {
		if err := json.Unmarshal(b, &ws); err != nil {
			log.Printf("window state %s: %v (using defaults)", windowStatePath(dataDir), err)
			ws = WindowState{Width: DefaultWidth, Height: DefaultHeight}
		}
	}
	ws.Width = max(ws.Width, MinWidth)
	ws.Height = max(ws.Height, MinHeight)
	return ws
}

// SaveWindowState writes the window state next to the database.
func SaveWindowState(dataDir string, ws WindowState) error {
	b, err := json.Marshal(ws)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("save window state: %w", err)
	}
	if err := os.WriteFile(windowStatePath(dataDir), b, 0o644); err != nil {
		return fmt.Errorf("save window state: %w", err)
	}
	return nil
}

// OnBeforeClose returns Wails' OnBeforeClose hook: the window's size and
// position are saved (closing and File → Quit both pass here).
func OnBeforeClose(d *Deps) func(context.Context) bool {
	return func(ctx context.Context) bool {
		d.saveWindow(ctx)
		return false // let the window close
	}
}

func (d *Deps) saveWindow(ctx context.Context) {
	ws := LoadWindowState(d.DataDir)
	ws.Maximised = runtime.WindowIsMaximised(ctx)
	if !ws.Maximised && !runtime.WindowIsMinimised(ctx) {
		// a maximised window keeps the normal size it will return to
		ws.Width, ws.Height = runtime.WindowGetSize(ctx)
		ws.X, ws.Y = runtime.WindowGetPosition(ctx)
		ws.HasPos = true
	}
	if err := SaveWindowState(d.DataDir, ws); err != nil {
		log.Print(err)
	}
}

// restorePosition moves the window to where it was, when that place is
// still on a screen (a monitor may have been unplugged since).
func (d *Deps) restorePosition(ctx context.Context) {
	ws := LoadWindowState(d.DataDir)
	if !ws.HasPos || ws.Maximised {
		return
	}
	screens, err := runtime.ScreenGetAll(ctx)
	if err != nil || len(screens) == 0 {
		return
	}
	// Wails reports screen sizes but not their layout: accept a position
	// whose title bar lies within the screens placed side by side.
	width, height := 0, 0
	for _, s := range screens {
		width += s.Size.Width
		height = max(height, s.Size.Height)
	}
	if ws.X < 0 || ws.Y < 0 || ws.X > width-100 || ws.Y > height-50 {
		return
	}
	runtime.WindowSetPosition(ctx, ws.X, ws.Y)
}

// Menu is the native menu bar. New dataset, Import and Export are the
// page's actions, so those items emit events the page handles; Quit,
// About and Open data folder are the window's own.
func Menu(d *Deps) *menu.Menu {
	m := menu.NewMenu()
	file := m.AddSubmenu("File")
	file.AddText("New dataset…", keys.CmdOrCtrl("n"), func(*menu.CallbackData) { d.emit(EventMenuNewDataset, nil) })
	file.AddText("Import…", keys.CmdOrCtrl("i"), func(*menu.CallbackData) { d.emit(EventMenuImport, nil) })
	file.AddText("Export…", keys.CmdOrCtrl("e"), func(*menu.CallbackData) { d.emit(EventMenuExport, nil) })
	file.AddSeparator()
	file.AddText("Quit", keys.CmdOrCtrl("q"), func(*menu.CallbackData) {
		if d.win != nil {
			runtime.Quit(d.win)
		}
	})
	help := m.AddSubmenu("Help")
	help.AddText("About Tracetune", keys.Key("F1"), func(*menu.CallbackData) { d.about() })
	help.AddText("Open data folder", keys.CmdOrCtrl("d"), func(*menu.CallbackData) {
		if err := openFolder(d.DataDir); err != nil {
			d.errorBox("Open data folder", err)
		}
	})
	return m
}

// AboutText is the About box's message.
func AboutText(dataDir string) string {
	return fmt.Sprintf("Tracetune %s\n\nTurns LLM traces into a reinforcement fine-tuned model.\n\nData folder: %s", Version, dataDir)
}

func (d *Deps) about() {
	if d.win == nil {
		return
	}
	if _, err := runtime.MessageDialog(d.win, runtime.MessageDialogOptions{
		Type: runtime.InfoDialog, Title: "About Tracetune", Message: AboutText(d.DataDir),
	}); err != nil {
		log.Printf("about box: %v", err)
	}
}

func (d *Deps) errorBox(title string, err error) {
	if d.win == nil {
		return
	}
	if _, e := runtime.MessageDialog(d.win, runtime.MessageDialogOptions{Type: runtime.ErrorDialog, Title: title, Message: err.Error()}); e != nil {
		log.Printf("%s: %v (and the error box: %v)", title, err, e)
	}
}
