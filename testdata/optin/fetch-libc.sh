#!/usr/bin/env bash
# Download real C libraries for the opt-in GS505 test (tests/integration/real_libc.rs): Debian's
# libc6 from bullseye (glibc 2.31) and bookworm (glibc 2.36), and musl; and for the opt-in GS105
# test (tests/integration/static_nss.rs) bullseye's libc6 with libc6-dev (libc.a, crt1.o) to
# link a static program against glibc 2.31. Each is extracted with dpkg-deb into
# testdata/optin/downloads/libc/<name>/ (git-ignored: third-party binaries are never
# committed), by testdata/tools/apt-fetch.sh.
#
#   bash testdata/optin/fetch-libc.sh   (needs apt-get and dpkg-deb; a no-op once extracted)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tools/apt-fetch.sh
. "$here/../tools/apt-fetch.sh"
dest="$here/downloads/libc"
mkdir -p "$dest"

apt_fetch bullseye "$dest/glibc-2.31" libc6
apt_fetch bookworm "$dest/glibc-2.36" libc6
apt_fetch bookworm "$dest/musl" musl
apt_fetch bullseye "$dest/glibc-2.31-dev" libc6 libc6-dev
