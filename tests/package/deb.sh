#!/usr/bin/env bash
# The .deb (and .rpm) as a Linux user meets them: built with tauri-cli from this tree,
# installed with apt, checked as a desktop expects (menu entry, icon, switchboard://
# links), started from its installed path in host mode under Xvfb, and removed, leaving
# nothing but the user's data.
# Usage: deb.sh [--debug]   (--debug packages the debug build the other tests use)
# Installing needs root; without it the packages are built and inspected only.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
profile=release
build_flags=()
if [ "${1:-}" = --debug ]; then
  profile=debug
  build_flags+=(--debug)
fi
target="${CARGO_TARGET_DIR:-$root/target}"
bundle="$target/$profile/bundle"

echo "== building the packages (cargo tauri build ${build_flags[*]} --bundles deb,rpm)"
rm -rf "$bundle/deb" "$bundle/rpm"
(cd src-tauri && cargo tauri build "${build_flags[@]}" --bundles deb,rpm --ci)
deb="$(ls "$bundle"/deb/*.deb)"
rpm="$(ls "$bundle"/rpm/*.rpm)"
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1)), $(basename "$rpm") ($(du -h "$rpm" | cut -f1))"

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

echo "== what the .deb holds"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
contents="$(dpkg-deb --contents "$deb")"
for path in usr/bin/switchboard usr/share/applications/Switchboard.desktop \
  usr/share/icons/hicolor/128x128/apps/switchboard.png; do
  grep -Eq " (\./)?$path\$" <<<"$contents" || fail "the .deb has no /$path"
done
depends="$(dpkg-deb --field "$deb" Depends)"
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libasound2 libvpx7 libayatana-appindicator3-1; do
  grep -q "$dep" <<<"$depends" || fail "the .deb does not depend on $dep ($depends)"
done

echo "== what the .rpm holds"
rpm -qp --queryformat '%{NAME} %{VERSION} %{ARCH}\n' "$rpm"
# Whole outputs first: `rpm … | grep -q` fails under pipefail when grep stops reading.
rpm_files="$(rpm -qpl "$rpm")"
rpm_requires="$(rpm -qp --requires "$rpm")"
grep -qx /usr/bin/switchboard <<<"$rpm_files" || fail "the .rpm has no /usr/bin/switchboard"
grep -qx /usr/share/applications/Switchboard.desktop <<<"$rpm_files" || fail "the .rpm has no desktop entry"
grep -q webkit2gtk4.1 <<<"$rpm_requires" || fail "the .rpm does not require webkit2gtk4.1"

if [ "$(id -u)" != 0 ]; then
  echo "== not root: installing with apt skipped (run as root to install, start and remove the package)"
  exit 0
fi

if dpkg -s switchboard >/dev/null 2>&1; then
  fail "switchboard is already installed on this machine; remove it first (apt-get remove switchboard)"
fi
work="$(mktemp -d)"
app_pid=""
# Stops the installed app, its Xvfb and its D-Bus session: the whole process group.
stop_app() {
  if [ -n "$app_pid" ]; then
    kill -- -"$app_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 -- -"$app_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- -"$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
    app_pid=""
  fi
}
cleanup() {
  stop_app
  wait 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq switchboard >/dev/null 2>&1 || true
  # WebKit's session may have started the document portal, which mounts a FUSE file
  # system in the temporary home.
  fusermount -u "$work/home/.cache/doc" 2>/dev/null || umount -l "$work/home/.cache/doc" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

echo "== apt-get install ./$(basename "$deb")"
cp "$deb" "$work/"
(cd "$work" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$(basename "$deb")" >/dev/null)
grep -q '^Status: install ok installed' <<<"$(dpkg -s switchboard)" || fail "apt did not install switchboard"
dpkg -L switchboard >"$work/files"
echo "installed $(wc -l <"$work/files") paths"

echo "== the desktop entry, the icon and switchboard:// links"
entry=/usr/share/applications/Switchboard.desktop
desktop-file-validate "$entry" || fail "desktop-file-validate refused $entry"
grep -q '^Exec=switchboard %u$' "$entry" || fail "the entry does not pass links to the app: $(grep ^Exec "$entry")"
grep -q 'x-scheme-handler/switchboard' "$entry" || fail "the entry does not claim switchboard:// links"
for size in 32x32 128x128; do
  [ -s "/usr/share/icons/hicolor/$size/apps/switchboard.png" ] || fail "no $size icon installed"
done
handler="$(HOME="$work/home" XDG_DATA_DIRS=/usr/share xdg-mime query default x-scheme-handler/switchboard)"
echo "xdg-mime: switchboard:// opens with $handler"
[ "$handler" = Switchboard.desktop ] || fail "xdg-mime names '$handler' for switchboard:// links, not Switchboard.desktop"

echo "== the installed app starts in host mode (Xvfb) and answers /api/health over HTTPS"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
data="$work/user-data"
mkdir -p "$work/home"
shots="${SCREENSHOT_DIR:-$root/tests/package/screenshots}"
mkdir -p "$shots"
rm -f "$shots/installed-app.png"
# The app, and a picture of the virtual screen once its window has loaded.
# Its own process group (setsid), so that stopping it stops Xvfb and the app too.
HOME="$work/home" LOG="$work/app.log" SHOT="$shots/installed-app.png" \
  setsid xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
    /usr/bin/switchboard "$@" & app=$!
    for _ in $(seq 150); do grep -q "window loaded" "$LOG" && break; sleep 0.2; done
    sleep 4   # the first screen, after the saved state is read
    import -window root "$SHOT" || true
    wait "$app"' _ --embedded --listen "127.0.0.1:$port" --data-dir "$data" \
  >"$work/app.log" 2>&1 &
app_pid=$!
health=""
for _ in $(seq 300); do
  health="$(curl -sk --max-time 2 "https://127.0.0.1:$port/api/health/" || true)"
  [ -n "$health" ] && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; fail "the installed app exited"; }
  sleep 0.2
done
echo "health: $health"
grep -q '"status":"healthy"' <<<"$health" || { tail -30 "$work/app.log" >&2; fail "no healthy answer from the installed app"; }
grep -q 'window loaded' "$work/app.log" || sleep 3
grep -q 'window loaded' "$work/app.log" || { tail -30 "$work/app.log" >&2; fail "the installed app's window did not load"; }
ls "$data"/logs/switchboard.*.log >/dev/null 2>&1 || fail "the app wrote no log file in $data/logs"
for _ in $(seq 50); do [ -s "$shots/installed-app.png" ] && break; sleep 0.2; done
[ -s "$shots/installed-app.png" ] && echo "screenshot: $shots/installed-app.png"
stop_app

pgrep -f "^/usr/bin/switchboard --embedded --listen 127.0.0.1:$port" >/dev/null && fail "the installed app still runs after it was stopped"
echo "== apt-get remove switchboard"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq switchboard >/dev/null
grep -q '^Status: install ok installed' <<<"$(dpkg -s switchboard 2>/dev/null || true)" && fail "still installed after apt-get remove"
left=()
while read -r path; do
  [ -f "$path" ] || [ -L "$path" ] && left+=("$path")
done <"$work/files"
[ ${#left[@]} -eq 0 ] || fail "apt-get remove left files behind: ${left[*]}"
[ -s "$data/settings.json" ] || [ -d "$data/server" ] || fail "the user's data went with the package"
echo "removed: no file of the package is left; the user's data ($data) is untouched"
echo "== the package installs, starts, links and removes cleanly"
