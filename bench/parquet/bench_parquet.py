"""mageio's parquet plugin vs pyarrow.parquet, DuckDB and pandas on one Parquet table (bench/parquet/run.sh).

Legs (each tool in a fresh process, alternately, so every tool sees the same machine load):
  local     read and rewrite (read + write) of a local file
  s3        write a local file to the S3 emulator, read it back from there (MAGEIO_TEST_S3_*)
  postgres  the same table from PostgreSQL into a local Parquet file: `mageio copy postgres parquet` vs
            Mage's own path, pandas read_sql (SQLAlchemy + psycopg2) + DataFrame.to_parquet (MAGEIO_TEST_PG_*)
The s3 and postgres legs need the servers of tools/with-test-servers.sh, which run.sh starts.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

BUCKET = "mageio-parquet-bench"
PG_TABLE = "bench_parquet"

# The S3 filesystem of pyarrow on the emulator, from MAGEIO_TEST_S3_* (the secret never on a command line).
S3FS = (
    "import os, pyarrow.fs as pafs\ne = os.environ\n"
    "s3 = pafs.S3FileSystem(access_key=e['MAGEIO_TEST_S3_ACCESS_KEY_ID'], "
    "secret_key=e['MAGEIO_TEST_S3_SECRET_ACCESS_KEY'], region=e['MAGEIO_TEST_S3_REGION'], "
    "endpoint_override=e['MAGEIO_TEST_S3_ENDPOINT'].split('://', 1)[1], "
    "scheme=e['MAGEIO_TEST_S3_ENDPOINT'].split('://', 1)[0])\n"
)
# DuckDB with the httpfs extension from its PyPI wheel (no download at run time) and an S3 secret for the emulator.
DUCKDB_S3 = (
    "import glob, os, duckdb, duckdb_extension_httpfs\ne = os.environ\n"
    "ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_httpfs.__file__), "
    "'extensions', '*', 'httpfs.duckdb_extension'))[0]\n"
    "con = duckdb.connect(config={'autoinstall_known_extensions': False, 'autoload_known_extensions': False})\n"
    "con.execute(f\"LOAD '{ext}'\")\n"
    'q = lambda v: "\'" + v.replace("\'", "\'\'") + "\'"\n'
    "con.execute(f\"CREATE SECRET (TYPE s3, KEY_ID {q(e['MAGEIO_TEST_S3_ACCESS_KEY_ID'])}, "
    "SECRET {q(e['MAGEIO_TEST_S3_SECRET_ACCESS_KEY'])}, REGION {q(e['MAGEIO_TEST_S3_REGION'])}, "
    "ENDPOINT {q(e['MAGEIO_TEST_S3_ENDPOINT'].split('://', 1)[1])}, URL_STYLE 'path', "
    "USE_SSL {str(e['MAGEIO_TEST_S3_ENDPOINT'].startswith('https')).lower()})\")\n"
)
# Every column of every row into Arrow batches, 65536 rows at a time (mageio's and pyarrow's batch size too).
DUCKDB_READ = (
    'r = con.execute("SELECT * FROM read_parquet(" + q(sys.argv[1]) + ")").to_arrow_reader(65536)\n'
    "print(sum(b.num_rows for b in r))"
)
PEER = {
    "pyarrow read": "import pyarrow.parquet as pq, sys\n"
    "n = sum(b.num_rows for b in pq.ParquetFile(sys.argv[1]).iter_batches(batch_size=65536))\nprint(n)",
    "duckdb read": 'import duckdb, sys\ncon = duckdb.connect()\nq = lambda v: "\'" + v.replace("\'", "\'\'") + "\'"\n'
    + DUCKDB_READ,
    "pyarrow rewrite": "import pyarrow.parquet as pq, sys\nf = pq.ParquetFile(sys.argv[1])\n"
    "w = pq.ParquetWriter(sys.argv[2], f.schema_arrow, compression='snappy')\n"
    "[w.write_batch(b) for b in f.iter_batches(batch_size=65536)]\nw.close()",
    "duckdb rewrite": "import duckdb, sys\nduckdb.sql(f\"COPY (SELECT * FROM read_parquet('{sys.argv[1]}')) "
    "TO '{sys.argv[2]}' (FORMAT parquet, COMPRESSION snappy)\")",
    # argv: local source, bucket/key
    "pyarrow s3 write": "import sys, pyarrow.parquet as pq\n" + S3FS + "f = pq.ParquetFile(sys.argv[1])\n"
    "w = pq.ParquetWriter(sys.argv[2], f.schema_arrow, compression='snappy', filesystem=s3)\n"
    "[w.write_batch(b) for b in f.iter_batches(batch_size=65536)]\nw.close()",
    # argv: bucket/key. pre_buffer: coalesced ranged reads, pyarrow's advice for object stores.
    "pyarrow s3 read": "import sys, pyarrow.parquet as pq\n"
    + S3FS
    + "f = pq.ParquetFile(s3.open_input_file(sys.argv[1]), pre_buffer=True)\n"
    "print(sum(b.num_rows for b in f.iter_batches(batch_size=65536)))",
    # argv: local source, s3://bucket/key
    "duckdb s3 write": "import sys\n" + DUCKDB_S3 + 'con.execute("COPY (SELECT * FROM read_parquet(" + q(sys.argv[1]) '
    '+ ")) TO " + q(sys.argv[2]) + " (FORMAT parquet, COMPRESSION snappy)")',
    # argv: s3://bucket/key
    "duckdb s3 read": "import sys\n" + DUCKDB_S3 + DUCKDB_READ,
    # argv: output path. Mage's Postgres.load (pandas read_sql) and its export of a DataFrame to Parquet.
    "pandas postgres": "import os, sys, pandas as pd, sqlalchemy as sa\ne = os.environ\n"
    "url = sa.URL.create('postgresql+psycopg2', username=e['MAGEIO_TEST_PG_USER'], "
    "password=e['MAGEIO_TEST_PG_PASSWORD'], host=e['MAGEIO_TEST_PG_HOST'], port=int(e['MAGEIO_TEST_PG_PORT']), "
    "database=e['MAGEIO_TEST_PG_DBNAME'])\n"
    f"df = pd.read_sql('SELECT * FROM {PG_TABLE}', sa.create_engine(url))\n"
    "df.to_parquet(sys.argv[1], compression='snappy')",
}


def make_table(rows):
    ids = pa.array(range(rows), pa.int64())
    base = datetime(2024, 1, 1)
    return pa.table(
        {
            "id": ids,
            "qty": pa.array([i % 1000 for i in range(rows)], pa.int32()),
            "price": pa.array([i * 0.25 for i in range(rows)], pa.float64()),
            "flag": pa.array([i % 3 == 0 for i in range(rows)], pa.bool_()),
            "label": pa.array([f"label {i:014d}" for i in range(rows)], pa.utf8()),
            "ts": pa.array([base + timedelta(seconds=i) for i in range(rows)], pa.timestamp("us")),
            "day": pa.array([date(2000, 1, 1) + timedelta(days=i % 10000) for i in range(rows)], pa.date32()),
            "amount": pa.array([Decimal(i % 100000) / 100 for i in range(rows)], pa.decimal128(12, 2)),
        }
    )


# The same table in PostgreSQL (bigint, integer, double precision, boolean, text, timestamp, date, numeric(12,2)).
PG_CREATE = (
    "CREATE TABLE {table} AS SELECT g::bigint AS id, (g % 1000)::integer AS qty, (g * 0.25)::double precision "
    "AS price, g % 3 = 0 AS flag, 'label ' || lpad(g::text, 14, '0') AS label, "
    "timestamp '2024-01-01' + g * interval '1 second' AS ts, date '2000-01-01' + (g % 10000) AS day, "
    "((g % 100000) / 100.0)::numeric(12,2) AS amount FROM generate_series(0, {last}) g"
)


def timed(argv):
    """Wall seconds, peak RSS (MiB) and standard output of one run; fails loudly when the command does."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", *argv], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed:\n{out.stderr}")
    wall, rss = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss) / 1024, out.stdout


