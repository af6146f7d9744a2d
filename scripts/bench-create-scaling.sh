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
rounds=${ROUNDS:-2}
source "$(dirname "$0")/bench-serve.sh"
serve_tenant bench 10000000
run() {
  "$load" --base "$base" --token "$token" \
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
