"""mageio's Python API side by side with the Python peers, on one PostgreSQL table (a benchmark, not a test).

Run by bench/python/run.sh (which makes .venv-bench/ and starts the throwaway servers). Each measurement
runs in its own child process, so wall time, client CPU (user+sys of the child) and peak RSS are the
method's own; methods run alternately, R times, and the median wall time is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

TABLE = "bench_py_src"


def pg_uri() -> str:
    e = os.environ
    return (
        f"postgresql://{e['MAGEIO_TEST_PG_USER']}:{e['MAGEIO_TEST_PG_PASSWORD']}@{e['MAGEIO_TEST_PG_HOST']}:"
        f"{e['MAGEIO_TEST_PG_PORT']}/{e['MAGEIO_TEST_PG_DBNAME']}"
    )


QUERY = f"select * from {TABLE}"


def m_mageio_arrow():
    import mageio

    with mageio.connect("postgres", os.environ["MAGEIO_TEST_IO_CONFIG"]) as db:
        return db.load(QUERY).read_all().num_rows


def m_mageio_batches():
    import mageio

    with mageio.connect("postgres", os.environ["MAGEIO_TEST_IO_CONFIG"]) as db:
        return sum(b.num_rows for b in db.load(QUERY))


def m_mageio_pandas():
    import mageio

    with mageio.connect("postgres", os.environ["MAGEIO_TEST_IO_CONFIG"]) as db:
        return len(db.load(QUERY).to_pandas())


def m_adbc_arrow():
    import adbc_driver_postgresql.dbapi as dbapi

    with dbapi.connect(pg_uri()) as conn, conn.cursor() as cur:
        cur.execute(QUERY)
        return cur.fetch_arrow_table().num_rows


def m_connectorx_arrow():
    import connectorx as cx

    return cx.read_sql(pg_uri(), QUERY, return_type="arrow").num_rows


def m_connectorx_pandas():
    import connectorx as cx

    return len(cx.read_sql(pg_uri(), QUERY, return_type="pandas"))


def m_pandas_read_sql():
    import pandas as pd
    import sqlalchemy

    engine = sqlalchemy.create_engine(pg_uri().replace("postgresql://", "postgresql+psycopg2://"))
    with engine.connect() as conn:
        return len(pd.read_sql(QUERY, conn))


def _frame():
    import pyarrow.parquet as pq

    return pq.read_table(os.environ["BENCH_PY_PARQUET"]).to_pandas()


def m_mageio_export_pandas():
    import mageio

    frame = _frame()
    start = time.perf_counter()
    with mageio.connect("postgres", os.environ["MAGEIO_TEST_IO_CONFIG"]) as db:
        rows = db.export(frame, "bench_py_dst", if_exists="replace")
    print(json.dumps({"inner_s": time.perf_counter() - start}), file=sys.stderr)
    return rows


def m_adbc_ingest_pandas():
    import adbc_driver_postgresql.dbapi as dbapi
    import pyarrow as pa

    frame = _frame()
    start = time.perf_counter()
    with dbapi.connect(pg_uri()) as conn, conn.cursor() as cur:
        rows = cur.adbc_ingest("bench_py_dst", pa.Table.from_pandas(frame, preserve_index=False), mode="replace")
        conn.commit()
    print(json.dumps({"inner_s": time.perf_counter() - start}), file=sys.stderr)
    return rows


LOADS = [
    "mageio_arrow",
    "mageio_batches",
    "adbc_arrow",
    "connectorx_arrow",
    "mageio_pandas",
    "connectorx_pandas",
    "pandas_read_sql",
]
EXPORTS = ["mageio_export_pandas", "adbc_ingest_pandas"]


IMPORTS = {
    "mageio": ["mageio", "pyarrow"],
    "adbc": ["adbc_driver_postgresql.dbapi", "pyarrow"],
    "connectorx": ["connectorx", "pyarrow"],
    "pandas": ["pandas", "sqlalchemy", "psycopg2"],
}


def run_one(name: str) -> None:
    # The modules are imported before the clock starts: import time is not the method's.
    import importlib

    for module in IMPORTS[name.split("_")[0]] + (["pandas"] if "pandas" in name else []):
        importlib.import_module(module)
    start = time.perf_counter()
    rows = globals()["m_" + name]()
    wall = time.perf_counter() - start
    print(json.dumps({"rows": rows, "wall_s": wall}))


def measure(name: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        return {"name": name, "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    inner = [json.loads(line) for line in out.stderr.splitlines() if line.startswith('{"inner_s"')]
    return {
        "name": name,
        "rows": result["rows"],
        "wall_s": result["wall_s"],
        "process_s": wall,
        "inner_s": inner[0]["inner_s"] if inner else None,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mib": after.ru_maxrss / 1024,
    }  # children's max so far: each method runs in a fresh one


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one")
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.one:
        run_one(args.one)
        return
    import pyarrow.parquet as pq

    import mageio

    with mageio.connect("postgres", os.environ["MAGEIO_TEST_IO_CONFIG"]) as db:
        db.execute(f"drop table if exists {TABLE}")
        db.execute(f"""create table {TABLE} as select g::bigint as id, (g % 1000)::integer as qty,
            g * 0.25::double precision as price, g % 3 = 0 as flag, lpad(g::text, 20, 'x') as label,
            timestamp '2020-01-01' + g * interval '1 second' as ts, date '2020-01-01' + (g % 3650) as day,
            (g % 100000)::numeric(12, 2) / 100 as amount from generate_series(1, {args.rows}) g""")
        parquet = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"bench_py_{os.getpid()}.parquet")
        pq.write_table(db.load(QUERY).read_all(), parquet)
    os.environ["BENCH_PY_PARQUET"] = parquet
    results: dict = {}
    try:
        for _ in range(args.repeat):
            for name in LOADS + EXPORTS:
                # peak RSS of RUSAGE_CHILDREN is a running max: measure it in a fresh interpreter per method
                probe = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        f"""
