#!/usr/bin/env bash
# Runs inside `dbus-run-session` (see scripts/test): starts an unlocked gnome-keyring in
# an empty HOME, runs the keyring tests (token store, CLI sign-in), and checks that the
# token landed in the Secret Service and in no file.
set -euo pipefail
cd "$(dirname "$0")/.."
printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
export HOME="$(mktemp -d)"   # an empty home: any token written to a file would be in it
export RUSTUP_HOME="${RUSTUP_HOME:-$REAL_HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$REAL_HOME/.cargo}"
scripts/integration-tests client --ignored keyring::
scripts/integration-tests cli --ignored cli::
found=$(secret-tool lookup service switchboard-keyring-test username 'default@http://127.0.0.1:8000' || true)
if [ "$found" != "token-for-default" ]; then
  echo "keyring check: the token is not in the Secret Service (got '$found')" >&2
  exit 1
fi
if grep -rqs "token-for-default" "$HOME"; then
  echo "keyring check: the token was written to a file under HOME" >&2
  exit 1
fi
echo "keyring check: token stored in the Secret Service, in no file: ok"
