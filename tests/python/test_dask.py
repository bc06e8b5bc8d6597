"""mageio.dask on a real distributed.LocalCluster with two worker processes, and the host API's partitions
(Connector.load(partitions=...), plan_partitions, load_partition). Results are compared with the
single-stream load: row count and a checksum of every column."""

from __future__ import annotations

import hashlib
import os
import uuid

import pandas as pd
import pyarrow as pa
import pytest

import mageio

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
import mageio.dask  # noqa: E402

ROWS = 5000


def _source_table() -> pa.Table:
    ids = list(range(1, ROWS + 1))
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "k": pa.array([None if i % 7 == 0 else i % 100 for i in ids], pa.int64()),
            "v": pa.array([i / 8 for i in ids], pa.float64()),
            "s": pa.array([None if i % 11 == 0 else f"row {i} é" for i in ids], pa.string()),
        }
    )


def _checksums(df: pd.DataFrame) -> dict[str, str]:
    """Per column: a hash of the sorted values' text (order-free), NULLs included."""
    out = {}
    for column in df.columns:
        values = sorted("<NULL>" if pd.isna(v) else repr(v) for v in df[column].tolist())
        out[column] = hashlib.sha256("\n".join(values).encode()).hexdigest()
    return out


@pytest.fixture(scope="module")
def cluster():
    with (
        distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0") as cl,
        distributed.Client(cl) as client,
    ):
        yield client


@pytest.fixture
def sqlite_db(tmp_path):
    path = str(tmp_path / "dask.db")
    with mageio.connect("sqlite", settings={"SQLITE_DATABASE": path}) as db:
        db.export(_source_table(), "events")
    return path


def test_host_api_partitions_equal_one_stream(sqlite_db):
    with mageio.connect("sqlite", settings={"SQLITE_DATABASE": sqlite_db}) as db:
        one = db.load(table="events").to_pandas()
        parallel = db.load(table="events", partitions=3).to_pandas()
        assert parallel["id"].tolist() == one["id"].tolist()  # partition order: the same rows in the same order
        unordered = db.load("select * from events", partitions=4, partition_on="k", unordered=True).to_pandas()
        assert len(unordered) == ROWS and _checksums(unordered) == _checksums(one)
        descriptors = db.plan_partitions(table="events", partitions=4)
        assert 1 < len(descriptors) <= 4 and all(isinstance(d, str) for d in descriptors)
    # another connector (as another process would) reads the descriptors
    with mageio.connect("sqlite", settings={"SQLITE_DATABASE": sqlite_db}) as other:
        parts = [other.load_partition(d).to_pandas() for d in descriptors]
    assert sum(len(p) for p in parts) == ROWS
    assert _checksums(pd.concat(parts, ignore_index=True)) == _checksums(one)


def test_host_api_partition_errors(sqlite_db):
    with mageio.connect("sqlite", settings={"SQLITE_DATABASE": sqlite_db}) as db:
        with pytest.raises(mageio.InvalidArgumentError, match="partitions"):
            db.load(table="events", partitions=0)
        with pytest.raises(mageio.Error, match="no_such_column"):
            db.plan_partitions(table="events", partitions=2, partition_on="no_such_column")
        with pytest.raises(mageio.InvalidArgumentError):
            db.load_partition('{"plugin":"postgres","format":1}')
        with pytest.raises(TypeError, match="partitions must be an int"):
            db.load(table="events", partitions="2")


def test_read_table_on_two_worker_processes_equals_one_stream(cluster, sqlite_db):
    with mageio.connect("sqlite", settings={"SQLITE_DATABASE": sqlite_db}) as db:
        one = db.load(table="events").to_pandas()
    ddf = mageio.dask.read_table("events", "sqlite", settings={"SQLITE_DATABASE": sqlite_db}, partitions=4)
    assert ddf.npartitions == 4
    # the task names say which partition is which
    names = {key[0] if isinstance(key, tuple) else key for key in dict(ddf.__dask_graph__())}
    assert any(str(name).startswith("mageio-sqlite-table-partition") for name in names)
    # the partitions ran on both worker processes
    where = ddf.map_partitions(lambda df: pd.DataFrame({"pid": [os.getpid()]}), meta={"pid": "int64"}).compute()
    assert len(set(where["pid"])) == 2 and os.getpid() not in set(where["pid"])
    result = ddf.compute()
    assert len(result) == ROWS and result["id"].tolist() == one["id"].tolist()
    assert _checksums(result) == _checksums(one)
    # integers stay nullable Int64 as in Reader.to_pandas (strings are dask's string dtype)
    assert [str(result[c].dtype) for c in ("id", "k", "v")] == [str(one[c].dtype) for c in ("id", "k", "v")]
    by_k = mageio.dask.read_sql(
        "select * from events", "sqlite", settings={"SQLITE_DATABASE": sqlite_db}, partitions=3, partition_on="k"
    )
    assert _checksums(by_k.compute()) == _checksums(one)
    assert int(by_k["v"].sum().compute() * 8) == ROWS * (ROWS + 1) // 2


