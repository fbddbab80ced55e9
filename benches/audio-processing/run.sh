#!/usr/bin/env bash
# Compares the voice processing candidates on the same speech through the same simulated
# room (src/main.rs): echo removed, double talk, noise, gain, CPU per 10 ms frame, and
# the size each adds to a release binary. Needs espeak-ng and sox (apt). Prints JSON lines.
set -euo pipefail
cd "$(dirname "$0")"
target="${CARGO_TARGET_DIR:-$PWD/target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

espeak-ng -v en-us -s 150 -g 12 -w "$work/far22.wav" "Hello Bob, this is Ann from the \
accounts team. I am calling about the renewal for ACME. They asked whether the discount \
still applies if they sign before the end of the month. I told them I would check with \
you first. Also, the invoice for last quarter went out twice, so please ignore the second \
one. Can you confirm the new contact person for the billing address? Thanks, and let me \
know when you have a minute to go over the numbers together."
espeak-ng -v en-gb+f3 -s 140 -g 30 -w "$work/near22.wav" "Hi Ann. Yes, the discount \
applies until the thirtieth. I will send you the new contact details after this call. The \
numbers look fine to me, but let us go over them tomorrow morning. Does ten o'clock work \
for you?"
sox "$work/far22.wav" -r 48000 -b 16 "$work/far.wav"
# The near end starts 10 s in, so the first seconds are echo alone.
sox "$work/near22.wav" -r 48000 -b 16 "$work/near.wav" pad 10 0

size() { stat -c %s "$target/release/audio-processing-comparison"; }
cargo build --release --quiet
baseline=$(size)
for candidate in sonora webrtc-apm; do
  if cargo build --release --quiet --features "$candidate" 2>"$work/$candidate.log"; then
    echo "{\"candidate\":\"$candidate\",\"binary_bytes_added\":$(( $(size) - baseline ))}"
    "$target/release/audio-processing-comparison" "$work/far.wav" "$work/near.wav"
  else
    echo "{\"candidate\":\"$candidate\",\"build\":\"failed\",\"why\":$( (grep -m1 -A1 'Directory does not\|Command failed' "$work/$candidate.log" || grep -m1 error "$work/$candidate.log") | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().strip()))')}"
  fi
done
