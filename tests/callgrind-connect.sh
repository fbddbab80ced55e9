#!/usr/bin/env bash
# Instructions the server spends per notification-socket connect, under callgrind
# (docs/benchmarks.md, "Cost per connect"). Two runs of switchboard-bench against the
# server under valgrind, one with FEW sockets and one with MANY, the same invites in
# both: the difference in the server's instructions divided by the extra sockets is what
# one connect costs (start-up, the invites and the shutdown cancel out). The kernel's TCP
# work is not counted: callgrind sees user space only.
#
#   cargo build --release -p switchboard-server -p switchboard-bench
#   bash tests/callgrind-connect.sh
#
# Knobs: FEW (200), MANY (2200), INVITES (10), OUT (a temporary directory: the
# callgrind.out files, for callgrind_annotate). Prints one JSON line on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
bench="${BENCH_BIN:-target/release/switchboard-bench}"
server="${SERVER_BIN:-target/release/switchboard-server}"
for bin in "$bench" "$server"; do
  [ -x "$bin" ] || { echo "build it first: cargo build --release -p switchboard-server -p switchboard-bench" >&2; exit 1; }
done
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 1; }
FEW="${FEW:-200}" MANY="${MANY:-2200}" INVITES="${INVITES:-10}"
[ "$MANY" -gt "$FEW" ] || { echo "MANY ($MANY) must be above FEW ($FEW)" >&2; exit 1; }
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
server_abs="$(realpath "$server")"

# The bench starts whatever --server-bin names with the server's arguments.
wrapper="$OUT/server-under-callgrind"
cat > "$wrapper" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file="\$CALLGRIND_OUT" "$server_abs" "\$@"
EOF
chmod +x "$wrapper"

# Total instructions (Ir) of one run of the bench with $1 sockets.
instructions() {
  local sockets="$1" out="$OUT/callgrind.out.$1"
  rm -f "$out"
  CALLGRIND_OUT="$out" "$bench" --server-bin "$wrapper" --sockets "$sockets" \
    --invites "$INVITES" --rate 20 --connect-concurrency 64 \
    --start-timeout-s 120 --stop-grace-s 120 --port "${PORT:-18900}" > "$OUT/bench.$sockets.json"
  [ -s "$out" ] || { echo "no callgrind output for $sockets sockets (did the server exit?)" >&2; exit 1; }
  sed -n 's/^summary: \([0-9]*\).*/\1/p' "$out" | head -n1
}

echo "== $FEW sockets under callgrind" >&2
few_ir="$(instructions "$FEW")"
echo "== $MANY sockets under callgrind" >&2
many_ir="$(instructions "$MANY")"
per_connect=$(( (many_ir - few_ir) / (MANY - FEW) ))
printf '{"kind":"callgrind_connect","few":%s,"many":%s,"few_ir":%s,"many_ir":%s,"ir_per_connect":%s,"out":"%s"}\n' \
  "$FEW" "$MANY" "$few_ir" "$many_ir" "$per_connect" "$OUT"
echo "per connect: $per_connect instructions; annotate with: callgrind_annotate $OUT/callgrind.out.$MANY" >&2
