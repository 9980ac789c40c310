#!/usr/bin/env bash
# Runs the browser end-to-end suite against the real app: `wails dev` under
# Xvfb (real Go services, a scratch data directory), the fake remote services,
# and Debian's Chromium driven by playwright-core through node's test runner.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
export PATH="$PATH:$(go env GOPATH)/bin"

work=$(mktemp -d /tmp/tracetune-e2e.XXXXXX)
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
# The fake fine-tuning platform moves a job one stage per poll: poll fast.
export TRACETUNE_TRAIN_POLL_MS=300
# Serving waits (Fireworks, Azure) read the fake deployments as often.
export TRACETUNE_SERVE_POLL_MS=300
export TRACETUNE_E2E_TMP="$work" TRACETUNE_RESTART="$work/restart-request" TRACETUNE_FAKES="$work/fakes.json"
# TRACETUNE_E2E_PORT lets two runs (say, two developers' checkouts) coexist.
port=${TRACETUNE_E2E_PORT:-34115}
export TRACETUNE_URL="http://localhost:$port"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
pids=()
# kill_tree ends a process and all its descendants (wails dev starts vite,
# which starts esbuild; none of them may outlive the run).
kill_tree() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$c"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  touch "$work/stop"
  for p in "${pids[@]}"; do kill_tree "$p"; done
  for p in $(our_app); do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
  for d in 99 98 97 96; do
    if [ ! -e "/tmp/.X11-unix/X$d" ]; then
      Xvfb ":$d" -screen 0 1400x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
      pids+=($!)
      export DISPLAY=":$d"
      break
    fi
  done
  sleep 1
fi

# Fake remote services (OpenAI-compatible, gateways), when the repo has them.
if [ -d backend/testutil/cmd/fakes ]; then
  go build -o "$work/fakes" ./backend/testutil/cmd/fakes
  setsid "$work/fakes" -json-out "$TRACETUNE_FAKES" >"$work/fakes.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do [ -s "$TRACETUNE_FAKES" ] && break; sleep 0.2; done
  [ -s "$TRACETUNE_FAKES" ] || { echo "fake services did not start:"; cat "$work/fakes.log"; exit 1; }
fi

# The app processes of this run: a tracetune-dev binary whose environment
# carries this run's scratch directory (other runs may be going on).
our_app() {
  for d in /proc/[0-9]*; do
    case "$(readlink "$d/exe" 2>/dev/null)" in *tracetune-dev*) ;; *) continue ;; esac
    tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "TRACETUNE_E2E_TMP=$work" && echo "${d#/proc/}"
  done
  return 0
}

serving() { curl -fs -o /dev/null "$TRACETUNE_URL/wails/ipc.js"; }

# Supervise `wails dev`: it exits with the app, so a restart request (from
# harness.restartApp) kills the app and this loop starts it again.
(
  while [ ! -e "$work/stop" ]; do
    wails dev -tags webkit2_41 -loglevel Warning -skipbindings -m -noreload -nogorebuild -devserver "localhost:$port" >>"$work/wails-dev.log" 2>&1 || true
  done
) &
pids+=($!)
(
  while [ ! -e "$work/stop" ]; do
    if [ -e "$TRACETUNE_RESTART" ]; then
      for p in $(our_app); do kill "$p" 2>/dev/null || true; done
      while serving; do sleep 0.3; done
      until serving || [ -e "$work/stop" ]; do sleep 0.5; done
      rm -f "$TRACETUNE_RESTART"
    fi
    sleep 0.3
  done
) &
pids+=($!)

echo "e2e: starting the app (wails dev) …"
t0=$(date +%s)
until serving; do
  if [ $(( $(date +%s) - t0 )) -gt 420 ]; then echo "the app did not start in 420 s:"; tail -50 "$work/wails-dev.log"; exit 1; fi
  sleep 1
done
echo "e2e: app serving after $(( $(date +%s) - t0 )) s"

status=0
# E2E_FILES narrows the run to some files (e.g. tests/e2e/records.test.mjs).
(cd frontend && node --test --test-concurrency=1 --test-reporter=spec ${E2E_FILES:-tests/e2e/}) || status=$?
if [ $status -ne 0 ]; then
  echo "---- last lines of the app log ----"
  tail -40 "$work/wails-dev.log" || true
fi
exit $status
