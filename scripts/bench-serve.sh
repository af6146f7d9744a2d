# Sourced by the bench-*.sh scripts: `rosterd serve` (release build) on a fresh database with one
# tenant and a Learning token, on a free loopback port, stopped when the script exits.
#
#   source scripts/bench-serve.sh
#   serve_tenant SLUG SEATS     # sets token, port, pid and base (the Learning app's SCIM base URL)
#
# DATABASE_URL picks the database (default: a fresh SQLite file in a temporary directory; a
# PostgreSQL database must exist and be empty); ROSTERD_BIN and SCIMLOAD the binaries; exports
# such as ROSTERD_FAIR_SHARE_* reach the server.
bin=${ROSTERD_BIN:-target/release/rosterd}
load=${SCIMLOAD:-$HOME/.cache/rosterd-yardstick/target/release/scimload}
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/rosterd.db?mode=rwc}

serve_tenant() {
  local slug=$1 seats=$2
  "$bin" migrate >/dev/null
  "$bin" tenant create "$slug" --name "$slug" --seats "learning=$seats" --json >/dev/null
  token=$("$bin" token issue "$slug" learning --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  "$bin" serve --listen "127.0.0.1:$port" >"$work/rosterd.log" 2>&1 & pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  base="http://127.0.0.1:$port/scim/$slug/learning/v2"
}
