#!/usr/bin/env bash
# The mysql plugin against the native MariaDB tools, on a throwaway server (a benchmark, not a test).
#
#   bench/mysql/bench_mysql.sh [N]          N rows (default 2000000)
#
# Environment: MAGEIO_BUILD_DIR (default: build, else build-mysql) holds bin/mageio and the plugins;
# BENCH_REPEAT (default 3) runs of each measurement, the median is reported; BENCH_KEEP=1 keeps the
# working directory.
#
# Without MAGEIO_TEST_MYSQL_PORT in the environment the script runs itself under
# tools/with-test-servers.sh --only mysql (a private MariaDB 10.11 on a free port).
#
# What it measures, each under /usr/bin/time -v (wall time, client CPU, client peak RSS) plus the server's
# CPU seconds (from /proc/<mariadbd>/stat):
#   load:   mageio load mysql --table t --format null
#           vs  mariadb --quick --batch -e 'select * from t' > /dev/null
#   export: mageio export mysql --input t.csv --table t2 --if-exists replace   (LOAD DATA through a pipe)
#           mageio export ... --option method=insert                            (multi-row INSERTs, for reference)
#           vs  mariadb -e "LOAD DATA LOCAL INFILE 't.csv' INTO TABLE t3 ..."  (same table definition)
#           (the previous run's t2/t3 are dropped before each run, untimed)
# on a deterministic mixed table: bigint id, int, double, boolean, ~20-character text, datetime(6), date,
# decimal(12,2). Targets: load within 1.2x of the mariadb client, export at least as fast as LOAD DATA,
# client peak RSS under 64 MiB.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ -z "${MAGEIO_TEST_MYSQL_PORT:-}" ]; then
  exec "$root/tools/with-test-servers.sh" --only mysql -- "$0" "$@"
fi

rows=${1:-2000000}
repeat=${BENCH_REPEAT:-3}
build=${MAGEIO_BUILD_DIR:-}
if [ -z "$build" ]; then
  for candidate in "$root/build" "$root/build-mysql"; do
    if [ -x "$candidate/bin/mageio" ] && [ -e "$candidate/lib/mageio/plugins/libmageio_mysql.so" ]; then
      build=$candidate
      break
    fi
  done
