#!/usr/bin/env bash
# Builds the Python package into a private virtual environment, .venv-test/ (never the system Python's
# site-packages): installs the apt packages it needs (tools/install-deps.sh --build --python), creates the
# venv with Debian's python3, installs tests/python/requirements.txt (pinned) from PyPI, then builds the
# manylinux wheel (tools/python-wheel.sh: `pip wheel .` -- scikit-build-core builds only the core, the
# bundled plugins and the extension, in build-python/, incrementally, with ccache when it is installed --
# then auditwheel repair into dist/) and installs it. The Rust parquet plugin is built by cargo in
# build-python/cargo, or, when the main build's cargo target directory build/cargo exists (tools/test.sh
# builds it first), there: the same release build, so pip pays nothing for it.
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

# The wheel users get (tools/python-wheel.sh: `pip wheel .`, then auditwheel bundles the shared libraries
# into a manylinux wheel in dist/), installed as they would install it: the tests run against that wheel.
wheel=$(bash tools/python-wheel.sh "$venv/bin/python")
echo "== pip install $wheel (into $venv)" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