def test_read_from_a_config_file_profile(cluster, sqlite_db, tmp_path):
    config = tmp_path / "io_config.yaml"
    config.write_text(f"dask_profile:\n  SQLITE_DATABASE: {sqlite_db}\n")
    ddf = mageio.dask.read_sql(
        "select id, s from events", "sqlite", config=config, profile="dask_profile", partitions=2
    )
    assert len(ddf.compute()) == ROWS


def test_a_failing_partition_names_it(cluster, sqlite_db, tmp_path):
    ddf = mageio.dask.read_table("events", "sqlite", settings={"SQLITE_DATABASE": sqlite_db}, partitions=3)
    os.rename(sqlite_db, str(tmp_path / "moved.db"))  # every worker's connector now opens another (empty) file
    with pytest.raises(mageio.Error, match=r"sqlite partition \d failed"):
        ddf.compute()


def test_secret_settings_are_refused():
    with pytest.raises(ValueError, match="secret_env"):
        mageio.dask.read_table(
            "t", "postgres", settings={"POSTGRES_HOST": "h", "POSTGRES_PASSWORD": "not-in-the-graph"}, partitions=2
        )


def _server_case(plugin: str, prefix: str):
    env = os.environ
    if f"MAGEIO_TEST_{prefix}_HOST" not in env:
        if env.get("CI") == "true":
            pytest.fail(f"CI=true but the {plugin} test server is not configured (MAGEIO_TEST_{prefix}_HOST)")
        pytest.skip(f"no {plugin} test server (tools/with-test-servers.sh)")
    key = {"PG": "POSTGRES", "MYSQL": "MYSQL"}[prefix]
    settings = {
        f"{key}_HOST": env[f"MAGEIO_TEST_{prefix}_HOST"],
        f"{key}_PORT": int(env[f"MAGEIO_TEST_{prefix}_PORT"]),
        f"{key}_USER": env[f"MAGEIO_TEST_{prefix}_USER"],
    }
    settings[f"{key}_DBNAME" if prefix == "PG" else f"{key}_DATABASE"] = env[
        f"MAGEIO_TEST_{prefix}_DBNAME" if prefix == "PG" else f"MAGEIO_TEST_{prefix}_DATABASE"
    ]
    return settings, {f"{key}_PASSWORD": f"MAGEIO_TEST_{prefix}_PASSWORD"}


@pytest.mark.parametrize("plugin,prefix", [("postgres", "PG"), ("mysql", "MYSQL")])
def test_server_partitions_on_workers_equal_one_stream(cluster, plugin, prefix):
    settings, secret_env = _server_case(plugin, prefix)
    password = os.environ[secret_env[next(iter(secret_env))]]
    table = "dask_" + uuid.uuid4().hex[:8]
    with mageio.connect(plugin, settings={**settings, next(iter(secret_env)): password}) as db:
        db.export(_source_table(), table, if_exists="replace")
        try:
            one = db.load(f"select * from {table} order by id").to_pandas()
            ddf = mageio.dask.read_table(table, plugin, settings=settings, secret_env=secret_env, partitions=4)
            # postgres splits a table by page ranges; mysql needs a key (this table has none: one partition)
            assert ddf.npartitions > 1 or plugin == "mysql"
            result = ddf.compute()
            assert len(result) == ROWS and _checksums(result) == _checksums(one)
            by_k = mageio.dask.read_sql(
                f"select * from {table}",
                plugin,
                settings=settings,
                secret_env=secret_env,
                partitions=3,
                partition_on="k",
            )
            assert by_k.npartitions > 1
            assert _checksums(by_k.compute()) == _checksums(one)
            # the graph holds the name of the password's variable, never its value
            import pickle

            assert password.encode() not in pickle.dumps(dict(ddf.__dask_graph__()))
            del ddf, by_k  # their planners (open transactions holding the table) close
            import gc

            gc.collect()
        finally:
            db.execute(f"drop table {table}")
