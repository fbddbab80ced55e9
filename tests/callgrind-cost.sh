#!/usr/bin/env bash
# Instructions the server spends per operation, under callgrind (docs/benchmarks.md,
# "Instructions per operation"). Two runs of switchboard-bench against the server under
# valgrind that differ only in how many of the operation they do: the difference in the
# server's instructions divided by the extra operations is what one costs (start-up, the
# rest of the run and the shutdown cancel out; for connects both runs hold the same accounts,
# since start-up reads them all). The kernel's TCP work is not counted:
# callgrind sees user space only.
#
#   cargo build --release -p switchboard-server -p switchboard-bench
#   bash tests/callgrind-cost.sh connect    # a notification socket's connect (and close)
#   bash tests/callgrind-cost.sh invite     # an invite and its cancel, with SOCKETS open
#
# Knobs: FEW and MANY (connect: sockets, 200 and 2200; invite: invites, 20 and 420),
# INVITES (connect: 10), SOCKETS (invite: 200), OUT (a temporary directory: the
# callgrind.out files, for callgrind_annotate), PORT. Prints one JSON line on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-connect}"
case "$what" in
  connect) FEW="${FEW:-200}" MANY="${MANY:-2200}" rate=20 ;;
  invite) FEW="${FEW:-20}" MANY="${MANY:-420}" rate=50 ;;
  *) echo "usage: $0 connect|invite" >&2; exit 2 ;;
esac
bench="${BENCH_BIN:-target/release/switchboard-bench}"
server="${SERVER_BIN:-target/release/switchboard-server}"
for bin in "$bench" "$server"; do
  [ -x "$bin" ] || { echo "build it first: cargo build --release -p switchboard-server -p switchboard-bench" >&2; exit 1; }
done
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 1; }
[ "$MANY" -gt "$FEW" ] || { echo "MANY ($MANY) must be above FEW ($FEW)" >&2; exit 1; }
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
server_abs="$(realpath "$server")"

# The bench starts whatever --server-bin names with the server's arguments.
wrapper="$OUT/server-under-callgrind"
cat > "$wrapper" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file="\$CALLGRIND_OUT" "$server_abs" "\$@"
WRAP
chmod +x "$wrapper"

# Total instructions (Ir) of one run of the bench doing $1 of the operation.
instructions() {
  local n="$1" out="$OUT/callgrind.out.$1" sockets invites users
  if [ "$what" = connect ]; then sockets="$n" invites="${INVITES:-10}" users="$MANY"; else sockets="${SOCKETS:-200}" invites="$n" users="$sockets"; fi
  rm -f "$out"
  # Both runs hold the same accounts (the larger count): start-up reads every account,
  # and that work is not a connect's.
  CALLGRIND_OUT="$out" "$bench" --server-bin "$wrapper" --sockets "$sockets" --users "$users" \
    --invites "$invites" --rate "$rate" --connect-concurrency 64 \
    --start-timeout-s 120 --stop-grace-s 120 --port "${PORT:-18900}" > "$OUT/bench.$n.json"
  [ -s "$out" ] || { echo "no callgrind output for $n (did the server exit?)" >&2; exit 1; }
  sed -n 's/^summary: \([0-9]*\).*/\1/p' "$out" | head -n1
}

echo "== $FEW under callgrind ($what)" >&2
few_ir="$(instructions "$FEW")"
echo "== $MANY under callgrind ($what)" >&2
many_ir="$(instructions "$MANY")"
per_op=$(( (many_ir - few_ir) / (MANY - FEW) ))
printf '{"kind":"callgrind_%s","few":%s,"many":%s,"few_ir":%s,"many_ir":%s,"ir_per_op":%s,"out":"%s"}\n' \
  "$what" "$FEW" "$MANY" "$few_ir" "$many_ir" "$per_op" "$OUT"
echo "per $what: $per_op instructions; annotate with: callgrind_annotate $OUT/callgrind.out.$MANY" >&2
