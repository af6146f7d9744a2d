#!/usr/bin/env bash
# Whether one tenant's creates keep their pace as its tables grow: a fresh PostgreSQL database,
# one tenant and Learning token (scripts/bench-serve.sh), then scimload's create-users with 32
# clients in ROUNDS batches of 5,000 (default 4), one line per batch: req/s, p50 ms, p99 ms.
# DEFER=1 first applies migration 000022's deferral of the create's three shared keys by hand (to
# measure a build from before it). The database is dropped after.
#
#   bash scripts/bench-create-batches.sh
#   ROSTERD_BIN=/tmp/rosterd-before DEFER=1 bash scripts/bench-create-batches.sh
#
# Run from the project root after `cargo build --release -p rosterd` and one run of
# ../shared/bench/compare.sh (which builds scimload). Needs createdb/psql on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
db=batches_$(date +%s)_$$
createdb -h 127.0.0.1 -U postgres "$db"
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db
export ROSTERD_FAIR_SHARE_REQUESTS_PER_SECOND=1000000 ROSTERD_FAIR_SHARE_BURST=1000000
source scripts/bench-serve.sh
trap 'cleanup; dropdb -h 127.0.0.1 -U postgres "$db" || true' EXIT
serve_tenant bench 1000000
if [ -n "${DEFER:-}" ]; then
  psql -qh 127.0.0.1 -U postgres "$db" -c "
    ALTER TABLE people ALTER CONSTRAINT people_tenant_id_fkey DEFERRABLE INITIALLY DEFERRED;
    ALTER TABLE scim_users ALTER CONSTRAINT scim_users_tenant_id_fkey DEFERRABLE INITIALLY DEFERRED;
    ALTER TABLE licenses ALTER CONSTRAINT licenses_tenant_id_license_kind_fkey DEFERRABLE INITIALLY DEFERRED;"
fi
for i in $(seq 1 "${ROUNDS:-4}"); do
  "$load" --base "$base" --token "$token" --scenario create-users --concurrency 32 \
    --requests 5000 2>/dev/null | tail -n 1 |
    python3 -c 'import json,sys;d=json.load(sys.stdin);print("batch '"$i"':", round(d["throughput_rps"]), "req/s, p50", d["p50_ms"], "p99", d["p99_ms"], d["errors"] or "")'
done