import resource, subprocess, sys, json
sys.argv = [{__file__!r}]
sys.path.insert(0, {os.path.dirname(__file__)!r})
import bench_python as b
print(json.dumps(b.measure({name!r})))
""",
                    ],
                    capture_output=True,
                    text=True,
                    env=os.environ,
                )
                if probe.returncode != 0:
                    results.setdefault(name, []).append({"name": name, "error": probe.stderr.strip()[-300:]})
                    continue
                results.setdefault(name, []).append(json.loads(probe.stdout.strip().splitlines()[-1]))
                print(f"bench: {name}: {results[name][-1]}", file=sys.stderr)
    finally:
        os.unlink(parquet)
    report(results, args.rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": args.rows, "results": results}, f, indent=1)


def report(results: dict, rows: int) -> None:
    def median(name, key):
        values = [r[key] for r in results.get(name, []) if key in r and r[key] is not None]
        return statistics.median(values) if values else None

    print(f"\n## Python, PostgreSQL 15 -> client, {rows:,} rows (median of {len(next(iter(results.values())))})\n")
    print("| method | wall s | client CPU s | peak RSS MiB | wall / mageio |")
    print("|---|---|---|---|---|")
    base = {
        "load": median("mageio_arrow", "wall_s"),
        "pandas": median("mageio_pandas", "wall_s"),
        "export": median("mageio_export_pandas", "inner_s"),
    }
    for name in LOADS + EXPORTS:
        if not results.get(name):
            continue
        if "error" in results[name][-1] and median(name, "wall_s") is None:
            print(f"| {name} | failed: {results[name][-1]['error'][:80]} | | | |")
            continue
        key = "inner_s" if name in EXPORTS else "wall_s"
        wall = median(name, key)
        group = "export" if name in EXPORTS else ("pandas" if "pandas" in name else "load")
        ratio = wall / base[group] if base[group] else float("nan")
        print(
            f"| {name} | {wall:.2f} | {median(name, 'cpu_s'):.2f} | {median(name, 'peak_rss_mib'):.0f} | {ratio:.2f}x |"
        )
    print(
        "\nexports: wall time of the export alone (reading the DataFrame from Parquet excluded); CPU and RSS "
        "are the whole child process."
    )


if __name__ == "__main__":
    main()
