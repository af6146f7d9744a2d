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
  # The checker PATCHes every extension and expects what it sent back. rosterd's license
  # extension is computed by the server and read-only, so it can never echo a client's value:
  # the checker is given the server's own schemas and resource types less that one extension
  # (docs/scim.md). Everything else is exactly what the server advertises.
  for doc in Schemas ResourceTypes; do
    curl -sf -H "Authorization: Bearer $token" "$base/$doc" | python3 -c '
import json, sys
ext = "urn:rosterd:params:scim:schemas:extension:license:2.0:User"
resources = json.load(sys.stdin)["Resources"]
resources = [r for r in resources if r.get("id") != ext]
for r in resources:
    if "schemaExtensions" in r:
        r["schemaExtensions"] = [e for e in r["schemaExtensions"] if e["schema"] != ext]
json.dump(resources, sys.stdout)' > "$work/$doc.json"
  done
  if SCIM_CLI_HEADERS="Authorization: Bearer $token" "$venv/bin/scim2" --url "$base" \
      --schemas "$work/Schemas.json" --resource-types "$work/ResourceTypes.json" \
      test --check-status-code --check-content-type > "$work/$product.txt" 2>&1; then
    echo "   $(grep -c '^SUCCESS' "$work/$product.txt") checks passed"
  else
    failed=1
    # Everything that is not a success, with the lines that explain it.
    grep -v -E '^(SUCCESS|SKIPPED)' "$work/$product.txt" | grep -v -E '^  (Success|.* correctly )' | head -80
    tail -5 "$work/$product.txt"
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "scim2-tester found failures" >&2
  exit 1
fi
echo "scim2-tester: no failures"
