#!/usr/bin/env bash
# The `image` group of testdata/build.sh: small real container images made by real tools
# (buildah, skopeo, podman from Debian; no daemon, no registry) in testdata/image, and what
# independent tools say about each (skopeo inspect, umoci unpack, readelf) in
# testdata/image/records. The payloads are the committed fixtures of testdata/bin and
# testdata/go, so no Go toolchain is needed. Root only (buildah mounts, the overlay driver).
#
#   bash testdata/build.sh image
#
# Reproducible: `buildah commit --timestamp` stamps the configs and every file in every layer,
# owners are 0:0 or explicit, content is pinned; c/image stamps the outer tar of an oci-archive
# with the current time, so those headers are re-dated (normalise_mtimes). The stores are fresh
# on each run. A variant with this machine's real glibc goes to the git-ignored testdata/gen.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="$here/image"
records="$out/records"
gen="$here/gen/image"
work=/tmp/gostatic-fixtures/image
epoch=1700000000 # 2023-11-14T22:13:20Z

if [ "$(id -u)" != 0 ]; then
  echo "image: skipped (needs root: buildah mounts and the overlay driver)" >&2
  exit 0
fi
need_apt=()
for tool in buildah skopeo umoci podman gcc readelf; do
  command -v "$tool" >/dev/null || need_apt+=("$tool")
done
need_apt=("${need_apt[@]/readelf/binutils}")
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
buildah --version
skopeo --version
umoci --version

