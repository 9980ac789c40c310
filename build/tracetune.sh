#!/usr/bin/env bash
# One entry point for a fresh Debian 12 / Ubuntu 24.04 machine:
#   bash build/tracetune.sh run    install what is missing, build, start the app
#   bash build/tracetune.sh test   install what is missing, run every test
#   bash build/tracetune.sh release  build the Linux .tar.gz and .deb and the Windows .exe
# Each install step is skipped when what it installs is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

GO_MIN=1.26
NODE_MIN=20.19
WAILS_VERSION=v2.11.0
APT_PACKAGES=(build-essential pkg-config curl git ca-certificates libgtk-3-dev libwebkit2gtk-4.1-dev xvfb chromium)

say() { printf '\n== %s\n' "$*"; }
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "apt: installing ${missing[*]}"
    sudo_ apt-get update -qq
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_go() {
  export PATH="/usr/local/go/bin:$PATH"
  if command -v go >/dev/null && ver_ge "$(go env GOVERSION | sed 's/^go//')" "$GO_MIN"; then return; fi
  say "Go $GO_MIN or newer is missing: installing the official toolchain into /usr/local/go"
  local v; v=$(curl -fsSL 'https://go.dev/VERSION?m=text' | head -n1)
  curl -fsSL "https://go.dev/dl/$v.linux-$(dpkg --print-architecture).tar.gz" -o /tmp/go.tgz
  sudo_ rm -rf /usr/local/go && sudo_ tar -C /usr/local -xzf /tmp/go.tgz
}

install_node() {
  if command -v node >/dev/null && ver_ge "$(node --version | sed 's/^v//')" "$NODE_MIN"; then return; fi
  say "Node.js $NODE_MIN or newer is missing: installing Node.js 22 from nodejs.org into /usr/local"
  local arch; arch=$(dpkg --print-architecture); [ "$arch" = amd64 ] && arch=x64
  local v; v=$(curl -fsSL https://nodejs.org/dist/latest-v22.x/SHASUMS256.txt | grep -o "node-v[0-9.]*-linux-$arch.tar.xz" | head -n1)
  curl -fsSL "https://nodejs.org/dist/latest-v22.x/$v" -o /tmp/node.txz
  sudo_ tar -C /usr/local --strip-components=1 -xJf /tmp/node.txz
}

install_wails() {
  export PATH="$PATH:$(go env GOPATH)/bin"
  if command -v wails >/dev/null && wails version 2>/dev/null | grep -q "$WAILS_VERSION"; then return; fi
  say "installing the Wails CLI $WAILS_VERSION"
  go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
}

install_npm() {
  if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
    say "npm: installing frontend packages"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup() {
  install_apt
  install_go
  install_node
  install_wails
  install_npm
  go mod download
}

# quiet runs a command, showing its output only when it fails (wails build
# prints a page of binding-generator notes on success).
quiet() {
  local log; log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log"; rm -f "$log"; echo "failed: $*"; exit 1; fi
  rm -f "$log"
}

# release_linux [WAILS_FLAGS…]: the Linux binary carrying the version, then
# build/dist/tracetune-V-linux-amd64.tar.gz and tracetune_V_amd64.deb, checked:
# the .deb declares its libraries and its unpacked binary prints the version.
release_linux() {
  local v t0=$SECONDS; v=$(go run ./build/package version)
  say "release $v: Linux binary"
  quiet wails build -tags webkit2_41 -ldflags "-X tracetune/app.Version=$v" "$@"
  say "release $v: Linux packages"
  go run ./build/package linux build/bin/tracetune build/dist
  local deb="build/dist/tracetune_${v}_amd64.deb" unpacked; unpacked=$(mktemp -d)
  local deps; deps=$(dpkg-deb -f "$deb" Depends)
  for lib in libgtk-3-0 libwebkit2gtk-4.1-0; do
    case ", $deps," in *", $lib"[,\ ]*) ;; *) echo "$deb does not depend on $lib (Depends: $deps)"; exit 1 ;; esac
  done
  dpkg-deb -x "$deb" "$unpacked"
  [ -f "$unpacked/usr/share/applications/tracetune.desktop" ] || { echo "$deb has no desktop entry"; exit 1; }
  local said; said=$("$unpacked/usr/bin/tracetune" --version)
  rm -rf "$unpacked"
  [ "$said" = "tracetune $v" ] || { echo "the packaged binary says \"$said\", want \"tracetune $v\""; exit 1; }
  say "Linux release built and checked in $((SECONDS - t0)) s"; ls -l build/dist/
}

release_windows() {
  local v t0=$SECONDS; v=$(go run ./build/package version)
  say "release $v: Windows binary (cross-built, WebView2)"
  # the frontend and the bindings were just built for Linux: -s -skipbindings
  quiet wails build -platform windows/amd64 -ldflags "-X tracetune/app.Version=$v" -s -skipbindings -o tracetune.exe
  cp build/bin/tracetune.exe "build/dist/tracetune-$v-windows-amd64.exe"
  go run ./build/package check-exe "build/dist/tracetune-$v-windows-amd64.exe"
  say "Windows release built and checked in $((SECONDS - t0)) s"; ls -l build/dist/
}

run_tests() {
  local t0=$SECONDS
  say "Go: format, vet, layering"
  local unformatted; unformatted=$(gofmt -l main.go app backend build)
  if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi
  go vet ./...
  if go list -deps ./backend/... | grep -q wailsapp; then echo "backend/ imports Wails: it must stay pure Go"; exit 1; fi
  if ! go mod tidy -diff >/dev/null; then echo "go.mod/go.sum are not tidy: run go mod tidy"; go mod tidy -diff || true; exit 1; fi

  say "Frontend: generated bindings match the Go code, formatting"
  quiet wails generate module
  # (the generator writes its runtime files executable: compare contents only)
  if ! git -c core.fileMode=false diff --quiet -- frontend/wailsjs || [ -n "$(git ls-files --others --exclude-standard frontend/wailsjs)" ]; then
    echo "frontend/wailsjs is out of date: run wails generate module and commit it"; git status --short frontend/wailsjs; exit 1
  fi
  (cd frontend && npm run --silent format:check)

  say "Go: unit tests (real SQLite, local HTTP fakes)"
  go test -count=1 -timeout 20m ./...

  say "Frontend: type check, unit tests, production build"
  (cd frontend && npm run --silent check && npx vitest run && npm run --silent build >/dev/null)

  say "Release build for Linux (the .tar.gz and .deb; Windows is built by release only)"
  release_linux -s -skipbindings

  say "End-to-end: the real app under Xvfb, driven by Chromium"
  bash frontend/tests/e2e/run.sh
  say "all tests passed in $((SECONDS - t0)) s"
}

case "${1:-}" in
  run)
    setup
    say "building the app"
    wails build -tags webkit2_41 -clean >/dev/null
    say "starting Tracetune"
    exec ./build/bin/tracetune
    ;;
  test)
    setup
    run_tests
    ;;
  release)
    setup
    rm -rf build/dist
    release_linux -clean
    release_windows
    ;;
  setup)
    setup
    ;;
  *)
    echo "usage: bash build/tracetune.sh run|test|release|setup" >&2
    exit 2
    ;;
esac
