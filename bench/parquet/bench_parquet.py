"""mageio's parquet plugin vs pyarrow.parquet and DuckDB: read and rewrite one Parquet file (bench/parquet/run.sh)."""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

PEER = {
    "pyarrow read": "import pyarrow.parquet as pq, sys\n"
    "n = sum(b.num_rows for b in pq.ParquetFile(sys.argv[1]).iter_batches(batch_size=65536))\nprint(n)",
    "pyarrow rewrite": "import pyarrow.parquet as pq, sys\nf = pq.ParquetFile(sys.argv[1])\n"
    "w = pq.ParquetWriter(sys.argv[2], f.schema_arrow, compression='snappy')\n"
    "[w.write_batch(b) for b in f.iter_batches(batch_size=65536)]\nw.close()",
    "duckdb rewrite": "import duckdb, sys\nduckdb.sql(f\"COPY (SELECT * FROM read_parquet('{sys.argv[1]}')) "
    "TO '{sys.argv[2]}' (FORMAT parquet, COMPRESSION snappy)\")",
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


def timed(argv):
    """Wall seconds and peak RSS (MiB) of one run; fails loudly when the command does."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", *argv], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed:\n{out.stderr}")
    wall, rss = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mageio", required=True)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        src = os.path.join(work, "src.parquet")
        # Row groups of 128k rows, as a streaming writer (mageio's own, or Spark's 128 MiB) would make them.
        pq.write_table(make_table(args.rows), src, compression="snappy", row_group_size=131072)
        mageio = [args.mageio, "--quiet"]
        cases = {
            "read": {
                "mageio": mageio + ["load", "parquet", "--path", src, "--format", "null"],
                "pyarrow": [sys.executable, "-c", PEER["pyarrow read"], src],
            },
            "rewrite": {
                "mageio": mageio + ["copy", "parquet", "parquet", "--path", src, "--to-path", "{out}"],
                "pyarrow": [sys.executable, "-c", PEER["pyarrow rewrite"], src, "{out}"],
                "duckdb": [sys.executable, "-c", PEER["duckdb rewrite"], src, "{out}"],
            },
        }
        size = os.path.getsize(src) / 2**20
        print(f"| {args.rows} rows ({size:.0f} MiB snappy) | tool | wall s (median of {args.repeat}) | peak RSS MiB |")
        print("|---|---|---|---|")
        for case, tools in cases.items():
            results = {tool: [] for tool in tools}
            for _ in range(args.repeat):
                for tool, argv in tools.items():  # alternately, so every tool sees the same machine load
                    out = os.path.join(work, f"out-{tool}.parquet")
                    if os.path.exists(out):
                        os.remove(out)
                    results[tool].append(timed([a.replace("{out}", out) for a in argv]))
                    if case == "rewrite":
                        n = pq.ParquetFile(out).metadata.num_rows
                        if n != args.rows:
                            sys.exit(f"bench: {tool} wrote {n} rows, not {args.rows}")
            for tool, runs in results.items():
                wall = statistics.median(r[0] for r in runs)
                rss = max(r[1] for r in runs)
                print(f"| {case} | {tool} | {wall:.2f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
