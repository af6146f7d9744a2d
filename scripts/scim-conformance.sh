#!/usr/bin/env bash
# Runs the third-party SCIM conformance checker scim2-tester (through `scim2 test` of scim2-cli)
# against every product app of a freshly started rosterd, with status-code and content-type
# checks on. Exits non-zero on any failure. Installs the checker into a virtualenv under the
# build directory on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/scim-venv"

if [ ! -x "$venv/bin/scim2" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check scim2-cli==0.6.0 scim2-tester==0.5.2
fi

cargo build --quiet -p rosterd
bin="$target/debug/rosterd"
work=$(mktemp -d)
db="sqlite://$work/rosterd.db?mode=rwc"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
public="http://127.0.0.1:$port"

"$bin" --database-url "$db" --public-url "$public" --json tenant create conformance --name "Conformance" \
  --seats learning=1000 --seats sales-navigator-core=1000 --seats sales-navigator-advanced=1000 \
  --seats sales-navigator-advanced-plus=1000 --seats teamlink-extend=1000 > /dev/null

ROSTERD_LOG=warn "$bin" --database-url "$db" serve --listen "127.0.0.1:$port" > "$work/server.out" 2> "$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -sf "$public/healthz" > /dev/null && break
  sleep 0.1
done

failed=0
for product in learning sales-navigator teamlink-extend; do
  issued=$("$bin" --database-url "$db" --public-url "$public" --json token issue conformance "$product")
  token=$(printf '%s' "$issued" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  base=$(printf '%s' "$issued" | python3 -c 'import json, sys; print(json.load(sys.stdin)["scim_base_url"])')
  echo "== scim2-tester: $base"
  if SCIM_CLI_HEADERS="Authorization: Bearer $token" "$venv/bin/scim2" --url "$base" \
      test --check-status-code --check-content-type > "$work/$product.txt" 2>&1; then
    echo "   $(grep -c '^SUCCESS' "$work/$product.txt") checks passed"
  else
    failed=1
    grep -v '^SUCCESS' "$work/$product.txt" | head -80
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "scim2-tester found failures" >&2
  exit 1
fi
echo "scim2-tester: no failures"
