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
# libudev-dev and libclang-dev: FIDO2 security keys over USB HID (fido-hid-rs, whose
# build runs bindgen over the kernel's hidraw header).
BUILD_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libssl-dev build-essential pkg-config curl ca-certificates libudev-dev libclang-dev libpcsclite-dev)
RUN_PACKAGES=(gnome-keyring dbus dbus-x11 libsecret-tools fonts-noto-cjk fonts-ipamj-mincho)
# Extra packages the tests need: a virtual display and WebKit's WebDriver.
# postgresql: the central service's tests use a running server, or start a throwaway
# cluster from the server binaries when none runs (crates/uketsuke-pgtest).
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver postgresql)

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

die() { printf '\nerror: %s\n' "$*" >&2; exit 1; }

# The front end's tools (Vite 7, happy-dom) need Node 20.19 or newer.
node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}

ensure_node() {
  node_ok && return 0
  install_packages nodejs
  command -v npm >/dev/null 2>&1 || install_packages npm || true
  node_ok && return 0
  # Debian 12's own nodejs is 18: take Node 22 from NodeSource's Debian repository.
  if [ ! -e /etc/apt/sources.list.d/nodesource.list ] && [ ! -e /etc/apt/sources.list.d/nodesource.sources ]; then
    log "Debian's Node.js is too old for the front-end tools; adding NodeSource's Node.js 22 repository"
    curl -fsSL https://deb.nodesource.com/setup_22.x | as_root bash -
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs
  fi
  node_ok || die "Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))"
}

ensure_rust() {
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  if ! command -v cargo >/dev/null 2>&1; then
    # Debian 12 has no rustup package and its rustc is too old for Tauri 2: use rustup.
    log "installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo not found after installing Rust"
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

# Everything the tests, and the benchmarks that drive the real window, need.
ensure_test_tools() {
  install_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  ensure_rust
  ensure_ui_deps
  ensure_tauri_driver
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
