#!/usr/bin/env bash
# Pages of a large user list, as IdPs read them (issue 12, item 4): USERS users (default
# 100,000) created through SCIM, then random-startIndex pages of 100 with 8 clients (scimload's
# list-page), then an Okta-style import: startIndex=1, 101, 201, ... count=100, one client, to the
# end, timed as a whole. Run from the project root after `cargo build --release -p rosterd` and
# one run of ../shared/bench/compare.sh (which builds scimload).
#
#   bash scripts/bench-user-pages.sh                    # a fresh SQLite file
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME bash scripts/bench-user-pages.sh
set -euo pipefail
bin=${ROSTERD_BIN:-target/release/rosterd}
load=${SCIMLOAD:-$HOME/.cache/rosterd-yardstick/target/release/scimload}
users=${USERS:-100000}
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/rosterd.db?mode=rwc}
# Pages only: the fair share must not refuse the loader's clients.
export ROSTERD_FAIR_SHARE_REQUESTS_PER_SECOND=${ROSTERD_FAIR_SHARE_REQUESTS_PER_SECOND:-1000000}
export ROSTERD_FAIR_SHARE_BURST=${ROSTERD_FAIR_SHARE_BURST:-1000000}
"$bin" migrate >/dev/null
"$bin" tenant create pages --name Pages --seats learning=1000000 --json >/dev/null
token=$("$bin" token issue pages learning --json | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$bin" serve --listen 127.0.0.1:$port >"$work/rosterd.log" 2>&1 & pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
base="http://127.0.0.1:$port/scim/pages/learning/v2"
echo "creating $users users..." >&2
"$load" --base "$base" --token "$token" --scenario create-users --concurrency 32 --requests "$users" | tail -n 1 >&2
echo "random pages (C=8):"
"$load" --base "$base" --token "$token" --scenario list-page --concurrency 8 --requests 3000 --setup-users 0 --page-size 100 --warmup 100 | tail -n 1
echo "Okta import (C=1, startIndex=1,101,...):"
python3 - "$base" "$token" <<'PY'
import http.client, json, sys, time, urllib.parse
base, token = sys.argv[1], sys.argv[2]
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
headers = {"Authorization": f"Bearer {token}", "Accept": "application/scim+json"}
start, seen, total, pages, lat = 1, 0, None, 0, []
t0 = time.perf_counter()
while total is None or start <= total:
    t = time.perf_counter()
    conn.request("GET", f"{u.path}/Users?startIndex={start}&count=100", headers=headers)
    r = conn.getresponse(); body = json.loads(r.read())
    lat.append((time.perf_counter() - t) * 1000)
    assert r.status == 200, body
    total = body["totalResults"]; n = len(body["Resources"]); seen += n; pages += 1
    assert n == min(100, total - start + 1), (start, n, total)
    start += 100
elapsed = time.perf_counter() - t0
lat.sort()
print(json.dumps({"users": seen, "totalResults": total, "pages": pages, "elapsed_s": round(elapsed, 2),
                  "p50_ms": round(lat[len(lat)//2], 2), "p99_ms": round(lat[int(len(lat)*0.99)], 2)}))
PY
