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
# the counters (skipped when missing). On SQLite it also prints how busy the one writer was (from
# `rosterd_db_writer_busy_seconds_total` on a metrics listener of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-serve.sh
metrics_port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
export ROSTERD_METRICS_LISTEN=127.0.0.1:$metrics_port
serve_tenant bench 1000000
# The SQLite writer's busy seconds and transactions (absent on PostgreSQL).
writer() {
  curl -fsS "http://127.0.0.1:$metrics_port/metrics" | awk '
    /^rosterd_db_writer_busy_seconds_total/ {b=$2} /^rosterd_db_writer_transactions_total/ {t=$2}
    END {print (b == "" ? "-" : b), (t == "" ? "-" : t)}'
}
n=${N:-3000}
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(ticks)
stat_pid=""
if command -v perf >/dev/null 2>&1; then
  perf stat -e context-switches,task-clock -p "$pid" -o "$work/perf.txt" &
  stat_pid=$!
  sleep 0.5
fi
writer_before=$(writer)
started=$(date +%s.%N)
"$load" --base "$base" --token "$token" --scenario create-users --concurrency "${C:-32}" \
  --requests "$n" 2>/dev/null | tail -n 1
ended=$(date +%s.%N)
if [ -n "$stat_pid" ]; then
  kill -INT "$stat_pid"
  wait "$stat_pid" || true
fi
writer_after=$(writer)
after=$(ticks)
hz=$(getconf CLK_TCK)
python3 -c "print(f'server CPU per create: {($after - $before) / $hz / $n * 1000:.3f} ms')"
[ -f "$work/perf.txt" ] && grep -E "context-switches|task-clock" "$work/perf.txt"
python3 - "$writer_before" "$writer_after" "$started" "$ended" <<'PY'
import sys
(b0, t0), (b1, t1) = (x.split() for x in sys.argv[1:3])
if "-" not in (b0, t0, b1, t1) and float(t1) > float(t0):
    busy, n = float(b1) - float(b0), float(t1) - float(t0)
    wall = float(sys.argv[4]) - float(sys.argv[3])
    print(f"SQLite writer held {100 * busy / wall:.0f}% of the time, {busy / n * 1e6:.0f} us per transaction ({n:.0f})")
PY
