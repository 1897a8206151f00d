#!/usr/bin/env bash
# README command 1: install what is missing, build, and start Uketsuke on demo data.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

install_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}"
ensure_rust
ensure_ui_deps
build_ui
build_app
BIN="$ROOT/target/debug/uketsuke"

secret_service_on_bus() {
  [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || return 1
  for m in ListNames ListActivatableNames; do
    dbus-send --session --dest=org.freedesktop.DBus --type=method_call --print-reply \
      /org/freedesktop/DBus "org.freedesktop.DBus.$m" 2>/dev/null | grep -q '"org.freedesktop.secrets"' && return 0
  done
  return 1
}

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && secret_service_on_bus; then
  # A desktop session with its own keyring: the real thing. Data in the app's data dir.
  log "starting Uketsuke (demo data is created on first start)"
  exec "$BIN"
fi

# No desktop keyring (or no display): run with a private Secret Service whose files
# live in .uketsuke-dev/, and keep the demo store there too.
DEV="$ROOT/.uketsuke-dev"
mkdir -p "$DEV"
export UKETSUKE_DATA_DIR="$DEV/data"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  log "no Secret Service on this desktop: using a private keyring in .uketsuke-dev/"
  with_private_keyring "$DEV/keyring" "$BIN"
else
  install_packages xvfb xauth imagemagick
  log "no display: starting Uketsuke in a virtual display; a screenshot is written to .uketsuke-dev/screenshot.png every 10 s (Ctrl-C to stop)"
  with_private_keyring "$DEV/keyring" xvfb-run -a -s "-screen 0 1366x860x24" bash -c '
    "$1" & app=$!
    trap "kill $app 2>/dev/null" EXIT INT TERM
    while kill -0 $app 2>/dev/null; do
      sleep 10
      import -window root "$2/screenshot.png" 2>/dev/null && echo "screenshot: $2/screenshot.png" >&2
    done' start "$BIN" "$DEV"
fi
