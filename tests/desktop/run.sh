#!/usr/bin/env bash
# The real desktop app end to end (e2e.test.mjs), in a desktop session (session.sh).
# Run inside `xvfb-run` + `dbus-run-session`; see scripts/test.
# Usage: run.sh <switchboard binary> <switchboard-cli binary>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export SWITCHBOARD_APP="$(realpath "$1")" SWITCHBOARD_CLI="$(realpath "$2")"
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$here/screenshots}"
mkdir -p "$SCREENSHOT_DIR"
exec bash "$here/session.sh" bash -c '
  if ! node --test --test-reporter=spec "$0/e2e.test.mjs"; then
    echo "== tauri-driver and app log (tail)" >&2; tail -n 60 "$DRIVER_LOG" >&2 || true
    echo "== notifications" >&2; cat "$NOTIFY_LOG" >&2 || true
    exit 1
  fi' "$here"
