#!/usr/bin/env bash
# Install gostatic for the GitHub Action (action.yml) and print the binary's path on stdout.
#
#   scripts/action-install.sh DEST-DIR
#
# Environment (the action's inputs):
#   GOSTATIC_VERSION      a released version (0.1.0, or v0.1.0): download the runner's static
#                         binary, gostatic-VERSION-TARGET as scripts/release.sh names it, and
#                         check it against the release's SHA256SUMS; empty: build this checkout
#                         (the action's own source) with `cargo install --locked`
#   GOSTATIC_RELEASE_URL  where releases are, RELEASE_URL/vVERSION/ASSET
#   RUNNER_OS, RUNNER_ARCH  set by the runner: Linux with X64 or ARM64 for a download
set -euo pipefail

dest=${1:?usage: action-install.sh DEST-DIR}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dest"

version=${GOSTATIC_VERSION:-}
if [ -z "$version" ]; then
  command -v cargo >/dev/null || {
    echo "gostatic action: no version given and no cargo to build one (set up Rust, or give a version)" >&2
    exit 1
  }
  echo "gostatic action: building $source_dir with cargo" >&2
  cargo install --locked --quiet --path "$source_dir" --root "$dest" >&2
  echo "$dest/bin/gostatic"
  exit 0
fi

version=${version#v}
case "${RUNNER_OS:-Linux}/${RUNNER_ARCH:-X64}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  *)
    echo "gostatic action: no release binary for ${RUNNER_OS}/${RUNNER_ARCH}; leave version empty to build" >&2
    exit 1
    ;;
esac
asset="gostatic-$version-$target"
base="${GOSTATIC_RELEASE_URL:?}/v$version"
echo "gostatic action: downloading $base/$asset" >&2
curl --fail --silent --show-error --location --retry 3 -o "$dest/$asset" "$base/$asset"
curl --fail --silent --show-error --location --retry 3 -o "$dest/SHA256SUMS" "$base/SHA256SUMS"
# Only the line of this asset: the file also lists the other targets and the image.
(cd "$dest" && grep -E "  $asset\$" SHA256SUMS | sha256sum --check --strict >&2)
mkdir -p "$dest/bin"
mv "$dest/$asset" "$dest/bin/gostatic"
chmod +x "$dest/bin/gostatic"
echo "$dest/bin/gostatic"
