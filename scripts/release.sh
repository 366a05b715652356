#!/usr/bin/env bash
# Release artifacts of gostatic, from a clean clone: static binaries, their checksums, and
# gostatic's own container image (FROM scratch), each checked by gostatic itself.
#
#   scripts/release.sh [--target TRIPLE]... [--profile PROFILE] [--no-image] [--out DIR]
#
# Targets (default: x86_64-unknown-linux-musl, and aarch64-unknown-linux-musl when its linker,
# Debian's gcc-aarch64-linux-gnu, is installed):
#   x86_64-unknown-linux-musl   rustup's musl target; musl-gcc (Debian musl-tools) compiles
#                               libzstd (zstd-sys) for it; Rust links musl statically
#   aarch64-unknown-linux-musl  rustup's target, self-contained musl from rust-std, linked and
#                               libzstd compiled by aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu)
#   x86_64-unknown-linux-gnu    glibc with `-C target-feature=+crt-static`: a static PIE without
#                               extra targets, for machines where rustup cannot download one
#
# Out (default dist/): gostatic-VERSION-TARGET (one binary per target), SHA256SUMS over them, and
# gostatic-VERSION-oci.tar (the image, from the first x86_64 binary) with its SBOM,
# gostatic-VERSION-oci.cdx.json (`gostatic image --format cyclonedx --digests`: CycloneDX 1.6,
# the binary's SHA-256 in it), unless --no-image.
#
# Gates, each fatal: `gostatic check --fail-on warning` on every binary (with the binary just
# built, when it runs here) must say `scratch: ready`; the image is built by buildah (Debian
# `buildah`, rootless or root, vfs storage in a temporary directory so nothing is left behind)
# and `gostatic image --fail-on warning` on the archive must say `starts: yes` and
# `scratch: ready` with no finding at warning or above.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=()
profile=release
image=1
out=dist
while [ $# -gt 0 ]; do
  case "$1" in
    --target) targets+=("$2"); shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --no-image) image=0; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "release.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(x86_64-unknown-linux-musl)
  if command -v aarch64-linux-gnu-gcc >/dev/null; then
    targets+=(aarch64-unknown-linux-musl)
  else
    echo "release.sh: no aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu): x86_64 only" >&2
  fi
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Cargo's own directory for the profile: `dev` builds into debug/.
profile_dir=$profile
[ "$profile" = dev ] && profile_dir=debug
target_dir="${CARGO_TARGET_DIR:-target}"

# The host's gostatic judges the artifacts when a target binary cannot run here.
host_gostatic=""

build() { # TARGET -> the binary's path in $out
  # Symbols and debug info stripped at link time: a release carries neither (GS301, GS302).
  local target=$1 rustflags="${RUSTFLAGS:-} -C strip=symbols"
  local upper
  upper=$(echo "$target" | tr 'a-z-' 'A-Z_')
  case "$target" in
    *-linux-musl)
      if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
        rustup target add "$target" >&2 || {
          echo "release.sh: cannot add the rustup target $target (offline?)" >&2
          return 1
        }
      fi
      ;;
  esac
  case "$target" in
    x86_64-unknown-linux-musl)
      command -v musl-gcc >/dev/null || { echo "release.sh: needs musl-gcc (apt-get install musl-tools)" >&2; return 1; }
      export CC_x86_64_unknown_linux_musl=musl-gcc
      ;;
    aarch64-unknown-linux-musl)
      command -v aarch64-linux-gnu-gcc >/dev/null || { echo "release.sh: needs aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu)" >&2; return 1; }
      export CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc
      export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
      # rust-std's own musl crt objects and libc.a, not the (glibc) cross toolchain's.
      rustflags="$rustflags -C link-self-contained=yes"
      ;;
    *-linux-gnu)
      rustflags="$rustflags -C target-feature=+crt-static"
      ;;
  esac
  echo "== cargo build --profile $profile --target $target" >&2
  env -u RUSTFLAGS "CARGO_TARGET_${upper}_RUSTFLAGS=$rustflags" \
    cargo build --locked --profile "$profile" --target "$target" --bin gostatic >&2
  local artifact="$out/gostatic-$version-$target"
  cp "$target_dir/$target/$profile_dir/gostatic" "$artifact"
  echo "$artifact"
}

