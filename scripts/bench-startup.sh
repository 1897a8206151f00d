#!/usr/bin/env bash
# Benchmark: app cold start to the login screen, and the app's resident memory
# (product.md §4: ≤ 1 s, ≤ 200 MB). Builds the release app (the front end served
# from the binary, as shipped) and the terminal CLI, then launches the app several
# times on one demo store in a virtual display, with a private Secret Service, and
# prints one JSON object. Record the figures in docs/benchmarks.md.
#
#   bash scripts/bench-startup.sh [--runs N] [--residents N]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_test_tools
build_ui
log "building the release app and CLI"
cargo build --release -p uketsuke-app --features custom-protocol
cargo build --release -p uketsuke-cli
cargo build --release -p uketsuke-e2e --bin startup

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export UKETSUKE_APP="$ROOT/target/release/uketsuke"
export UKETSUKE_CLI="$ROOT/target/release/uketsuke-cli"
with_private_keyring "$WORK/keyring" xvfb-run -a -s "-screen 0 1366x860x24" bash -c '
  tauri-driver --port 4454 --native-port 4455 >"$1/tauri-driver.log" 2>&1 & d=$!
  trap "kill $d 2>/dev/null" EXIT
  for i in $(seq 100); do (echo >/dev/tcp/127.0.0.1/4454) 2>/dev/null && break; sleep 0.1; done
  shift
  "$@"' bench "$WORK" "$ROOT/target/release/startup" --driver http://127.0.0.1:4454 "$@"
