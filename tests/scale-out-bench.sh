#!/usr/bin/env bash
# The scale-out benchmark (docs/benchmarks.md): switchboard-bench against one instance on
# SQLite, one on PostgreSQL + Redis, and two on PostgreSQL + Redis behind nginx, in one
# run. Everything server-side (the instances, PostgreSQL, Redis, nginx) is pinned to
# SERVER_CPU, the bench to BENCH_CPU. One JSON line per configuration on stdout.
#
#   cargo build --release -p switchboard-server -p switchboard-bench
#   bash tests/scale-out-bench.sh > scale-out.jsonl
#
# Knobs: SOCKETS (10000), INVITES (500), RATE (50/s), PAIRS (20 lifecycle pairs),
# LIFECYCLE_S (10), SERVER_CPU (0), BENCH_CPU (1), CONFIGS ("sqlite pg 2x").
set -euo pipefail
cd "$(dirname "$0")/.."
bench="${BENCH_BIN:-target/release/switchboard-bench}"
[ -x "$bench" ] || { echo "build it first: cargo build --release -p switchboard-server -p switchboard-bench" >&2; exit 1; }
SOCKETS="${SOCKETS:-10000}" INVITES="${INVITES:-500}" RATE="${RATE:-50}"
PAIRS="${PAIRS:-20}" LIFECYCLE_S="${LIFECYCLE_S:-10}"
SERVER_CPU="${SERVER_CPU:-0}" BENCH_CPU="${BENCH_CPU:-1}"
common=(--sockets "$SOCKETS" --invites "$INVITES" --rate "$RATE" --lifecycle-pairs "$PAIRS"
  --lifecycle-s "$LIFECYCLE_S" --server-cpu "$SERVER_CPU")
# As durable as the SQLite store (WAL, synchronous=NORMAL).
export PG_OPTIONS="-c fsync=on -c synchronous_commit=off -c max_connections=300"
for config in ${CONFIGS:-sqlite pg 2x}; do
  echo "== $config" >&2
  case "$config" in
    sqlite) taskset -c "$BENCH_CPU" "$bench" "${common[@]}" ;;
    pg | 2x)
      instances=1; [ "$config" = 2x ] && instances=2
      # PostgreSQL and Redis inherit the server cores; the bench moves to its own.
      taskset -c "$SERVER_CPU" bash tests/with-redis.sh bash tests/with-postgres.sh \
        bash -c 'exec taskset -c "$0" "$1" "${@:2}" --database "$SWITCHBOARD_TEST_DATABASE_URL" --redis "$SWITCHBOARD_TEST_REDIS_URL"' \
        "$BENCH_CPU" "$bench" "${common[@]}" --instances "$instances" | grep '^{' ;;
    *) echo "unknown configuration $config (sqlite, pg, 2x)" >&2; exit 1 ;;
  esac
done
