#!/usr/bin/env bash
# README command 2 (and CI's .ci/run): install what is missing, then run every test:
# lint, Rust unit and integration tests against a real Secret Service, front-end tests,
# and end-to-end tests that drive the real app in a real window (Xvfb + WebDriver).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_test_tools

WORK="$(mktemp -d)"
LOG="$WORK/test.log"
trap 'rm -rf "$WORK"' EXIT
run() { "$@" 2>&1 | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }

log "format and lints"
cargo fmt --all --check
cargo clippy --workspace --exclude uketsuke-app --exclude uketsuke-e2e --all-targets -- -D warnings

log "Rust tests (real SQLCipher files; real Secret Service in a private D-Bus session)"
run with_private_keyring "$WORK/keyring" env UKETSUKE_REQUIRE_SECRET_SERVICE=1 \
  cargo test --workspace --exclude uketsuke-app --exclude uketsuke-e2e

if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  log "TypeScript types generated from Rust are committed and current"
  git -C "$ROOT" diff --exit-code --stat -- ui/src/generated
  untracked="$(git -C "$ROOT" ls-files --others --exclude-standard -- ui/src/generated)"
  [ -z "$untracked" ] || { echo "untracked generated types: $untracked" >&2; exit 1; }
fi

log "front-end tests"
run bash -c 'cd ui && npx vitest run'

build_ui
build_app
cargo clippy -p uketsuke-app -p uketsuke-e2e --features uketsuke-app/custom-protocol --all-targets -- -D warnings

log "end-to-end tests: the real app in a real window (Xvfb), driven through tauri-driver + WebKitWebDriver"
export UKETSUKE_APP="$ROOT/target/debug/uketsuke"
export UKETSUKE_CLI="$ROOT/target/debug/uketsuke-cli"
export UKETSUKE_E2E_ARTIFACTS="$ROOT/target/e2e"
mkdir -p "$UKETSUKE_E2E_ARTIFACTS"
# The CLI binary itself (the tests run it), then the test harness.
cargo build -p uketsuke-cli
cargo build -p uketsuke-e2e --tests
run with_private_keyring "$WORK/keyring-e2e" xvfb-run -a -s "-screen 0 1366x860x24" bash -c '
  tauri-driver --port 4444 >"$UKETSUKE_E2E_ARTIFACTS/tauri-driver.log" 2>&1 & d=$!
  trap "kill $d 2>/dev/null" EXIT
  for i in $(seq 100); do (echo >/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
  cargo test -p uketsuke-e2e -- --test-threads=1'

# One closing line for the whole run: every test runner above, added up.
python3 - "$LOG" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
text = re.sub(r"\x1b\[[0-9;]*m", "", text)
passed = failed = skipped = 0
for p, f, i in re.findall(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", text):
    passed += int(p); failed += int(f); skipped += int(i)
m = re.search(r"Tests\s+(?:(\d+) failed \| )?(\d+) passed", text)
if m:
    failed += int(m.group(1) or 0); passed += int(m.group(2))
print(f"all tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
