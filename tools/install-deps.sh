#!/usr/bin/env bash
# Installs what a mageio command needs on Debian 12, and nothing that is already there. Each script asks
# for its own set, so the quick start never pulls in the servers or the lint tools:
#
#   tools/install-deps.sh                    the same as --build
#   tools/install-deps.sh --build            compiler, CMake, Ninja, Boost 1.81, yaml-cpp, CLI11, SQLite, libpq,
#                                            Connector/C++, doctest   (tools/quickstart.sh)
#   tools/install-deps.sh --servers          the PostgreSQL and MariaDB servers and clients the tests start,
#                                            time and python3 for the benchmarks, and moto (the S3 emulator,
#                                            tools/moto/install.sh)  (tools/test.sh: --build --servers)
#   tools/install-deps.sh --python           python3 with venv and its headers, for the Python package
#                                            (tools/python-venv.sh: --build --python)
#   tools/install-deps.sh --lint             clang-format and clang-tidy  (tools/lint.sh, when they are missing)
#   tools/install-deps.sh --adbc             python3-venv, then tools/adbc/install.sh: a venv with the pinned ADBC
#                                            drivers (sqlite, postgresql, flightsql) and adbc.h for the adbc plugin,
#                                            and the Flight SQL test server (tools/flightsql/install.sh)
#                                            (tools/test.sh: --build --servers --adbc)
#   tools/install-deps.sh --fuzz             clang 14 and its libFuzzer/sanitizer runtimes (tools/fuzz.sh:
#                                            --build --fuzz)
#   tools/install-deps.sh --list SET...      print the packages of those sets, install nothing
#
# Sets combine (--build --servers). Safe to run again: a package that is installed is never touched, and
# when nothing is missing apt does not run at all. apt runs as root (through sudo when you are not root).
#
# What you see: one line per stage (updating the package lists, then downloading and installing N
# packages). On a terminal the line shows how far along it is (package N of M, percent, what apt is doing
# now); elsewhere (CI logs) only the stage lines. When apt fails, everything it printed is shown.
#
# Why the MySQL connector headers are unpacked by hand: Debian's libmysqlcppconn-dev depends on the
# Boost 1.74 headers, which conflict with the Boost 1.81 we need for Boost.JSON. The runtime package
# (libmysqlcppconn7v5) has no such dependency, so we install it and unpack only the -dev package's headers
# into build-deps/mysqlcppconn (the build points there). Only mysql_connection.h includes Boost, and it
# compiles against 1.81.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build_set=(build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-filesystem1.81-dev
  libyaml-cpp-dev libcli11-dev doctest-dev libsqlite3-dev sqlite3 libpq-dev libmysqlcppconn7v5 libmariadb-dev)
# The benchmarks (bench/run.sh) come with the servers: /usr/bin/time measures the clients' peak memory,
# Python writes the report.
servers_set=(postgresql postgresql-client mariadb-server mariadb-client time python3 python3-venv)
lint_set=(clang-format clang-tidy)
# The Python package (pip install . in a venv: tools/python-venv.sh): the interpreter, venv and the headers
# the extension compiles against. Everything else comes from PyPI into the venv.
python_set=(python3 python3-venv python3-dev)
# The fuzz targets (fuzz/, tools/fuzz.sh): libFuzzer comes with clang; libclang-rt-14-dev holds its
# runtime and the ASan/UBSan ones.
fuzz_set=(clang-14 libclang-rt-14-dev)
# The adbc plugin: a venv (python3 -m venv) for the drivers' wheels and the header's source package.
adbc_set=(python3 python3-venv)

say() { echo "install-deps: $*" >&2; }
die() {
  say "$*"
  exit 1
}

want_build=0
want_servers=0
want_lint=0
want_python=0
want_fuzz=0
want_adbc=0
list_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) want_build=1 ;;
    --servers) want_servers=1 ;;
    --lint) want_lint=1 ;;
    --python) want_python=1 ;;
    --fuzz) want_fuzz=1 ;;
    --adbc) want_adbc=1 ;;
    --list) list_only=1 ;;
    -h | --help)
      sed -n '2,20p' "$0"
      exit 0
      ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[ $((want_build + want_servers + want_lint + want_fuzz + want_python + want_adbc)) = 0 ] && want_build=1

packages=()
[ $want_build = 1 ] && packages+=("${build_set[@]}")
[ $want_servers = 1 ] && packages+=("${servers_set[@]}")
[ $want_lint = 1 ] && packages+=("${lint_set[@]}")
[ $want_python = 1 ] && packages+=("${python_set[@]}")
[ $want_fuzz = 1 ] && packages+=("${fuzz_set[@]}")
[ $want_adbc = 1 ] && packages+=("${adbc_set[@]}")

