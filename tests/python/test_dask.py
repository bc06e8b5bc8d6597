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


def test_release_ends_the_postgres_snapshot_and_its_lock(cluster):
    """The planner's transaction holds ACCESS SHARE on the source: a DROP waits while the DataFrame lives, and
    goes through once mageio.dask.release(ddf) closed it -- results computed before stay valid."""
    settings, secret_env = _server_case("postgres", "PG")
    password_key = next(iter(secret_env))
    table = "dask_rel_" + uuid.uuid4().hex[:8]
    with mageio.connect("postgres", settings={**settings, password_key: os.environ[secret_env[password_key]]}) as db:
        db.export(_source_table(), table)
        try:
            ddf = mageio.dask.read_table(table, "postgres", settings=settings, secret_env=secret_env, partitions=3)
            result = ddf.compute()
            assert len(result) == ROWS
            with pytest.raises(mageio.Error, match="lock timeout"):
                db.execute_queries(["set local lock_timeout = '300ms'", f"drop table {table}"])
            mageio.dask.release(ddf)
            mageio.dask.release(ddf)  # again: nothing
            with pytest.raises(mageio.UnavailableError):
                ddf.compute()  # the snapshot is gone: plan again
            db.execute_queries(["set local lock_timeout = '20s'", f"drop table {table}"])
            assert not db.table_exists(table)
            with pytest.raises(TypeError, match="not a DataFrame returned by"):
                mageio.dask.release(ddf[ddf["id"] > 1])
            with mageio.dask.released(
                mageio.dask.read_sql("select 1 as x", "postgres", settings=settings, secret_env=secret_env)
            ) as one:
                assert len(one.compute()) == 1
        finally:
            db.execute(f"drop table if exists {table}")


# --- mageio.dask.to_table -----------------------------------------------------------------------------


def _frame_with_bad_partition(bad: int | None, column: str, value, dtype: str, npartitions: int = 4):
    """A Dask DataFrame of npartitions partitions of 100 rows (id, k, s); partition ``bad`` has ``value`` in
    ``column`` (whose declared dtype is ``dtype``): the metadata says every value fits."""
    import dask.dataframe as dd

    def part(i: int | None) -> pd.DataFrame:
        ids = list(range((i or 0) * 100 + 1, (i or 0) * 100 + 101))
        frame = pd.DataFrame(
            {
                "id": pd.array(ids, dtype="Int64"),
                "k": pd.array([x % 100 for x in ids], dtype=dtype),
                "s": pd.array([f"p{i} r{x}" for x in ids], dtype="string"),
            }
        )
        if i is not None and i == bad:
            frame[column] = frame[column].astype(object)
            frame.loc[50, column] = value
        return frame

    meta = part(None).iloc[:0]
    return dd.from_map(part, list(range(npartitions)), meta=meta, enforce_metadata=False)


def _stages(db, plugin: str) -> list[str]:
    sql = {
        "sqlite": "select name from sqlite_master where name like 'mageio_dask_stage%'",
        "postgres": "select table_name from information_schema.tables where table_name like 'mageio_dask_stage%'",
        "mysql": "select table_name from information_schema.tables where table_name like 'mageio_dask_stage%'",
    }[plugin]
    return db.execute(sql).read_all().column(0).to_pylist()


def _contents(db, table: str) -> tuple[int, dict[str, str]]:
    frame = db.load(f"select * from {table}").to_pandas()
    return len(frame), _checksums(frame)


def _task_keys(task_stream) -> list[str]:
    return [str(t["key"]) for t in task_stream.data]


