#!/usr/bin/env bash
# Switchboard side by side with its peers (docs/benchmarks.md, "Side by side with the
# peers"). Drives the shared peers harness (`bench-peers` in the directory beside this
# repository, or BENCH_PEERS) with switchboard-server as its `ext` peer: one fresh server
# per run, pinned to SERVER_CPU like every peer, the harness's loadgen on LOADGEN_CPU.
#
#   cargo build --release -p switchboard-server
#   bash tests/peers-bench.sh setup              # harness copy, venv, peerjs, loadgen, test data
#   bash tests/peers-bench.sh matrix [PEER…]     # relay + invite at SIZES sockets
#   bash tests/peers-bench.sh sweep  [PEER…]     # relay at RATES relays/s, SWEEP_SOCKETS sockets
#   bash tests/peers-bench.sh report             # tables + the rate-sweep plot from OUT
#
# PEER: switchboard (--presence-push subscribers), switchboard-everyone (the default push),
# p1, p2, p3 (default: switchboard p1 p2 p3 for matrix, switchboard p2 p3 for sweep).
# Knobs: SIZES (1000 5000 10000), RATES (1000 5000 10000 15000 20000 40000), SWEEP_SOCKETS
# (10000), SERVER_CPU (0), LOADGEN_CPU (1), OUT and SWEEP_OUT (JSON lines), BENCH_CACHE.
#
# The harness is used as it is, from a scratch copy with one patch applied
# (tests/peers/harness-disjoint-invites.patch): its invite mode chains invite k from user
# k+1 to user k, so every user is in two ringing calls at once, which SPEC §3 refuses
# (409, busy). `--disjoint-invites` sends invite k from user 2k+1 to user 2k instead, for
# every peer alike. The patch is skipped once the harness has the flag. A second patch
# (tests/peers/harness-cpu-per-phase.patch) adds each phase's server CPU time to the
# harness's lines (the samples just outside the phase, every SAMPLE_INTERVAL_S, 0.1 s
# here), for the cost per connect, relayed message and invite in `report`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS_SRC="${BENCH_PEERS:-$ROOT/../shared/bench-peers}"
export BENCH_CACHE="${BENCH_CACHE:-/tmp/bench-peers-cache}"
HARNESS="$BENCH_CACHE/harness"
SERVER_BIN="${SERVER_BIN:-$ROOT/target/release/switchboard-server}"
DATA="$BENCH_CACHE/switchboard-data"
TOKENS="$BENCH_CACHE/switchboard-tokens.tsv"
PASSWORD="load-pass-123"
PORT="${SWITCHBOARD_PORT:-8080}"
export OUT="${OUT:-$BENCH_CACHE/results-side-by-side.jsonl}"
SWEEP_OUT="${SWEEP_OUT:-$BENCH_CACHE/results-rate-sweep.jsonl}"
export SERVER_CPU="${SERVER_CPU:-0}" LOADGEN_CPU="${LOADGEN_CPU:-1}"
# The harness samples the servers' CPU this often; short phases (1,000 connects take
# 0.2 s) need it finer than its default 0.5 s.
export SAMPLE_INTERVAL_S="${SAMPLE_INTERVAL_S:-0.1}"
SIZES="${SIZES:-1000 5000 10000}"
RATES="${RATES:-1000 5000 10000 15000 20000 40000}"
SWEEP_SOCKETS="${SWEEP_SOCKETS:-10000}"
# The most sockets any run opens: the loadgen puts socket 2p, 2p+1 in meeting p+1.
MAX_USERS=$(printf '%s\n' $SIZES "$SWEEP_SOCKETS" | sort -n | tail -1)

log() { echo "[$(date +%T)] $*" >&2; }

setup() {
  [ -d "$HARNESS_SRC" ] || { log "no harness at $HARNESS_SRC (set BENCH_PEERS)"; exit 1; }
  [ -x "$SERVER_BIN" ] || { log "build it first: cargo build --release -p switchboard-server"; exit 1; }
  rm -rf "$HARNESS" && mkdir -p "$BENCH_CACHE" && cp -r "$HARNESS_SRC" "$HARNESS" && chmod -R u+w "$HARNESS"
  rm -rf "$HARNESS/loadgen/target"
  if ! grep -q disjoint_invites "$HARNESS/loadgen/src/main.rs"; then
    (cd "$HARNESS" && patch -s -p1 <"$ROOT/tests/peers/harness-disjoint-invites.patch")
  fi
  if ! grep -q cpu_ms_connect "$HARNESS/tools/merge.py"; then
    (cd "$HARNESS" && patch -s -p1 <"$ROOT/tests/peers/harness-cpu-per-phase.patch")
  fi
  "$HARNESS/run.sh" setup
  "$BENCH_CACHE/venv/bin/pip" install -q matplotlib
  if [ ! -f "$DATA/.seeded-$MAX_USERS" ]; then
    rm -rf "$DATA" "$TOKENS" && mkdir -p "$DATA"
    "$SERVER_BIN" user create-test-users --count "$MAX_USERS" --prefix load --password "$PASSWORD" --data-dir "$DATA"
    "$SERVER_BIN" meeting create-test-meetings --count $((MAX_USERS / 2)) --prefix load --data-dir "$DATA"
    touch "$DATA/.seeded-$MAX_USERS"
  fi
}

