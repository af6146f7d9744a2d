#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ (cargo fuzz, libFuzzer) for a bounded time and fails on the
# first crash, leaving the crashing input in fuzz/artifacts/<target>/ and printing how to replay
# it. Installs cargo-fuzz (from crates.io) when missing; needs a nightly toolchain.
#
#   bash scripts/fuzz.sh                  # every target, FUZZ_SECONDS (60) each
#   FUZZ_SECONDS=300 FUZZ_SEED=0 bash scripts/fuzz.sh filter   # longer, with a random seed
#
# The seed corpus in fuzz/corpus/<target> is read, never written: what a run discovers goes to a
# temporary directory, so the repository holds only the small corpus checked in.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
# A fixed seed by default, so a CI run explores the same inputs as the last one and a crash it
# reports is one a rerun finds again; FUZZ_SEED=0 lets libFuzzer pick (for longer explorations).
seed=${FUZZ_SEED:-1}
toolchain=${FUZZ_TOOLCHAIN:-nightly}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(filter patch normalize)

if ! cargo "+$toolchain" --version >/dev/null 2>&1; then
  echo "fuzz.sh: the $toolchain toolchain is missing (rustup toolchain install $toolchain)" >&2
  exit 2
fi
if ! cargo "+$toolchain" fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Built once, before any clock starts, so each target's time is spent fuzzing.
for t in "${targets[@]}"; do cargo "+$toolchain" fuzz build --fuzz-dir fuzz "$t"; done
for t in "${targets[@]}"; do
  echo "==> fuzzing $t for ${seconds}s"
  mkdir -p "$work/$t"
  if ! cargo "+$toolchain" fuzz run --fuzz-dir fuzz "$t" "$work/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -seed="$seed" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
    echo "fuzz.sh: $t crashed; replay with: cargo +$toolchain fuzz run --fuzz-dir fuzz $t fuzz/artifacts/$t/<file>" >&2
    exit 1
  fi
done
echo "==> fuzzing: no crash in ${#targets[@]} targets (${seconds}s each)"