def s3_filesystem():
    endpoint = os.environ["MAGEIO_TEST_S3_ENDPOINT"]
    scheme, host = endpoint.split("://", 1)
    return pafs.S3FileSystem(
        access_key=os.environ["MAGEIO_TEST_S3_ACCESS_KEY_ID"],
        secret_key=os.environ["MAGEIO_TEST_S3_SECRET_ACCESS_KEY"],
        region=os.environ["MAGEIO_TEST_S3_REGION"],
        endpoint_override=host,
        scheme=scheme,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mageio", required=True)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--legs", default="local,s3,postgres", help="comma-separated: local, s3, postgres")
    ap.add_argument("--duckdb-s3-python", help="python of a venv with duckdb and duckdb-extension-httpfs")
    args = ap.parse_args()
    legs = set(args.legs.split(","))
    if legs - {"local", "s3", "postgres"}:
        sys.exit(f"bench: unknown legs {sorted(legs - {'local', 's3', 'postgres'})}")
    if "s3" in legs and "MAGEIO_TEST_S3_ENDPOINT" not in os.environ:
        print(
            "bench: no S3 emulator (MAGEIO_TEST_S3_ENDPOINT; run.sh starts one): the s3 legs are skipped",
            file=sys.stderr,
        )
        legs.discard("s3")
    if "postgres" in legs and "MAGEIO_TEST_PG_PORT" not in os.environ:
        print(
            "bench: no PostgreSQL (MAGEIO_TEST_PG_*; run.sh starts one): the postgres leg is skipped", file=sys.stderr
        )
        legs.discard("postgres")

    with tempfile.TemporaryDirectory() as work:
        src = os.path.join(work, "src.parquet")
        # Row groups of 128k rows, as a streaming writer (mageio's own, or Spark's 128 MiB) would make them.
        pq.write_table(make_table(args.rows), src, compression="snappy", row_group_size=131072)
        mageio = [args.mageio, "--quiet"]
        py = sys.executable
        cases = {}  # case -> (tools, where the output goes: "local", "s3" or None)
        if "local" in legs:
            cases["read"] = (
                {
                    "mageio": mageio + ["load", "parquet", "--path", src, "--format", "null"],
                    "pyarrow": [py, "-c", PEER["pyarrow read"], src],
                    "duckdb": [py, "-c", PEER["duckdb read"], src],
                },
                None,
            )
            cases["rewrite"] = (
                {
                    "mageio": mageio + ["copy", "parquet", "parquet", "--path", src, "--to-path", "{out}"],
                    "pyarrow": [py, "-c", PEER["pyarrow rewrite"], src, "{out}"],
                    "duckdb": [py, "-c", PEER["duckdb rewrite"], src, "{out}"],
                },
                "local",
            )
        s3 = None
        if "s3" in legs:
            endpoint = os.environ["MAGEIO_TEST_S3_ENDPOINT"]
            # moto takes an unsigned CreateBucket; an existing bucket (a second run on the same server) is fine.
            try:
                urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{BUCKET}", method="PUT"), timeout=30)
            except urllib.error.HTTPError as e:
                if e.code != 409:
                    raise
            s3 = s3_filesystem()
            src_key = f"{BUCKET}/src.parquet"
            pafs.copy_files(src, src_key, destination_filesystem=s3)
            sets = [
                "--set", f"AWS_ENDPOINT={endpoint}",
                "--set", "AWS_ACCESS_KEY_ID=env:MAGEIO_TEST_S3_ACCESS_KEY_ID",
                "--set", "AWS_SECRET_ACCESS_KEY=env:MAGEIO_TEST_S3_SECRET_ACCESS_KEY",
                "--set", "AWS_REGION=env:MAGEIO_TEST_S3_REGION",
            ]  # fmt: skip
            write = {
                "mageio": mageio + ["copy", "parquet", "parquet", "--path", src, "--to-path", "s3://{out}", *sets],
                "pyarrow": [py, "-c", PEER["pyarrow s3 write"], src, "{out}"],
            }
            read = {
                "mageio": mageio + ["load", "parquet", "--path", f"s3://{src_key}", "--format", "null", *sets],
                "pyarrow": [py, "-c", PEER["pyarrow s3 read"], src_key],
            }
            if args.duckdb_s3_python:
                write["duckdb 1.5.5"] = [args.duckdb_s3_python, "-c", PEER["duckdb s3 write"], src, "s3://{out}"]
                read["duckdb 1.5.5"] = [args.duckdb_s3_python, "-c", PEER["duckdb s3 read"], f"s3://{src_key}"]
            cases["write to S3"] = (write, "s3")
            cases["read from S3"] = (read, None)
        if "postgres" in legs:
            config = os.environ["MAGEIO_TEST_IO_CONFIG"]
            for sql in (f"DROP TABLE IF EXISTS {PG_TABLE}", PG_CREATE.format(table=PG_TABLE, last=args.rows - 1)):
                subprocess.run(mageio + ["exec", "postgres", "--config", config, "--sql", sql], check=True)
            subprocess.run(
                mageio + ["exec", "postgres", "--config", config, "--sql", f"ANALYZE {PG_TABLE}"], check=True
            )
            cases["postgres to local Parquet"] = (
                {
                    "mageio": mageio
                    + ["copy", "postgres", "parquet", "--config", config, "--table", PG_TABLE, "--to-path", "{out}"],
                    "pandas read_sql + to_parquet": [py, "-c", PEER["pandas postgres"], "{out}"],
                },
                "local",
            )

        size = os.path.getsize(src) / 2**20
        versions = subprocess.run(
            [py, "-c", "import duckdb, pandas, pyarrow, sqlalchemy, psycopg2; print(f'pyarrow {pyarrow.__version__}, "
             "duckdb {duckdb.__version__}, pandas {pandas.__version__}, SQLAlchemy {sqlalchemy.__version__}, "
             "psycopg2 {psycopg2.__version__.split()[0]}')"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        print(f"peers: {versions}; legs: {', '.join(sorted(legs))}\n")
        print(f"| {args.rows} rows ({size:.0f} MiB snappy) | tool | wall s (median of {args.repeat}) | peak RSS MiB |")
        print("|---|---|---|---|", flush=True)
        for case, (tools, sink) in cases.items():
            results = {tool: [] for tool in tools}
            for _ in range(args.repeat):
                for tool, argv in tools.items():
                    name = "out-" + "".join(c if c.isalnum() else "-" for c in tool) + ".parquet"
                    out = os.path.join(work, name) if sink == "local" else f"{BUCKET}/{name}"
                    if sink == "local" and os.path.exists(out):
                        os.remove(out)
                    elif sink == "s3" and s3.get_file_info(out).type != pafs.FileType.NotFound:
                        s3.delete_file(out)
                    wall, rss, stdout = timed([a.replace("{out}", out) for a in argv])
                    results[tool].append((wall, rss))
                    if sink:
                        f = out if sink == "local" else s3.open_input_file(out)
                        n = pq.ParquetFile(f).metadata.num_rows
                        if n != args.rows:
                            sys.exit(f"bench: {tool} wrote {n} rows, not {args.rows}")
                    elif str(args.rows) not in stdout.split():  # a read prints its row count
                        sys.exit(f"bench: {tool} read {stdout.strip()!r}, not {args.rows} rows")
            for tool, runs in results.items():
                wall = statistics.median(r[0] for r in runs)
                rss = max(r[1] for r in runs)
                print(f"| {case} | {tool} | {wall:.2f} | {rss:.0f} |", flush=True)
        if "postgres" in legs:
            subprocess.run(
                mageio + ["exec", "postgres", "--config", config, "--sql", f"DROP TABLE {PG_TABLE}"], check=True
            )


if __name__ == "__main__":
    main()
