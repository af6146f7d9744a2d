#!/usr/bin/env bash
# One client's `GET /Users/{id}` (issue 12, item 6: under 0.2 ms p50 on SQLite): `rosterd serve`
# on a fresh database, 500 users, then 3,000 timed lookups by one client after 200 of warm-up
# (scimload's get-by-id). Run from the project root after `cargo build --release -p rosterd` and
# one run of ../shared/bench/compare.sh (which builds scimload).
#
#   bash scripts/bench-lookup.sh                    # a fresh SQLite file
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME bash scripts/bench-lookup.sh
#   CONCURRENCY=32 bash scripts/bench-lookup.sh      # the yardstick's concurrency
set -euo pipefail
source "$(dirname "$0")/bench-serve.sh"
serve_tenant lookup 100000
"$load" --base "$base" --token "$token" --scenario get-by-id \
  --concurrency "${CONCURRENCY:-1}" --requests "${REQUESTS:-3000}" --setup-users 500 --warmup 200
