#!/usr/bin/env bash
# Download real C libraries for the opt-in GS505 test (tests/integration/real_libc.rs): Debian's
# libc6 from bullseye (glibc 2.31) and bookworm (glibc 2.36), and musl, each extracted with
# dpkg-deb into testdata/optin/downloads/libc/<name>/ (git-ignored: third-party binaries are
# never committed).
#
#   bash testdata/optin/fetch-libc.sh   (needs apt-get and dpkg-deb; a no-op once extracted)
#
# apt's ordinary client is pointed at a private configuration per suite (a sources list and a
# lists directory in a temporary directory, and an empty dpkg status so the installed libc6 does
# not shadow the suite's), so the machine's own apt state is left alone. The
# archive is the one the machine's apt already uses for Debian (its first suite without a dash),
# so no mirror is named here; the packages are verified by apt against the Debian keyring.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest="$here/downloads/libc"
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
archive=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
  awk '$2 !~ /-/ { print $1; exit }')
if [ -z "$archive" ]; then
  echo "fetch-libc.sh: no Debian archive in this machine's apt configuration" >&2
  exit 1
fi
arch=$(dpkg --print-architecture)

# fetch SUITE PACKAGE NAME: download PACKAGE from SUITE and extract it into $dest/NAME.
fetch() {
  local suite=$1 package=$2 name=$3
  if [ -f "$dest/$name/.done" ]; then
    echo "have $name"
    return
  fi
  local conf="$tmp/$suite"
  if [ ! -d "$conf/lists" ]; then
    mkdir -p "$conf/lists/partial" "$conf/archives/partial"
    : > "$conf/status"
    echo "deb [arch=$arch signed-by=$keyring] $archive $suite main" > "$conf/sources.list"
  fi
  local apt=(apt-get -q -o "Dir::Etc::sourcelist=$conf/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$conf/lists" -o "Dir::Cache::archives=$conf/archives"
    -o "Dir::State::status=$conf/status" -o "APT::Sandbox::User=root"
    -o "Acquire::Languages=none" -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false")
  if [ ! -f "$conf/updated" ]; then
    "${apt[@]}" update >&2
    touch "$conf/updated"
  fi
  (cd "$conf" && "${apt[@]}" download "$package" >&2)
  rm -rf "${dest:?}/$name"
  mkdir -p "$dest/$name"
  dpkg-deb -x "$conf/${package}"_*.deb "$dest/$name"
  rm -f "$conf/${package}"_*.deb
  touch "$dest/$name/.done"
  echo "extracted $name"
}

fetch bullseye libc6 glibc-2.31
fetch bookworm libc6 glibc-2.36
fetch bookworm musl musl
