#!/usr/bin/env bash
# The mysql part of bench/run.sh, kept under its old name: bench/mysql/bench_mysql.sh [N] [OPTION...]
# runs bench/run.sh --only mysql --rows N (default 2000000) with the other options passed on.
set -euo pipefail
rows=()
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then rows=(--rows "$1"); shift; fi
exec bash "$(dirname "$0")/../run.sh" --only mysql "${rows[@]}" "$@"