# check BINARY: gostatic's own verdict on one artifact, with itself when it runs here.
check() {
  local binary=$1 judge=$1
  if ! "$binary" --version >/dev/null 2>&1; then
    judge=$host_gostatic
  fi
  if [ -z "$judge" ]; then
    echo "release.sh: $binary does not run here and no other gostatic was built to judge it" >&2
    return 1
  fi
  local report
  report=$("$judge" check --fail-on warning --color never "$binary") || {
    echo "$report" >&2
    echo "release.sh: gostatic check fails on $binary" >&2
    return 1
  }
  echo "$report" >&2
  grep -q '^  scratch: ready$' <<<"$report" || {
    echo "release.sh: $binary is not scratch: ready" >&2
    return 1
  }
}

artifacts=()
for target in "${targets[@]}"; do
  artifact=$(build "$target")
  artifacts+=("$artifact")
  if [ -z "$host_gostatic" ] && "$artifact" --version >/dev/null 2>&1; then
    host_gostatic=$artifact
  fi
done
for artifact in "${artifacts[@]}"; do
  check "$artifact"
done
(cd "$out" && sha256sum "${artifacts[@]##*/}" > SHA256SUMS)
echo "== SHA256SUMS" >&2
cat "$out/SHA256SUMS" >&2

[ "$image" = 1 ] || exit 0

# The image: FROM scratch, the static binary, a numeric non-root USER. No CA bundle: gostatic
# makes no TLS connection (registry references are refused), and no passwd: a numeric USER
# needs none. Built from a Containerfile so that the same lines can be read and reused.
amd64=""
for artifact in "${artifacts[@]}"; do
  case "$artifact" in *x86_64*) amd64=$artifact; break ;; esac
done
[ -n "$amd64" ] || { echo "release.sh: no x86_64 binary for the image" >&2; exit 1; }
command -v buildah >/dev/null || { echo "release.sh: needs buildah (apt-get install buildah)" >&2; exit 1; }
context=$(mktemp -d)
storage=$(mktemp -d)
trap 'buildah --root "$storage/root" --runroot "$storage/run" --storage-driver vfs rm --all >/dev/null 2>&1 || true; rm -rf "$context" "$storage"' EXIT
cp "$amd64" "$context/gostatic"
cat > "$context/Containerfile" <<'EOF'
FROM scratch
COPY --chmod=0755 gostatic /usr/local/bin/gostatic
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/gostatic"]
CMD ["--help"]
EOF
archive="$out/gostatic-$version-oci.tar"
rm -f "$archive"
bah=(buildah --root "$storage/root" --runroot "$storage/run" --storage-driver vfs)
echo "== buildah build -> $archive" >&2
# --timestamp 0: the config's and layer's times are the epoch, so the archive is reproducible.
"${bah[@]}" build --quiet --timestamp 0 --platform linux/amd64 \
  --tag "gostatic:$version" -f "$context/Containerfile" "$context" >&2
"${bah[@]}" push --quiet "gostatic:$version" "oci-archive:$archive:gostatic:$version" >&2
report=$("$host_gostatic" image --fail-on warning --color never "$archive") || {
  echo "$report" >&2
  echo "release.sh: gostatic image fails on its own image" >&2
  exit 1
}
echo "$report" >&2
grep -q 'starts: yes; runs clean; scratch: ready' <<<"$report" || {
  echo "release.sh: gostatic's image is not starts: yes / scratch: ready" >&2
  exit 1
}
# The image's SBOM, written by gostatic itself; .ci/run validates it against the CycloneDX 1.6
# schema (scripts/validate-cyclonedx.py).
sbom="$out/gostatic-$version-oci.cdx.json"
"$host_gostatic" image --format cyclonedx --digests --fail-on never --quiet --output "$sbom" "$archive"
echo "== SBOM -> $sbom" >&2
(cd "$out" && sha256sum "${artifacts[@]##*/}" "${archive##*/}" "${sbom##*/}" > SHA256SUMS)
echo "== done: $out" >&2
cat "$out/SHA256SUMS"
