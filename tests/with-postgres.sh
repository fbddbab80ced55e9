#!/usr/bin/env bash
# Runs "$@" with a private PostgreSQL server: a fresh cluster in a temp directory, on a
# free loopback port, trust auth, stopped and deleted afterwards. The command sees its
# URL in SWITCHBOARD_TEST_DATABASE_URL (the server tests then create one database each).
# It serves TLS too, as a production database does, with a certificate for 127.0.0.1
# signed by an authority of this run, whose PEM is in SWITCHBOARD_TEST_DATABASE_CA.
# Tests run it with fsync off; PG_OPTIONS adds server options (later ones win), e.g.
# "-c fsync=on -c synchronous_commit=off" for benchmarks: as durable as SQLite's WAL with
# synchronous=NORMAL (a crash of the database loses nothing; of the OS, the last commits).
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_db() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: run it as the package's `postgres` user.
  chown postgres: "$dir"
  as_db() { runuser -u postgres -- "$@"; }
fi
cleanup() {
  as_db "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_db "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync >/dev/null
tls="$dir/tls"
mkdir "$tls"
ec() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "$@" 2>/dev/null; }
ec -x509 -days 2 -subj "/CN=Switchboard test database authority" -keyout "$tls/ca.key" -out "$tls/ca.pem"
ec -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
  -days 2 -extfile <(printf 'subjectAltName=IP:127.0.0.1') -out "$tls/server.pem" 2>/dev/null
chmod 600 "$tls/server.key"
[ "$(id -u)" = 0 ] && chown -R postgres: "$tls"
as_db "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300 -c ssl=on -c ssl_cert_file=$tls/server.pem -c ssl_key_file=$tls/server.key ${PG_OPTIONS:-}" start >/dev/null
export SWITCHBOARD_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
export SWITCHBOARD_TEST_DATABASE_CA="$tls/ca.pem"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
