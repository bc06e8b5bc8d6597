#!/usr/bin/env bash
# The quick start: install what is missing, build into build/, then copy the sample CSV into the
# embedded SQLite database through the file and sqlite plugins and query it back.
# No server, no environment variable, no edit. Run it from anywhere; it works in the repository root.
#
#   tools/quickstart.sh
#
# It installs only the build dependencies (tools/install-deps.sh --build): not the database servers the
# tests start, not the lint tools (tools/test.sh and tools/lint.sh install those themselves).
#
# MAGEIO_QUICKSTART_DB (optional) puts the SQLite database elsewhere (default: build/quickstart.db).
# MAGEIO_CLI (optional) is a mageio that is already built: steps 1 and 2 are skipped and it is used
# instead of build/bin/mageio (tests/cli/test_readme.cpp runs the script that way, with its own build).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

mageio=build/bin/mageio
if [ -n "${MAGEIO_CLI:-}" ]; then
  mageio=$MAGEIO_CLI
  step "1/4, 2/4 Skipped: using $mageio (MAGEIO_CLI)"
else
  step "1/4 Installing the build dependencies (Debian 12; nothing that is already there)"
  bash tools/install-deps.sh --build

  step "2/4 Building into build/"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C build mageio mageio_plugins
fi

config=tools/quickstart/io_config.yaml
sample=tools/quickstart/sample.csv

step "3/4 Copying $sample into SQLite (table orders)"
mkdir -p "$(dirname "${MAGEIO_QUICKSTART_DB:-build/quickstart.db}")"
# amount is money: ask for an exact decimal instead of the float that inference would pick.
"$mageio" copy file sqlite --path "$sample" --column-type "amount=decimal128(12, 2)" \
  --to-table orders --if-exists replace --config "$config"

step "4/4 Querying it back"
"$mageio" load sqlite --config "$config" --query \
  'SELECT id, customer, city, ordered_on, amount, shipped, note FROM orders ORDER BY id'

printf '\nDone. The database is %s. Try:\n' "${MAGEIO_QUICKSTART_DB:-build/quickstart.db}"
printf '  build/bin/mageio plugins\n'
printf "  build/bin/mageio load sqlite --config %s --query 'SELECT city, count(*) AS orders FROM orders GROUP BY city ORDER BY 2 DESC, 1'\n" "$config"
printf '(more in README.md, "Quick start")\n'
