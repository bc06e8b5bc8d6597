#!/usr/bin/env bash
# Installs Azurite, the Azure Blob Storage emulator the parquet plugin's tests run against, with npm into
# build-deps/azurite (its own node_modules, never global), at the version pinned below; skipped when up to
# date. tools/with-test-servers.sh starts build-deps/azurite/node_modules/.bin/azurite-blob on a free
# loopback port.
#
#   tools/azurite/install.sh              install (skipped when up to date)
#
# tools/install-deps.sh --servers calls this, so tools/test.sh (and CI) always has it. Needs node and npm
# (apt: nodejs, npm); without them the Azure tests are skipped, except under CI=true.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dest="$root/build-deps/azurite"
version=3.37.0
stamp="$dest/.installed"

say() { echo "azurite/install.sh: $*" >&2; }

if [ -f "$stamp" ] && [ -x "$dest/node_modules/.bin/azurite-blob" ] && [ "$(cat "$stamp")" = "$version" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    say "npm not found, and CI=true needs the Azure Blob emulator (apt-get install nodejs npm)"
    exit 1
  fi
  say "npm not found: the Azure Blob tests of the parquet plugin will be skipped (apt-get install nodejs npm)"
  exit 0
fi
mkdir -p "$dest"
say "installing azurite $version (the Azure Blob emulator of the parquet tests) into $dest (npm)"
npm install --prefix "$dest" --no-audit --no-fund --no-save --loglevel=error "azurite@$version" >&2
echo "$version" >"$stamp"
