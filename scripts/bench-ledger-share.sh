#!/usr/bin/env bash
# The ledger's share of provisioning throughput (issue 12, item 7): the yardstick's create-users
# scenario (POST /Users, 32 clients) against one Sales Navigator app whose policy licenses
# nobody (`--default none`: the create runs the license hooks but takes no seat) and then
# licenses everyone (`--default core`: every create takes a seat and writes a license, its
# ledger entry and the entry's audit event in the request's transaction). Same server, same app,
# same policy read; the difference is the ledger. Runs alternate, ROUNDS times each.
#
#   bash scripts/bench-ledger-share.sh                 # a fresh SQLite file
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME bash scripts/bench-ledger-share.sh
#
# After `cargo build --release -p rosterd`; the load tool is the yardstick's (built by
# /work/shared/bench/compare.sh into ~/.cache/rosterd-yardstick). Exports such as
# ROSTERD_FAIR_SHARE_* reach the server.
set -euo pipefail
bin=${ROSTERD_BIN:-target/release/rosterd}
load=${SCIMLOAD:-$HOME/.cache/rosterd-yardstick/target/release/scimload}
rounds=${ROUNDS:-2}
requests=${REQUESTS:-3000}
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/rosterd.db?mode=rwc}
"$bin" migrate >/dev/null
"$bin" tenant create bench --name Bench --seats sales-navigator-core=10000000 --json >/dev/null
token=$("$bin" token issue bench sales-navigator --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" >"$work/rosterd.log" 2>&1 & pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
run() {
  "$bin" policy set bench sales-navigator --default "$1" >/dev/null
  "$load" --base "http://127.0.0.1:$port/scim/bench/sales-navigator/v2" --token "$token" \
    --scenario create-users --concurrency 32 --requests "$requests" 2>/dev/null | tail -n 1
}
for r in $(seq 1 "$rounds"); do
  none=$(run none); core=$(run core)
  echo "{\"round\":$r,\"policy\":\"none\",\"r\":$none}"
  echo "{\"round\":$r,\"policy\":\"core\",\"r\":$core}"
  python3 - "$none" "$core" <<'PY'
import json, sys
n, c = (json.loads(x) for x in sys.argv[1:3])
print(f"  no license {n['throughput_rps']:.0f} req/s (p50 {n['p50_ms']:.1f} / p99 {n['p99_ms']:.1f} ms), "
      f"licensed {c['throughput_rps']:.0f} req/s (p50 {c['p50_ms']:.1f} / p99 {c['p99_ms']:.1f} ms): "
      f"the ledger costs {100 * (1 - c['throughput_rps'] / n['throughput_rps']):.0f}% of throughput"
      + (f"; errors {n.get('errors')} {c.get('errors')}" if n.get('errors') or c.get('errors') else ""))
PY
done
