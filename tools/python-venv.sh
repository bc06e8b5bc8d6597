#!/usr/bin/env bash
# Builds the Python package into a private virtual environment, .venv-test/ (never the system Python's
# site-packages): installs the apt packages it needs (tools/install-deps.sh --build --python), creates the
# venv with Debian's python3, installs tests/python/requirements.txt (pinned) from PyPI, then
# `pip install .` (scikit-build-core builds only the core, the bundled plugins and the extension, in
# build-python/, incrementally; with ccache when it is installed). The Rust parquet plugin is built by
# cargo in build-python/cargo, or, when the main build's cargo target directory build/cargo exists
# (tools/test.sh builds it first), there: the same release build, so pip pays nothing for it.
#
#   tools/python-venv.sh          then: .venv-test/bin/python -m pytest tests/python
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh --build --python
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
venv=.venv-test
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv" >&2
  "$python" -m venv "$venv"
fi
# The lists are pinned: a run installs the same versions, and nothing when they are there already.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23.1"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt

build_args=(-Cbuild.tool-args=-j2)
if command -v ccache >/dev/null; then
  build_args+=(-Ccmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache -Ccmake.define.CMAKE_C_COMPILER_LAUNCHER=ccache)
fi
if [ -d build/cargo ]; then
  build_args+=("-Ccmake.define.MAGEIO_CARGO_TARGET_DIR=$PWD/build/cargo")
fi
echo "== pip install . (into $venv; build-python/)" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation "${build_args[@]}" .
