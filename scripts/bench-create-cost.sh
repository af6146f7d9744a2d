#!/usr/bin/env bash
# What one SCIM create costs the server: `POST /Users` from scimload (32 clients, 3,000 creates by
# default) against a release `rosterd serve` on a fresh database, with the server's CPU time per
# request (from /proc) and `perf stat`'s context switches and task clock for the server process.
#
#   bash scripts/bench-create-cost.sh              # SQLite
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME bash scripts/bench-create-cost.sh
#   N=10000 C=8 bash scripts/bench-create-cost.sh
#
# Needs a release build and scimload (`bash ../shared/bench/compare.sh` builds it once); perf for
# the counters (skipped when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-serve.sh
serve_tenant bench 1000000
n=${N:-3000}
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(ticks)
stat_pid=""
if command -v perf >/dev/null 2>&1; then
  perf stat -e context-switches,task-clock -p "$pid" -o "$work/perf.txt" &
  stat_pid=$!
  sleep 0.5
fi
"$load" --base "$base" --token "$token" --scenario create-users --concurrency "${C:-32}" \
  --requests "$n" 2>/dev/null | tail -n 1
if [ -n "$stat_pid" ]; then
  kill -INT "$stat_pid"
  wait "$stat_pid" || true
fi
after=$(ticks)
hz=$(getconf CLK_TCK)
python3 -c "print(f'server CPU per create: {($after - $before) / $hz / $n * 1000:.3f} ms')"
[ -f "$work/perf.txt" ] && grep -E "context-switches|task-clock" "$work/perf.txt"
