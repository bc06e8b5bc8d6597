#!/usr/bin/env bash
# The parquet plugin against pyarrow.parquet, DuckDB and pandas on the same Parquet table, same run (a
# benchmark, not a test): read and rewrite (read + write, snappy) of a local N-row mixed table; write to and
# read from the S3 emulator; and `copy postgres parquet` against pandas read_sql + to_parquet.
#
# usage: bench/parquet/run.sh [--rows N] [--repeat R] [--legs local,s3,postgres]
#        (default 2000000 rows, 3 runs; median wall; all legs)
#
# Needs build/ (MAGEIO_BUILD_DIR) with the parquet and postgres plugins, and the servers of
# tools/with-test-servers.sh (PostgreSQL; moto for S3: tools/moto/install.sh), which it starts. The peers come
# from PyPI into build-deps/parquet-bench/venv (bench/parquet/requirements.txt); DuckDB's S3 legs run DuckDB
# 1.5.5 from build-deps/parquet-bench/venv-duckdb-s3 (requirements-duckdb-s3.txt: the newest DuckDB whose
# httpfs extension PyPI has). Peak RSS by /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=build-deps/parquet-bench/venv
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/parquet/requirements.txt
ddb=build-deps/parquet-bench/venv-duckdb-s3
[ -x "$ddb/bin/python" ] || /usr/bin/python3 -m venv "$ddb"
"$ddb/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/parquet/requirements-duckdb-s3.txt
exec bash tools/with-test-servers.sh --only postgres "$venv/bin/python" bench/parquet/bench_parquet.py \
  --mageio "${MAGEIO_BUILD_DIR:-build}/bin/mageio" --duckdb-s3-python "$ddb/bin/python" "$@"