if [ $list_only = 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

command -v dpkg-query >/dev/null 2>&1 || die "this is not a Debian system (no dpkg-query): install these yourself: ${packages[*]}"

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" != 0 ] && sudo_cmd=(sudo)

# The terminal progress line: rewritten in place, cleared by progress_done. Only when stderr is a terminal.
on_terminal=0
[ -t 2 ] && on_terminal=1
progress() { [ $on_terminal = 1 ] && printf '\r\033[K  %s' "$*" >&2 || true; }
progress_done() { [ $on_terminal = 1 ] && printf '\r\033[K' >&2 || true; }

# Runs apt-get (as root) with its output in a log and its machine-readable status (APT::Status-Fd) on a
# pipe, which becomes the progress line. The redirections happen inside the root shell because sudo closes
# every descriptor above 2. On failure, the whole log is shown: apt's errors are never swallowed.
#   run_apt WHAT apt-get-arguments...
run_apt() {
  local what=$1
  shift
  local log status started
  log=$(mktemp)
  started=$(date +%s)
  set +e
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive bash -c 'log=$1; shift; exec apt-get "$@" 3>&1 >"$log" 2>&1' \
    _ "$log" -o APT::Status-Fd=3 "$@" | show_apt_status
  status=${PIPESTATUS[0]}
  set -e
  progress_done
  if [ "$status" != 0 ]; then
    say "$what failed (apt-get exit status $status); apt-get said:"
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  say "  done in $(($(date +%s) - started)) s"
}

# Turns apt's status lines into the progress line:
#   dlstatus:<files done>:<percent>:Retrieving file N of M
#   pmstatus:<package>:<percent>:<what dpkg does, e.g. Unpacking libfoo (amd64)>
show_apt_status() {
  # The package may carry its architecture (libc6:amd64), so the fields are matched, not split on ':'.
  local line pattern='^(dlstatus|pmstatus):[^:]+(:[a-z][a-z0-9]*)?:([0-9]+)(\.[0-9]*)?:(.*)$'
  while IFS= read -r line; do
    [[ "$line" =~ $pattern ]] || continue
    case "${BASH_REMATCH[1]}" in
      dlstatus) progress "downloading: ${BASH_REMATCH[5]} (${BASH_REMATCH[3]}%)" ;;
      pmstatus) progress "installing: ${BASH_REMATCH[3]}% ${BASH_REMATCH[5]}" ;;
    esac
  done
}

if [ ${#missing[@]} -gt 0 ]; then
  say "missing: ${missing[*]}"
  say "[1/2] updating the package lists (apt-get update)"
  run_apt "apt-get update" update
  # What apt will install besides the missing packages themselves (their dependencies): a dry run.
  total=$(apt-get install -s --no-install-recommends "${missing[@]}" 2>/dev/null | grep -c '^Inst ' || true)
  say "[2/2] downloading and installing ${total:-?} packages (${#missing[@]} asked for, the rest their dependencies)"
  run_apt "apt-get install" install -y --no-install-recommends "${missing[@]}"
fi

headers="$root/build-deps/mysqlcppconn"
if [ $want_build = 1 ] && [ ! -f "$headers/usr/include/mysql_connection.h" ]; then
  say "unpacking the Connector/C++ headers into $headers"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && apt-get download libmysqlcppconn-dev >"$tmp/log" 2>&1); then
    # The package lists may be missing or stale (a fresh container): update them and try once more.
    run_apt "apt-get update" update
    (cd "$tmp" && apt-get download libmysqlcppconn-dev >"$tmp/log" 2>&1) || {
      say "apt-get download libmysqlcppconn-dev failed; apt-get said:"
      cat "$tmp/log" >&2
      exit 1
    }
  fi
  mkdir -p "$headers"
  dpkg -x "$tmp"/libmysqlcppconn-dev_*.deb "$headers"
fi

# The parquet plugin (plugins/parquet) is Rust: CMake runs cargo, which fetches its crates from crates.io.
# Not an apt package (Debian 12's cargo is too old for the Arrow crates): rustup installs it
# (https://rustup.rs). Without cargo the plugin is skipped, except under CI=true, where it is an error.
if [ $want_build = 1 ] && ! command -v cargo >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
  if [ "${CI:-}" = true ]; then
    die "cargo (Rust) is not installed and CI=true builds every plugin: install it with rustup (https://rustup.rs)"
  fi
  say "cargo (Rust) is not installed: the parquet plugin will be skipped (install it with rustup, https://rustup.rs)"
fi

# The ADBC drivers and adbc.h (pip into build-deps/adbc/venv; skipped when up to date).
if [ $want_adbc = 1 ]; then
  bash "$root/tools/adbc/install.sh"
  bash "$root/tools/flightsql/install.sh"
fi

# The object-store emulators of the parquet plugin's tests, each skipped when up to date: S3 (moto, pip into
# build-deps/moto/venv), Azure Blob (Azurite, npm into build-deps/azurite), GCS (fake-gcs-server, go install
# into build-deps/fake-gcs).
if [ $want_servers = 1 ]; then
  bash "$root/tools/moto/install.sh"
  bash "$root/tools/azurite/install.sh"
  bash "$root/tools/fake-gcs/install.sh"
fi
