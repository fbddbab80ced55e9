#!/usr/bin/env bash
# Measures the app's start-up, idle memory and size (docs/benchmarks.md) in a virtual
# desktop session. Build it first: cargo build --release -p switchboard
# Usage: tests/desktop/footprint.sh [binary, default target/release/switchboard]
set -euo pipefail
cd "$(dirname "$0")/../.."
app="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/switchboard}")"
here="$(pwd)/tests/desktop"
SWITCHBOARD_APP="$app" xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  bash "$here/session.sh" node "$here/footprint.mjs"
