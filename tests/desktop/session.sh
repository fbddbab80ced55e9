#!/usr/bin/env bash
# A desktop session for the real app, inside `xvfb-run` + `dbus-run-session`: an unlocked
# Secret Service (gnome-keyring), a notification server (dbusmock's, which logs every
# Notify call to $NOTIFY_LOG), a PulseAudio server (speakers: a null sink; microphone: the
# monitor of a second null sink that plays a 550 Hz tone, apart from the hold beep's
# 660 Hz), a stand-in browser (xdg-open logging to $OPENED_LOG) and tauri-driver on
# $WEBDRIVER_PORT. Then runs "$@" in it.
# HOME is a temp dir, so nothing touches the user's keyring, settings or sound.
set -euo pipefail
work="$(mktemp -d)"
export REAL_HOME="$HOME" HOME="$work/home" XDG_RUNTIME_DIR="$work/run"
export RUSTUP_HOME="${RUSTUP_HOME:-$REAL_HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$REAL_HOME/.cargo}"
export PATH="$PATH:$CARGO_HOME/bin"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # E2E_KEEP_LOG=FILE keeps tauri-driver's and the apps' whole log for a look afterwards.
  if [ -n "${E2E_KEEP_LOG:-}" ]; then cp "$work/tauri-driver.log" "$E2E_KEEP_LOG" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

printf 'e2e-keyring-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null

# Notifications, with actions so the app offers Accept/Reject.
export NOTIFY_LOG="$work/notify.log"
/usr/bin/python3 -m dbusmock --session -t notification_daemon -p '{"capabilities": "body actions"}' -l "$NOTIFY_LOG" &
pids+=($!)

export PULSE_RUNTIME_PATH="$XDG_RUNTIME_DIR/pulse"
pulseaudio --daemonize=no --exit-idle-time=-1 -n \
  --load=module-native-protocol-unix \
  --load="module-null-sink sink_name=spk" \
  --load="module-null-sink sink_name=mic" \
  --log-target=file:"$work/pulse.log" &
pids+=($!)
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl set-default-sink spk
pactl set-default-source mic.monitor
/usr/bin/python3 - "$work/tone.wav" <<'PY'
import math, struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
    w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 550 * n / 48000))) for n in range(48000 * 10)))
PY
(while paplay --device=mic "$work/tone.wav"; do :; done) &
pids+=($!)
for _ in $(seq 50); do
  gdbus introspect --session -d org.freedesktop.Notifications -o /org/freedesktop/Notifications >/dev/null 2>&1 && break
  sleep 0.1
done

# The user's browser and file manager: xdg-open, as the app calls it, logs what it was
# asked to open to $OPENED_LOG instead (a video room's address, the log folder).
export OPENED_LOG="$work/opened.log"
mkdir -p "$work/bin"
cat >"$work/bin/xdg-open" <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$OPENED_LOG"
SH
chmod +x "$work/bin/xdg-open"
export PATH="$work/bin:$PATH"

export WEBDRIVER_PORT="${WEBDRIVER_PORT:-4444}" DRIVER_LOG="$work/tauri-driver.log" E2E_WORK="$work"
tauri-driver --port "$WEBDRIVER_PORT" --native-port "$((WEBDRIVER_PORT + 1))" >"$DRIVER_LOG" 2>&1 &
pids+=($!)

"$@"
