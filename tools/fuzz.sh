#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/targets/*.cpp) with clang 14 under AddressSanitizer and UBSan in
# build-fuzz/, and runs each for SECONDS on a copy of its seed corpus (fuzz/corpus/<name>/; the repo's
# corpus is never written to). CI runs `tools/fuzz.sh all 60`.
#
#   tools/fuzz.sh TARGET|all SECONDS [libFuzzer flags...]
#       TARGET     csv_reader, jsonl_reader, io_config, arrow_import, isolation_frame (fuzz/targets/*.cpp)
#       SECONDS    how long each target runs; 0 runs only the seed corpus, once (a quick regression check)
#       flags      passed to every target, e.g. -jobs=2 or -max_len=8192
#
# Installs clang and its runtimes first when they are missing (tools/install-deps.sh --build --fuzz).
# A crash, a sanitizer report, a leak, a timeout (over 25 s for one input) or running out of memory
# (2 GiB) fails the script, after every target has run, with the reproducer's path and the command that
# replays it. Logs: build-fuzz/fuzz-logs/<name>.log; reproducers: build-fuzz/fuzz-artifacts/<name>/.
# MAGEIO_FUZZ_JOBS sets the build's parallelism (default 2), MAGEIO_FUZZ_BUILD_DIR the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[ $# -ge 2 ] || usage
which_target=$1
seconds=$2
shift 2
[[ "$seconds" =~ ^[0-9]+$ ]] || usage

say() { echo "fuzz: $*" >&2; }

all_targets=()
for source in fuzz/targets/*.cpp; do all_targets+=("$(basename "$source" .cpp)"); done
if [ "$which_target" = all ]; then
  targets=("${all_targets[@]}")
elif [ -f "fuzz/targets/$which_target.cpp" ]; then
  targets=("$which_target")
else
  say "no target '$which_target'; the targets are: ${all_targets[*]}"
  exit 2
fi

bash tools/install-deps.sh --build --fuzz

build=${MAGEIO_FUZZ_BUILD_DIR:-$root/build-fuzz}
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
started=$(date +%s)
if [ ! -f "$build/build.ninja" ]; then
  say "configuring $build (clang 14, -fsanitize=fuzzer,address,undefined)"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" \
    -DMAGEIO_FUZZ=ON -DMAGEIO_BUILD_TESTS=OFF >/dev/null
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
say "building ${build_targets[*]}"
ninja -C "$build" -j"${MAGEIO_FUZZ_JOBS:-2}" "${build_targets[@]}" >/dev/null
say "built in $(($(date +%s) - started)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/fuzz-logs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=()
summary=()
for t in "${targets[@]}"; do
  corpus=$work/$t
  artifacts=$build/fuzz-artifacts/$t
  log=$build/fuzz-logs/$t.log
  mkdir -p "$corpus" "$artifacts"
  [ -d "fuzz/corpus/$t" ] && cp -R "fuzz/corpus/$t/." "$corpus/"
  flags=(-artifact_prefix="$artifacts/" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1)
  [ -f "fuzz/targets/$t.dict" ] && flags+=(-dict="$root/fuzz/targets/$t.dict")
  if [ "$seconds" = 0 ]; then flags+=(-runs=0); else flags+=(-max_total_time="$seconds"); fi
  say "running $t for ${seconds} s (log: $log)"
  before=$(ls "$artifacts")
  status=0
  "$build/bin/fuzz_$t" "${flags[@]}" "$@" "$corpus" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  summary+=("$(printf '%-16s runs %-10s exec/s %-7s cov %-6s %s' "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" \
    "$([ $status = 0 ] && echo ok || echo FAILED)")")
  if [ $status != 0 ]; then
    failed+=("$t")
    say "$t FAILED (exit status $status); the end of its log:"
    tail -n 60 "$log" >&2
    for reproducer in $(comm -13 <(echo "$before") <(ls "$artifacts")); do
      say "reproducer: $artifacts/$reproducer"
      say "  replay:   $build/bin/fuzz_$t $artifacts/$reproducer"
    done
  fi
done

say "summary (${seconds} s per target):"
printf '  %s\n' "${summary[@]}" >&2
if [ ${#failed[@]} -gt 0 ]; then
  say "failed: ${failed[*]}"
  exit 1
fi
say "every target ran without a finding in $(($(date +%s) - started)) s (build included)"
