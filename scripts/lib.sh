# Shared by scripts/start.sh and scripts/test.sh: install what is missing, nothing more.
# Debian 12 (bookworm); run as root or with sudo available.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

log() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Packages to build the app (WebKitGTK, GTK, OpenSSL for SQLCipher) and to run it
# (Japanese fonts incl. IPAmj明朝 for 外字/IVS, gnome-keyring for the Secret Service).
BUILD_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libssl-dev build-essential pkg-config curl ca-certificates)
RUN_PACKAGES=(gnome-keyring dbus dbus-x11 libsecret-tools fonts-noto-cjk fonts-ipamj-mincho)
# Extra packages the tests need: a virtual display and WebKit's WebDriver.
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver)

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

ensure_node() {
  if ! command -v npm >/dev/null 2>&1; then
    install_packages nodejs npm
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
      export PATH="$HOME/.cargo/bin:$PATH"
    else
      log "installing the Rust toolchain (rustup)"
      install_packages rustup || true
      rustup default stable
    fi
  fi
}

ensure_ui_deps() {
  ensure_node
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    log "installing front-end packages (npm ci)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    log "installing tauri-driver 2"
    cargo install tauri-driver --locked --version '^2'
  fi
  export PATH="$HOME/.cargo/bin:$PATH"
}

build_ui() {
  log "building the front end"
  (cd "$ROOT/ui" && npm run build --silent)
}

build_app() {
  log "building the app (serves ui/dist from the binary)"
  (cd "$ROOT" && cargo build -p uketsuke-app --features custom-protocol)
}

# Run "$@" inside a private D-Bus session with an unlocked gnome-keyring, i.e. a real
# Linux Secret Service. KEYRING_HOME holds that keyring's files.
with_private_keyring() {
  local keyring_home="$1"; shift
  mkdir -p "$keyring_home"
  XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c '
    echo -n "${UKETSUKE_KEYRING_PASSWORD:-uketsuke-local}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"' with_private_keyring "$@"
}
