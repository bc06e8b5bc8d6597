#!/usr/bin/env bash
# mageio.mage against Mage's own IO classes (mage-ai from PyPI): Postgres and MySQL on a PostgreSQL and a
# MariaDB table, FileIO on a local Parquet file; the load and the export of a Mage block, timed in fresh
# processes. mageio runs from the bench's venv (.venv-bench/, as bench/python/run.sh builds it); mage-ai
# gets a venv of its own (.venv-bench-mage/: it pins pandas<3 and numpy<2, hence pyarrow 17 for its
# Parquet, and brings ~200 packages). A benchmark, not a test.
#
# usage: bench/python/run-mage.sh [--rows N] [--mysql-rows N] [--repeat R] [--json FILE]
#        (default 2000000 rows in each database, 1 run)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash bench/python/venv.sh
venv=.venv-bench
mage=.venv-bench-mage
[ -x "$mage/bin/python" ] || /usr/bin/python3 -m venv "$mage"
"$mage/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23.1"
"$mage/bin/python" -m pip install --quiet --disable-pip-version-check mage-ai==0.9.79 psycopg2-binary mysql-connector-python pyarrow==17.0.0 sshtunnel
exec bash tools/with-test-servers.sh --only postgres,mysql "$venv/bin/python" bench/python/bench_mage.py \
  --mage-python "$mage/bin/python" "$@"
