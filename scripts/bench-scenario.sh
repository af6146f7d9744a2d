#!/usr/bin/env bash
# One yardstick scenario against a fresh `rosterd serve` (issue 12's before/after pairs): a fresh
# database with one tenant and a Learning token (scripts/bench-serve.sh), then scimload's
# SCENARIO with CLIENTS clients and REQUESTS requests (reads: 500 users set up, 500 warm-up
# requests). Prints req/s, p50 and p99 ms, and the errors if any.
#
#   bash scripts/bench-scenario.sh get-filter [REQUESTS] [CLIENTS]     # default 20000, 32
#   ROSTERD_BIN=/tmp/rosterd-before bash scripts/bench-scenario.sh create-users 6000
#
# Run from the project root after `cargo build --release -p rosterd` and one run of
# ../shared/bench/compare.sh (which builds scimload).
set -euo pipefail
source "$(dirname "$0")/bench-serve.sh"
serve_tenant bench 10000000
scenario=$1 requests=${2:-20000} clients=${3:-32}
extra=(--setup-users 500 --warmup 500)
[ "$scenario" = create-users ] && extra=()
"$load" --base "$base" --token "$token" --scenario "$scenario" --concurrency "$clients" \
  --requests "$requests" "${extra[@]}" 2>/dev/null | tail -n 1 |
  python3 -c 'import json,sys;d=json.load(sys.stdin);print(round(d["throughput_rps"]),d["p50_ms"],d["p99_ms"],d["errors"] or "")'
