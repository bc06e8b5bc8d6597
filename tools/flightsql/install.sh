#!/usr/bin/env bash
# Installs a real Arrow Flight SQL server for the adbc plugin's partition tests: arrow-go's example server
# (a Flight SQL front end over an in-process SQLite database), with `go install` from the Go module proxy
# into build-deps/flightsql/bin, at the version pinned below; skipped when up to date.
# tools/with-test-servers.sh starts build-deps/flightsql/bin/sqlite_flightsql_server on a free loopback port
# and the tests reach it with the adbc-driver-flightsql driver (tools/adbc/requirements.txt).
#
#   tools/flightsql/install.sh              install (skipped when up to date)
#
# tools/install-deps.sh --adbc calls this. Needs go; without it the Flight SQL tests are skipped, except
# under CI=true.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dest="$root/build-deps/flightsql"
package=github.com/apache/arrow-go/v18/arrow/flight/flightsql/example/cmd/sqlite_flightsql_server
version=v18.9.0
stamp="$dest/.installed"

say() { echo "flightsql/install.sh: $*" >&2; }

if [ -f "$stamp" ] && [ -x "$dest/bin/sqlite_flightsql_server" ] && [ "$(cat "$stamp")" = "$package@$version" ]; then
  exit 0
fi
go=$(command -v go || true)
[ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; }
if [ -z "$go" ]; then
  if [ "${CI:-}" = true ]; then
    say "go not found, and CI=true needs the Flight SQL server (install Go, https://go.dev/dl)"
    exit 1
  fi
  say "go not found: the adbc plugin's Flight SQL tests will be skipped"
  exit 0
fi
mkdir -p "$dest/bin"
started=$(date +%s)
say "installing $package@$version (the Flight SQL server of the adbc tests) into $dest/bin (go install)"
GOBIN="$dest/bin" GOFLAGS=-trimpath "$go" install "$package@$version"
echo "$package@$version" >"$stamp"
say "done in $(($(date +%s) - started)) s"
