#!/usr/bin/env bash
# mageio against the databases' own clients, on throwaway servers (a benchmark, not a test).
#
# usage: bench/run.sh [--rows N] [--repeat R] [--only LIST] [--scaling] [--json FILE] [--keep]
#
#   --rows N      rows of the benchmark table (default 2000000)
#   --repeat R    runs of every measurement; the median wall time is reported (default 3)
#   --only LIST   comma-separated subset of postgres,mysql,sqlite (default all three; pg and mariadb are
#                 accepted too). The postgres<->mysql copies run when both are selected.
#   --scaling     also run everything at N/10 rows, and report each client's peak RSS at both sizes
#   --json FILE   where to write every figure (default bench/results/mageio-bench-N-TIMESTAMP.json)
#   --keep        keep the working directory (data files, logs) and say where it is
#   -h, --help    this help
#
# Environment: MAGEIO_BUILD_DIR (default: build) holds bin/mageio and the plugins; CXX compiles the
# export driver (default c++). Needs /usr/bin/python3, sqlite3, the PostgreSQL and MariaDB servers and
# clients (tools/install-deps.sh --servers).
#
# Without the MAGEIO_TEST_* variables of tools/with-test-servers.sh it runs itself under that script
# (a private PostgreSQL, and MariaDB when mysql is selected). PostgreSQL is always needed: it generates the
# data. Per size it creates a deterministic mixed table bench_src (bigint id, integer, double, boolean,
# 20-character text, timestamp, date, numeric(12,2)) with generate_series, writes it to src.csv and
# src.bin with psql, and loads the CSV into MariaDB (LOAD DATA) and SQLite (.import). Then, R times, every
# mageio operation and its native baseline run alternately, so that both see the same machine load; every
# table written is compared with bench_src (row count and column sums), so a wrong result fails the run.
# Output: the Markdown report on stdout, progress on stderr, the JSON file. The targets (ratios to the
# baselines, peak RSS < 64 MiB, RSS not growing with N) are reported, never enforced: the exit status is
# non-zero only when something failed.

# The labels below are Markdown (backticks) and the commands shell text run later: single quotes on purpose.
# shellcheck disable=SC2016
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
py=/usr/bin/python3  # Debian's, with its standard library; a python3 earlier on PATH may be another one

die() {
  echo "bench: $*" >&2
  exit 1
}
usage() {  # the comment at the top of this file
  sed -n '2,/^$/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

original_args=("$@")
rows=2000000
repeat=3
only=postgres,mysql,sqlite
scaling=0
json=""
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rows | --repeat | --only | --json)
      [ $# -ge 2 ] || die "$1 needs a value (see --help)"
      case "$1" in
        --rows) rows=$2 ;;
        --repeat) repeat=$2 ;;
        --only) only=$2 ;;
        --json) json=$2 ;;
      esac
      shift 2
      ;;
    --rows=* | --repeat=* | --only=* | --json=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
    --scaling) scaling=1; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
if ! [[ $rows =~ ^[0-9]+$ ]] || [ "$rows" -lt 10 ]; then die "--rows takes a whole number of at least 10, not '$rows'"; fi
if ! [[ $repeat =~ ^[0-9]+$ ]] || [ "$repeat" -lt 1 ]; then die "--repeat takes a whole number of at least 1, not '$repeat'"; fi
want_pg=0 want_my=0 want_lite=0
IFS=, read -r -a only_list <<<"$only"
for item in "${only_list[@]}"; do
  case "$item" in
    postgres | postgresql | pg) want_pg=1 ;;
    mysql | mariadb) want_my=1 ;;
    sqlite) want_lite=1 ;;
    *) die "--only takes postgres, mysql and sqlite, not '$item'" ;;
  esac
done
only=""
[ $want_pg = 1 ] && only+=postgres,
[ $want_my = 1 ] && only+=mysql,
[ $want_lite = 1 ] && only+=sqlite,
[ -n "$only" ] || die "--only selects nothing"
only=${only%,}

