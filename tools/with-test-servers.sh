#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL and a throwaway MariaDB server next to it.
#
#   tools/with-test-servers.sh [--only postgres|mysql|postgres,mysql] [--] COMMAND [ARG...]
#
# Both servers get a fresh data directory inside one temporary directory, listen on free
# ports on 127.0.0.1 only (plus unix sockets in the temporary directory), and are torn down
# when the script exits -- also when COMMAND fails or the script is interrupted. The script
# exits with COMMAND's exit status.
#
# Why not the packaged services: in containers they are not started automatically (no
# systemd), starting them means touching system state (/var/lib/postgresql, /var/lib/mysql,
# /run, the system-wide users and passwords), and two test runs at once would share one
# server. Private servers on free ports need none of that, start in a few seconds, and can
# run side by side. Durability is switched off (fsync and friends), since the data is thrown
# away anyway.
#
# COMMAND sees these environment variables (only those of the servers started):
#   MAGEIO_TEST_SERVERS=1
#   MAGEIO_TEST_PG_HOST=127.0.0.1  MAGEIO_TEST_PG_PORT  MAGEIO_TEST_PG_USER=mageio
#   MAGEIO_TEST_PG_PASSWORD  MAGEIO_TEST_PG_DBNAME=mageio_test  MAGEIO_TEST_PG_SOCKET_DIR
#   MAGEIO_TEST_MYSQL_HOST=127.0.0.1  MAGEIO_TEST_MYSQL_PORT  MAGEIO_TEST_MYSQL_USER=mageio
#   MAGEIO_TEST_MYSQL_PASSWORD  MAGEIO_TEST_MYSQL_DATABASE=mageio_test  MAGEIO_TEST_MYSQL_SOCKET
#   MAGEIO_TEST_IO_CONFIG  path of a Mage-style io_config.yaml (profile "default") for them
#   MAGEIO_TEST_S3_ENDPOINT=http://127.0.0.1:PORT  MAGEIO_TEST_S3_ACCESS_KEY_ID  MAGEIO_TEST_S3_SECRET_ACCESS_KEY
#   MAGEIO_TEST_S3_REGION   an S3 emulator (moto in server mode, from build-deps/moto/venv, installed by
#                           tools/moto/install.sh); without it the S3 tests are skipped, or fail under CI=true
#   MAGEIO_TEST_AZURE_ENDPOINT=http://127.0.0.1:PORT/ACCOUNT  MAGEIO_TEST_AZURE_ACCOUNT  MAGEIO_TEST_AZURE_KEY
#                           an Azure Blob emulator (Azurite, from build-deps/azurite, installed by
#                           tools/azurite/install.sh; a fresh account and key per run)
#   MAGEIO_TEST_GCS_ENDPOINT=http://127.0.0.1:PORT
#                           a Google Cloud Storage emulator (fake-gcs-server, from build-deps/fake-gcs, installed
#                           by tools/fake-gcs/install.sh); each of the two skipped when absent, a failure under CI=true
#   MAGEIO_TEST_FLIGHTSQL_URI=grpc://127.0.0.1:PORT
#                           an Arrow Flight SQL server (arrow-go's sqlite example, from build-deps/flightsql,
#                           installed by tools/flightsql/install.sh) for the adbc plugin's partition tests;
#                           skipped when absent, a failure under CI=true (not with --only)
# The mageio users are superusers (PostgreSQL) / have all privileges on *.* (MariaDB), so
# tests may create and drop databases.
#
# MAGEIO_KEEP_SERVERS_DIR=1 keeps the temporary directory (data, logs) after exit, for debugging.
#
# The servers are not installed here; tools/install-deps.sh --servers does that.
set -euo pipefail

usage() {
  sed -n '4p' "$0" | sed 's/^#   /usage: /' >&2
  exit 2
}

want_pg=1
want_my=1
# Azurite and fake-gcs-server (the parquet plugin's Azure and GCS tests): not with --only.
want_emulators=1
while [ $# -gt 0 ]; do
  case "$1" in
    --only)
      [ $# -ge 2 ] || usage
      case "$2" in
        postgres | postgresql | pg) want_pg=1; want_my=0; want_emulators=0 ;;
        mysql | mariadb) want_pg=0; want_my=1; want_emulators=0 ;;
        postgres,mysql | mysql,postgres) want_pg=1; want_my=1; want_emulators=0 ;;
        *) echo "with-test-servers: --only takes postgres, mysql or postgres,mysql, not '$2'" >&2; exit 2 ;;
      esac
      shift 2
      ;;
    --only=*)
      set -- --only "${1#--only=}" "${@:2}"
      ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) echo "with-test-servers: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || usage

