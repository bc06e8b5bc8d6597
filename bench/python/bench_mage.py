"""mageio.mage against Mage's own IO classes (mage-ai from PyPI): the same block code, only the import line
differs. One table of N rows in PostgreSQL and one in MariaDB (Mage's MySQL class), and FileIO on a local
Parquet file of the PostgreSQL rows; each measurement runs in a fresh child process (its own venv for
mage-ai, whose pandas<3 pin would otherwise change the other peers), timing only the load / export call:
wall time, CPU (user+sys) of the call, and the child's peak RSS. A benchmark, not a test.

    bench/python/run-mage.sh [--rows N] [--mysql-rows N] [--repeat R] [--json FILE]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import os, resource, sys, time, warnings

def peak_mib():
    # VmHWM: this process's peak RSS since its exec (ru_maxrss would carry the parent's across fork+exec).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

warnings.filterwarnings("ignore")
impl, backend, op, config_path, table = sys.argv[1:6]
if impl == "mage":
    from mage_ai.io.config import ConfigFileLoader
    from mage_ai.io.file import FileIO
    from mage_ai.io.mysql import MySQL
    from mage_ai.io.postgres import Postgres
else:
    from mageio.mage import ConfigFileLoader, FileIO, MySQL, Postgres
IoClass = Postgres if backend == "postgres" else MySQL
import numpy as np
import pandas as pd

def frame(n):
    rng = np.random.default_rng(7)
    i = pd.array(rng.integers(-2**31, 2**31, n), dtype="Int64")
    i[::10] = pd.NA
    return pd.DataFrame({"id": np.arange(n, dtype="int64"), "i": i, "f": rng.standard_normal(n),
                         "s": pd.Series([f"row {k} text" for k in range(n)], dtype=object),
                         "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="s")})

rows = int(sys.argv[6])
df = frame(rows) if op == "export" else None
schema = "public" if backend == "postgres" else None
before = resource.getrusage(resource.RUSAGE_SELF)
peak_before = peak_mib()
start = time.perf_counter()
if backend == "file":  # table: the Parquet file's path
    if op == "load":
        out = FileIO().load(table)
        assert len(out) == rows, len(out)
    else:
        FileIO().export(df, table.replace(".parquet", "_out_" + impl + ".parquet"))
else:
    with IoClass.with_config(ConfigFileLoader(config_path, "default")) as loader:
        if op == "load":
            out = loader.load(f"select * from {table}", verbose=False)
            assert len(out) == rows, len(out)
        else:
            loader.export(df, schema, table + "_out_" + impl, if_exists="replace", verbose=False)
wall = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
peak_after = peak_mib()
print({"wall": wall, "cpu": cpu, "rss_mib": peak_after, "added_mib": peak_after - peak_before})
"""


def run_child(python, impl, backend, op, config, table, rows):
    env = dict(os.environ, MAGE_REPO_PATH=os.path.dirname(config), PYTHONWARNINGS="ignore")
    done = subprocess.run(
        [python, "-c", CHILD, impl, backend, op, config, table, str(rows)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise SystemExit(f"{impl} {op} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own child's dict literal


# The same table in both databases: id, a nullable int, a double, text, a timestamp.
SOURCE_SQL = {
    "postgres": """create table {table} as select g::bigint as id,
                   case when g % 10 = 0 then null else ((g::bigint * 7919) % 2147483647)::integer end as i,
                   (g * 0.001)::double precision as f, 'row ' || g || ' text' as s,
                   timestamp '2024-01-01' + g * interval '1 second' as ts
                   from generate_series(0, {last}) g""",
    "mysql": """create table {table} as select cast(seq as signed) as id,
                case when seq % 10 = 0 then null else cast((seq * 7919) % 2147483647 as int) end as i,
                cast(seq * 0.001 as double) as f, concat('row ', seq, ' text') as s,
                timestamp '2024-01-01 00:00:00' + interval seq second as ts
                from seq_0_to_{last}""",
}


def make_source(backend, config, table, rows):
    """The source table (or, for "file", the Parquet file of the PostgreSQL table's rows: call after it);
    returns what the child reads: the table's name or the file's path."""
    import mageio

    if backend == "file":
        import pyarrow.parquet as pq

        path = os.path.join(tempfile.gettempdir(), f"{table}.parquet")
        with mageio.connect("postgres", config) as db:
            pq.write_table(db.load(f"select * from {table} limit {rows}").read_all(), path)
        return path
    with mageio.connect(backend, config) as db:
        db.execute(f"drop table if exists {table}")
        db.execute(SOURCE_SQL[backend].format(table=table, last=rows - 1))
    return table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--mysql-rows", type=int, help="rows of the MariaDB table (default: --rows)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--mage-python", required=True, help="python of the venv with mage-ai")
    parser.add_argument("--json")
    args = parser.parse_args()
    config = os.environ["MAGEIO_TEST_IO_CONFIG"]
    table = "bench_mage"
    # "file": FileIO on a local Parquet file of the PostgreSQL table's rows.
    cases = [("postgres", args.rows), ("file", args.rows), ("mysql", args.mysql_rows or args.rows)]

    results = {}
    for backend, rows in cases:
        source = make_source(backend, config, table, rows)
        for op in ("load", "export"):
            for impl, python in (("mageio.mage", sys.executable), ("mage", args.mage_python)):
                runs = [
                    run_child(python, "mage" if impl == "mage" else "mageio", backend, op, config, source, rows)
                    for _ in range(args.repeat)
                ]
                best = min(runs, key=lambda r: r["wall"])
                results[(backend, op, impl)] = best
                print(
                    f"{backend:8} {op:6} {impl:12} wall {best['wall']:8.2f} s  cpu {best['cpu']:8.2f} s  "
                    f"peak RSS {best['rss_mib']:8.0f} MiB (+{best['added_mib']:.0f} by the call)",
                    file=sys.stderr,
                    flush=True,
                )

    print(f"\nBest of {args.repeat}; each call in a fresh process ({time.strftime('%Y-%m-%d')})\n")
    print(
        'Peak RSS is the child\'s (imports, and for export the DataFrame, included); "+" is what the call '
        "added to it.\n"
    )
    print("| database, rows | operation | mage-ai | mageio.mage | time ratio | CPU ratio | memory added, ratio |")
    print("|---|---|---|---|---|---|---|")
    for backend, rows in cases:
        for op in ("load", "export"):
            m, g = results[(backend, op, "mage")], results[(backend, op, "mageio.mage")]
            cell = "{0[wall]:.2f} s, CPU {0[cpu]:.2f} s, peak {0[rss_mib]:.0f} MiB (+{0[added_mib]:.0f})"
            print(
                f"| {backend} {rows:,} | `{op}` | {cell.format(m)} | {cell.format(g)} | {m['wall'] / g['wall']:.1f}x | "
                f"{m['cpu'] / max(g['cpu'], 1e-9):.1f}x | {m['added_mib'] / max(g['added_mib'], 1):.1f}x |"
            )
    if args.json:
        with open(args.json, "w") as out:
            json.dump({f"{b}/{op}/{impl}": r for (b, op, impl), r in results.items()}, out, indent=1)


if __name__ == "__main__":
    main()
