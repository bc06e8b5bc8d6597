#!/usr/bin/env bash
# Installs fake-gcs-server, the Google Cloud Storage emulator the parquet plugin's tests run against, with
# `go install` (from the Go module proxy) into build-deps/fake-gcs/bin, at the version pinned below; skipped
# when up to date. tools/with-test-servers.sh starts build-deps/fake-gcs/bin/fake-gcs-server on a free
# loopback port.
#
#   tools/fake-gcs/install.sh              install (skipped when up to date)
#
# tools/install-deps.sh --servers calls this, so tools/test.sh (and CI) always has it. Needs go; without
# it the GCS tests are skipped, except under CI=true.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dest="$root/build-deps/fake-gcs"
module=github.com/fsouza/fake-gcs-server
version=v1.56.1
stamp="$dest/.installed"

say() { echo "fake-gcs/install.sh: $*" >&2; }

if [ -f "$stamp" ] && [ -x "$dest/bin/fake-gcs-server" ] && [ "$(cat "$stamp")" = "$module@$version" ]; then
  exit 0
fi
go=$(command -v go || true)
[ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; }
if [ -z "$go" ]; then
  if [ "${CI:-}" = true ]; then
    say "go not found, and CI=true needs the GCS emulator (install Go, https://go.dev/dl)"
    exit 1
  fi
  say "go not found: the GCS tests of the parquet plugin will be skipped"
  exit 0
fi
mkdir -p "$dest/bin"
say "installing $module@$version (the GCS emulator of the parquet tests) into $dest/bin (go install)"
GOBIN="$dest/bin" GOFLAGS=-trimpath "$go" install "$module@$version"
echo "$module@$version" >"$stamp"