def test_to_table_sqlite_round_trip_and_modes(cluster, sqlite_db):
    settings = {"SQLITE_DATABASE": sqlite_db}
    ddf = mageio.dask.read_table("events", "sqlite", settings=settings, partitions=4)
    with distributed.get_task_stream(cluster) as ts:
        assert mageio.dask.to_table(ddf, "sqlite", "events_copy", settings=settings) == ROWS
    # one task per partition, named after the table, on the workers
    keys = [k for k in _task_keys(ts) if "mageio-to_table-events_copy" in k]
    assert len(keys) == 4 and {k.rsplit(",", 1)[1].strip(" )") for k in keys} == {"0", "1", "2", "3"}
    with mageio.connect("sqlite", settings=settings) as db:
        source = _contents(db, "events")
        assert _contents(db, "events_copy") == source
        with pytest.raises(mageio.AlreadyExistsError, match="events_copy exists"):
            mageio.dask.to_table(ddf, "sqlite", "events_copy", settings=settings)
        mageio.dask.to_table(ddf, "sqlite", "events_copy", settings=settings, if_exists="append")
        assert db.load("select count(*) as n from events_copy").read_all().column(0)[0].as_py() == 2 * ROWS
        few = mageio.dask.read_sql("select id, s from events where id <= 10", "sqlite", settings=settings)
        assert mageio.dask.to_table(few, "sqlite", "events_copy", settings=settings, if_exists="replace") == 10
    # a new connector: the sqlite plugin reads column types before SQLite sees another connection's DDL
    with mageio.connect("sqlite", settings=settings) as db:
        assert db.load("select * from events_copy").read_all().column_names == ["id", "s"]
        assert _stages(db, "sqlite") == []


def test_to_table_refuses_what_it_cannot_write(cluster, sqlite_db):
    settings = {"SQLITE_DATABASE": sqlite_db}
    ddf = mageio.dask.read_table("events", "sqlite", settings=settings, partitions=2)
    with pytest.raises(ValueError, match="if_exists must be one of"):
        mageio.dask.to_table(ddf, "sqlite", "x", settings=settings, if_exists="truncate")
    with pytest.raises(mageio.NotSupportedError, match="'file' is not supported"):
        mageio.dask.to_table(ddf, "file", "x")
    with pytest.raises(ValueError, match="secret_env"):
        mageio.dask.to_table(ddf, "postgres", "x", settings={"POSTGRES_PASSWORD": "p"})
    with pytest.raises(mageio.InvalidArgumentError, match="no column.*'nope'"):
        mageio.dask.to_table(
            ddf.rename(columns={"k": "nope"}), "sqlite", "events", settings=settings, if_exists="append"
        )
    untyped = ddf.assign(o=ddf["id"].map(lambda x: [x], meta=("o", object)))
    with pytest.raises(TypeError, match="'o' have dtype object"):
        mageio.dask.to_table(untyped, "sqlite", "x", settings=settings)


def _close_planners() -> None:
    """Closes the planners of read_sql/read_table DataFrames now (their weakref.finalize), which distributed's
    client may keep alive past the test (it keeps references to what was computed): a postgres planner holds
    its table, so dropping that table would wait."""
    import weakref

    for finalizer in list(weakref.finalize._registry):  # noqa: SLF001 - test-only
        if getattr(finalizer.peek() and finalizer.peek()[1], "__qualname__", "") == "Connector.close":
            finalizer()


def _round_trip_and_modes(cluster, db, plugin, settings, secret_env, source, copy):
    """read_sql -> to_table and the three modes. Its own frame: the DataFrame (whose postgres planner holds
    the source table) is gone when it returns, even though distributed keeps a snapshot of its caller's
    locals."""
    ddf = mageio.dask.read_sql(
        f"select * from {source}", plugin, settings=settings, secret_env=secret_env, partitions=4, partition_on="id"
    )
    assert ddf.npartitions == 4
    with distributed.get_task_stream(cluster) as ts:
        rows = mageio.dask.to_table(ddf, plugin, copy, settings=settings, secret_env=secret_env)
    assert rows == ROWS
    assert len([k for k in _task_keys(ts) if f"mageio-to_table-{copy}" in k]) == 4
    expected = _contents(db, source)
    assert _contents(db, copy) == expected
    with pytest.raises(mageio.AlreadyExistsError):
        mageio.dask.to_table(ddf, plugin, copy, settings=settings, secret_env=secret_env)
    assert _contents(db, copy) == expected
    mageio.dask.to_table(ddf, plugin, copy, settings=settings, secret_env=secret_env, if_exists="append")
    doubled = db.load(f"select * from {copy}").to_pandas()
    assert len(doubled) == 2 * ROWS and doubled["id"].value_counts().eq(2).all()
    mageio.dask.to_table(ddf, plugin, copy, settings=settings, secret_env=secret_env, if_exists="replace")
    assert _contents(db, copy) == expected
    assert _stages(db, plugin) == []


