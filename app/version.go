package app

// Version is the release version, set at build time by build/tracetune.sh
// (-ldflags "-X tracetune/app.Version=…") from wails.json's
// info.productVersion; a plain `go build` says "dev".
var Version = "dev"
