#!/usr/bin/env bash
# Peak RSS and wall time of `gostatic image` on each crafted hostile input of issue 11 (built by
# examples/hostile_cases.rs), on the release binary. Each run is capped at 60 s and 4 GiB of
# address space so a regression cannot take the machine down; the table goes to stdout, in the
# form docs/robustness.md records.
#
#     scripts/robustness.sh [GOSTATIC] [DIR]   (DIR: cases already written there are reused)
set -euo pipefail
cd "$(dirname "$0")/.."
gostatic="${1:-target/release/gostatic}"
dir="${2:-$(mktemp -d)}"
if [ "$#" -lt 1 ]; then
  cargo build --release --quiet
fi
if [ ! -e "$dir/nested-index.tar" ]; then
  cargo run --release --quiet --features testkit --example hostile_cases -- "$dir" 2>/dev/null
fi

printf '| case | exit | peak RSS (MB) | time (s) | message |\n|---|---|---|---|---|\n'
for case in "$dir"/*.tar "$dir"/*.tar.gz "$dir"/layout-*; do
  name=$(basename "$case")
  err=$(mktemp)
  set +e
  ( ulimit -v 4194304; timeout 60 /usr/bin/time -v "$gostatic" image --format json "$case" \
      >/dev/null 2>"$err" )
  code=$?
  set -e
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$err")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$err" | awk -F: '{print ($1*60)+$2}')
  message=$(grep -v -e '^\s' -e 'Command exited' "$err" | head -1 | cut -c1-110 || true)
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$code" "${rss:-?}" "${wall:-?}" "$message"
  rm -f "$err"
done
