#!/usr/bin/env bash
# README command 2 (and CI's .ci/run): install what is missing, then run every test:
# lint, Rust unit and integration tests against a real Secret Service, front-end tests,
# and end-to-end tests that drive the real app in a real window (Xvfb + WebDriver).
#
# Every dependency tree is compiled once (docs/benchmarks.md, "Test suite"):
# - the front end is built first, because the app embeds ui/dist when it compiles;
# - every cargo call below selects the same packages (--workspace) with the same features
#   and includes test targets, so cargo resolves one feature set and reuses one set of
#   artifacts: a call with other packages (`-p`, `--exclude`) or without test targets
#   would resolve other features and rebuild most of the tree;
# - clippy lints while the build compiles: clippy-driver compiles the workspace's own crates
#   (what `cargo clippy` does in check mode) and the dependencies are built once, by rustc,
#   instead of once checked for clippy and once built.
# Each stage's time is printed as it ends, and all of them at the end.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# CI builds from a clean clone once: incremental compilation's bookkeeping only costs there.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

# The one package set and feature set of every cargo call: the window serves ui/dist
# from inside the binary, as the end-to-end tests need.
CARGO_SET=(--workspace --features uketsuke-app/custom-protocol)

WORK="$(mktemp -d)"
LOG="$WORK/test.log"
run() { "$@" 2>&1 | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }

RUN_START=$SECONDS
STAGE_TIMES=()
stage() {
  local name="$1" start=$SECONDS
  shift
  log "$name"
  "$@"
  STAGE_TIMES+=("$(printf '%-14s %5d s' "$name" $((SECONDS - start)))")
  printf '==> %s: %d s\n' "$name" $((SECONDS - start)) >&2
}
timing() {
  [ ${#STAGE_TIMES[@]} -gt 0 ] || return 0
  printf '\n==> time per stage\n' >&2
  printf '  %s\n' "${STAGE_TIMES[@]}" >&2
  printf '  %-14s %5d s\n' total $((SECONDS - RUN_START)) >&2
}
TIMING_SHOWN=
trap '[ -n "$TIMING_SHOWN" ] || timing; rm -rf "$WORK"' EXIT

ui_tests() {
  run bash -c 'cd ui && npx vitest run'
}

# Clippy as the compiler of the workspace's own crates, for every cargo call after this
# (all of them must see the same wrapper, or those crates are rebuilt): exactly how
# `cargo clippy` runs it, with `-D warnings` in clippy's own argument variable, but with
# code generation. Dependencies are compiled by rustc without lints, as under `cargo
# clippy`. Called after the install stage, which may have installed Rust.
use_clippy_as_compiler() {
  RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
  export RUSTC_WORKSPACE_WRAPPER
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
}

# CLIPPY_ARGS is how cargo-clippy talks to clippy-driver, not a documented interface: if a
# toolchain ever reads it differently, lints would turn back into warnings and pass. So a
# known clippy warning must fail to compile, or the run stops here.
lint_gate_works() {
  printf 'pub fn canary(x: u32) -> u32 {\n    return x + 1;\n}\n' >"$WORK/canary.rs"
  if "$RUSTC_WORKSPACE_WRAPPER" rustc --edition 2021 --crate-type lib --emit metadata \
      --out-dir "$WORK" "$WORK/canary.rs" >"$WORK/canary.log" 2>&1; then
    die "clippy-driver accepted a clippy warning: the lint gate is not working (CLIPPY_ARGS)"
  fi
  grep -q "clippy::needless_return" "$WORK/canary.log" ||
    die "clippy-driver failed, but not on clippy's lint: $(cat "$WORK/canary.log")"
}

format_and_lint_gate() {
  cargo fmt --all --check
  use_clippy_as_compiler
  lint_gate_works
}

# Everything the tests run, linted as it compiles: the crates' test binaries, the app, the
# CLIs, the e2e harness. `--tests` is every target with `test = true` (so no harness for
# the bins and the shell, which have no tests; `--all-targets` would build one for each);
# it leaves out the e2e target, which gets a call of its own with the same set.
rust_build() {
  cargo build "${CARGO_SET[@]}" --lib --bins --tests
  cargo build "${CARGO_SET[@]}" --test e2e
}

# One PostgreSQL server for the whole run, shared by every test binary: $DATABASE_URL,
# else the server on 127.0.0.1:5432, else one throwaway cluster (crates/uketsuke-pgtest,
# src/main.rs). It lives until this script exits, when its input pipe closes.
start_test_postgres() {
  [ -z "${DATABASE_URL:-}" ] || return 0
  coproc PGTEST { exec "$ROOT/target/debug/uketsuke-pgtest"; }
  read -r -t 120 -u "${PGTEST[0]}" DATABASE_URL || die "no PostgreSQL server for the tests (see the message above)"
  export DATABASE_URL
}

rust_tests() {
  start_test_postgres
  # --tests: the units the build made; there are no doc tests (doc examples are `text`
  # blocks), so no rustdoc run per crate.
  run with_private_keyring "$WORK/keyring" env UKETSUKE_REQUIRE_SECRET_SERVICE=1 \
    cargo test "${CARGO_SET[@]}" --tests
  if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    log "TypeScript types generated from Rust are committed and current"
    git -C "$ROOT" diff --exit-code --stat -- ui/src/generated
    local untracked
    untracked="$(git -C "$ROOT" ls-files --others --exclude-standard -- ui/src/generated)"
    [ -z "$untracked" ] || { echo "untracked generated types: $untracked" >&2; exit 1; }
  fi
}

end_to_end() {
  log "the real app in a real window (Xvfb), driven through tauri-driver + WebKitWebDriver"
  export UKETSUKE_APP="$ROOT/target/debug/uketsuke"
  export UKETSUKE_CLI="$ROOT/target/debug/uketsuke-cli"
  export UKETSUKE_E2E_ARTIFACTS="$ROOT/target/e2e"
  mkdir -p "$UKETSUKE_E2E_ARTIFACTS"
  local cargo_set="${CARGO_SET[*]}"
  run with_private_keyring "$WORK/keyring-e2e" xvfb-run -a -s "-screen 0 1366x860x24" bash -c '
    tauri-driver --port 4444 >"$UKETSUKE_E2E_ARTIFACTS/tauri-driver.log" 2>&1 & d=$!
    trap "kill $d 2>/dev/null" EXIT
    for i in $(seq 100); do (echo >/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
    cargo test '"$cargo_set"' --test e2e -- --test-threads=1'
}

stage install ensure_test_tools
stage "UI build" build_ui
stage "UI tests" ui_tests
stage format format_and_lint_gate
stage "build + clippy" rust_build
stage "Rust tests" rust_tests
stage e2e end_to_end
timing
TIMING_SHOWN=1

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
