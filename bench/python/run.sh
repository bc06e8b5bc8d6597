#!/usr/bin/env bash
# mageio's Python API against ADBC (adbc-driver-postgresql), ConnectorX and pandas.read_sql + SQLAlchemy,
# on one PostgreSQL table, in the bench's own venv (.venv-bench/, peers from PyPI). A benchmark, not a test.
#
# usage: bench/python/run.sh [--rows N] [--repeat R] [--json FILE]     (default 2000000 rows, 3 runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash bench/python/venv.sh
venv=.venv-bench
exec bash tools/with-test-servers.sh --only postgres "$venv/bin/python" bench/python/bench_python.py "$@"
