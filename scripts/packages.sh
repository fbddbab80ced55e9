# Installs the Debian packages Switchboard needs that are missing (as root), or says
# which to install. `install_missing app` for building and running the desktop app;
# `install_missing package` adds tauri-cli, which builds the .deb and .rpm;
# `install_missing test` adds both and what the tests start (coturn, PulseAudio, ...).
install_missing() {
  local need=()
  command -v cc >/dev/null 2>&1 || need+=(build-essential)
  command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
  command -v cmake >/dev/null 2>&1 || need+=(cmake)   # libopus is built from source
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)   # the UI's TypeScript build
  [ -e /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
  # Sound devices (cpal over ALSA).
  [ -e /usr/include/alsa/asoundlib.h ] || need+=(libasound2-dev)
  # Video: VP8 from libvpx, its Rust bindings generated from the headers (bindgen: libclang).
  pkg-config --exists vpx 2>/dev/null || need+=(libvpx-dev)
  ls /usr/lib/llvm-*/lib/clang/*/include/stddef.h >/dev/null 2>&1 || need+=(libclang-dev)
  # Tauri 2 on Linux: WebKitGTK 4.1, GTK 3, the tray's appindicator, SVG icons, libsoup 3.
  pkg-config --exists webkit2gtk-4.1 2>/dev/null || need+=(libwebkit2gtk-4.1-dev)
  pkg-config --exists gtk+-3.0 2>/dev/null || need+=(libgtk-3-dev)
  pkg-config --exists ayatana-appindicator3-0.1 2>/dev/null || need+=(libayatana-appindicator3-dev)
  pkg-config --exists librsvg-2.0 2>/dev/null || need+=(librsvg2-dev)
  pkg-config --exists libsoup-3.0 2>/dev/null || need+=(libsoup-3.0-dev)
  command -v update-desktop-database >/dev/null 2>&1 || need+=(desktop-file-utils)   # switchboard:// links
  if [ "${1:-app}" = test ]; then
    # The token store's tests need a real Secret Service on a private session bus.
    command -v dbus-run-session >/dev/null 2>&1 || need+=(dbus-daemon dbus-bin)
    command -v gnome-keyring-daemon >/dev/null 2>&1 || need+=(gnome-keyring)
    command -v secret-tool >/dev/null 2>&1 || need+=(libsecret-tools)
    command -v turnserver >/dev/null 2>&1 || need+=(coturn)   # relay-only and lossy-link calls
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)   # the server suite on PostgreSQL
    command -v openssl >/dev/null 2>&1 || need+=(openssl)   # ... over TLS (the test database's certificates)
    command -v redis-server >/dev/null 2>&1 || need+=(redis-server)   # ... and as two instances on a Redis bus
    [ -x /usr/sbin/nginx ] || need+=(nginx)   # ... behind a reverse proxy
    # A teammate on another address: a network namespace, curl and Python inside it.
    command -v ip >/dev/null 2>&1 || need+=(iproute2)
    command -v curl >/dev/null 2>&1 || need+=(curl)
    command -v python3 >/dev/null 2>&1 || need+=(python3)
    # A PulseAudio server with null sinks for the sound-device tests.
    command -v pulseaudio >/dev/null 2>&1 || need+=(pulseaudio)
    command -v parecord >/dev/null 2>&1 || need+=(pulseaudio-utils)
    ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1 || need+=(libasound2-plugins)
    command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)   # real speech for the voice processing tests
    command -v chromium >/dev/null 2>&1 || need+=(chromium)   # Debian's build; nothing is downloaded
    # The desktop app end to end and screen sharing: WebKit's WebDriver, a virtual X display, a mock
    # notification server, and gdbus to wait for it.
    command -v WebKitWebDriver >/dev/null 2>&1 || need+=(webkit2gtk-driver)
    command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)
    [ -d /usr/lib/python3/dist-packages/dbusmock ] || need+=(python3-dbusmock)
    command -v gdbus >/dev/null 2>&1 || need+=(libglib2.0-bin)
    # ... keys and idle time from outside the app (global shortcuts, auto-away), and a
    # window of another application to type in (xlogo).
    command -v xdotool >/dev/null 2>&1 || need+=(xdotool)
    command -v xlogo >/dev/null 2>&1 || need+=(x11-apps)
    [ -x /usr/bin/import ] || need+=(imagemagick)   # a screenshot of the callbox window
    [ -d /usr/lib/python3/dist-packages/Xlib ] || need+=(python3-xlib)   # another app holding a shortcut
    # The packages: the .rpm is inspected with rpm, the .deb's menu entry checked.
    command -v rpm >/dev/null 2>&1 || need+=(rpm)
    command -v xdg-mime >/dev/null 2>&1 || need+=(xdg-utils)
  fi
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "== installing ${need[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
      echo "Missing system packages: ${need[*]}. Install them (sudo apt-get install ${need[*]}) and run again." >&2
      exit 1
    fi
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "Rust is not installed: install it with rustup (stable, 1.85 or newer) and run again." >&2
    exit 1
  fi
  if [ "${1:-app}" = test ] && ! command -v tauri-driver >/dev/null 2>&1; then
    echo "== installing tauri-driver (WebDriver for the app's end-to-end test)"
    cargo install --quiet --locked tauri-driver --version '^2'
  fi
  if [ "${1:-app}" != app ] && ! cargo tauri --version >/dev/null 2>&1; then
    echo "== installing tauri-cli (it builds the .deb and .rpm; from crates.io, nothing else downloaded)"
    # Optimised lightly: it only packs files, and a full release build of it takes
    # 25 CPU-minutes on a 2-core machine.
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install --quiet --locked tauri-cli --version '^2'
  fi
}
