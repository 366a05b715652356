# Sourced by testdata/optin/fetch.sh and fetch-runtime-string.sh: take one Go binary out of an
# npm package tarball, fetched with npm's own client and checked against the recorded sha256 of
# the tarball and of the binary.
#
#   npm_fetch PACKAGE@VERSION TARBALL_SHA BINARY_SHA DEST_FILE TMP_DIR
#       a no-op when DEST_FILE already has BINARY_SHA; else extracts package/bin/esbuild
#       (the path every esbuild package uses) to DEST_FILE

npm_fetch() {
  local package=$1 tarball_sha=$2 binary_sha=$3 file=$4 tmp=$5 tgz
  if [ -f "$file" ] && echo "$binary_sha  $file" | sha256sum -c --status; then
    echo "have $(basename "$file")"
    return
  fi
  tgz=$(cd "$tmp" && npm pack --silent "$package" | tail -n 1)
  echo "$tarball_sha  $tmp/$tgz" | sha256sum -c --quiet
  tar -xzf "$tmp/$tgz" -C "$tmp" package/bin/esbuild
  echo "$binary_sha  $tmp/package/bin/esbuild" | sha256sum -c --quiet
  mv "$tmp/package/bin/esbuild" "$file"
  rm -rf "$tmp/package" "$tmp/$tgz"
  echo "fetched $(basename "$file") ($package)"
}
