#!/usr/bin/env bash
# Runs "$@" with a private Redis server on a free loopback port (no persistence), stopped
# afterwards. The command sees its URL in SWITCHBOARD_TEST_REDIS_URL.
set -euo pipefail
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
  --daemonize no --logfile "$dir/redis.log" &
redis=$!
trap 'kill $redis 2>/dev/null || true; wait $redis 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export SWITCHBOARD_TEST_REDIS_URL="redis://127.0.0.1:$port"
echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port"
"$@"
