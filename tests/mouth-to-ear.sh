#!/usr/bin/env bash
# Mouth-to-ear latency and CPU per call, Switchboard against Chromium (tests/browser/
# mouth-to-ear.mjs says how). This starts the sound server it needs in a temp runtime dir:
#   probe       a stereo null sink; recording its monitor puts mouth (left) and ear
#               (right) on one clock
#   mouth, ear  probe's left and right channel as sinks of their own
#   mic         probe's left channel as a source: the caller's microphone
#   quiet       a null sink; its monitor (silence) is the callee's microphone
#   caller_spk  a null sink: the caller's speakers
# Knobs: ROUNDS, BURSTS, PAIRS, OUT, SERVER_BIN, CLI_BIN, BASELINE_CLI_BIN, BASELINE_ENV
# (see the .mjs). Builds the release binaries first unless SERVER_BIN/CLI_BIN are given.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${SERVER_BIN:-}${CLI_BIN:-}" ]]; then
  cargo build --release --locked -p switchboard-cli
  cargo build --release --locked -p switchboard-server
fi
(cd tests/browser && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; })
runtime="$(mktemp -d)"
# The sound server's socket at $XDG_RUNTIME_DIR/pulse/native, where every client looks.
export XDG_RUNTIME_DIR="$runtime"
# Everything at 48 kHz, the rate both peers use, so the sound server resamples nothing.
echo "default-sample-rate = 48000" > "$runtime/daemon.conf"
PULSE_CONFIG="$runtime/daemon.conf" pulseaudio --daemonize=no --exit-idle-time=-1 -n \
  --load=module-native-protocol-unix \
  --load="module-null-sink sink_name=probe channels=2 rate=48000" \
  --load="module-null-sink sink_name=quiet rate=48000" \
  --load="module-null-sink sink_name=caller_spk rate=48000" \
  --log-target=file:"$runtime/pulse.log" &
pulse=$!
# The browsers' helpers may still be writing their runtime files as the script ends.
trap 'kill $pulse 2>/dev/null || true; wait $pulse 2>/dev/null || true; rm -rf "$runtime" 2>/dev/null || true' EXIT
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl load-module module-remap-sink sink_name=mouth master=probe channels=1 \
  channel_map=mono master_channel_map=front-left remix=no >/dev/null
pactl load-module module-remap-sink sink_name=ear master=probe channels=1 \
  channel_map=mono master_channel_map=front-right remix=no >/dev/null
pactl load-module module-remap-source source_name=mic master=probe.monitor channels=1 \
  channel_map=mono master_channel_map=front-left remix=no >/dev/null
pactl info | grep -i "default sample"
SOUND_SERVER_PID=$pulse node tests/browser/mouth-to-ear.mjs
