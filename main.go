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

	"tracetune/app"
	"tracetune/app/cli"
	"tracetune/backend/store"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	args := os.Args[1:]
	if cli.IsCommand(args) {
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
	err = wails.Run(&options.App{
		Title:       "Tracetune",
		Width:       1280,
		Height:      820,
		MinWidth:    960,
		MinHeight:   600,
		AssetServer: &assetserver.Options{Assets: assets},
		OnStartup:   app.OnStartup(deps),
		OnShutdown:  app.OnShutdown(deps),
		Bind:        app.Bindings(deps),
		EnumBind:    []any{app.Events},
		DragAndDrop: &options.DragAndDrop{EnableFileDrop: true},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracetune:", err)
		os.Exit(1)
	}
}
