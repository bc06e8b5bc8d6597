#!/usr/bin/env bash
# Installs moto, the S3 emulator the parquet plugin's tests run against, into its own venv
# build-deps/moto/venv (python3 -m venv, never the system site-packages), pinned by
# tools/moto/requirements.txt; skipped when up to date. tools/with-test-servers.sh starts
# build-deps/moto/venv/bin/moto_server on a free loopback port.
#
#   tools/moto/install.sh              install (skipped when up to date)
#
# tools/install-deps.sh --servers calls this, so tools/test.sh (and CI) always has it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dest="$root/build-deps/moto"
venv="$dest/venv"
req="$root/tools/moto/requirements.txt"
stamp="$dest/.installed"

say() { echo "moto/install.sh: $*" >&2; }

if [ -f "$stamp" ] && [ -x "$venv/bin/moto_server" ] && cmp -s "$req" "$stamp"; then
  exit 0
fi
mkdir -p "$dest"
if [ ! -x "$venv/bin/python" ]; then
  say "creating the venv $venv"
  python3 -m venv "$venv"
fi
say "installing moto (the S3 emulator of the parquet tests) into the venv (pip)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
cp "$req" "$stamp"
