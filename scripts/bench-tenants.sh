#!/usr/bin/env bash
# Several tenants provisioning at once (issue 12, item 3: eight tenants, at least 2,000 users/s in
# total): one `rosterd serve`, TENANTS tenants each with a Learning app and a token, and one
# yardstick load generator per tenant running create-users (POST /Users, every user licensed)
# with CLIENTS clients, all started together. Prints each tenant's run and the total: all
# requests over the longest run's wall time.
#
#   bash scripts/bench-tenants.sh                                       # a fresh SQLite file
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME bash scripts/bench-tenants.sh
#   TENANTS=8 CLIENTS=4 REQUESTS=1500 bash scripts/bench-tenants.sh     # the defaults
#
# NAME must exist and be empty. After `cargo build --release -p rosterd`; the load tool is the
# yardstick's (~/.cache/rosterd-yardstick). Fair share's per-app rate (50/s by default) would
# refuse most of a bulk import with 429s, which is what it is for; this measures capacity, so
# the rate and burst are raised unless set. The per-tenant write budget
# (tenant_max_concurrent_writes, 4) stays as configured: it is what keeps tenants fair.
set -euo pipefail
tenants=${TENANTS:-8}
clients=${CLIENTS:-4}
requests=${REQUESTS:-1500}
export ROSTERD_FAIR_SHARE_REQUESTS_PER_SECOND=${ROSTERD_FAIR_SHARE_REQUESTS_PER_SECOND:-100000}
export ROSTERD_FAIR_SHARE_BURST=${ROSTERD_FAIR_SHARE_BURST:-100000}
source "$(dirname "$0")/bench-serve.sh"
serve_tenant tenant-1 10000000
bases=("$base") tokens=("$token")
for i in $(seq 2 "$tenants"); do
  "$bin" tenant create "tenant-$i" --name "tenant-$i" --seats "learning=10000000" --json >/dev/null
  tokens+=("$("$bin" token issue "tenant-$i" learning --json |
    python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')")
  bases+=("http://127.0.0.1:$port/scim/tenant-$i/learning/v2")
done
runs=()
for i in $(seq 0 $((tenants - 1))); do
  "$load" --base "${bases[$i]}" --token "${tokens[$i]}" --scenario create-users \
    --concurrency "$clients" --requests "$requests" 2>/dev/null >"$work/run-$i.out" &
  runs+=($!)
done
wait "${runs[@]}"
for i in $(seq 0 $((tenants - 1))); do tail -n 1 "$work/run-$i.out" >"$work/run-$i.json"; done
python3 - "$work" "$tenants" <<'PY'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{work}/run-{i}.json")) for i in range(n)]
for i, r in enumerate(runs):
    print(json.dumps({"tenant": f"tenant-{i + 1}", "r": r}))
ok = sum(r["ok"] for r in runs)
errors = {}
for r in runs:
    for k, v in r["errors"].items():
        errors[k] = errors.get(k, 0) + v
wall = max(r["elapsed_s"] for r in runs)
print(f"{n} tenants x {runs[0]['concurrency']} clients: {ok} users created in {wall:.2f} s = "
      f"{ok / wall:.0f} users/s in total; per tenant p50 "
      f"{min(r['p50_ms'] for r in runs):.1f}-{max(r['p50_ms'] for r in runs):.1f} ms, p99 "
      f"{min(r['p99_ms'] for r in runs):.1f}-{max(r['p99_ms'] for r in runs):.1f} ms; errors {errors or 'none'}")
PY