@pytest.mark.parametrize("plugin,prefix", [("postgres", "PG"), ("mysql", "MYSQL")])
def test_to_table_servers_round_trip_and_modes(cluster, plugin, prefix):
    settings, secret_env = _server_case(plugin, prefix)
    password_key = next(iter(secret_env))
    source, copy = "dask_src_" + uuid.uuid4().hex[:8], "dask_dst_" + uuid.uuid4().hex[:8]
    with mageio.connect(plugin, settings={**settings, password_key: os.environ[secret_env[password_key]]}) as db:
        db.export(_source_table(), source)
        try:
            _round_trip_and_modes(cluster, db, plugin, settings, secret_env, source, copy)
        finally:
            _close_planners()
            drop = [f"drop table if exists {source}", f"drop table if exists {copy}"]
            if plugin == "postgres":  # so a held planner gives an error, not a hang
                drop.insert(0, "set local lock_timeout = '20s'")
            db.execute_queries(drop)


@pytest.mark.parametrize("plugin,prefix", [("sqlite", None), ("postgres", "PG"), ("mysql", "MYSQL")])
def test_to_table_failing_partition_leaves_the_destination_as_it_was(cluster, plugin, prefix, sqlite_db):
    if plugin == "sqlite":
        settings, secret_env, full = {"SQLITE_DATABASE": sqlite_db}, None, {"SQLITE_DATABASE": sqlite_db}
    else:
        settings, secret_env = _server_case(plugin, prefix)
        key = next(iter(secret_env))
        full = {**settings, key: os.environ[secret_env[key]]}
    target = "dask_keep_" + uuid.uuid4().hex[:8]
    kwargs = {"settings": settings, "secret_env": secret_env}
    with mageio.connect(plugin, settings=full) as db:
        db.execute(f"create table {target} (id bigint, k smallint, s varchar(40))")
        db.export(
            pa.table({"id": [1, 2], "k": pa.array([7, None], pa.int16()), "s": ["kept", None]}),
            target,
            if_exists="append",
        )
        before = _contents(db, target)
        try:
            # replace: partition 3's value does not fit the declared int32 (caught on its worker)
            bad = _frame_with_bad_partition(3, "k", 2**40, "Int32")
            with pytest.raises(
                mageio.InvalidArgumentError, match=rf"{plugin} partition 3 of 4 failed.*{target} was left"
            ):
                mageio.dask.to_table(bad, plugin, target, if_exists="replace", **kwargs)
            assert _contents(db, target) == before and _stages(db, plugin) == []
            # append: partition 3's value does not fit the table's smallint (refused by the plugin or server)
            if plugin != "sqlite":  # sqlite's columns take any integer
                bad = _frame_with_bad_partition(3, "k", 100_000, "Int64")
                with pytest.raises(mageio.Error, match=rf"{plugin} partition 3 of 4 failed"):
                    mageio.dask.to_table(bad, plugin, target, if_exists="append", **kwargs)
                assert _contents(db, target) == before and _stages(db, plugin) == []
            # the good frame appends and replaces
            good = _frame_with_bad_partition(None, "k", None, "Int64")
            assert mageio.dask.to_table(good, plugin, target, if_exists="append", **kwargs) == 400
            assert _contents(db, target)[0] == 402
            assert mageio.dask.to_table(good, plugin, target, if_exists="replace", **kwargs) == 400
            assert _contents(db, target)[0] == 400 and _stages(db, plugin) == []
        finally:
            db.execute(f"drop table if exists {target}")
