#!/usr/bin/env bash
# The Python benches' own venv, .venv-bench/: the apt packages (tools/install-deps.sh), the peers and the
# build backend from PyPI (bench/python/requirements.txt), and mageio installed from the manylinux wheel
# tools/python-wheel.sh builds, the one users install (so the bench measures that).
#
#   bash bench/python/venv.sh        (bench/python/run.sh and run-mage.sh call it)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-bench
bash tools/install-deps.sh --build --servers --python
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23.1"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/python/requirements.txt
wheel=$(bash tools/python-wheel.sh "$venv/bin/python")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
