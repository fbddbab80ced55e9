#!/usr/bin/env bash
# The real desktop app end to end (e2e.test.mjs: a call; desk.test.mjs: the desktop's
# conventions), in a desktop session (session.sh).
# Run inside `xvfb-run` + `dbus-run-session`; see scripts/test.
# Usage: run.sh <switchboard binary> <switchboard-cli binary>   (E2E_TESTS="desk" runs one file)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export SWITCHBOARD_APP="$(realpath "$1")" SWITCHBOARD_CLI="$(realpath "$2")"
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$here/screenshots}"
mkdir -p "$SCREENSHOT_DIR"
# Video rooms on 8x8 JaaS, with the server tests' throwaway key (desk.test.mjs checks the
# token the app's embedded backend signs with it against the public half).
fixtures="$here/../../crates/server/tests/fixtures"
export JITSI_8X8_APP_ID="vpaas-magic-cookie-5703ae038cf44020aaf85831e835d5f6"
export JITSI_8X8_KID="$JITSI_8X8_APP_ID/4f4910"
JITSI_8X8_API_KEY="$(cat "$fixtures/jaas_test_pkcs8.pem")"
export JITSI_8X8_API_KEY JAAS_PUBLIC_KEY_FILE="$(realpath "$fixtures/jaas_test_public.pem")"
# The app's camera in video calls: the test pattern (its frame counter is read back from
# the call card's canvas, and by the CLI on the other end).
export SWITCHBOARD_CAMERA=pattern
# One file at a time: both drive apps through one tauri-driver and one X display.
exec bash "$here/session.sh" bash -c '
  files=(); for f in ${E2E_TESTS:-e2e desk}; do files+=("$0/$f.test.mjs"); done
  if ! node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"; then
    echo "== tauri-driver and app log (tail)" >&2; tail -n 60 "$DRIVER_LOG" >&2 || true
    echo "== notifications" >&2; cat "$NOTIFY_LOG" >&2 || true
    exit 1
  fi' "$here"
