#!/usr/bin/env bash
# The lint a pull request must pass: clang-format (the repository's .clang-format) over every C and C++
# file of the project, ruff (`ruff check` and `ruff format --check`, configured in pyproject.toml) over the
# Python of python/, tests/python/ and bench/, and with --tidy clang-tidy (bugprone and performance checks)
# where it is clean.
#
#   tools/lint.sh                  check formatting; list the files that are not formatted (exit 1 if any)
#   tools/lint.sh --fix            reformat those files in place (clang-format -i, ruff check --fix, ruff format)
#   tools/lint.sh --tidy [BUILD]   also run clang-tidy, with BUILD/compile_commands.json (default: build)
#   tools/lint.sh [...] -- FILE... only these files
#
# The files are the C/C++ sources git knows or would add (tracked, or new and not ignored), so a new
# plugins/<name>/ is covered before its first commit and build directories never are.
# Needs clang-format (and clang-tidy for --tidy); when one is missing, tools/install-deps.sh --lint installs
# both (Debian 12: version 14). Nothing else installs them: the quick start and the tests do not need them.
# ruff (pinned below) is installed from PyPI into a venv of its own, .venv-lint/, on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
tidy=0
explicit_files=0
build_dir=build
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fix) fix=1 ;;
    --tidy)
      tidy=1
      if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then build_dir=$2; shift; fi
      ;;
    --) shift; files=("$@"); explicit_files=1; break ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "tools/lint.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# A missing tool is installed (the lint set of tools/install-deps.sh); where that is not possible, the
# error says what to install.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "tools/lint.sh: $1 is not installed; installing the lint tools (tools/install-deps.sh --lint)" >&2
  bash tools/install-deps.sh --lint || true
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "tools/lint.sh: $1 is not installed (Debian: apt-get install $1)" >&2
  exit 2
}

# clang-tidy: these checks, on these folders and files (the ones that are clean with them; add more once
# they are).
tidy_checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-narrowing-conversions'
tidy_checks+=',-bugprone-branch-clone,performance-*,-performance-inefficient-string-concatenation'
tidy_checks+=',-performance-inefficient-vector-operation'
tidy_paths=(sdk plugins/file plugins/sqlite plugin-template examples tools/mageio/scaffold.cpp
  tools/mageio/command_new.cpp)

if [ ${#files[@]} -eq 0 ]; then
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' '*.cpp' '*.hpp' |
      while read -r f; do [ -f "$f" ] && echo "$f"; done | sort -u)
  else
    mapfile -t files < <(find . -path './build*' -prune -o -type f \( -name '*.c' -o -name '*.h' -o -name '*.cpp' \
      -o -name '*.hpp' \) -print | sed 's|^\./||' | sort)
  fi
fi

need clang-format
status=0
unformatted=()
for f in "${files[@]}"; do
  case "$f" in *.c|*.h|*.cpp|*.hpp) ;; *) continue ;; esac
  clang-format --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -gt 0 ]; then
  if [ $fix = 1 ]; then
    clang-format --style=file -i "${unformatted[@]}"
    printf 'reformatted: %s\n' "${unformatted[@]}"
  else
    printf 'not formatted: %s\n' "${unformatted[@]}" >&2
    echo "tools/lint.sh: ${#unformatted[@]} of ${#files[@]} files are not formatted; tools/lint.sh --fix formats them" >&2
    status=1
  fi
else
  echo "clang-format: ${#files[@]} files formatted"
fi

