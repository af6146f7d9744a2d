#!/usr/bin/env bash
# Shows that nothing a user sees changed between two revisions (issue 11: a restructuring must
# not change any SCIM or admin-center response).
#
#   bash scripts/compare-before-after.sh [--screenshots] BEFORE AFTER
#
# For each revision: a detached git worktree under $COMPARE_DIR (default /tmp/rosterd-compare),
# built there with its own target directory (only the cargo registry is shared), then
# `rosterd serve --demo` on a fresh SQLite database on a free loopback port, probed by
# scripts/compare_probe.py: SCIM discovery, create/get/list/replace/patch/delete of Users and
# Groups and error cases on every product app, then every admin-center page signed in as the demo
# admin. Volatile parts (ids, timestamps, tokens, passwords, CSRF values, ETags, cookies) are
# normalized and the two transcripts diffed.
#
# With --screenshots, each revision's own browser tour (tests/browser/tour.rs) runs too and its
# full-page screenshots are compared pixel by pixel (Pillow, in a venv made under $COMPARE_DIR);
# needs scripts/install-browser.sh first.
#
# Exits 0 when the transcripts match (and, with --screenshots, every page has the same size and
# differs only where the page shows a volatile value), 1 otherwise. Not part of CI: a one-off
# check, a few minutes of building per revision.
set -euo pipefail

screenshots=false
if [ "${1:-}" = "--screenshots" ]; then
  screenshots=true
  shift
fi
if [ $# -ne 2 ]; then
  echo "usage: $0 [--screenshots] BEFORE AFTER" >&2
  exit 2
fi

repo="$(cd "$(dirname "$0")/.." && pwd)"
here="$repo/scripts"
work="${COMPARE_DIR:-/tmp/rosterd-compare}"
mkdir -p "$work"

step() { printf '\n==> %s\n' "$*" >&2; }

# Builds revision $1 in its own worktree; prints the worktree's path.
build() {
  local rev sha tree
  rev="$1"
  sha="$(git -C "$repo" rev-parse --short=9 "$rev^{commit}")"
  tree="$work/$sha"
  if [ ! -d "$tree" ]; then
    git -C "$repo" worktree add --detach --quiet "$tree" "$sha"
  fi
  step "building $rev ($sha) in $tree" 
  (cd "$tree" && cargo build --quiet -p rosterd >&2)
  if $screenshots; then
    (cd "$tree" && cargo build --quiet -p rosterd-e2e --tests >&2)
  fi
  echo "$tree"
}

before="$(build "$1")"
after="$(build "$2")"

status=0
for side in before after; do
  tree="${!side}"
  step "probing $side ($(git -C "$tree" rev-parse --short=9 HEAD))"
  python3 "$here/compare_probe.py" "$tree/target/debug/rosterd" "$work/$side.txt"
done
step "diff of the normalized transcripts ($(wc -l < "$work/before.txt") lines)"
if diff -u "$work/before.txt" "$work/after.txt" > "$work/transcript.diff"; then
  echo "transcripts: identical ($(grep -c '^>>> ' "$work/before.txt") requests)"
else
  echo "transcripts: DIFFER, see $work/transcript.diff"
  head -100 "$work/transcript.diff"
  status=1
fi

if $screenshots; then
  for side in before after; do
    tree="${!side}"
    step "browser tour of $side"
    (cd "$tree" && CI=true cargo test --quiet -p rosterd-e2e --test browser -- --include-ignored tour >&2)
    rm -rf "$work/shots-$side"
    cp -a "$tree/target/browser-artifacts/tour" "$work/shots-$side"
  done
  if [ ! -x "$work/venv/bin/python" ]; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install --quiet pillow
  fi
  step "pixel comparison of the tour's screenshots"
  "$work/venv/bin/python" "$here/compare_screenshots.py" "$work/shots-before" "$work/shots-after" \
    "$work/shots-diff" || status=1
fi
exit $status