# Fresh stores: one vfs (per-file whiteouts), one overlay (opaque whiteouts, kernel overlayfs).
unmount_under() { grep -o " $1[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null || true; }
unmount_under "$work"
rm -rf "$work"
mkdir -p "$work" "$out" "$gen"
rm -rf "$records" "$out"/*.tar "$out"/*.oci
mkdir -p "$records"
trap 'unmount_under "$work"' EXIT

driver=vfs
B() { buildah --root "$work/$driver" --runroot "$work/$driver-run" --storage-driver "$driver" "$@" >/dev/null; }
Bout() { buildah --root "$work/$driver" --runroot "$work/$driver-run" --storage-driver "$driver" "$@"; }
storage() { echo "containers-storage:[$driver@$work/$driver+$work/$driver-run]localhost/$1:latest"; }
commit() { B commit --quiet --timestamp "$epoch" --rm "$1" "$2"; echo "committed $2 ($driver)"; }
quiet() { "$@" > "$work/last.log" 2>&1 || { cat "$work/last.log" >&2; return 1; }; }

# normalise_mtimes TAR: re-date every header of a tar written by c/image (Go archive/tar, plain
# ustar headers) to the epoch and fix the checksum; refuses PAX or GNU headers rather than guess.
normalise_mtimes() {
  python3 - "$1" "$epoch" <<'PY'
import sys
path, epoch = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, "rb").read())
pos = 0
while pos + 512 <= len(data) and any(data[pos:pos + 512]):
    header = data[pos:pos + 512]
    if header[156:157] in (b"x", b"g", b"L", b"K"):
        sys.exit(f"{path}: PAX/GNU header at {pos}: not normalised")
    data[pos + 136:pos + 148] = b"%011o\0" % epoch
    data[pos + 148:pos + 156] = b" " * 8
    data[pos + 148:pos + 156] = b"%06o\0 " % sum(data[pos:pos + 512])
    size = int(header[124:136].rstrip(b"\0 ") or b"0", 8)
    pos += 512 + (size + 511) // 512 * 512
open(path, "wb").write(data)
PY
}

# to_oci_archive IMAGE FILE [skopeo copy flags...]: c/image's oci-archive of a stored image.
to_oci_archive() {
  local image=$1 file=$2; shift 2
  quiet skopeo copy "$@" "$(storage "$image")" "oci-archive:$file:$image"
  normalise_mtimes "$file"
  echo "wrote ${file#"$here"/}"
}
# to_docker_archive FILE IMAGE...: podman's docker save (legacy layout; several images share layers).
to_docker_archive() {
  local file=$1; shift
  local refs=()
  for image in "$@"; do refs+=("localhost/$image:latest"); done
  rm -f "$file"
  quiet podman --root "$work/$driver" --runroot "$work/$driver-run" --storage-driver "$driver" \
    save --multi-image-archive --format docker-archive -o "$file" "${refs[@]}"
  echo "wrote ${file#"$here"/}"
}
# to_oci_layout DIR IMAGE...: one OCI layout holding every image, tagged by name (blobs shared).
to_oci_layout() {
  local dir=$1; shift
  rm -rf "$dir"
  for image in "$@"; do quiet skopeo copy "$(storage "$image")" "oci:$dir:$image"; done
  find "$dir" -exec touch -h -d "@$epoch" {} +
}
# tar_layout DIR FILE: a layout as an oci-archive, the way `tar -C DIR -cf FILE .` would make
# it, with fixed order, owners and times (c/image writes only single-image oci-archives).
tar_layout() {
  tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=ustar \
    -C "$1" -cf "$2" oci-layout index.json blobs
  echo "wrote ${2#"$here"/}"
}

bin="$here/bin"
gobin="$here/go"
etc="$work/etc-files"

# scratch-static: the ready image (static Go binary, numeric non-root USER, exec-form ENTRYPOINT).
c=$(Bout from scratch)
B copy --chown 0:0 "$c" "$bin/go-static-stripped" /server
B config --entrypoint '["/server"]' --user 65532 "$c"
commit "$c" scratch-static

# scratch-dynamic: a cgo binary alone (no loader, no libc: GS504), and scratch-dynamic-libs, the
# same layer plus stand-in loader and libc laid out as Debian does (ld.so.conf include, the
# /lib64 loader a symlink into /lib/x86_64-linux-gnu).
stand_in="$work/stand-in"
mkdir -p "$stand_in/etc/ld.so.conf.d" "$stand_in/lib/x86_64-linux-gnu" "$stand_in/lib64"
for soname in libc.so.6 ld-linux-x86-64.so.2; do
  gcc -shared -nostdlib -fPIC -O2 -s -Wl,--build-id=none -Wl,-soname,$soname \
    -o "$stand_in/lib/x86_64-linux-gnu/$soname" "$here/src/c/stand-in-lib.c"
done
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$stand_in/lib64/ld-linux-x86-64.so.2"
printf 'include /etc/ld.so.conf.d/*.conf\n' > "$stand_in/etc/ld.so.conf"
printf '# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' \
  > "$stand_in/etc/ld.so.conf.d/x86_64-linux-gnu.conf"
c=$(Bout from scratch)
B copy --chown 0:0 "$c" "$bin/go-cgo-dynamic" /app
B config --entrypoint '["/app"]' --user 65532 "$c"
commit "$c" scratch-dynamic
c=$(Bout from localhost/scratch-dynamic)
B copy --chown 0:0 "$c" "$stand_in" /
commit "$c" scratch-dynamic-libs

# needs: go-needs (CA bundle, zoneinfo, users, temp dir, cache dir under HOME) with USER app and
# none of those files (GS501-GS503, GS506, GS507 become errors, GS602); needs-fixed adds them in
# a second layer, with /tmp mode 1777 and app's home /home/app owned by app.
mkdir -p "$etc/etc/ssl/certs" "$etc/usr/share/zoneinfo/Europe" "$etc/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\napp:x:10001:10001:app:/home/app:/sbin/nologin\n' \
  > "$etc/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\napp:x:10001:\n' > "$etc/etc/group"
# The CA bundle: one self-signed certificate of ours (testdata/src/ca), so the pool is not empty.
cp "$here/src/ca/fixture-ca.pem" "$etc/etc/ssl/certs/ca-certificates.crt"
# zoneinfo from Debian's tzdata (public domain): UTC and the zone go-needs loads.
cp /usr/share/zoneinfo/UTC "$etc/usr/share/zoneinfo/UTC"
cp /usr/share/zoneinfo/Europe/Paris "$etc/usr/share/zoneinfo/Europe/Paris"
chmod 0644 "$etc"/etc/passwd "$etc"/etc/group "$etc"/etc/ssl/certs/* "$etc"/usr/share/zoneinfo/UTC \
  "$etc"/usr/share/zoneinfo/Europe/Paris
chmod 1777 "$etc/tmp"
c=$(Bout from scratch)
B copy --chown 0:0 "$c" "$gobin/go-needs" /usr/local/bin/needs
B config --entrypoint '["/usr/local/bin/needs"]' --cmd '["localhost"]' --user app "$c"
commit "$c" needs
c=$(Bout from localhost/needs)
B copy --chown 0:0 "$c" "$etc" /
# app's /etc/passwd home, owned by app: go-needs writes its cache under HOME (GS507).
m=$(Bout mount "$c")
install -d -o 10001 -g 10001 -m 0700 "$m/home/app"
B umount "$c"
commit "$c" needs-fixed

# multiarch: amd64 (the same image as scratch-static) and arm64 in one index.
c=$(Bout from scratch)
B copy --chown 0:0 "$c" "$bin/go-arm64" /server
B config --os linux --arch arm64 --entrypoint '["/server"]' --user 65532 "$c"
commit "$c" scratch-static-arm64
B manifest create localhost/multiarch
B manifest add localhost/multiarch "$(storage scratch-static)"
B manifest add localhost/multiarch "$(storage scratch-static-arm64)"

# stage: the images whose suggested final stage used to fail (issue 10), one per failure, in one
# OCI archive (gzip layers; all but two share the base layer). What is tested is the stage
# gostatic prints for each: tests/integration/stage_runs.rs builds and runs it in a chroot.
#   stage-symlink    ENTRYPOINT /entrypoint, a symlink to /opt/app/bin/worker
#   stage-relative   CMD ./bin/worker, found through WorkingDir /opt/app
#   stage-path       CMD worker, found through ENV PATH=/opt/app/bin (not in the default PATH)
#   stage-named-user USER app and no /etc/passwd (GS602)
#   stage-shell      CMD ["/bin/sh", "-c", "exec /opt/app/bin/worker"] and no /bin/sh (GS603)
#   stage-noexec     /server (c-static) mode 0700, USER 65532: the image cannot start it (GS603)
#   stage-os-user    go-needs as root, with an /etc/passwd that lacks 65532 (the stage's user)
c=$(Bout from scratch)
B copy --chown 0:0 "$c" "$bin/go-static-stripped" /opt/app/bin/worker
commit "$c" stage-base
c=$(Bout from localhost/stage-base)
m=$(Bout mount "$c")
ln -s /opt/app/bin/worker "$m/entrypoint"
B umount "$c"
B config --entrypoint '["/entrypoint"]' --user 65532 "$c"
commit "$c" stage-symlink
c=$(Bout from localhost/stage-base)
B config --workingdir /opt/app --cmd '["./bin/worker"]' --user 65532 "$c"
commit "$c" stage-relative
c=$(Bout from localhost/stage-base)
B config --env PATH=/opt/app/bin --cmd '["worker"]' --user 65532 "$c"
commit "$c" stage-path
c=$(Bout from localhost/stage-base)
B config --entrypoint '["/opt/app/bin/worker"]' --user app "$c"
commit "$c" stage-named-user
c=$(Bout from localhost/stage-base)
B config --cmd '["/bin/sh", "-c", "exec /opt/app/bin/worker"]' --user 65532 "$c"
commit "$c" stage-shell
c=$(Bout from scratch)
B copy --chown 0:0 --chmod 0700 "$c" "$bin/c-static" /server
B config --entrypoint '["/server"]' --user 65532 "$c"
commit "$c" stage-noexec
c=$(Bout from scratch)
B copy --chown 0:0 "$c" "$gobin/go-needs" /usr/local/bin/needs
B copy --chown 0:0 "$c" "$etc" /
B config --entrypoint '["/usr/local/bin/needs"]' "$c"
commit "$c" stage-os-user
stage_images=(stage-symlink stage-relative stage-path stage-named-user stage-shell stage-noexec
  stage-os-user)

# Archives of the vfs images.
to_docker_archive "$out/scratch-static.docker.tar" scratch-static
to_oci_archive scratch-static "$out/scratch-static.oci.tar"
to_oci_archive scratch-static "$out/scratch-static.zstd.oci.tar" --dest-compress-format zstd
to_docker_archive "$out/scratch-dynamic.docker.tar" scratch-dynamic scratch-dynamic-libs
to_oci_layout "$work/dynamic-layout" scratch-dynamic scratch-dynamic-libs
tar_layout "$work/dynamic-layout" "$out/scratch-dynamic.oci.tar"
to_oci_layout "$out/needs.oci" needs needs-fixed
to_oci_layout "$work/stage-layout" "${stage_images[@]}"
tar_layout "$work/stage-layout" "$out/stage.oci.tar"
echo "wrote image/needs.oci/"
quiet Bout manifest push --all localhost/multiarch "oci-archive:$out/multiarch.oci.tar:multiarch"
normalise_mtimes "$out/multiarch.oci.tar"
echo "wrote image/multiarch.oci.tar"
# Its docker-archive form can hold one platform: skopeo picks arm64 out of the index.
quiet skopeo --override-arch arm64 copy "oci-archive:$out/multiarch.oci.tar" \
  "docker-archive:$out/multiarch-arm64.docker.tar:localhost/multiarch:arm64"
echo "wrote image/multiarch-arm64.docker.tar"

# The same dynamic image with this machine's real loader and glibc: runs, but third-party
# binaries, so only in the git-ignored gen area.
if [ -e /lib64/ld-linux-x86-64.so.2 ] && [ -e /lib/x86_64-linux-gnu/libc.so.6 ]; then
  glibc="$work/glibc-root"
  mkdir -p "$glibc/lib/x86_64-linux-gnu" "$glibc/lib64"
  cp -L /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$glibc/lib/x86_64-linux-gnu/"
  ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$glibc/lib64/ld-linux-x86-64.so.2"
  c=$(Bout from localhost/scratch-dynamic)
  B copy --chown 0:0 "$c" "$glibc" /
  commit "$c" scratch-dynamic-glibc
  to_docker_archive "$gen/scratch-dynamic-glibc.docker.tar" scratch-dynamic-glibc
  to_oci_archive scratch-dynamic-glibc "$gen/scratch-dynamic-glibc.oci.tar"
fi

# layers: layer semantics from the overlay driver (kernel overlayfs makes the opaque directory).
#   1  /app/server (c-static) and its hard link /usr/local/bin/server; /app/helper (c-dynamic);
#      /etc/app/{app,old}.conf; /opt/plugins/{legacy-exporter,README}; /usr/share/doc/app/README
#   2  deletes /etc/app/old.conf (.wh.old.conf); replaces /opt/plugins (rm -rf + mkdir: opaque
#      .wh..wh..opq) with new-exporter; overwrites /app/helper with a stripped copy (wasted
#      bytes); replaces the directory /usr/share/doc/app with a file
#   config: ENTRYPOINT the hard link, USER 65532
driver=overlay
c=$(Bout from scratch)
m=$(Bout mount "$c")
install -d -m 0755 "$m/app" "$m/usr/local/bin" "$m/etc/app" "$m/opt/plugins" "$m/usr/share/doc/app"
install -m 0755 "$bin/c-static" "$m/app/server"
ln "$m/app/server" "$m/usr/local/bin/server"
install -m 0755 "$bin/c-dynamic" "$m/app/helper"
printf 'listen = ":8080"\n' > "$m/etc/app/app.conf"
printf 'secret = "rotated"\n' > "$m/etc/app/old.conf"
printf 'legacy exporter\n' > "$m/opt/plugins/legacy-exporter"
printf 'plugins\n' > "$m/opt/plugins/README"
printf 'app docs\n' > "$m/usr/share/doc/app/README"
chmod 0644 "$m"/etc/app/* "$m"/opt/plugins/* "$m/usr/share/doc/app/README"
B umount "$c"
commit "$c" layers-base
c=$(Bout from localhost/layers-base)
m=$(Bout mount "$c")
rm "$m/etc/app/old.conf"
rm -rf "$m/opt/plugins"
install -d -m 0755 "$m/opt/plugins"
printf 'new exporter\n' > "$m/opt/plugins/new-exporter"
strip -o "$work/helper-stripped" "$bin/c-dynamic"
install -m 0755 "$work/helper-stripped" "$m/app/helper"
rm -rf "$m/usr/share/doc/app"
printf 'app docs moved\n' > "$m/usr/share/doc/app"
chmod 0644 "$m/opt/plugins/new-exporter" "$m/usr/share/doc/app"
B umount "$c"
B config --entrypoint '["/usr/local/bin/server"]' --user 65532 "$c"
commit "$c" layers
to_docker_archive "$out/layers.docker.tar" layers
to_oci_archive layers "$out/layers.oci.tar"
to_oci_archive layers "$out/layers.uncompressed.oci.tar" --dest-oci-accept-uncompressed-layers

# Records ---------------------------------------------------------------------------------------
# rootfs_listing DIR: the unpacked tree, one line per entry, sorted: path, type, mode, owner,
# link count and size (both "-" for directories, whose values depend on the file system), and
# a symlink's target.
rootfs_listing() {
  (cd "$1" && find . -mindepth 1 -printf '/%P\t%y %M %U:%G %n %s\t%l\n' |
    awk -F'\t' '{ split($2, a, " "); if (a[1] == "d") { a[4] = "-"; a[5] = "-" }
      line = $1 " " a[1] " " a[2] " " a[3] " " a[4] " " a[5]
      if ($3 != "") line = line " -> " $3
      print line }' | LC_ALL=C sort)
}
# elf_summary DIR: for each ELF in the tree, its digest and what readelf -hld says that the
# image rules use: class, byte order, type, machine, interpreter, NEEDED, SONAME, RPATH, RUNPATH.
elf_summary() {
  (cd "$1" && find . -type f | sort | while read -r f; do
    [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || continue
    echo "/${f#./} $(sha256sum < "$f" | cut -d' ' -f1) $(stat -c %s "$f")"
    LC_ALL=C readelf -hldW "$f" 2>&1 |
      grep -E '^ +(Class|Data|Type|Machine):|program interpreter|\((NEEDED|SONAME|RPATH|RUNPATH)\)' |
      sed -E 's/^ *0x[0-9a-f]+ +//; s/^ +//; s/ {2,}/ /g; s/^/  /'
  done)
}
# layer_listing LAYOUT: every layer of the one image in an OCI layout, in order, as GNU tar lists
# its members (dates dropped; they are all the commit timestamp): whiteouts, hard links, order.
layer_listing() {
  local manifest n=0
  manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' "$1/index.json")
  python3 -c 'import json,sys
for l in json.load(open(sys.argv[1]))["layers"]: print(l["digest"].split(":")[1])' "$1/blobs/sha256/$manifest" |
    while read -r blob; do
      n=$((n + 1))
      echo "layer $n: diff_id sha256:$(gzip -dc "$1/blobs/sha256/$blob" | sha256sum | cut -d' ' -f1)"
      tar -tvzf "$1/blobs/sha256/$blob" --numeric-owner | awk '{ $4 = $5 = ""; print "  " $0 }' | tr -s ' '
    done
}
# record REF NAME DEST [skopeo global flags...]: manifest, config, final tree and ELF summary
# of one image, read back from the written archive by skopeo and umoci.
record() {
  local ref=$1 name=$2 dest=$3; shift 3
  mkdir -p "$dest"
  skopeo "$@" inspect --raw "$ref" > "$dest/$name.manifest.json"
  skopeo "$@" inspect --config --raw "$ref" > "$dest/$name.config.json"
  rm -rf "$work/unpack" && mkdir -p "$work/unpack"
  quiet skopeo "$@" copy --dest-compress --dest-compress-format gzip "$ref" "oci:$work/unpack/layout:x"
  quiet umoci raw unpack --image "$work/unpack/layout:x" "$work/unpack/rootfs"
  rootfs_listing "$work/unpack/rootfs" > "$dest/$name.rootfs"
  layer_listing "$work/unpack/layout" > "$dest/$name.layers"
  elf_summary "$work/unpack/rootfs" > "$dest/$name.elf"
  # A full `umoci unpack` also writes the runtime config, resolving USER through the image's
  # /etc/passwd the way a container runtime does: its refusal is recorded (GS602 evidence).
  if ! umoci unpack --image "$work/unpack/layout:x" "$work/unpack/bundle" > "$work/umoci.log" 2>&1; then
    sed -E 's/^ *⨯ +//' "$work/umoci.log" > "$dest/$name.umoci-unpack"
  fi
}
for f in scratch-static.docker.tar scratch-static.oci.tar scratch-static.zstd.oci.tar \
  layers.docker.tar layers.oci.tar layers.uncompressed.oci.tar multiarch-arm64.docker.tar; do
  case $f in *.docker.tar) ref="docker-archive:$out/$f" ;; *) ref="oci-archive:$out/$f" ;; esac
  record "$ref" image "$records/$f"
done
for image in scratch-dynamic scratch-dynamic-libs; do
  record "docker-archive:$out/scratch-dynamic.docker.tar:localhost/$image:latest" "$image" \
    "$records/scratch-dynamic.docker.tar"
  record "oci-archive:$out/scratch-dynamic.oci.tar:$image" "$image" "$records/scratch-dynamic.oci.tar"
done
for image in needs needs-fixed; do record "oci:$out/needs.oci:$image" "$image" "$records/needs.oci"; done
for image in "${stage_images[@]}"; do
  record "oci-archive:$out/stage.oci.tar:$image" "$image" "$records/stage.oci.tar"
done
# multiarch: the index skopeo resolves, then each platform; --raw of a platform would print the
# index again, so its manifest is the blob the index names, read out of the archive.
ma="$records/multiarch.oci.tar"
for arch in amd64 arm64; do
  record "oci-archive:$out/multiarch.oci.tar" "linux-$arch" "$ma" --override-arch "$arch"
done
mv "$ma/linux-amd64.manifest.json" "$ma/index.json"
rm "$ma/linux-arm64.manifest.json"
# buildah nests it: the archive's own index.json names the index above as its one manifest.
tar -xOf "$out/multiarch.oci.tar" index.json > "$ma/top-index.json"
for arch in amd64 arm64; do
  digest=$(python3 -c 'import json,sys
for m in json.load(open(sys.argv[1]))["manifests"]:
    if m["platform"]["architecture"] == sys.argv[2]: print(m["digest"].split(":")[1])' "$ma/index.json" "$arch")
  tar -xOf "$out/multiarch.oci.tar" "blobs/sha256/$digest" > "$ma/linux-$arch.manifest.json"
done
# For each archive, its members as tar lists them (c/image's symlinked layer.tar, blob names).
for f in "$out"/*.tar; do
  tar -tvf "$f" --numeric-owner | awk '{ $4 = $5 = ""; print }' | tr -s ' ' > "$records/$(basename "$f")/members"
done
(cd "$out" && find . -type f ! -path './records/*' ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS)
du -sh "$out"
