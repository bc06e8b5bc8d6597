#!/usr/bin/env bash
# mageio's Python API against ADBC (adbc-driver-postgresql), ConnectorX and pandas.read_sql + SQLAlchemy,
# on one PostgreSQL table, in the bench's own venv (.venv-bench/, peers from PyPI). A benchmark, not a test.
#
# usage: bench/python/run.sh [--rows N] [--repeat R] [--json FILE]     (default 2000000 rows, 3 runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-bench
bash tools/install-deps.sh --build --servers --python
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23.1"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/python/requirements.txt
build_args=(-Cbuild.tool-args=-j2)
command -v ccache >/dev/null && build_args+=(-Ccmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache
  -Ccmake.define.CMAKE_C_COMPILER_LAUNCHER=ccache)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation "${build_args[@]}" .
exec bash tools/with-test-servers.sh --only postgres "$venv/bin/python" bench/python/bench_python.py "$@"
