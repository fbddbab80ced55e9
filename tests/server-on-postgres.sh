#!/usr/bin/env bash
# Runs the server crate's whole test suite again on PostgreSQL, then as a cluster (two
# instances on PostgreSQL and a Redis bus, the two sides of each call on different
# instances): the same test binaries `cargo test --workspace` built (no rebuild), each
# test on a fresh database of a private PostgreSQL server (tests/with-postgres.sh) and a
# channel of its own on a private Redis (tests/with-redis.sh). The cluster pass also runs
# tests/cluster.rs: real server processes, one killed with -9, and nginx in front of two.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t binaries < <(
  cargo test --workspace --locked --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"] \
            and "/crates/server/" in m["target"]["src_path"]:
        print(m["executable"])'
)
if [ ${#binaries[@]} -lt 2 ]; then
  echo "server-on-postgres: found no server test binaries; run cargo test --workspace first" >&2
  exit 1
fi
cd crates/server
# Tests that need PostgreSQL (and Redis) are #[ignore]d in plain `cargo test`, so a
# missing database fails them here instead of passing them silently; the `cluster::` tests
# (tests/cluster.rs) need Redis too, so they run in the second pass only. `set -e`: a
# failing binary fails the pass, not only the last one.
run_all='set -e; for binary in "$@"; do
  skip=()
  case "$(basename "$binary")" in
    integration-*) [ -n "${SWITCHBOARD_TEST_REDIS_URL:-}" ] || skip=(--skip cluster::) ;;
  esac
  echo "-- $(basename "$binary")"; "$binary" --quiet --include-ignored "${skip[@]}"; done'
echo "-- on PostgreSQL, one instance"
bash ../../tests/with-postgres.sh bash -c "$run_all" _ "${binaries[@]}"
echo "-- on PostgreSQL and Redis, two instances"
bash ../../tests/with-redis.sh bash ../../tests/with-postgres.sh bash -c "$run_all" _ "${binaries[@]}"
