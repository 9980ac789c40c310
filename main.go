// Command tracetune is the Tracetune desktop app. With a subcommand it runs
// headless on the same data and services (see `tracetune help`).
package main

import (
	"embed"
	"fmt"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"tracetune/app"
	"tracetune/app/cli"
	"tracetune/backend/store"
)

//go:embed all:frontend/dist
var assets embed.FS

// icon is the window's icon on Linux (Windows takes build/windows/icon.ico,
// made from the same picture by wails build).
//
//go:embed build/appicon.png
var icon []byte

func main() {
	args := os.Args[1:]
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-version") {
		cli.AttachConsole()
		fmt.Println("tracetune", app.Version)
		return
	}
	if cli.IsCommand(args) {
		cli.AttachConsole() // a Windows GUI executable prints to the console it was started from
		os.Exit(cli.Main(args, os.Stdout, os.Stderr))
	}
	dataDir := cli.GUIDataDir(args)
	st, err := store.Open(cli.DBPath(dataDir))
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracetune:", err)
		os.Exit(1)
	}
	defer st.Close()
	deps := app.NewDeps(st, dataDir)
	win := app.LoadWindowState(dataDir)
	start := options.Normal
	if win.Maximised {
		start = options.Maximised
	}
	err = wails.Run(&options.App{
		Title:            "Tracetune",
		Width:            win.Width,
		Height:           win.Height,
		MinWidth:         app.MinWidth,
		MinHeight:        app.MinHeight,
		WindowStartState: start,
		Menu:             app.Menu(deps),
		Linux:            &linux.Options{Icon: icon, ProgramName: "tracetune"},
		AssetServer:      &assetserver.Options{Assets: assets},
		OnStartup:        app.OnStartup(deps),
		OnBeforeClose:    app.OnBeforeClose(deps),
		OnShutdown:       app.OnShutdown(deps),
		Bind:             app.Bindings(deps),
		EnumBind:         []any{app.Events},
		DragAndDrop:      &options.DragAndDrop{EnableFileDrop: true},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracetune:", err)
		os.Exit(1)
	}
}