SERVER_PID=""
PRESENCE_PUSH=subscribers
start_switchboard() {
  # Quiet like the peers (no access log); the server pinned to the same core they get.
  RUST_LOG=warn setsid taskset -c "$SERVER_CPU" "$SERVER_BIN" serve --listen "127.0.0.1:$PORT" \
    --data-dir "$DATA" --presence-push "$PRESENCE_PUSH" --call-burst 0 >"$BENCH_CACHE/switchboard.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$PORT/api/health/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "switchboard-server did not start:"; tail -20 "$BENCH_CACHE/switchboard.log" >&2; return 1
}
stop_switchboard() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_switchboard EXIT

# harness_ext LABEL CMD: one harness run against a freshly started Switchboard; its lines
# go to OUT with `peer` set to LABEL (the harness calls every external server `ext`).
harness_ext() {
  local label="$1" part="$BENCH_CACHE/ext-part.jsonl"; shift
  rm -f "$part"
  start_switchboard
  OUT="$part" EXT_URL="http://127.0.0.1:$PORT" EXT_PID="$SERVER_PID" \
    LOGIN_ARGS="--login-prefix load --password $PASSWORD --token-cache $TOKENS --login-concurrency 4" \
    "$@" || log "harness run failed: $*"
  stop_switchboard
  if [ -f "$part" ]; then jq -c --arg peer "$label" '.peer = $peer' "$part" >>"$OUT"; fi
}

# The first login of each test user costs an argon2 verification; do them once, before
# anything is measured, so every measured run reuses the cached tokens.
warm_tokens() {
  [ -s "$TOKENS" ] && [ "$(wc -l <"$TOKENS")" -ge "$MAX_USERS" ] && return 0
  log "logging in $MAX_USERS test users once (cached in $TOKENS)"
  start_switchboard
  taskset -c "$LOADGEN_CPU" "$BENCH_CACHE/target/release/loadgen" relay --url "http://127.0.0.1:$PORT" \
    --sockets "$MAX_USERS" --pairs 0 --login-prefix load --password "$PASSWORD" \
    --token-cache "$TOKENS" --login-concurrency 4 --label warmup >/dev/null
  stop_switchboard
}

matrix() {
  warm_tokens
  local peer n
  for peer in "$@"; do
    case "$peer" in
      switchboard | switchboard-everyone)
        # The seeds' clients never read presence_update, so a deployment serving them runs
        # --presence-push subscribers; `switchboard-everyone` measures the SPEC default.
        PRESENCE_PUSH=subscribers
        [ "$peer" = switchboard-everyone ] && PRESENCE_PUSH=everyone
        for n in $SIZES; do
          harness_ext "$peer" env SIZES="$n" EXT_INVITE=1 INVITE_ARGS=--disjoint-invites "$HARNESS/run.sh" matrix ext
        done ;;
      p2) INVITE_ARGS=--disjoint-invites SIZES="$SIZES" "$HARNESS/run.sh" matrix p2 ;;
      *) SIZES="$SIZES" "$HARNESS/run.sh" matrix "$peer" ;;
    esac
  done
}

# relays/s = pairs × 2 messages / interval: the interval stays 200 ms (5 messages a second
# per caller, as in the matrix) and the pairs grow.
sweep() {
  warm_tokens
  export OUT="$SWEEP_OUT"
  local peer rate pairs
  for rate in $RATES; do
    pairs=$((rate / 10))
    for peer in "$@"; do
      if [ "$peer" = switchboard ]; then
        harness_ext switchboard env SIZES="$SWEEP_SOCKETS" PAIRS="$pairs" INTERVAL_MS=200 "$HARNESS/run.sh" matrix ext
      else
        SIZES="$SWEEP_SOCKETS" PAIRS="$pairs" INTERVAL_MS=200 "$HARNESS/run.sh" matrix "$peer"
      fi
    done
  done
}

cmd="${1:-}"; shift || true
case "$cmd" in
  setup) setup ;;
  matrix) matrix ${@:-switchboard p1 p2 p3} ;;
  sweep) sweep ${@:-switchboard p2 p3} ;;
  report) "$BENCH_CACHE/venv/bin/python" "$ROOT/tests/peers/report.py" "$OUT" "$SWEEP_OUT" "$ROOT/docs/rate-sweep.png" "$ROOT/docs/cost-per-op.png" ;;
  *) sed -n '2,25p' "$0"; exit 2 ;;
esac
