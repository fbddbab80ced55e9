#!/usr/bin/env bash
# Measures the time to ring (docs/benchmarks.md): a caller's initiate_call to the app's
# incoming call on screen, in a virtual desktop session. Build it first:
# cargo build --release -p switchboard
# Usage: [CALLS=20] [MODES="callbox window"] [FIRST_RING_AFTER_MS=0] tests/desktop/time-to-ring.sh [binary, default target/release/switchboard]
set -euo pipefail
cd "$(dirname "$0")/../.."
app="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/switchboard}")"
here="$(pwd)/tests/desktop"
SWITCHBOARD_APP="$app" xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  bash "$here/session.sh" node "$here/time-to-ring.mjs"