die() {
  echo "with-test-servers: $*" >&2
  exit 1
}

is_root=0
[ "$(id -u)" = 0 ] && is_root=1

# --- locate the binaries ------------------------------------------------------------------

pg_bin=""
pg_version=""
if [ $want_pg = 1 ]; then
  # The newest installed major version (directories are named 13, 14, 15, ...).
  for d in /usr/lib/postgresql/*/bin; do
    if ! [ -x "$d/initdb" ] || ! [ -x "$d/pg_ctl" ] || ! [ -x "$d/postgres" ]; then continue; fi
    v=$(basename "$(dirname "$d")")
    if [ -z "$pg_version" ] || [ "${v%%.*}" -gt "${pg_version%%.*}" ] 2>/dev/null; then
      pg_version=$v
      pg_bin=$d
    fi
  done
  [ -n "$pg_bin" ] || die "no PostgreSQL server found under /usr/lib/postgresql/*/bin (run tools/install-deps.sh --servers)"
  psql_bin="$pg_bin/psql"
  [ -x "$psql_bin" ] || psql_bin=$(command -v psql) || die "psql not found (run tools/install-deps.sh --servers)"
  if [ $is_root = 1 ]; then
    getent passwd postgres >/dev/null || die "running as root, but there is no 'postgres' user to run PostgreSQL as"
    command -v runuser >/dev/null || die "runuser not found"
  fi
fi

my_server=""
if [ $want_my = 1 ]; then
  for c in mariadbd /usr/sbin/mariadbd; do
    my_server=$(command -v "$c") && break
  done
  [ -n "$my_server" ] || die "mariadbd not found (run tools/install-deps.sh --servers)"
  my_install_db=$(command -v mariadb-install-db) || die "mariadb-install-db not found (run tools/install-deps.sh --servers)"
  my_admin=$(command -v mariadb-admin) || die "mariadb-admin not found (run tools/install-deps.sh --servers)"
  my_client=$(command -v mariadb) || die "the mariadb client not found (run tools/install-deps.sh --servers)"
fi

moto_bin="$(cd "$(dirname "$0")/.." && pwd)/build-deps/moto/venv/bin/moto_server"
if ! [ -x "$moto_bin" ]; then
  if [ "${CI:-}" = true ]; then
    die "moto_server not found at $moto_bin, and CI=true needs the S3 emulator (run tools/moto/install.sh)"
  fi
  echo "with-test-servers: no S3 emulator ($moto_bin; tools/moto/install.sh installs it): the S3 tests are skipped" >&2
  moto_bin=""
fi

azurite_bin="$(cd "$(dirname "$0")/.." && pwd)/build-deps/azurite/node_modules/.bin/azurite-blob"
if [ $want_emulators = 0 ]; then
  azurite_bin=""
elif ! [ -x "$azurite_bin" ] || ! command -v node >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    die "azurite-blob (or node) not found at $azurite_bin, and CI=true needs the Azure Blob emulator (run tools/azurite/install.sh)"
  fi
  echo "with-test-servers: no Azure Blob emulator ($azurite_bin; tools/azurite/install.sh installs it): the Azure tests are skipped" >&2
  azurite_bin=""
fi
gcs_bin="$(cd "$(dirname "$0")/.." && pwd)/build-deps/fake-gcs/bin/fake-gcs-server"
if [ $want_emulators = 0 ]; then
  gcs_bin=""
elif ! [ -x "$gcs_bin" ]; then
  if [ "${CI:-}" = true ]; then
    die "fake-gcs-server not found at $gcs_bin, and CI=true needs the GCS emulator (run tools/fake-gcs/install.sh)"
  fi
  echo "with-test-servers: no GCS emulator ($gcs_bin; tools/fake-gcs/install.sh installs it): the GCS tests are skipped" >&2
  gcs_bin=""
fi
fsql_bin="$(cd "$(dirname "$0")/.." && pwd)/build-deps/flightsql/bin/sqlite_flightsql_server"
if [ $want_emulators = 0 ]; then
  fsql_bin=""
