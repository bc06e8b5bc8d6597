#!/usr/bin/env bash
# Installs what mageio needs on Debian 12, and nothing that is already there.
#
#   tools/install-deps.sh            build dependencies only (compiler, Boost 1.81, yaml-cpp, SQLite, ...)
#   tools/install-deps.sh --servers  also the PostgreSQL and MariaDB servers and clients the tests start
#
# Why the MySQL connector headers are unpacked by hand: Debian's libmysqlcppconn-dev depends on the
# Boost 1.74 headers, which conflict with the Boost 1.81 we need for Boost.JSON. The runtime package
# (libmysqlcppconn7v5) has no such dependency, so we install it and unpack only the -dev package's headers
# into build-deps/mysqlcppconn (the build points there). Only mysql_connection.h includes Boost, and it
# compiles against 1.81.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

want_servers=0
[ "${1:-}" = "--servers" ] && want_servers=1

packages=(build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-filesystem1.81-dev
  libyaml-cpp-dev doctest-dev libsqlite3-dev sqlite3 libpq-dev libmysqlcppconn7v5 libmariadb-dev
  clang-format clang-tidy)
# The benchmarks (bench/run.sh): /usr/bin/time measures the clients' peak memory, Python writes the report.
[ $want_servers = 1 ] && packages+=(postgresql postgresql-client mariadb-server mariadb-client time python3)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" != 0 ] && sudo_cmd=(sudo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

headers="$root/build-deps/mysqlcppconn"
if [ ! -f "$headers/usr/include/mysql_connection.h" ]; then
  echo "install-deps: unpacking the Connector/C++ headers into $headers" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download libmysqlcppconn-dev >/dev/null 2>&1) || {
    "${sudo_cmd[@]}" apt-get update -qq
    (cd "$tmp" && apt-get download libmysqlcppconn-dev >/dev/null)
  }
  mkdir -p "$headers"
  dpkg -x "$tmp"/libmysqlcppconn-dev_*.deb "$headers"
fi
