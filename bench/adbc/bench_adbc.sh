#!/usr/bin/env bash
# The adbc bridge against the native postgres plugin and against the same ADBC driver driven from Python,
# in the same run on the same table (a benchmark, not a test).
#
# usage: bench/adbc/bench_adbc.sh [--rows N] [--repeat R]
#
#   --rows N     rows of the table (default 2000000)
#   --repeat R   runs of each measurement, alternating; the median wall time is reported (default 3)
#
# Measures reading the whole table bench_adbc_src (bigint id, integer, double, boolean, 20-character text,
# timestamp, date, numeric(12,2) -- the shape of bench/run.sh's bench_src) as Arrow, three ways:
#   mageio load adbc      the postgresql ADBC driver (adbc-driver-postgresql from tools/adbc/requirements.txt)
#                         through the adbc plugin, --format null
#   mageio load postgres  the native postgres plugin (binary COPY), --format null
#   python + ADBC         adbc_driver_manager (same driver library, same venv) executing the query and
#                         reading every batch into pyarrow
# Each run checks the row count. Environment: MAGEIO_BUILD_DIR (default build). Needs the venv of
# tools/adbc/install.sh and a PostgreSQL: without the MAGEIO_TEST_PG_* variables of
# tools/with-test-servers.sh it runs itself under that script. bench/run.sh calls it (CI: at small N).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=2000000
repeat=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_adbc: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $rows =~ ^[0-9]+$ ]] && [[ $repeat =~ ^[0-9]+$ ]] && [ "$repeat" -ge 1 ] || {
  echo "bench_adbc: --rows and --repeat take whole numbers" >&2
  exit 2
}
if [ -z "${MAGEIO_TEST_PG_PORT:-}" ]; then
  exec bash "$root/tools/with-test-servers.sh" --only postgres -- bash "$0" --rows "$rows" --repeat "$repeat"
fi

build=${MAGEIO_BUILD_DIR:-$root/build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
mageio="$build/bin/mageio"
[ -x "$mageio" ] || { echo "bench_adbc: no $mageio (build first)" >&2; exit 1; }
[ -f "$build/lib/mageio/plugins/libmageio_adbc.so" ] || {
  echo "bench_adbc: the adbc plugin is not built in $build (tools/install-deps.sh --adbc, then rebuild)" >&2
  exit 1
}
python=$(bash "$root/tools/adbc/install.sh" --python)
driver=$("$python" -c 'import adbc_driver_postgresql as m; print(m._driver_path())')
uri="postgresql://$MAGEIO_TEST_PG_USER:$MAGEIO_TEST_PG_PASSWORD@$MAGEIO_TEST_PG_HOST:$MAGEIO_TEST_PG_PORT/$MAGEIO_TEST_PG_DBNAME"
export PGHOST=$MAGEIO_TEST_PG_HOST PGPORT=$MAGEIO_TEST_PG_PORT PGUSER=$MAGEIO_TEST_PG_USER
export PGPASSWORD=$MAGEIO_TEST_PG_PASSWORD PGDATABASE=$MAGEIO_TEST_PG_DBNAME

echo "bench_adbc: generating bench_adbc_src ($rows rows)" >&2
psql -X -q -v ON_ERROR_STOP=1 <<SQL
DROP TABLE IF EXISTS bench_adbc_src;
CREATE TABLE bench_adbc_src AS
SELECT g::bigint AS id, (g % 1000)::integer AS qty, (g * 0.25)::double precision AS price, (g % 2 = 0) AS flag,
       lpad(g::text, 20, 'x') AS label, timestamp '2020-01-01' + g * interval '1 second' AS created_at,
       date '2020-01-01' + (g % 3650) AS day, (g % 100000 + 0.25)::numeric(12, 2) AS amount
FROM generate_series(1, $rows) AS g;
VACUUM ANALYZE bench_adbc_src;
SQL
trap 'psql -X -q -c "DROP TABLE IF EXISTS bench_adbc_src" >/dev/null 2>&1 || true' EXIT

py_script=$(mktemp)
trap 'rm -f "$py_script"; psql -X -q -c "DROP TABLE IF EXISTS bench_adbc_src" >/dev/null 2>&1 || true' EXIT
cat >"$py_script" <<'PY'
import sys
import adbc_driver_manager
import pyarrow

driver, uri = sys.argv[1], sys.argv[2]
with adbc_driver_manager.AdbcDatabase(driver=driver, uri=uri) as db:
    with adbc_driver_manager.AdbcConnection(db) as conn:
        with adbc_driver_manager.AdbcStatement(conn) as stmt:
            stmt.set_sql_query("SELECT * FROM bench_adbc_src")
            handle, _ = stmt.execute_query()
            reader = pyarrow.RecordBatchReader._import_from_c(handle.address)
            rows = 0
            for batch in reader:
                rows += batch.num_rows
print(f"{rows} rows")
PY

declare -A label=(
  [adbc]='`mageio load adbc` (postgresql driver)'
  [postgres]='`mageio load postgres`'
  [python]='python `adbc_driver_manager` + pyarrow (same driver)'
)
run() {
  case "$1" in
    adbc) "$mageio" load adbc --set "ADBC_DRIVER=$driver" --set "ADBC_URI=$uri" --table bench_adbc_src --format null \
      --quiet ;;
    postgres) "$mageio" load postgres --set "POSTGRES_HOST=$PGHOST" --set "POSTGRES_PORT=$PGPORT" \
      --set "POSTGRES_USER=$PGUSER" --set "POSTGRES_PASSWORD=$PGPASSWORD" --set "POSTGRES_DBNAME=$PGDATABASE" \
      --table bench_adbc_src --format null --quiet ;;
    python) "$python" "$py_script" "$driver" "$uri" ;;
  esac
}
declare -A times=()
order=(adbc postgres python)
for ((r = 1; r <= repeat; r++)); do
  for what in "${order[@]}"; do
    start=$(date +%s.%N)
    out=$(cd /tmp && run "$what" 2>&1) || { echo "bench_adbc: $what failed: $out" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$out" | grep -q "^$rows rows" || { echo "bench_adbc: $what did not report $rows rows: $out" >&2; exit 1; }
    times[$what]+="$(awk "BEGIN {print $end - $start}") "
    echo "bench_adbc: run $r $what $(awk "BEGIN {print $end - $start}") s" >&2
  done
  order=("${order[2]}" "${order[0]}" "${order[1]}")  # rotate, so no one always runs first
done
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bridge=$(median "${times[adbc]}")
echo
echo "### adbc bridge: $rows rows, median of $repeat"
echo
echo "| reader | wall s | vs adbc bridge |"
echo "|---|---:|---:|"
for what in adbc postgres python; do
  m=$(median "${times[$what]}")
  printf '| %s | %.2f | %.2fx |\n' "${label[$what]}" "$m" "$(awk "BEGIN {print $m / $bridge}")"
done
