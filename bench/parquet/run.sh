#!/usr/bin/env bash
# The parquet plugin against pyarrow.parquet and DuckDB on the same Parquet file, same run (a benchmark,
# not a test): read (every column, every row) and rewrite (read + write, snappy) of an N-row mixed table.
#
# usage: bench/parquet/run.sh [--rows N] [--repeat R]       (default 2000000 rows, 3 runs; median wall)
#
# Needs build/ (MAGEIO_BUILD_DIR) with the parquet plugin. The peers come from PyPI into
# build-deps/parquet-bench/venv (bench/parquet/requirements.txt). Peak RSS by /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=build-deps/parquet-bench/venv
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/parquet/requirements.txt
exec "$venv/bin/python" bench/parquet/bench_parquet.py --mageio "${MAGEIO_BUILD_DIR:-build}/bin/mageio" "$@"
