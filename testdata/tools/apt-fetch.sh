# Sourced by testdata/build.sh and testdata/optin/fetch-libc.sh: download Debian packages from
# another suite than the machine's and extract them, without touching the machine's apt state.
#
#   apt_fetch SUITE DEST PACKAGE...   extract every PACKAGE of SUITE into DEST (a no-op once
#                                     DEST/.done exists)
#
# apt's ordinary client is pointed at a private configuration per suite (a sources list and a
# lists directory in a temporary directory, and an empty dpkg status so installed packages do
# not shadow the suite's). The archive is the one the machine's apt already uses for Debian (its
# first suite without a dash), so no mirror is named here; apt verifies the packages against the
# Debian keyring.

apt_fetch() {
  local suite=$1 dest=$2
  shift 2
  if [ -f "$dest/.done" ]; then
    echo "have $dest"
    return
  fi
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg archive arch conf
  archive=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
    awk '$2 !~ /-/ { print $1; exit }')
  if [ -z "$archive" ]; then
    echo "apt_fetch: no Debian archive in this machine's apt configuration" >&2
    return 1
  fi
  arch=$(dpkg --print-architecture)
  conf=$(mktemp -d)
  mkdir -p "$conf/lists/partial" "$conf/archives/partial"
  : > "$conf/status"
  echo "deb [arch=$arch signed-by=$keyring] $archive $suite main" > "$conf/sources.list"
  local apt=(apt-get -q -o "Dir::Etc::sourcelist=$conf/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$conf/lists" -o "Dir::Cache::archives=$conf/archives"
    -o "Dir::State::status=$conf/status" -o "APT::Sandbox::User=root"
    -o "Acquire::Languages=none" -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false")
  "${apt[@]}" update >&2
  (cd "$conf" && "${apt[@]}" download "$@" >&2)
  rm -rf "$dest"
  mkdir -p "$dest"
  local package
  for package in "$@"; do
    dpkg-deb -x "$conf/${package}"_*.deb "$dest"
  done
  rm -rf "$conf"
  touch "$dest/.done"
  echo "extracted $* into $dest"
}