elif ! [ -x "$fsql_bin" ]; then
  if [ "${CI:-}" = true ]; then
    die "sqlite_flightsql_server not found at $fsql_bin, and CI=true needs the Flight SQL server (run tools/flightsql/install.sh)"
  fi
  echo "with-test-servers: no Flight SQL server ($fsql_bin; tools/flightsql/install.sh installs it): the adbc Flight SQL tests are skipped" >&2
  fsql_bin=""
fi

# --- temporary directory and teardown -------------------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mageio-test-servers.XXXXXX")
# The postgres user must be able to reach its directory below this one.
chmod 0755 "$tmp"

pg_data=""
pg_started=0
my_pid=""
my_socket=""

# Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root),
# from / so that it does not trip over a working directory it cannot read.
as_pg() {
  if [ $is_root = 1 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

stop_postgres() {
  [ $pg_started = 1 ] || return 0
  pg_started=0
  as_pg "$pg_bin/pg_ctl" stop -D "$pg_data" -m immediate -w -t 30 >/dev/null 2>&1 || {
    # pg_ctl failed (e.g. the server is already gone); make sure the postmaster is dead.
    local pid
    pid=$(head -n 1 "$pg_data/postmaster.pid" 2>/dev/null) || pid=""
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  }
}

stop_mariadb() {
  [ -n "$my_pid" ] || return 0
  local pid=$my_pid
  my_pid=""
  "$my_admin" --no-defaults --socket="$my_socket" -uroot --connect-timeout=5 shutdown >/dev/null 2>&1 || true
  local i
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$i" = 50 ] && kill -TERM "$pid" 2>/dev/null
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

moto_pid=""
moto_auth_pid=""
azurite_pid=""
gcs_pid=""
fsql_pid=""
# Stops a process this script started (TERM, then KILL after 5 s).
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_emulators() {
  if [ -n "$moto_auth_pid" ]; then
    stop_pid "$moto_auth_pid"
    moto_auth_pid=""
  fi
  if [ -n "$azurite_pid" ]; then
    stop_pid "$azurite_pid"
    azurite_pid=""
  fi
  if [ -n "$gcs_pid" ]; then
    stop_pid "$gcs_pid"
    gcs_pid=""
  fi
  if [ -n "$fsql_pid" ]; then
    stop_pid "$fsql_pid"
    fsql_pid=""
  fi
}
stop_moto() {
  [ -n "$moto_pid" ] || return 0
  local pid=$moto_pid
  moto_pid=""
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # invoked by the trap below
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  stop_postgres
  stop_mariadb
  stop_moto
  stop_emulators
  if [ "${MAGEIO_KEEP_SERVERS_DIR:-0}" = 1 ]; then
    echo "with-test-servers: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}
# On INT/TERM: stop the command (if it runs already), then exit, which runs cleanup.
child=""
# shellcheck disable=SC2317  # invoked by the traps below
on_signal() {
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
      kill -0 "$child" 2>/dev/null || break
      [ "$i" = 100 ] && kill -KILL "$child" 2>/dev/null
      sleep 0.1
    done
  fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# --- helpers ------------------------------------------------------------------------------

# Prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
  if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    return
  fi
  local port i
  for i in $(seq 1 100); do
    port=$((20000 + RANDOM % 30000))
    # A refused connection means nobody listens there.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "found no free port"
}

# --- PostgreSQL ---------------------------------------------------------------------------

test_password=mageio-test-pw
pg_port=""
pg_socket_dir=""

start_postgres() {
  local pg_dir=$tmp/pg
  pg_data=$pg_dir/data
  pg_socket_dir=$pg_dir
  # In the postgres user's directory: it writes the log itself.
  local pg_log=$pg_dir/postgres.log
  mkdir -m 0755 "$pg_dir"
  if [ $is_root = 1 ]; then chown postgres: "$pg_dir"; fi
  as_pg "$pg_bin/initdb" --pgdata="$pg_data" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$tmp/pg-initdb.log" 2>&1 || {
    tail -n 20 "$tmp/pg-initdb.log" >&2
    die "initdb failed"
  }
  chmod 0700 "$pg_data"
  # Only TCP from loopback, with a password; the socket (setup only) trusts.
  as_pg tee "$pg_data/pg_hba.conf" >/dev/null <<'EOF'
local all all                trust
host  all all 127.0.0.1/32   scram-sha-256
host  all all ::1/128        scram-sha-256
EOF
  as_pg tee -a "$pg_data/postgresql.conf" >/dev/null <<EOF

# with-test-servers.sh: a throwaway server
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg_socket_dir'
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  # The port is only known to be free when picked; retry if someone took it meanwhile.
  local _
  for _ in 1 2 3; do
    pg_port=$(free_port)
    if as_pg "$pg_bin/pg_ctl" start -D "$pg_data" -l "$pg_log" -w -t 60 -o "-p $pg_port" >/dev/null 2>&1; then
      pg_started=1
      break
    fi
    # pg_ctl may give up while the server is still coming up; do not leave it behind.
    pg_started=1
    stop_postgres
    # Only a port clash is worth another try.
    grep -q 'could not bind' "$pg_log" 2>/dev/null || break
  done
  if [ $pg_started = 0 ]; then
    tail -n 20 "$pg_log" >&2 || true
    die "PostgreSQL did not start (log tail above; MAGEIO_KEEP_SERVERS_DIR=1 keeps $pg_log)"
  fi
  "$psql_bin" -X -q -v ON_ERROR_STOP=1 -h "$pg_socket_dir" -p "$pg_port" -U postgres -d postgres >/dev/null <<EOF
CREATE ROLE mageio WITH LOGIN SUPERUSER PASSWORD '$test_password';
CREATE DATABASE mageio_test OWNER mageio;
EOF
}

# --- MariaDB ------------------------------------------------------------------------------

my_port=""

start_mariadb() {
  local my_dir=$tmp/mysql
  local my_data=$my_dir/data
  my_socket=$my_dir/mysqld.sock
  mkdir -p "$my_dir/tmp"
  local user_opt=()
  [ $is_root = 1 ] && user_opt=(--user=root)
  "$my_install_db" --no-defaults --datadir="$my_data" "${user_opt[@]}" \
    --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
    >"$tmp/mysql-install-db.log" 2>&1 || {
    tail -n 20 "$tmp/mysql-install-db.log" >&2
    die "mariadb-install-db failed"
  }
  local _ i up=0
  for _ in 1 2 3; do
    my_port=$(free_port)
    # --no-defaults must come first; nothing from /etc/mysql is read. --lock-wait-timeout: a statement
    # waiting for a metadata lock fails after 120 s with "Lock wait timeout exceeded" instead of MariaDB's
    # default of a day, so a lock a test never releases is an error naming the statement, not a hung suite.
    "$my_server" --no-defaults \
      --datadir="$my_data" \
      --socket="$my_socket" \
      --port="$my_port" \
      --bind-address=127.0.0.1 \
      --pid-file="$my_dir/mysqld.pid" \
      --log-error="$tmp/mysql.log" \
      --tmpdir="$my_dir/tmp" \
      "${user_opt[@]}" \
      --skip-name-resolve \
      --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_general_ci \
      --innodb-buffer-pool-size=256M \
      --innodb-flush-log-at-trx-commit=0 \
      --innodb-doublewrite=0 \
      --max-allowed-packet=64M \
      --lock-wait-timeout=120 \
      --local-infile=1 \
      </dev/null >>"$tmp/mysql.log" 2>&1 &
    my_pid=$!
    for i in $(seq 1 600); do
      if "$my_admin" --no-defaults --socket="$my_socket" -uroot --connect-timeout=2 ping >/dev/null 2>&1; then
        up=1
        break
      fi
      kill -0 "$my_pid" 2>/dev/null || break
      sleep 0.1
    done
    [ $up = 1 ] && break
    stop_mariadb
    # Only a port clash is worth another try.
    grep -q 'Address already in use' "$tmp/mysql.log" || break
  done
  if [ $up = 0 ]; then
    tail -n 30 "$tmp/mysql.log" >&2
    die "MariaDB did not answer within 60s (log tail above; MAGEIO_KEEP_SERVERS_DIR=1 keeps $tmp/mysql.log)"
  fi
  "$my_client" --no-defaults --socket="$my_socket" -uroot <<EOF
CREATE DATABASE mageio_test;
CREATE USER 'mageio'@'127.0.0.1' IDENTIFIED BY '$test_password';
CREATE USER 'mageio'@'localhost' IDENTIFIED BY '$test_password';
GRANT ALL PRIVILEGES ON *.* TO 'mageio'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'mageio'@'localhost' WITH GRANT OPTION;
EOF
}

# --- start, describe, run -----------------------------------------------------------------

summary=()
if [ $want_pg = 1 ]; then
  start_postgres
  summary+=("postgres $pg_version on 127.0.0.1:$pg_port")
fi
if [ $want_my = 1 ]; then
  start_mariadb
  my_version=$("$my_server" --no-defaults --version | sed -n 's/.*Ver \([0-9]*\.[0-9]*\).*/\1/p')
  summary+=("mariadb $my_version on 127.0.0.1:$my_port")
fi
if [ -n "$moto_bin" ]; then
  s3_port=$(free_port)
  "$moto_bin" -H 127.0.0.1 -p "$s3_port" >"$tmp/moto.log" 2>&1 &
  moto_pid=$!
  for i in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break
    kill -0 "$moto_pid" 2>/dev/null || { cat "$tmp/moto.log" >&2; die "moto_server exited at start"; }
    [ "$i" = 300 ] && { cat "$tmp/moto.log" >&2; die "moto_server did not listen on 127.0.0.1:$s3_port in 30 s"; }
    sleep 0.1
  done
  summary+=("S3 (moto) on 127.0.0.1:$s3_port")
  # A second moto that checks credentials (its IAM emulation: after INITIAL_NO_AUTH_ACTION_COUNT unsigned
  # actions every request must be signed by a key its IAM knows): the first three actions make a user, its
  # key and its policy, the fourth (signed by that key) the bucket of the bad-credential tests.
  s3_auth_port=$(free_port)
  INITIAL_NO_AUTH_ACTION_COUNT=3 "$moto_bin" -H 127.0.0.1 -p "$s3_auth_port" >"$tmp/moto-auth.log" 2>&1 &
  moto_auth_pid=$!
  wait_listening_early() {
    local i
    for i in $(seq 1 300); do
      (exec 3<>"/dev/tcp/127.0.0.1/$s3_auth_port") 2>/dev/null && return 0
      kill -0 "$moto_auth_pid" 2>/dev/null || { cat "$tmp/moto-auth.log" >&2; die "the second moto_server exited at start"; }
      sleep 0.1
    done
    die "the second moto_server did not listen on 127.0.0.1:$s3_auth_port in 30 s"
  }
  wait_listening_early
  "$(dirname "$moto_bin")/python" - "http://127.0.0.1:$s3_auth_port" >"$tmp/moto-auth.keys" <<'PYEOF' || die "setting up the credential-checking moto failed"
import json, sys, boto3
url = sys.argv[1]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
iam.create_user(UserName="mageio")
key = iam.create_access_key(UserName="mageio")["AccessKey"]
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
iam.put_user_policy(UserName="mageio", PolicyName="s3", PolicyDocument=json.dumps(policy))
s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                  aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket="mageio-auth")
print(key["AccessKeyId"])
print(key["SecretAccessKey"])
PYEOF
  summary+=("S3 with credentials checked (moto) on 127.0.0.1:$s3_auth_port")
fi
# Waits until something listens on 127.0.0.1:$2, or dies naming $1 (its log in $tmp/$1.log, its pid $3).
wait_listening() {
  local name=$1 port=$2 pid=$3 i
  for i in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log" >&2; die "$name exited at start"; }
    sleep 0.1
  done
  cat "$tmp/$name.log" >&2
  die "$name did not listen on 127.0.0.1:$port in 30 s"
}
if [ -n "$azurite_bin" ]; then
  az_port=$(free_port)
  az_account=mageiotest
  # A fresh account key per run (Azurite's AZURITE_ACCOUNTS), never the well-known emulator key.
  az_key=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  mkdir -p "$tmp/azurite"
  AZURITE_ACCOUNTS="$az_account:$az_key" "$azurite_bin" --blobHost 127.0.0.1 --blobPort "$az_port" \
    --location "$tmp/azurite" --silent --skipApiVersionCheck --disableProductStyleUrl >"$tmp/azurite.log" 2>&1 &
  azurite_pid=$!
  wait_listening azurite "$az_port" "$azurite_pid"
  summary+=("Azure Blob (Azurite) on 127.0.0.1:$az_port")
fi
if [ -n "$gcs_bin" ]; then
  gcs_port=$(free_port)
  mkdir -p "$tmp/fake-gcs"
  (cd "$tmp/fake-gcs" && exec "$gcs_bin" -scheme http -host 127.0.0.1 -port "$gcs_port" -backend memory \
    -public-host "127.0.0.1:$gcs_port" -log-level error) >"$tmp/fake-gcs.log" 2>&1 &
  gcs_pid=$!
  wait_listening fake-gcs "$gcs_port" "$gcs_pid"
  summary+=("GCS (fake-gcs-server) on 127.0.0.1:$gcs_port")
fi
if [ -n "$fsql_bin" ]; then
  fsql_port=$(free_port)
  "$fsql_bin" -host 127.0.0.1 -port "$fsql_port" >"$tmp/flightsql.log" 2>&1 &
  fsql_pid=$!
  wait_listening flightsql "$fsql_port" "$fsql_pid"
  summary+=("Flight SQL (arrow-go sqlite example) on 127.0.0.1:$fsql_port")
fi
summary_text=$(printf '%s, ' "${summary[@]}")
echo "test servers: ${summary_text%, }" >&2

io_config=$tmp/io_config.yaml
{
  echo "version: 0.1.1"
  echo "default:"
  if [ $want_pg = 1 ]; then
    echo "  POSTGRES_DBNAME: mageio_test"
    echo "  POSTGRES_HOST: 127.0.0.1"
    echo "  POSTGRES_PORT: $pg_port"
    echo "  POSTGRES_USER: mageio"
    echo "  POSTGRES_PASSWORD: $test_password"
    echo "  POSTGRES_SCHEMA: public"
  fi
  if [ $want_my = 1 ]; then
    echo "  MYSQL_DATABASE: mageio_test"
    echo "  MYSQL_HOST: 127.0.0.1"
    echo "  MYSQL_PORT: $my_port"
    echo "  MYSQL_USER: mageio"
    echo "  MYSQL_PASSWORD: $test_password"
    echo "  MYSQL_ALLOW_LOCAL_INFILE: true"
  fi
  echo "  SQLITE_DATABASE: $tmp/mageio_test.sqlite"
} >"$io_config"

export MAGEIO_TEST_SERVERS=1
export MAGEIO_TEST_IO_CONFIG=$io_config
if [ -n "$moto_bin" ]; then
  export MAGEIO_TEST_S3_ENDPOINT=http://127.0.0.1:$s3_port
  export MAGEIO_TEST_S3_ACCESS_KEY_ID=mageio-test
  export MAGEIO_TEST_S3_SECRET_ACCESS_KEY=mageio-test-secret
  export MAGEIO_TEST_S3_REGION=us-east-1
  export MAGEIO_TEST_S3_AUTH_ENDPOINT=http://127.0.0.1:$s3_auth_port
  MAGEIO_TEST_S3_AUTH_KEY_ID=$(sed -n 1p "$tmp/moto-auth.keys")
  MAGEIO_TEST_S3_AUTH_SECRET=$(sed -n 2p "$tmp/moto-auth.keys")
  export MAGEIO_TEST_S3_AUTH_KEY_ID MAGEIO_TEST_S3_AUTH_SECRET
fi
if [ -n "$azurite_bin" ]; then
  export MAGEIO_TEST_AZURE_ENDPOINT=http://127.0.0.1:$az_port/$az_account
  export MAGEIO_TEST_AZURE_ACCOUNT=$az_account
  export MAGEIO_TEST_AZURE_KEY=$az_key
fi
if [ -n "$gcs_bin" ]; then
  export MAGEIO_TEST_GCS_ENDPOINT=http://127.0.0.1:$gcs_port
fi
if [ -n "$fsql_bin" ]; then
  export MAGEIO_TEST_FLIGHTSQL_URI=grpc://127.0.0.1:$fsql_port
fi
if [ $want_pg = 1 ]; then
  export MAGEIO_TEST_PG_HOST=127.0.0.1
  export MAGEIO_TEST_PG_PORT=$pg_port
  export MAGEIO_TEST_PG_USER=mageio
  export MAGEIO_TEST_PG_PASSWORD=$test_password
  export MAGEIO_TEST_PG_DBNAME=mageio_test
  export MAGEIO_TEST_PG_SOCKET_DIR=$pg_socket_dir
fi
if [ $want_my = 1 ]; then
  export MAGEIO_TEST_MYSQL_HOST=127.0.0.1
  export MAGEIO_TEST_MYSQL_PORT=$my_port
  export MAGEIO_TEST_MYSQL_USER=mageio
  export MAGEIO_TEST_MYSQL_PASSWORD=$test_password
  export MAGEIO_TEST_MYSQL_DATABASE=mageio_test
  export MAGEIO_TEST_MYSQL_SOCKET=$my_socket
fi

# In the background so that a signal to this script is handled right away (bash runs traps
# only after a foreground command has finished); stdin is passed on explicitly, since a
# background command would otherwise read /dev/null.
"$@" <&0 &
child=$!
status=0
wait "$child" || status=$?
child=""
exit "$status"
