#!/usr/bin/env bash
# Measures the app's start-up, idle memory and size (docs/benchmarks.md) in a virtual
# desktop session, beside a Tauri "hello world" built here with the same toolchain, Tauri
# and WebKit (src-tauri/examples/hello_world.rs). Build the app first:
#   cargo build --release -p switchboard
# Usage: tests/desktop/footprint.sh [binary, default target/release/switchboard]
# Knobs: STARTS (7), IDLE_SECONDS (60), COLLEAGUES (100), SMAPS_DIR (keep each process's
# smaps there).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
app="$(realpath "${1:-$target/release/switchboard}")"
cargo build --release --quiet -p switchboard --example hello_world --features hello-world
hello="$(realpath "$target/release/examples/hello_world")"
here="$(pwd)/tests/desktop"
SWITCHBOARD_APP="$app" HELLO_WORLD="$hello" xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  bash "$here/session.sh" node "$here/footprint.mjs"