fi
[ -n "$build" ] && [ -x "$build/bin/mageio" ] || {
  echo "bench_mysql: no build with bin/mageio and the mysql plugin (set MAGEIO_BUILD_DIR)" >&2
  exit 1
}
mageio=$build/bin/mageio
[ -x /usr/bin/time ] || { echo "bench_mysql: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mageio-bench-mysql.XXXXXX")
if [ "${BENCH_KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; else echo "bench_mysql: keeping $work" >&2; fi

client=(mariadb --no-defaults -h "$MAGEIO_TEST_MYSQL_HOST" -P "$MAGEIO_TEST_MYSQL_PORT" -u "$MAGEIO_TEST_MYSQL_USER"
  "-p$MAGEIO_TEST_MYSQL_PASSWORD" "$MAGEIO_TEST_MYSQL_DATABASE")
sql() { "${client[@]}" --local-infile=1 -e "$1"; }

server_pid=$(cat "$(dirname "$MAGEIO_TEST_MYSQL_SOCKET")/mysqld.pid" 2>/dev/null || true)
ticks=$(getconf CLK_TCK)
server_cpu() {  # server CPU seconds so far (all threads)
  if [ -n "$server_pid" ] && [ -r "/proc/$server_pid/stat" ]; then
    awk -v t="$ticks" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$server_pid/stat"
  else
    echo 0
  fi
}

config=$work/io_config.yaml
cat >"$config" <<EOF
version: 0.1.1
default:
  MYSQL_HOST: $MAGEIO_TEST_MYSQL_HOST
  MYSQL_PORT: $MAGEIO_TEST_MYSQL_PORT
  MYSQL_USER: $MAGEIO_TEST_MYSQL_USER
  MYSQL_PASSWORD: "{{ env_var('MAGEIO_TEST_MYSQL_PASSWORD') }}"
  MYSQL_DATABASE: $MAGEIO_TEST_MYSQL_DATABASE
  MYSQL_ALLOW_LOCAL_INFILE: true
EOF

# --- the data -------------------------------------------------------------------------------------
csv=$work/t.csv
echo "bench_mysql: generating $rows rows into $csv" >&2
# Plain POSIX awk (no gawk strftime): dates are computed from day numbers.
awk -v n="$rows" '
function civil(z,    era, doe, yoe, doy, mp, d, m) {  # days since 1970-01-01 -> YYYY-MM-DD
  z += 719468
  era = int(z / 146097)
  doe = z - era * 146097
  yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
  doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
  mp = int((5 * doy + 2) / 153)
  d = doy - int((153 * mp + 2) / 5) + 1
  m = mp < 10 ? mp + 3 : mp - 9
  return sprintf("%04d-%02d-%02d", yoe + era * 400 + (m <= 2), m, d)
}
BEGIN {
  OFS = ","
  print "id,qty,price,active,label,created_at,day,amount"
  letters = "abcdefghijklmnopqrstuvwxyz"
  for (i = 1; i <= n; i++) {
    qty = (i * 7919) % 100000 - 50000
    price = sprintf("%.15g", (i % 10007) * 1.25 / 7)
    active = (i % 3 == 0) ? "true" : "false"
    label = sprintf("item-%07d-%s", i, substr(letters, i % 20 + 1, 6))
    s = 1600000000 + i * 37
    t = s % 86400
    created = civil(int(s / 86400)) sprintf(" %02d:%02d:%02d.%06d", int(t / 3600), int(t / 60) % 60, t % 60, (i * 13) % 1000000)
    day = civil(int(1500000000 / 86400) + (i % 5000))
    amount = sprintf("%.2f", ((i * 104729) % 100000000) / 100.0 - 400000)
    print i, qty, price, active, label, created, day, amount
  }
}' >"$csv"
csv_mib=$(($(stat -c %s "$csv") / 1048576))

# The table mageio export creates from these columns, so both sides of the export comparison write the same.
export_ddl='(id BIGINT NULL, qty INT NULL, price DOUBLE NULL, active BOOLEAN NULL, label LONGTEXT NULL,
  created_at DATETIME(6) NULL, day DATE NULL, amount DECIMAL(12,2) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4'
load_data() {  # LOAD DATA LOCAL INFILE of the CSV into table $1
  echo "LOAD DATA LOCAL INFILE '$csv' INTO TABLE $1 FIELDS TERMINATED BY ',' IGNORE 1 LINES
    (id, qty, price, @active, label, created_at, day, amount) SET active = (@active = 'true')"
}
sql "DROP TABLE IF EXISTS t; CREATE TABLE t (id BIGINT PRIMARY KEY, qty INT, price DOUBLE, active BOOLEAN,
  label VARCHAR(32), created_at DATETIME(6), day DATE, amount DECIMAL(12,2)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
  $(load_data t); ANALYZE TABLE t" >/dev/null
sql "SELECT COUNT(*) FROM t" >/dev/null

# --- measuring ------------------------------------------------------------------------------------
# measure NAME COMMAND...: appends "name wall user sys rss_kib server_cpu" to $results.
results=$work/results.txt
: >"$results"
measure() {
  local name=$1
  shift
  local before after
  before=$(server_cpu)
  /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
    echo "bench_mysql: $name failed:" >&2
    cat "$work/stderr.txt" "$work/time.txt" >&2
    exit 1
  }
  after=$(server_cpu)
  awk -v name="$name" -v server="$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a - b }')" '
    /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); wall = (n == 3) ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2] }
    /User time/ { user = $NF }
    /System time/ { sys = $NF }
    /Maximum resident set size/ { rss = $NF }
    END { printf "%s %.3f %.2f %.2f %d %s\n", name, wall, user, sys, rss, server }' "$work/time.txt" >>"$results"
}

shell_to_null() { sh -c "$1" >/dev/null; }
types=(--column-type id=int64 --column-type qty=int32 --column-type price=float64 --column-type active=bool
  --column-type label=utf8 --column-type created_at=timestamp[us] --column-type day=date32
  --column-type 'amount=decimal128(12, 2)')

