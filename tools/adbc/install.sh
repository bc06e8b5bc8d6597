#!/usr/bin/env bash
# Installs what the adbc plugin needs to build and be tested, and nothing that is already there:
#   - a venv in build-deps/adbc/venv (python3 -m venv, never the system site-packages) with the pinned
#     packages of tools/adbc/requirements.txt: the sqlite and postgresql ADBC drivers (their wheels carry
#     the driver libraries), adbc_driver_manager and pyarrow for the benchmark;
#   - build-deps/adbc/include/arrow-adbc/adbc.h, the ADBC C header, taken from the pinned
#     adbc-driver-manager source package on PyPI (it ships the header; it is never committed here).
#
#   tools/adbc/install.sh            install (skipped when both are up to date)
#   tools/adbc/install.sh --python   print the venv's python and exit (installs first when missing)
#
# tools/install-deps.sh --adbc calls this; tools/test.sh asks for that set so CI builds and tests the plugin.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dest="$root/build-deps/adbc"
venv="$dest/venv"
req="$root/tools/adbc/requirements.txt"
header="$dest/include/arrow-adbc/adbc.h"
stamp="$dest/.installed"

say() { echo "adbc/install.sh: $*" >&2; }

manager_version=$(sed -n 's/^adbc-driver-manager==\([0-9.]*\)$/\1/p' "$req")
[ -n "$manager_version" ] || {
  say "tools/adbc/requirements.txt pins no adbc-driver-manager==VERSION"
  exit 1
}

if [ -f "$stamp" ] && [ -f "$header" ] && [ -x "$venv/bin/python" ] && cmp -s "$req" "$stamp"; then
  [ "${1:-}" = --python ] && echo "$venv/bin/python"
  exit 0
fi

started=$(date +%s)
mkdir -p "$dest"
if [ ! -x "$venv/bin/python" ]; then
  say "creating the venv $venv"
  python3 -m venv "$venv"
fi
say "installing $(grep -c '^[a-z]' "$req") pinned packages into the venv (pip)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"

say "taking adbc.h from the adbc-driver-manager $manager_version source package"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps \
  -d "$tmp" "adbc-driver-manager==$manager_version"
tar -xzf "$tmp"/adbc_driver_manager-*.tar.gz -C "$tmp"
found=$(find "$tmp" -path '*/arrow-adbc/adbc.h' -print -quit)
[ -n "$found" ] || found=$(find "$tmp" -name adbc.h -print -quit)
[ -n "$found" ] || {
  say "the adbc-driver-manager $manager_version source package has no adbc.h"
  exit 1
}
mkdir -p "$(dirname "$header")"
cp "$found" "$header"
cp "$req" "$stamp"
say "done in $(($(date +%s) - started)) s"
[ "${1:-}" = --python ] && echo "$venv/bin/python"
exit 0