# ruff, the pinned version, in its own venv (never the system site-packages); a first run installs it (~5 s).
ruff_version=0.17.5
py_files=()
for f in "${files[@]}"; do
  case "$f" in python/*.py|tests/python/*.py|bench/*.py) py_files+=("$f") ;; esac
done
if [ ${#py_files[@]} -gt 0 ] || [ $explicit_files = 0 ]; then
  ruff=.venv-lint/bin/ruff
  if [ ! -x "$ruff" ] || [ "$("$ruff" --version 2>/dev/null)" != "ruff $ruff_version" ]; then
    echo "tools/lint.sh: installing ruff $ruff_version into .venv-lint/" >&2
    python=/usr/bin/python3
    [ -x "$python" ] || python=$(command -v python3)
    [ -x .venv-lint/bin/python ] || "$python" -m venv .venv-lint
    .venv-lint/bin/python -m pip install --quiet --disable-pip-version-check "ruff==$ruff_version"
  fi
  # With no file arguments ruff takes its file set from pyproject.toml ([tool.ruff] include).
  [ $explicit_files = 1 ] || py_files=(.)
  if [ $fix = 1 ]; then
    "$ruff" check --quiet --fix "${py_files[@]}" || status=1
    "$ruff" format --quiet "${py_files[@]}"
    echo "ruff: fixed and formatted"
  else
    "$ruff" check --quiet "${py_files[@]}" || { echo "tools/lint.sh: ruff check failed (tools/lint.sh --fix fixes some)" >&2; status=1; }
    if ! "$ruff" format --check --quiet "${py_files[@]}"; then
      echo "tools/lint.sh: Python files not formatted; tools/lint.sh --fix formats them" >&2
      status=1
    else
      echo "ruff: Python checked and formatted"
    fi
  fi
fi

# rustfmt over the Rust plugin (plugins/parquet, rustfmt.toml there); clippy needs a build of every crate,
# too slow for the lint: run `cargo clippy` in plugins/parquet by hand. Skipped without cargo outside CI.
if [ $explicit_files = 0 ]; then
  if command -v cargo >/dev/null 2>&1; then
    if [ $fix = 1 ]; then
      cargo fmt --manifest-path plugins/parquet/Cargo.toml && echo "rustfmt: formatted"
    elif cargo fmt --manifest-path plugins/parquet/Cargo.toml --check >/dev/null; then
      echo "rustfmt: Rust formatted"
    else
      echo "tools/lint.sh: Rust files not formatted (plugins/parquet); tools/lint.sh --fix formats them" >&2
      status=1
    fi
  elif [ "${CI:-}" = true ]; then
    echo "tools/lint.sh: cargo not found (CI=true needs it for plugins/parquet)" >&2
    status=1
  fi
fi

# The request wire format is written in one place (sdk/src/request*.cpp, with the MAGEIO_REQUEST_* names
# of mageio_abi.h): a request key spelt as a JSON key literal anywhere else in product code is a second
# copy of it.
request_keys='if_exists|unique_constraints|unique_conflict_method|batch_rows|new_name'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  copies=$(git grep -nE "(\[|\{)\"($request_keys)\"(\]|,)" -- core tools plugins plugin-template sdk \
    ':!sdk/src/request_json.cpp' ':!sdk/src/requests.cpp' || true)
  if [ -n "$copies" ]; then
    printf '%s\n' "$copies" >&2
    echo "tools/lint.sh: request keys written outside the SDK codec; use sdk::to_json or MAGEIO_REQUEST_*" >&2
    status=1
  else
    echo "request keys: only in the SDK codec"
  fi
fi

if [ $tidy = 1 ]; then
  need clang-tidy
  if [ ! -f "$build_dir/compile_commands.json" ]; then
    echo "tools/lint.sh: no $build_dir/compile_commands.json; build first (cmake -S . -B $build_dir -G Ninja)" >&2
    exit 2
  fi
  tidy_files=()
  for f in "${files[@]}"; do
    case "$f" in *.cpp)
      for d in "${tidy_paths[@]}"; do [[ "$f" == "$d" || "$f" == "$d"/* ]] && tidy_files+=("$f"); done ;;
    esac
  done
  # Files the build does not compile (e.g. a plugin left out with MAGEIO_EXCLUDE_PLUGINS) are skipped.
  checked=0
  for f in "${tidy_files[@]}"; do
    grep -q "\"file\": \"[^\"]*/$f\"" "$build_dir/compile_commands.json" || continue
    checked=$((checked + 1))
    clang-tidy --quiet -p "$build_dir" --checks="$tidy_checks" --warnings-as-errors='*' "$f" 2>/dev/null || status=1
  done
  echo "clang-tidy: $checked files checked (${tidy_paths[*]})"
fi
exit $status
