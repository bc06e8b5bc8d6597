#!/usr/bin/env bash
# Benchmark of the postgres plugin against PostgreSQL's own client (psql), on the throwaway server.
#
#   bench/postgres/bench_postgres.sh [N]          N rows (default 2000000, or $N)
#
# Runs itself under tools/with-test-servers.sh --only postgres when no test server is running.
# Environment: BUILD_DIR (default build) -- where bin/mageio and the plugins are; RUNS (default 5) --
# each measurement is repeated, the two sides of a comparison alternately, and the median wall and CPU
# times are reported (peak RSS is the largest seen).
#
# It creates a deterministic N-row table of mixed types with generate_series (bigint id, integer,
# double precision, boolean, ~20-character text, timestamp, date, numeric(12,2)), then measures with
# /usr/bin/time -v (wall time, client peak RSS):
#   load    mageio load postgres --table t --format null
#           vs psql -c "COPY (SELECT * FROM t) TO STDOUT (FORMAT binary)" > /dev/null
#   export  bench_export (bench_export.cpp, compiled here against the build): the same N rows generated
#           as Arrow batches in the process and exported through the host into t2 (if_exists replace)
#           vs psql \copy t2 FROM a binary COPY file of t -- both are "COPY in only"
#   copy    mageio copy postgres postgres --table t --to-table t2 --if-exists replace
#           (reads t and writes t2 through Arrow: binary COPY out, binary COPY in, one transaction)
#           vs psql COPY t TO STDOUT | psql COPY t2 FROM STDIN, which does the same work
# and prints a Markdown table. Targets: load within 1.1x of psql, export within 1.15x of \copy FROM,
# client peak RSS under 64 MiB. The server's CPU is the limit on these paths, so on a busy machine
# run-to-run noise is large: compare medians (RUNS=5 or more).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ -z "${MAGEIO_TEST_PG_PORT:-}" ]; then
  exec bash "$root/tools/with-test-servers.sh" --only postgres bash "$0" "$@"
fi