# --- prerequisites, checked before any server is started ----------------------------------------------
build=${MAGEIO_BUILD_DIR:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
[ -x "$build/bin/mageio" ] || die "$build/bin/mageio not found: build first (cmake -S . -B build -G Ninja \
-DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C build) or point MAGEIO_BUILD_DIR at a build"
[ -x "$py" ] || die "$py not found (apt-get install python3)"
if [ $want_lite = 1 ]; then command -v sqlite3 >/dev/null || die "sqlite3 not found (apt-get install sqlite3)"; fi
cxx=${CXX:-c++}
if [ $want_pg = 1 ] || [ $want_my = 1 ]; then
  command -v "$cxx" >/dev/null || die "no C++ compiler '$cxx' for the export driver (set CXX)"
fi

# --- the servers --------------------------------------------------------------------------------------
# PostgreSQL is always needed (it generates the data), MariaDB when mysql is selected. Whichever of them
# has no MAGEIO_TEST_* variables is started by tools/with-test-servers.sh, which runs this script again.
missing=()
[ -n "${MAGEIO_TEST_PG_PORT:-}" ] || missing+=(postgres)
if [ $want_my = 1 ] && [ -z "${MAGEIO_TEST_MYSQL_PORT:-}" ]; then missing+=(mysql); fi
if [ ${#missing[@]} -gt 0 ]; then
  [ -z "${MAGEIO_BENCH_REEXEC:-}" ] || die "tools/with-test-servers.sh did not provide ${missing[*]}"
  servers=()
  if [ ${#missing[@]} = 1 ]; then
    servers=(--only "${missing[0]}")
  elif [ $want_my = 0 ]; then
    servers=(--only postgres)
  fi
  MAGEIO_BENCH_REEXEC=1 exec bash "$root/tools/with-test-servers.sh" "${servers[@]}" -- bash "$0" "${original_args[@]}"
fi

# --- working directory --------------------------------------------------------------------------------
started_at=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -z "$json" ]; then
  mkdir -p "$here/results"
  json=$here/results/mageio-bench-$rows-$(date -u +%Y%m%dT%H%M%SZ).json
fi
case "$json" in /*) ;; *) json=$PWD/$json ;; esac
mkdir -p "$(dirname "$json")"

work=$(mktemp -d "${TMPDIR:-/tmp}/mageio-bench.XXXXXX")
cleanup() {
  local status=$?
  trap - EXIT
  set +e
  # The servers are usually throwaway ones, but they need not be: leave nothing behind in them.
  if [ -n "${PGHOST:-}" ]; then
    psql -X -q -c "DROP TABLE IF EXISTS bench_src, bench_dst" -c "ALTER SYSTEM RESET autovacuum" \
      -c "SELECT pg_reload_conf()" >/dev/null 2>&1
  fi
  if [ $want_my = 1 ] && [ -f "$work/my.cnf" ]; then
    mariadb --defaults-file="$work/my.cnf" -e "DROP TABLE IF EXISTS bench_src, bench_dst" >/dev/null 2>&1
  fi
  if [ $keep = 1 ]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$work"

# The measured commands are recorded as the shell text they run, so that the JSON says exactly what was
# measured: they name the data files relative to $work and find mageio, psql and the driver on PATH.
mkdir bin
ln -s "$build/bin/mageio" bin/mageio
ln -s "$build/lib/mageio/plugins" plugins
# Debian's /usr/bin/psql is a Perl wrapper (pg_wrapper) that execs the real client: its start-up and
# memory would count against the baseline. Use the newest real client, as with-test-servers.sh does.
real_psql=$(printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
[ -x "$real_psql" ] || real_psql=$(command -v psql) || die "psql not found (tools/install-deps.sh --servers)"
ln -s "$real_psql" bin/psql
export PATH=$work/bin:$PATH

# libpq's variables: psql needs no connection options, and no password appears in a command line.
# shellcheck disable=SC2153  # the MAGEIO_TEST_* variables come from tools/with-test-servers.sh
export PGHOST=$MAGEIO_TEST_PG_HOST PGPORT=$MAGEIO_TEST_PG_PORT PGUSER=$MAGEIO_TEST_PG_USER
export PGPASSWORD=$MAGEIO_TEST_PG_PASSWORD PGDATABASE=$MAGEIO_TEST_PG_DBNAME
# Setup statements: no NOTICEs ("table does not exist, skipping") on the terminal.
pg() { PGOPTIONS="-c client_min_messages=warning ${PGOPTIONS:-}" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
if [ $want_my = 1 ]; then
  # The same for the mariadb client: an option file of our own (--defaults-file reads nothing else).
  (
    umask 077
    # shellcheck disable=SC2153
    cat >my.cnf <<EOF
[client]
host=$MAGEIO_TEST_MYSQL_HOST
port=$MAGEIO_TEST_MYSQL_PORT
user=$MAGEIO_TEST_MYSQL_USER
password=$MAGEIO_TEST_MYSQL_PASSWORD
[mysql]
database=$MAGEIO_TEST_MYSQL_DATABASE
local-infile=1
EOF
  )
  my() { mariadb --defaults-file=my.cnf "$@"; }
fi

# mageio reads a Mage io_config.yaml; the secrets come from the environment, as in Mage.
{
  echo "version: 0.1.1"
  echo "default:"
  for key in HOST PORT USER PASSWORD; do
    echo "  POSTGRES_$key: \"{{ env_var('MAGEIO_TEST_PG_$key') }}\""
  done
  echo "  POSTGRES_DBNAME: \"{{ env_var('MAGEIO_TEST_PG_DBNAME') }}\""
  echo "  POSTGRES_SCHEMA: public"
  if [ $want_my = 1 ]; then
    for key in HOST PORT USER PASSWORD DATABASE; do
      echo "  MYSQL_$key: \"{{ env_var('MAGEIO_TEST_MYSQL_$key') }}\""
    done
    echo "  MYSQL_ALLOW_LOCAL_INFILE: true"
  fi
} >io_config.yaml

if [ $want_pg = 1 ] || [ $want_my = 1 ]; then
  "$cxx" -std=c++20 -O2 -I "$root/sdk/include" -I "$root/core/include" "$here/export_driver.cpp" \
    -L "$build/lib" -lmageio -lmageio_sdk -lboost_json -Wl,-rpath,"$build/lib" -o bin/export_driver 2>driver.log || {
    cat driver.log >&2
    die "bench/export_driver.cpp did not compile against $build"
  }
fi

# Autovacuum would start on every table just written and run during the next measurement; the benchmark
# tables need none (bench_src is vacuumed once, by hand). Reset when the benchmark ends.
pg -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null ||
  echo "bench: could not switch autovacuum off (not a superuser?); expect more noise" >&2

# The servers' processes, whose CPU time bench.py records next to each measurement (when readable).
pg_pid=$(head -n 1 "$(pg -At -c 'SHOW data_directory')/postmaster.pid" 2>/dev/null) || pg_pid=""
my_pid=""
if [ $want_my = 1 ]; then my_pid=$(cat "$(my -N -e 'SELECT @@pid_file')" 2>/dev/null) || my_pid=""; fi

versions=(--fact "versions.postgresql=$(pg -At -c 'SHOW server_version')")
[ $want_my = 1 ] && versions+=(--fact "versions.mariadb=$(my -N -e 'SELECT VERSION()')")
[ $want_lite = 1 ] && versions+=(--fact "versions.sqlite=$(sqlite3 --version | cut -d' ' -f1)")
versions+=(--fact "versions.git_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)")
[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] && versions+=(--fact versions.git_dirty=1)
versions+=(--fact "versions.build_dir=$build")
versions+=(--fact "versions.build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)")

# --- the data -----------------------------------------------------------------------------------------
# Row g of bench_src; bench/export_driver.cpp generates the same rows, keep the two in step.
# ~20-character label, timestamps with microseconds, negative numbers: the usual kinds of values.
pg_generate() {  # pg_generate N
  pg <<SQL
DROP TABLE IF EXISTS bench_src, bench_dst;
CREATE TABLE bench_src AS
SELECT g AS id,
       (g * 7919 % 100000 - 50000)::integer AS qty,
       (g % 1000003 / 100.0)::double precision AS price,
       g % 3 = 0 AS flag,
       'item-' || lpad(g::text, 15, '0') AS label,
       timestamp '2020-01-01' + g * interval '37 seconds' + g * 13 % 1000000 * interval '1 microsecond' AS created_at,
       date '2000-01-01' + (g % 10000)::integer AS day,
       (g * 104729 % 100000000 / 100.0 - 400000)::numeric(12,2) AS amount
FROM generate_series(1::bigint, $1) AS g;
VACUUM ANALYZE bench_src;
SQL
}
# A table freshly written in one go is read back in the order it was written, unless a concurrent scan
# makes PostgreSQL start mid-table: switched off, so that the files are the same every time.
pg_dump_files() {
  PGOPTIONS="-c synchronize_seqscans=off" pg \
    -c "\\copy (SELECT id, qty, price, CASE WHEN flag THEN 'true' ELSE 'false' END AS flag, label, created_at, day, amount FROM bench_src) TO 'src.csv' CSV HEADER"
  if [ $want_pg = 1 ]; then
    PGOPTIONS="-c synchronize_seqscans=off" pg -c "COPY bench_src TO STDOUT (FORMAT binary)" >src.bin
  fi
}
# The DDL mageio export creates in MariaDB for these columns, so that LOAD DATA writes the same table.
# shellcheck disable=SC2034  # used in $my_empty, through eval
my_dst_ddl='(id BIGINT, qty INT, price DOUBLE, flag BOOLEAN, label LONGTEXT, created_at DATETIME(6), day DATE,
  amount DECIMAL(12,2)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4'
my_load_data() {  # the LOAD DATA statement for src.csv into table $1
  echo "LOAD DATA LOCAL INFILE 'src.csv' INTO TABLE $1 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"'" \
    "IGNORE 1 LINES (id, qty, price, @flag, label, created_at, day, amount) SET flag = (@flag = 'true')"
}
my_generate() {
  my -e "DROP TABLE IF EXISTS bench_src, bench_dst;
    CREATE TABLE bench_src (id BIGINT NOT NULL PRIMARY KEY, qty INT, price DOUBLE, flag BOOLEAN, label VARCHAR(32),
      created_at DATETIME(6), day DATE, amount DECIMAL(12,2)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
    $(my_load_data bench_src); ANALYZE TABLE bench_src" >/dev/null
}
# The DDL mageio creates in SQLite for these columns (its declared types), for the .import baseline.
lite_dst_ddl='("id" BIGINT, "qty" INT32, "price" DOUBLE, "flag" BOOLEAN, "label" TEXT, "created_at" TIMESTAMP,
  "day" DATE, "amount" DECIMAL_TEXT(12,2))'
lite_generate() {
  rm -f src.sqlite
  # .import stores the CSV's 'true'/'false'; mageio writes booleans as 0/1, and reads 0/1 back.
  sqlite3 src.sqlite "CREATE TABLE bench_src $lite_dst_ddl" ".import --csv --skip 1 src.csv bench_src" \
    "UPDATE bench_src SET flag = (flag = 'true')"
}

# --- checks, run after each measurement, untimed --------------------------------------------------------
# A fingerprint of a table: its row count and sums over every column. The destination of an export or a
# copy must have bench_src's, in the same database (so the comparison never crosses SQL dialects).
pg_fingerprint() {
  pg -At -c "SELECT count(*), sum(id), sum(qty), sum(round(price * 100)), count(*) FILTER (WHERE flag),
    sum(length(label)), sum(amount), min(created_at), max(created_at), min(day), max(day) FROM $1"
}
my_fingerprint() {
  my -N -B -e "SELECT COUNT(*), SUM(id), SUM(qty), SUM(ROUND(price * 100)), SUM(flag), SUM(CHAR_LENGTH(label)),
    SUM(amount), MIN(created_at), MAX(created_at), MIN(day), MAX(day) FROM $1"
}
# SQLite keeps what it was given: the .import baseline stores 'true' and the CSV's text, mageio 0/1 and its
# own timestamp text (a whole second without '.000000' or with it), hence the normalizing.
lite_fingerprint() {  # lite_fingerprint DB TABLE
  sqlite3 "$1" "SELECT count(*), sum(id), sum(qty), sum(round(price * 100)), sum(flag IN (1, 'true')),
    sum(length(label)), sum(CAST(round(amount * 100) AS INTEGER)), min(substr(created_at, 1, 19)),
    max(substr(created_at, 1, 19)), min(day), max(day) FROM $2"
}
same_as_source() {  # same_as_source pg|my|lite: bench_dst against bench_src
  local got want
  case "$1" in
    pg) got=$(pg_fingerprint bench_dst) want=$pg_source ;;
    my) got=$(my_fingerprint bench_dst) want=$my_source ;;
    lite) got=$(lite_fingerprint dst.sqlite bench_dst) want=$lite_source ;;
  esac
  [ "$got" = "$want" ] || die "$current: bench_dst differs from bench_src (count and sums: '$got', expected '$want')"
}
expect_stdout() {  # the "N rows" line of mageio load --format null
  [ "$(cat stdout.txt)" = "$size rows" ] || die "$current: printed '$(head -c 200 stdout.txt)', expected '$size rows'"
}
expect_csv() {  # a CSV file with a header and a line a row (no value has a newline)
  local lines
  lines=$(wc -l <out.csv)
  [ "$lines" = $((size + 1)) ] || die "$current: out.csv has $lines lines, expected $((size + 1))"
  rm -f out.csv
}

# --- what is measured -----------------------------------------------------------------------------------
# add ID mageio|baseline LABEL COMMAND [vs=ID] [target=ID:OP:LIMIT]... [prep=SHELL] [check=SHELL] [srv=pg,my]
#   COMMAND is shell text run with bash -c in $work (what the JSON records as the tool); ROWS is the size.
#   vs: the baseline this mageio measurement is shown next to; target: wall time at most LIMIT times
#   ID's (OP <= or <); prep runs before each run and check after it (both untimed); srv: the servers
#   whose CPU time is recorded.
ids=()
declare -A c_side c_label c_cmd c_vs c_targets c_prep c_check c_srv
add() {
  local id=$1 kv
  ids+=("$id")
  c_side[$id]=$2 c_label[$id]=$3 c_cmd[$id]=$4
  shift 4
  for kv in "$@"; do
    case $kv in
      vs=*) c_vs[$id]=${kv#vs=} ;;
      target=*) c_targets[$id]+="${kv#target=} " ;;
      prep=*) c_prep[$id]=${kv#prep=} ;;
      check=*) c_check[$id]=${kv#check=} ;;
      srv=*) c_srv[$id]=${kv#srv=} ;;
      *) die "add $id: unknown '$kv'" ;;
    esac
  done
}
groups=()  # the measurements run side by side; each group's order is reversed every other repetition
group() { groups+=("$*"); }

mageio='mageio --quiet --config io_config.yaml'
types="--column-type id=int64 --column-type qty=int32 --column-type price=float64 --column-type flag=bool \
--column-type label=utf8 --column-type 'created_at=timestamp[us]' --column-type day=date32 \
--column-type 'amount=decimal128(12, 2)'"
pg_drop='pg -c "DROP TABLE IF EXISTS bench_dst"'
pg_empty='pg -c "DROP TABLE IF EXISTS bench_dst" -c "CREATE TABLE bench_dst (LIKE bench_src)"'
my_drop='my -e "DROP TABLE IF EXISTS bench_dst"'
my_empty='my -e "DROP TABLE IF EXISTS bench_dst; CREATE TABLE bench_dst $my_dst_ddl"'

if [ $want_pg = 1 ]; then
  add pg_load_native baseline '`psql` `COPY (…) TO STDOUT (FORMAT binary)` > /dev/null' \
    'psql -X -q -c "COPY (SELECT * FROM bench_src) TO STDOUT (FORMAT binary)" > /dev/null' srv=pg
  add pg_load mageio '`load postgres` `SELECT *` drained' \
    "$mageio load postgres --query 'SELECT * FROM bench_src' --format null" \
    vs=pg_load_native 'target=pg_load_native:<=:1.10' check=expect_stdout srv=pg
  # The same load with the plugin in its own mageio-plugin-host process (--isolate), side by side with
  # the in-process one: the cost of isolation (issue 12's target: within 1.15x of in-process).
  add pg_load_isolated mageio '`load postgres --isolate` `SELECT *` drained' \
    "$mageio load postgres --isolate --query 'SELECT * FROM bench_src' --format null" \
    vs=pg_load_native 'target=pg_load:<=:1.15' check=expect_stdout srv=pg
  # Partitioned loads (issue 15): page ranges (TID range scans) and ranges of id on 2 and 4 connections
  # under one exported snapshot, batches taken as they come (--unordered). Target for 4: 0.8x psql, or
  # the bound the server's CPU figures show (the server does most of the work on a small machine).
  add pg_load_p2 mageio '`load postgres --partitions 2 --unordered` (page ranges) drained' \
    "$mageio load postgres --table bench_src --partitions 2 --unordered --format null" \
    vs=pg_load_native check=expect_stdout srv=pg
  add pg_load_p4 mageio '`load postgres --partitions 4 --unordered` (page ranges) drained' \
    "$mageio load postgres --table bench_src --partitions 4 --unordered --format null" \
    vs=pg_load_native 'target=pg_load_native:<=:0.80' check=expect_stdout srv=pg
  add pg_load_p4_id mageio '`load postgres --partitions 4 --partition-on id --unordered` drained' \
    "$mageio load postgres --table bench_src --partitions 4 --partition-on id --unordered --format null" \
    vs=pg_load_native check=expect_stdout srv=pg
  pg_load_group="pg_load_native pg_load pg_load_isolated pg_load_p2 pg_load_p4 pg_load_p4_id"
  # ConnectorX's partitioned read (partition_on=id, partition_num 2/4) beside the same reads through
  # mageio's Python API, and mageio.dask on a LocalCluster of 2 worker processes, when Pythons with them are
  # found: ConnectorX in MAGEIO_BENCH_CX_PYTHON or .venv-bench/ (bench/python/run.sh makes it), mageio
  # (and dask) in MAGEIO_BENCH_MAGEIO_PYTHON or .venv-test/ (tools/python-venv.sh). These rows build an
  # Arrow table in memory, as ConnectorX does (the CLI rows above drain; their peak RSS is the table's, so the
  # report's 64 MiB streaming target does not apply), and pay the interpreter's start.
  cx_py=${MAGEIO_BENCH_CX_PYTHON:-$root/.venv-bench/bin/python}
  mageio_py=${MAGEIO_BENCH_MAGEIO_PYTHON:-$root/.venv-test/bin/python}
  read_py=$here/python/partitioned_read.py
  if [ -x "$cx_py" ] && "$cx_py" -c 'import connectorx, pyarrow' 2>/dev/null &&
    [ -x "$mageio_py" ] && "$mageio_py" -c 'import mageio.dask, distributed' 2>/dev/null; then
    for n in 1 2 4; do
      on=$([ $n = 1 ] && echo 'one connection' || echo "partition_on=id, partition_num=$n")
      add pg_load_cx$n baseline "ConnectorX \`read_sql\` ($on) to Arrow" \
        "'$cx_py' '$read_py' connectorx $n" check=expect_stdout srv=pg
      on=$([ $n = 1 ] && echo 'one stream' || echo "partitions=$n, partition_on=id")
      add pg_load_py$n mageio "Python \`load($on).read_all()\` (the whole table in memory: the 64 MiB target is for streams)" \
        "'$mageio_py' '$read_py' mageio $n" vs=pg_load_cx$n "target=pg_load_cx$n:<=:1.00" check=expect_stdout srv=pg
      pg_load_group+=" pg_load_cx$n pg_load_py$n"
    done
    add pg_load_dask4 mageio '`mageio.dask.read_table(partitions=4)` on a 2-process LocalCluster (its start included)' \
      "'$mageio_py' '$read_py' dask 4" vs=pg_load_py1 check=expect_stdout srv=pg
    pg_load_group+=" pg_load_dask4"
  else
    echo "bench: no ConnectorX in $cx_py or no mageio.dask in $mageio_py: skipping the ConnectorX/Python rows" >&2
  fi
  # shellcheck disable=SC2086  # the group's ids, one word each
  group $pg_load_group
  add pg_csv_native baseline '`psql \copy (…) TO` file CSV' \
    "psql -X -q -c \"\\copy (SELECT * FROM bench_src) TO 'out.csv' CSV HEADER\"" check=expect_csv srv=pg
  add pg_csv mageio '`load postgres` to a CSV file' \
    "$mageio load postgres --query 'SELECT * FROM bench_src' --output out.csv" \
    vs=pg_csv_native check=expect_csv srv=pg
  group pg_csv_native pg_csv
  add pg_import_csv_native baseline '`psql \copy … FROM` CSV' \
    "psql -X -q -c \"\\copy bench_dst FROM 'src.csv' CSV HEADER\"" prep="$pg_empty" check='same_as_source pg' srv=pg
  add pg_import_bin_native baseline '`psql \copy … FROM` binary' \
    "psql -X -q -c \"\\copy bench_dst FROM 'src.bin' (FORMAT binary)\"" prep="$pg_empty" check='same_as_source pg' srv=pg
  add pg_export mageio '`export postgres` from a CSV file' \
    "$mageio export postgres --input src.csv --table bench_dst --if-exists replace $types" \
    vs=pg_import_csv_native 'target=pg_import_bin_native:<=:1.15' 'target=pg_import_csv_native:<:1.00' \
    prep="$pg_drop" check='same_as_source pg' srv=pg
  add pg_export_arrow mageio 'export to postgres of Arrow rows made in-process (`export_driver`)' \
    'export_driver plugins io_config.yaml postgres bench_dst $ROWS' \
    vs=pg_import_bin_native prep="$pg_drop" check='same_as_source pg' srv=pg
  group pg_import_csv_native pg_import_bin_native pg_export pg_export_arrow
  add pg_copy_native baseline '`psql` binary `COPY … TO STDOUT` piped into `psql` binary `COPY … FROM STDIN`' \
    'set -o pipefail; psql -X -q -c "COPY bench_src TO STDOUT (FORMAT binary)" | psql -X -q -c "COPY bench_dst FROM STDIN (FORMAT binary)"' \
    prep="$pg_empty" check='same_as_source pg' srv=pg
  add pg_copy mageio '`copy postgres postgres`' \
    "$mageio copy postgres postgres --table bench_src --to-table bench_dst --if-exists replace" \
    vs=pg_copy_native 'target=pg_copy_native:<=:1.30' prep="$pg_drop" check='same_as_source pg' srv=pg
  # Partitioned copies (issue 15): N readers under one snapshot, N COPY writers into one staging table,
  # one rename at the end (a new table: the stage is the table).
  for n in 2 4; do
    add pg_copy_p$n mageio "\`copy postgres postgres --partitions $n\` ($n writers into a stage)" \
      "$mageio copy postgres postgres --table bench_src --to-table bench_dst --if-exists replace --partitions $n" \
      vs=pg_copy prep="$pg_drop" check='same_as_source pg' srv=pg
  done
  group pg_copy_native pg_copy pg_copy_p2 pg_copy_p4
fi

if [ $want_my = 1 ]; then
  add my_load_native baseline "\`mariadb --quick --batch -e 'select …'\` > /dev/null" \
    "mariadb --defaults-file=my.cnf --quick --batch -e 'SELECT * FROM bench_src' > /dev/null" srv=my
  add my_load mageio '`load mysql` `SELECT *` drained' \
    "$mageio load mysql --query 'SELECT * FROM bench_src' --format null" \
    vs=my_load_native 'target=my_load_native:<=:1.20' check=expect_stdout srv=my
  group my_load_native my_load
  add my_import_native baseline '`LOAD DATA LOCAL INFILE` (mariadb client)' \
    "mariadb --defaults-file=my.cnf -e \"$(my_load_data bench_dst | sed 's/"/\\"/g')\"" \
    prep="$my_empty" check='same_as_source my' srv=my
  add my_export mageio '`export mysql` from a CSV file' \
    "$mageio export mysql --input src.csv --table bench_dst --if-exists replace $types" \
    vs=my_import_native 'target=my_import_native:<=:1.00' prep="$my_drop" check='same_as_source my' srv=my
  add my_export_insert mageio '`export mysql` from a CSV file, `--option method=insert` (for reference)' \
    "$mageio export mysql --input src.csv --table bench_dst --if-exists replace --option method=insert $types" \
    vs=my_import_native prep="$my_drop" check='same_as_source my' srv=my
  add my_export_arrow mageio 'export to mysql of Arrow rows made in-process (`export_driver`)' \
    'export_driver plugins io_config.yaml mysql bench_dst $ROWS' \
    vs=my_import_native prep="$my_drop" check='same_as_source my' srv=my
  group my_import_native my_export my_export_insert my_export_arrow
fi

if [ $want_pg = 1 ] && [ $want_my = 1 ]; then
  add copy_pg_my mageio '`copy postgres mysql`' \
    "$mageio copy postgres mysql --table bench_src --to-table bench_dst --if-exists replace" \
    prep="$my_drop" check='same_as_source my' srv=pg,my
  add copy_my_pg mageio '`copy mysql postgres`' \
    "$mageio copy mysql postgres --table bench_src --to-table bench_dst --if-exists replace" \
    prep="$pg_drop" check='same_as_source pg' srv=pg,my
  add copy_pg_my_p4 mageio '`copy postgres mysql --partitions 4` (4 readers, one LOAD DATA writer)' \
    "$mageio copy postgres mysql --table bench_src --to-table bench_dst --if-exists replace --partitions 4" \
    vs=copy_pg_my prep="$my_drop" check='same_as_source my' srv=pg,my
  add copy_my_pg_p4 mageio '`copy mysql postgres --partitions 4 --partition-on id` (4 COPY writers into a stage)' \
    "$mageio copy mysql postgres --table bench_src --to-table bench_dst --if-exists replace --partitions 4 --partition-on id" \
    vs=copy_my_pg prep="$pg_drop" check='same_as_source pg' srv=pg,my
  group copy_pg_my copy_my_pg copy_pg_my_p4 copy_my_pg_p4
fi

if [ $want_lite = 1 ]; then
  add lite_import_native baseline '`sqlite3 .import` CSV' \
    "sqlite3 dst.sqlite '.import --csv --skip 1 src.csv bench_dst'" \
    prep='rm -f dst.sqlite; sqlite3 dst.sqlite "CREATE TABLE bench_dst $lite_dst_ddl"' check='same_as_source lite'
  add lite_copy mageio '`copy file sqlite`' \
    "$mageio --set SQLITE_DATABASE=dst.sqlite copy file sqlite --path src.csv --to-table bench_dst --if-exists replace $types" \
    vs=lite_import_native prep='rm -f dst.sqlite' check='same_as_source lite'
  group lite_import_native lite_copy
  add lite_load_native baseline "\`sqlite3 'select …'\` > /dev/null" \
    "sqlite3 src.sqlite 'SELECT * FROM bench_src' > /dev/null"
  add lite_load mageio '`load sqlite` `SELECT *` drained' \
    "$mageio --set SQLITE_DATABASE=src.sqlite load sqlite --query 'SELECT * FROM bench_src' --format null" \
    vs=lite_load_native check=expect_stdout
  group lite_load_native lite_load
  # The file plugin reading JSON Lines (src.jsonl, written untimed from src.csv by mageio): one stream,
  # and --partitions 2 (byte ranges of whole lines, read in two threads) on the same file.
  add file_jsonl_load mageio '`load file` JSON Lines drained' \
    "$mageio load file --path src.jsonl --format null" check=expect_stdout
  add file_jsonl_load_p2 mageio '`load file` JSON Lines drained, `--partitions 2`' \
    "$mageio load file --path src.jsonl --format null --partitions 2" vs=file_jsonl_load check=expect_stdout
  group file_jsonl_load file_jsonl_load_p2
fi

# --- measuring ------------------------------------------------------------------------------------------
results=$work/results.jsonl
: >"$results"
measure() {  # measure ID REP
  current=$1
  local id=$1 rep=$2 t s
  if [ -n "${c_prep[$id]:-}" ]; then eval "${c_prep[$id]}" >/dev/null; fi
  local args=(--results "$results" --id "$id" --side "${c_side[$id]}" --label "${c_label[$id]}"
    --command "${c_cmd[$id]}" --rows "$size" --rep "$rep" --stdout stdout.txt --log stderr.txt)
  if [ -n "${c_vs[$id]:-}" ]; then args+=(--vs "${c_vs[$id]}"); fi
  for t in ${c_targets[$id]:-}; do args+=(--target "$t"); done
  IFS=, read -r -a servers <<<"${c_srv[$id]:-}"
  for s in "${servers[@]}"; do
    case $s in
      pg) [ -z "$pg_pid" ] || args+=(--server-pid "$pg_pid") ;;
      my) [ -z "$my_pid" ] || args+=(--server-pid "$my_pid") ;;
    esac
  done
  "$py" "$here/bench.py" measure "${args[@]}" || die "$id failed (above); working directory: $work (--keep keeps it)"
  if [ -n "${c_check[$id]:-}" ]; then eval "${c_check[$id]}"; fi
}

sizes=("$rows")
[ $scaling = 1 ] && sizes=($((rows / 10)) "$rows")
for size in "${sizes[@]}"; do
  export ROWS=$size
  echo "bench: $size rows: generating the data" >&2
  pg_generate "$size" >/dev/null
  pg_dump_files
  pg_source=$(pg_fingerprint bench_src)
  if [ $want_my = 1 ]; then
    my_generate
    my_source=$(my_fingerprint bench_src)
  fi
  if [ $want_lite = 1 ]; then
    lite_generate
    eval "$mageio load file --path src.csv $types --format jsonl --output src.jsonl"
    lite_source=$(lite_fingerprint src.sqlite bench_src)
  fi
  # Read each source table once, untimed, so that the first measured run does not find a cold cache.
  if [ $want_pg = 1 ]; then pg -c "COPY bench_src TO STDOUT (FORMAT binary)" >/dev/null; fi
  if [ $want_my = 1 ]; then my --quick -e "SELECT * FROM bench_src" >/dev/null; fi
  if [ $want_lite = 1 ]; then sqlite3 src.sqlite "SELECT * FROM bench_src" >/dev/null; fi

  for rep in $(seq 1 "$repeat"); do
    echo "bench: $size rows, run $rep of $repeat" >&2
    for g in "${groups[@]}"; do
      read -r -a members <<<"$g"
      if [ $((rep % 2)) = 0 ]; then
        for ((i = ${#members[@]} - 1; i >= 0; i--)); do measure "${members[$i]}" "$rep"; done
      else
        for id in "${members[@]}"; do measure "$id" "$rep"; done
      fi
    done
  done
done

"$py" "$here/bench.py" report --results "$results" --json "$json" --fact "started_at=$started_at" \
  --fact "repeat=$repeat" --fact "only=$only" --fact "loadavg_start=$loadavg_start" "${versions[@]}"
echo "bench: every figure is in $json" >&2

# The adbc bridge (bench/adbc/bench_adbc.sh): the postgresql ADBC driver through mageio, the native postgres
# plugin, and the same driver from Python, on the same server and size. Only when the plugin is built.
if [ $want_pg = 1 ]; then
  if [ -f "${MAGEIO_BUILD_DIR:-$root/build}/lib/mageio/plugins/libmageio_adbc.so" ] ||
    [ -f "$root/${MAGEIO_BUILD_DIR:-build}/lib/mageio/plugins/libmageio_adbc.so" ]; then
    bash "$here/adbc/bench_adbc.sh" --rows "$rows" --repeat "$repeat"
  else
    echo "bench: the adbc plugin is not built (tools/install-deps.sh --adbc); skipping bench/adbc" >&2
  fi
fi
