"""One partitioned read of bench_src for bench/run.sh (a benchmark command, not a test): prints "N rows".

    python partitioned_read.py connectorx N   ConnectorX read_sql(partition_on="id", partition_num=N) into an
                                             Arrow table (N=1: one connection, no partitioning)
    python partitioned_read.py mageio N       mageio's Python API, Connector.load(partition_on="id",
                                             partitions=N, unordered=True).read_all(): the same Arrow table
    python partitioned_read.py dask N         mageio.dask.read_table(partitions=N) on a LocalCluster of 2 worker
                                             processes (started inside the measurement), rows counted on the
                                             workers; the time without the cluster's start goes to stderr

Connection: ConnectorX takes a URI, built here from the MAGEIO_TEST_PG_* variables (never on a command
line); mageio reads io_config.yaml in the current directory (bench/run.sh's, with env_var templates).
"""

from __future__ import annotations

import os
import sys
import time

TABLE = "bench_src"


def connectorx(n: int) -> int:
    import connectorx as cx

    e = os.environ
    uri = (
        f"postgresql://{e['MAGEIO_TEST_PG_USER']}:{e['MAGEIO_TEST_PG_PASSWORD']}@{e['MAGEIO_TEST_PG_HOST']}:"
        f"{e['MAGEIO_TEST_PG_PORT']}/{e['MAGEIO_TEST_PG_DBNAME']}"
    )
    query = f"SELECT * FROM {TABLE}"
    if n == 1:
        return cx.read_sql(uri, query, return_type="arrow").num_rows
    return cx.read_sql(uri, query, partition_on="id", partition_num=n, return_type="arrow").num_rows


def mageio_python(n: int) -> int:
    import mageio

    with mageio.connect("postgres", "io_config.yaml") as db:
        if n == 1:
            return db.load(table=TABLE).read_all().num_rows
        return db.load(table=TABLE, partitions=n, partition_on="id", unordered=True).read_all().num_rows


def dask(n: int) -> int:
    import distributed

    import mageio.dask

    with (
        distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cl,
        distributed.Client(cl),
    ):
        start = time.perf_counter()
        ddf = mageio.dask.read_table(TABLE, "postgres", config="io_config.yaml", partitions=n)
        rows = int(ddf.map_partitions(len).sum().compute())
        print(f"dask read without the cluster's start: {time.perf_counter() - start:.2f} s", file=sys.stderr)
        del ddf
        return rows


if __name__ == "__main__":
    what, n = sys.argv[1], int(sys.argv[2])
    rows = {"connectorx": connectorx, "mageio": mageio_python, "dask": dask}[what](n)
    print(f"{rows} rows")
