#!/usr/bin/env bash
# Two terminals and one central service on this machine, from scratch:
#   bash scripts/central-demo.sh
# Installs what is missing, builds, creates a fresh PostgreSQL database `uketsuke_demo`
# (or uses $DATABASE_URL), makes the service's CA, loads the demo city, starts the
# central service on https://127.0.0.1:8443, registers two terminals with one-time
# enrollment codes, assigns them today's sessions at みなと市保健センター, enrolls
# two data directories and opens two app windows. Everything lives in
# .uketsuke-dev/central-demo/ and is made anew on every run.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

install_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" postgresql postgresql-client
ensure_rust
ensure_ui_deps
build_ui
build_app
cargo build -p uketsuke-cli -p uketsuke-central
CENTRAL="$ROOT/target/debug/uketsuke-central"
CLI="$ROOT/target/debug/uketsuke-cli"
APP="$ROOT/target/debug/uketsuke"

DEV="$ROOT/.uketsuke-dev/central-demo"
rm -rf "$DEV"
mkdir -p "$DEV"

if [ -z "${DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1; then
    log "starting the local PostgreSQL cluster"
    as_root pg_ctlcluster "$(ls /etc/postgresql | sort -V | tail -1)" main start
  fi
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS uketsuke_demo" -c "CREATE DATABASE uketsuke_demo"
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/uketsuke_demo"
fi
export UKETSUKE_CENTRAL_DATABASE_URL="$DATABASE_URL"
export UKETSUKE_CENTRAL_PKI_DIR="$DEV/pki"
export UKETSUKE_CENTRAL_LISTEN="127.0.0.1:8443"
SERVICE="https://127.0.0.1:8443"

log "central service: CA, demo city, start"
"$CENTRAL" init-pki --host 127.0.0.1 --host localhost >/dev/null
"$CENTRAL" demo-seed --residents 20000 >/dev/null
# Each demo staff member's software authenticator, one set per terminal (a copied
# token's counter would go back on the other terminal, which the service refuses).
for i in 1 2; do
  "$CENTRAL" demo-authenticators --out "$DEV/authenticators-$i" --label "受付$i" >/dev/null
done
"$CENTRAL" serve >"$DEV/central.log" 2>&1 &
CENTRAL_PID=$!
trap 'kill $CENTRAL_PID 2>/dev/null' EXIT
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/8443") 2>/dev/null && break; sleep 0.1; done

TODAY="$(TZ=Asia/Tokyo date +%F)"
CODES=()
IDS=()
for i in 1 2; do
  out="$("$CENTRAL" terminal add --name "保健センター 受付$i")"
  id="$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["terminal_id"])')"
  CODES+=("$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["enrollment_code"])')")
  IDS+=("$id")
  for slot in AM PM; do
    "$CENTRAL" terminal assign "$id" "V01-$TODAY-$slot" >/dev/null 2>&1 || true
  done
  echo "terminal $i: $id  code ${CODES[$((i - 1))]}"
done

cat <<TXT

Central service: $SERVICE  (log: $DEV/central.log)
Log in on each window as a demo staff member (S0001 and S0002 reception, S0005
supervisor) with the demo password minato-kenshin-demo; each window finds the
person's demo software authenticator in its data directory (demo-authenticators/).
Try, in another shell with the same UKETSUKE_CENTRAL_* variables:
  $CENTRAL terminal list
  $CENTRAL review                      # residents checked in on both terminals
  $CENTRAL walk-in list                # walk-ins waiting to be matched
  $CENTRAL terminal revoke <id> --reason 紛失
  $CENTRAL export request-attendance --from $TODAY --to $TODAY --recipient DEMO-KENSHIN --purpose 実績連携
  $CENTRAL export-attendance --request <id> --out attendance.age   # after S0005 approves it
  $CENTRAL audit query --from $TODAY   # every terminal's access log, as shipped and verified
  $CENTRAL audit verify
個人番号 (supervisor S0005), export requests and decisions, unlocks and password
changes are confirmed by each person's own authenticator: here the demo city's
software tokens in each terminal's demo-authenticators/ (uketsuke-central
staff authenticator list shows them).
Export to a USB stick: terminal 1 is designated. Clerk S0004 asks (外部媒体への出力),
supervisor S0005 approves on either window with her authenticator, the clerk writes
to a mounted stick. The file is encrypted to the demo recipient DEMO-KENSHIN; its key
is $DEV/pki/demo-recipient.agekey (any age tool decrypts). Then:
  $CENTRAL export requests
  $CENTRAL export ledger

TXT

# The terminals' part runs inside the private keyring's D-Bus session (and Xvfb
# when there is no display), so it is a script of its own.
cat >"$DEV/run-terminals.sh" <<SH
set -e
for i in 1 2; do
  code="\$(sed -n "\${i}p" "$DEV/codes")"
  "$CLI" enroll --data-dir "$DEV/terminal-\$i" --server "$SERVICE" --code "\$code" >/dev/null
  "$CLI" sync --data-dir "$DEV/terminal-\$i" >/dev/null
  mkdir -p "$DEV/terminal-\$i/demo-authenticators"
  cp "$DEV/authenticators-\$i/"*.softtoken "$DEV/terminal-\$i/demo-authenticators/"
done
# Terminal 1 may export to removable media (after a supervisor's approval).
"$CENTRAL" export designate "${IDS[0]}" >/dev/null
"$APP" --data-dir "$DEV/terminal-1" & a=\$!
"$APP" --data-dir "$DEV/terminal-2" & b=\$!
trap 'kill \$a \$b 2>/dev/null' EXIT INT TERM
wait
SH
printf '%s\n' "${CODES[@]}" >"$DEV/codes"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  log "opening two terminals (private keyring in $DEV/keyring)"
  with_private_keyring "$DEV/keyring" bash "$DEV/run-terminals.sh"
else
  install_packages xvfb xauth imagemagick
  log "no display: two terminals in a virtual display; $DEV/screenshot.png every 10 s (Ctrl-C to stop)"
  with_private_keyring "$DEV/keyring" xvfb-run -a -s "-screen 0 1366x860x24" bash -c '
    bash "$1/run-terminals.sh" & r=$!
    trap "kill $r 2>/dev/null" EXIT INT TERM
    while kill -0 $r 2>/dev/null; do sleep 10; import -window root "$1/screenshot.png" 2>/dev/null; done' run "$DEV"
fi