for run in $(seq 1 "$repeat"); do
  echo "bench_mysql: run $run of $repeat" >&2
  measure "mariadb-client-select" "${client[@]}" --quick --batch -e 'SELECT * FROM t'
  measure "mageio-load" "$mageio" load mysql --table t --format null --quiet --config "$config"

  # Both sides start without the previous run's table (dropped untimed): LOAD DATA gets an empty table
  # created for it, mageio creates its own (staging table, load, RENAME).
  sql "DROP TABLE IF EXISTS t3; CREATE TABLE t3 $export_ddl"
  measure "mariadb-load-data-local" "${client[@]}" --local-infile=1 -e "$(load_data t3)"
  sql "DROP TABLE IF EXISTS t2"
  measure "mageio-export" "$mageio" export mysql --input "$csv" --table t2 --if-exists replace --quiet --config "$config" "${types[@]}"
  sql "DROP TABLE IF EXISTS t2"
  measure "mageio-export-insert" "$mageio" export mysql --input "$csv" --table t2 --if-exists replace --quiet \
    --config "$config" --option method=insert "${types[@]}"
done
check=$(sql "SELECT (SELECT COUNT(*) FROM t2) = $rows AND (SELECT SUM(amount) FROM t2) = (SELECT SUM(amount) FROM t3)" | tail -n 1)
[ "$check" = 1 ] || { echo "bench_mysql: the exported table differs from the LOAD DATA one" >&2; exit 1; }
sql "DROP TABLE IF EXISTS t, t2, t3" >/dev/null

# --- report ---------------------------------------------------------------------------------------
version=$("${client[@]}" -N -e 'SELECT VERSION()')
echo
echo "## mysql plugin benchmark: $rows rows ($csv_mib MiB as CSV), MariaDB $version, $(nproc) CPUs, median of $repeat"
echo
awk -v rows="$rows" '
  { n[$1]++; i = n[$1]; wall[$1, i] = $2; user[$1, i] = $3; sys[$1, i] = $4; rss[$1, i] = $5; srv[$1, i] = $6 }
  function median(arr, name,    k, j, m, v, tmp) {
    m = n[name]
    for (k = 1; k <= m; k++) v[k] = arr[name, k]
    for (k = 1; k <= m; k++) for (j = k + 1; j <= m; j++) if (v[j] < v[k]) { tmp = v[k]; v[k] = v[j]; v[j] = tmp }
    return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
  }
  function row(name, reference, label,    w, r) {
    w = median(wall, name); r = median(wall, reference)
    printf "| %s | %.2f | %.2f M | %.2f | %.2f | %.1f | %s |\n", label, w, rows / w / 1e6, median(user, name) + median(sys, name),
      median(srv, name), median(rss, name) / 1024, (name == reference) ? "1.00 (reference)" : sprintf("%.2f", w / r)
  }
  END {
    print "| method | wall s | rows/s | client CPU s | server CPU s | client peak RSS MiB | wall vs reference |"
    print "|---|---|---|---|---|---|---|"
    row("mariadb-client-select", "mariadb-client-select", "`mariadb --quick --batch -e \"select * from t\"` > /dev/null")
    row("mageio-load", "mariadb-client-select", "`mageio load mysql --table t --format null`")
    row("mariadb-load-data-local", "mariadb-load-data-local", "`LOAD DATA LOCAL INFILE` of the CSV (mariadb client)")
    row("mageio-export", "mariadb-load-data-local", "`mageio export mysql --input t.csv --table t2 --if-exists replace`")
    row("mageio-export-insert", "mariadb-load-data-local", "the same with `--option method=insert` (multi-row INSERT)")
    print ""
    l = median(wall, "mageio-load") / median(wall, "mariadb-client-select")
    e = median(wall, "mageio-export") / median(wall, "mariadb-load-data-local")
    m = 0
    for (k in rss) if (rss[k] > m && (index(k, "mageio") == 1)) m = rss[k]
    printf "targets: load %.2fx of the mariadb client (<= 1.2: %s); export %.2fx of LOAD DATA (<= 1.0: %s); mageio peak RSS %.1f MiB (< 64: %s)\n",
      l, (l <= 1.2) ? "met" : "MISSED", e, (e <= 1.0) ? "met" : "MISSED", m / 1024, (m < 65536) ? "met" : "MISSED"
  }' "$results"
