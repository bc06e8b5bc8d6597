#!/usr/bin/env bash
# The README's test command: installs what is missing (the build dependencies, the PostgreSQL and
# MariaDB servers, and the ADBC drivers of the adbc plugin; not the lint tools, which tools/lint.sh
# installs), builds, starts throwaway servers on
# free loopback ports, runs every doctest suite through ctest, and tears the servers down.
#
#   tools/test.sh               build in build/ and run every test
#   tools/test.sh --sanitize    the same in build-asan/ with -fsanitize=address,undefined
#   tools/test.sh -- ARGS       extra ctest arguments (e.g. -- -L abi, -- -R test_cli)
#
# Without --sanitize and without ctest arguments it also builds the Python package into .venv-test/
# (tools/python-venv.sh) and runs its pytest suites (tests/python) against the same servers.
# CI (.ci/run) runs both variants.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize)
      build_dir=build-asan
      # The Rust parquet plugin is not instrumented: build/'s cargo build serves this tree too.
      cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DMAGEIO_SANITIZE=ON "-DMAGEIO_CARGO_TARGET_DIR=$PWD/build/cargo")
      ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "tools/test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

echo "== installing the build dependencies, the servers (apt) and the ADBC drivers (pip, a venv); skipped when present" >&2
bash tools/install-deps.sh --build --servers --adbc

echo "== building in $build_dir" >&2
cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
ninja -C "$build_dir"

if [ "$build_dir" = build-asan ]; then
  # Plugins are dlopen'ed into the test binaries, which carry the sanitizer runtime. Leak checks stay on.
  # (fast_unwind_on_malloc=0 would keep frames of unloaded plugins readable, but it makes LeakSanitizer's
  # tracer crash at exit in processes that used libpq.)
  export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

run_python=0
if [ "$build_dir" = build ] && [ ${#ctest_args[@]} -eq 0 ]; then
  echo "== building the Python package into .venv-test (tools/python-venv.sh)" >&2
  bash tools/python-venv.sh
  run_python=1
fi

echo "== running the tests" >&2
# ctest, then pytest, against the same servers; the status is the first failure's.
bash tools/with-test-servers.sh bash -c '
  status=0
  ctest --test-dir "$1" --output-on-failure --timeout 900 -j2 "${@:3}" || status=$?
  if [ "$2" = 1 ]; then
    .venv-test/bin/python -m pytest tests/python -q -p no:cacheprovider || { rc=$?; [ $status = 0 ] && status=$rc; }
  fi
  exit $status' _ "$build_dir" "$run_python" "${ctest_args[@]}"
