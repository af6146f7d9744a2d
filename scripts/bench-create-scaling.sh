#!/usr/bin/env bash
# Creates in one tenant with 1 client and with 32 (issue 12, item 3): the yardstick's
# create-users scenario (POST /Users, every user licensed by the Learning app) against one
# server, C=1 then C=32, alternating, ROUNDS times.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME bash scripts/bench-create-scaling.sh
#
# NAME must exist and be empty. After `cargo build --release -p rosterd`; the load tool is the
# yardstick's (~/.cache/rosterd-yardstick). Exports such as ROSTERD_FAIR_SHARE_* reach the server.
set -euo pipefail
bin=${ROSTERD_BIN:-target/release/rosterd}
load=${SCIMLOAD:-$HOME/.cache/rosterd-yardstick/target/release/scimload}
rounds=${ROUNDS:-2}
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/rosterd.db?mode=rwc}
"$bin" migrate >/dev/null
"$bin" tenant create bench --name Bench --seats learning=10000000 --json >/dev/null
token=$("$bin" token issue bench learning --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" >"$work/rosterd.log" 2>&1 & pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
run() {
  "$load" --base "http://127.0.0.1:$port/scim/bench/learning/v2" --token "$token" \
    --scenario create-users --concurrency "$1" --requests "$2" 2>/dev/null | tail -n 1
}
for r in $(seq 1 "$rounds"); do
  one=$(run 1 500); many=$(run 32 3000)
  echo "{\"round\":$r,\"clients\":1,\"r\":$one}"
  echo "{\"round\":$r,\"clients\":32,\"r\":$many}"
  python3 - "$one" "$many" <<'PY'
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:3])
print(f"  1 client {a['throughput_rps']:.0f} req/s (p50 {a['p50_ms']:.1f} / p99 {a['p99_ms']:.1f} ms), "
      f"32 clients {b['throughput_rps']:.0f} req/s (p50 {b['p50_ms']:.1f} / p99 {b['p99_ms']:.1f} ms): "
      f"{b['throughput_rps'] / a['throughput_rps']:.1f}x")
PY
done