rows=${1:-${N:-2000000}}
runs=${RUNS:-5}
build_dir=${BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir=$root/$build_dir ;; esac
mageio=$build_dir/bin/mageio
[ -x "$mageio" ] || { echo "bench_postgres: $mageio not found (build first, or set BUILD_DIR)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_postgres: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mageio-bench-pg.XXXXXX")
trap 'rm -rf "$work"' EXIT

export PGPASSWORD=$MAGEIO_TEST_PG_PASSWORD
psql_cmd=(psql -X -q -v ON_ERROR_STOP=1 -h "$MAGEIO_TEST_PG_HOST" -p "$MAGEIO_TEST_PG_PORT" -U "$MAGEIO_TEST_PG_USER"
          -d "$MAGEIO_TEST_PG_DBNAME")
config=$work/io_config.yaml
cat >"$config" <<YAML
version: 0.1.1
default:
  POSTGRES_HOST: $MAGEIO_TEST_PG_HOST
  POSTGRES_PORT: $MAGEIO_TEST_PG_PORT
  POSTGRES_USER: $MAGEIO_TEST_PG_USER
  POSTGRES_PASSWORD: $MAGEIO_TEST_PG_PASSWORD
  POSTGRES_DBNAME: $MAGEIO_TEST_PG_DBNAME
  POSTGRES_SCHEMA: public
YAML

echo "== creating bench_t with $rows rows" >&2
"${psql_cmd[@]}" <<SQL
DROP TABLE IF EXISTS bench_t, bench_t2;
CREATE TABLE bench_t AS
SELECT g::bigint AS id,
       (g % 100000)::integer AS qty,
       (g * 1.25)::double precision AS price,
       g % 3 = 0 AS flag,
       'item-' || lpad(g::text, 15, '0') AS label,
       timestamp '2020-01-01 00:00:00' + g * interval '1 second' AS created_at,
       date '2000-01-01' + (g % 10000) AS day,
       ((g % 1000000) / 100.0)::numeric(12,2) AS amount
FROM generate_series(1, $rows) AS g;
VACUUM ANALYZE bench_t;
CREATE TABLE bench_t2 (LIKE bench_t);
SQL
"${psql_cmd[@]}" -c "COPY (SELECT * FROM bench_t) TO STDOUT (FORMAT binary)" >"$work/t.bin"
echo "   binary COPY file: $(( $(stat -c %s "$work/t.bin") / 1048576 )) MiB" >&2

# run_once NAME COMMAND...: one run under /usr/bin/time -v, recording its wall time, client CPU time
# (user + system) and peak RSS. $before_each, when set, is run first (not timed).
declare -A walls cpus peaks wall rss cpu
run_once() {
  local name=$1
  shift
  [ -n "${before_each:-}" ] && eval "$before_each"
  local out=$work/time.$name
  /usr/bin/time -v -o "$out" "$@" >/dev/null 2>"$work/stderr.$name" || {
    cat "$work/stderr.$name" "$out" >&2
    echo "bench_postgres: '$name' failed" >&2
    exit 1
  }
  local elapsed kb
  elapsed=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out")
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")
  walls[$name]+="$(echo "$elapsed" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }') "
  cpus[$name]+="$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$out") "
  [ "$kb" -gt "${peaks[$name]:-0}" ] && peaks[$name]=$kb
  return 0
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
summarize() {
  local name
  for name in "$@"; do
    wall[$name]=$(echo "${walls[$name]}" | median)
    cpu[$name]=$(echo "${cpus[$name]}" | median)
    rss[$name]=${peaks[$name]}
    echo "   $name: wall ${walls[$name]}s (median ${wall[$name]}), client CPU ${cpus[$name]}s, peak RSS $((rss[$name] / 1024)) MiB" >&2
  done
}

echo "== load (warming the cache first)" >&2
# The two sides of each comparison run alternately, so that both see the same machine load.
"${psql_cmd[@]}" -c "COPY (SELECT * FROM bench_t) TO STDOUT (FORMAT binary)" >/dev/null
for i in $(seq 1 "$runs"); do
  run_once mageio_load "$mageio" --quiet --config "$config" load postgres --table bench_t --format null
  run_once psql_copy_out "${psql_cmd[@]}" -c "COPY (SELECT * FROM bench_t) TO STDOUT (FORMAT binary)"
done
summarize mageio_load psql_copy_out

echo "== export" >&2
driver=$work/bench_export
have_driver=0
if ${CXX:-c++} -std=c++20 -O2 -I "$root/sdk/include" -I "$root/core/include" "$root/bench/postgres/bench_export.cpp" \
    -L "$build_dir/lib" -lmageio -lmageio_sdk -lboost_json -Wl,-rpath,"$build_dir/lib" -o "$driver" 2>"$work/driver.log"; then
  have_driver=1
else
  echo "   (bench_export.cpp did not compile, export-only numbers skipped:)" >&2
  cat "$work/driver.log" >&2
fi
"$mageio" --quiet --config "$config" copy postgres postgres --table bench_t --to-table bench_t2 --if-exists replace
pipe="$(printf '%q ' "${psql_cmd[@]}")"
for i in $(seq 1 "$runs"); do
  before_each="\"\${psql_cmd[@]}\" -c 'TRUNCATE bench_t2'"
  run_once psql_copy_in "${psql_cmd[@]}" -c "\\copy bench_t2 FROM '$work/t.bin' (FORMAT binary)"
  before_each=""
  [ $have_driver = 1 ] && run_once mageio_export "$driver" "$build_dir/lib/mageio/plugins" "$config" bench_t2 "$rows"
  before_each="\"\${psql_cmd[@]}\" -c 'TRUNCATE bench_t2'"
  run_once psql_pipe bash -c "$pipe -c 'COPY bench_t TO STDOUT (FORMAT binary)' | $pipe -c 'COPY bench_t2 FROM STDIN (FORMAT binary)'"
  before_each=""
  run_once mageio_copy "$mageio" --quiet --config "$config" copy postgres postgres --table bench_t --to-table bench_t2 \
    --if-exists replace
done
summarize psql_copy_in psql_pipe mageio_copy
[ $have_driver = 1 ] && summarize mageio_export
count=$("${psql_cmd[@]}" -At -c "SELECT count(*) FROM bench_t2")
[ "$count" = "$rows" ] || { echo "bench_postgres: bench_t2 has $count rows, expected $rows" >&2; exit 1; }

row() {  # name reference description
  local name=$1 ref=$2 what=$3
  WHAT=$what awk -v w="${wall[$name]}" -v r="${wall[$ref]:-}" -v kb="${rss[$name]}" -v c="${cpu[$name]}" -v n="$rows" 'BEGIN {
    ratio = (r == "" || r == 0) ? "" : sprintf("%.2fx", w / r)
    printf "| %s | %.2f | %s | %.2f M | %d MiB | %s |\n", ENVIRON["WHAT"], w, ratio, n / w / 1e6, kb / 1024, c
  }'
}
echo
echo "PostgreSQL $("${psql_cmd[@]}" -At -c 'SHOW server_version'), $rows rows, $(nproc) CPUs, median of $runs runs," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| method | wall s | vs psql | rows/s | client peak RSS | client CPU s |"
echo "|---|---|---|---|---|---|"
row psql_copy_out psql_copy_out 'psql `COPY (SELECT * FROM t) TO STDOUT (FORMAT binary)` > /dev/null'
row mageio_load psql_copy_out '`mageio load postgres --table t --format null`'
row psql_copy_in psql_copy_in 'psql `\copy t2 FROM` a binary COPY file'
[ $have_driver = 1 ] && row mageio_export psql_copy_in 'mageio export of N Arrow rows into t2, replace (bench_export driver)'
row psql_pipe psql_pipe 'psql `COPY t TO STDOUT` piped into psql `COPY t2 FROM STDIN` (binary)'
row mageio_copy psql_pipe '`mageio copy postgres postgres --table t --to-table t2 --if-exists replace`'
"${psql_cmd[@]}" -c "DROP TABLE bench_t, bench_t2"
