"""Round trips through the real PostgreSQL and MariaDB servers (tools/with-test-servers.sh)."""

import datetime
import decimal
import os
import resource
import subprocess
import sys
import textwrap

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from _interrupt import interrupt

import mageio

SERVER_TYPES = pa.table(
    {
        "i16": pa.array([1, None, -32768], pa.int16()),
        "i32": pa.array([7, 2**31 - 1, None], pa.int32()),
        "i64": pa.array([None, -(2**63), 2**63 - 1], pa.int64()),
        "f32": pa.array([1.5, None, -0.25], pa.float32()),
        "f64": pa.array([0.1, 1e300, None], pa.float64()),
        "dec": pa.array([decimal.Decimal("1234.50"), None, decimal.Decimal("-0.01")], pa.decimal128(12, 2)),
        "s": pa.array(["x", None, 'grüße "q" \n\t€'], pa.string()),
        "bin": pa.array([b"\x00\xff", None, b""], pa.binary()),
        "b": pa.array([True, None, False], pa.bool_()),
        "d": pa.array([datetime.date(1970, 1, 1), None, datetime.date(2024, 2, 29)], pa.date32()),
        "ts": pa.array(
            [datetime.datetime(2024, 1, 2, 3, 4, 5, 678901), None, datetime.datetime(1900, 1, 1)], pa.timestamp("us")
        ),
    }
)


def _round_trip(db, table_name, table):
    assert db.export(table, table_name, if_exists="replace") == table.num_rows
    back = db.load(f"select * from {table_name} order by i32 is null, i32").read_all()
    expected = table.to_pylist()
    expected.sort(key=lambda r: (r["i32"] is None, r["i32"] or 0))
    assert back.column_names == table.column_names
    for name in table.column_names:
        got = back.column(name).to_pylist()
        want = [r[name] for r in expected]
        assert got == want, name
    return back


def test_postgres_round_trip_every_type(pg, table_name):
    back = _round_trip(pg, table_name, SERVER_TYPES)
    assert back.column("f64").type == pa.float64() and back.column("i64").type == pa.int64()
    pg.execute(f"drop table {table_name}")


def test_mysql_round_trip_every_type(my, table_name):
    back = _round_trip(my, table_name, SERVER_TYPES)
    assert back.column("f64").type == pa.float64()  # floats stay DOUBLE
    my.execute(f"drop table {table_name}")


@pytest.mark.parametrize("backend", ["pg", "my"])
def test_pandas_and_polars_round_trips(backend, request, table_name):
    db = request.getfixturevalue(backend)
    frame = pd.DataFrame({"id": pd.array([1, None, 3], dtype="Int64"), "v": [0.5, None, 2.0], "s": ["a", None, "c"]})
    assert db.export(frame, table_name, if_exists="replace") == 3
    back = db.load(f"select * from {table_name} order by id").to_pandas()
    assert str(back["id"].dtype) == "Int64"  # nullable integers stay integers
    assert back["id"].isna().sum() == 1 and back["v"].dtype == "float64"
    polars_frame = pl.DataFrame({"id": [10, 11], "s": ["p", None]})
    assert db.export(polars_frame, table_name + "_pl", if_exists="replace") == 2
    got = db.load(f"select id, s from {table_name}_pl order by id").to_polars()
    assert got.rows() == [(10, "p"), (11, None)]
    db.execute_queries([f"drop table {table_name}", f"drop table {table_name}_pl"])


def test_postgres_error_has_sqlstate_and_masks_the_password(pg, io_config):
    with pytest.raises(mageio.Error) as error:
        pg.execute("select 1/0")
    assert error.value.sqlstate == "22012" and "division by zero" in str(error.value)
    with pytest.raises(mageio.NotFoundError) as missing:
        pg.execute("select * from no_such_table_py")
    assert missing.value.sqlstate == "42P01"
    password = os.environ["MAGEIO_TEST_PG_PASSWORD"]
    with pytest.raises(mageio.Error) as denied:
        mageio.connect("postgres", io_config, settings={"POSTGRES_USER": "nobody_py", "POSTGRES_PASSWORD": password})
    assert password not in str(denied.value)


def test_mysql_error_has_vendor_code(my):
    with pytest.raises(mageio.Error) as error:
        my.execute("select * from no_such_table_py")
    assert error.value.vendor_code == 1146 and error.value.sqlstate == "42S02"


def test_upsert_on_mariadb(my, table_name):
    my.execute(f"create table {table_name} (id int primary key, v varchar(10))")
    my.export(pa.table({"id": [1, 2], "v": ["a", "b"]}), table_name, if_exists="append")
    my.export(
        pa.table({"id": [2, 3], "v": ["B", "c"]}),
        table_name,
        if_exists="append",
        unique_constraints=["id"],
        unique_conflict_method="update",
    )
    rows = my.load(f"select id, v from {table_name} order by id").read_all().to_pylist()
    assert rows == [{"id": 1, "v": "a"}, {"id": 2, "v": "B"}, {"id": 3, "v": "c"}]
    my.execute(f"drop table {table_name}")


def test_copy_postgres_to_mysql(pg, my, table_name):
    pg.execute(f"create table {table_name} as select g as id, 'row ' || g as s from generate_series(1, 5000) g")
    assert mageio.copy(pg, my, table=table_name, to_table=table_name, if_exists="replace") == 5000
    assert my.load(f"select count(*) as n from {table_name}").read_all().column("n").to_pylist() == [5000]
    pg.execute(f"drop table {table_name}")
    my.execute(f"drop table {table_name}")


def test_partitioned_copy_postgres_to_mysql_and_back(pg, my, table_name):
    """copy(partitions=4): four readers; into MariaDB one writer (faster there than a stage), into
    PostgreSQL writers into a stage put in place once; a failing partition leaves the destination as it
    was, naming the partition."""
    pg.execute(
        f"create table {table_name} as select g as id, g * 3 as v, 'row ' || g as s from generate_series(1, 20000) g"
    )
    try:
        assert mageio.copy(pg, my, table=table_name, to_table=table_name, partitions=4) == 20000
        back = table_name + "_back"
        assert mageio.copy(my, pg, table=table_name, to_table=back, partitions=3, partition_on="id") == 20000
        diff = pg.load(
            f"select count(*) as n from (select * from {table_name} except select * from {back}) x"
        ).read_all()
        assert diff.column("n").to_pylist() == [0]
        my.execute(f"create table {table_name}_keep (id int primary key, v int)")
        my.execute(f"insert into {table_name}_keep values (-1, 1)")
        failing = f"select id, case when id = 15000 then 1 / (id - 15000) else v end as v from {table_name}"
        with pytest.raises(mageio.Error, match=r"division by zero.*partition \d of 4"):
            mageio.copy(
                pg, my, failing, to_table=f"{table_name}_keep", if_exists="replace", partitions=4, partition_on="id"
            )
        rows = my.load(f"select * from {table_name}_keep").read_all().to_pylist()
        assert rows == [{"id": -1, "v": 1}]
        with pytest.raises(ValueError, match="partitions must be an int of at least 1"):
            mageio.copy(pg, my, table=table_name, to_table=table_name, partitions=0)
    finally:
        pg.execute(f"drop table if exists {table_name}")
        pg.execute(f"drop table if exists {table_name}_back")
        my.execute(f"drop table if exists {table_name}")
        my.execute(f"drop table if exists {table_name}_keep")


def test_execute_rows_then_export_then_exit(io_config, table_name):
    # The teardown crash of an earlier attempt: rows from execute, an export, objects alive at exit.
    script = textwrap.dedent(f"""
        import mageio, pyarrow as pa
        db = mageio.connect("postgres", {io_config!r})
        rows = db.execute("select generate_series(1, 10) as n")
        db.export(pa.table({{"a": [1, 2]}}), {table_name!r}, if_exists="replace")
        print(rows.read_all().num_rows)
        again = db.execute("select 1 as x")
        db.execute("drop table {table_name}")
        print("done")
    """)
    if not os.environ.get("MAGEIO_TEST_PG_PORT"):
        pytest.skip("needs the PostgreSQL server")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["10", "done"]


def test_ctrl_c_cancels_a_postgres_load_within_a_second(io_config, pg):
    script = textwrap.dedent(f"""
        import mageio, sys
        db = mageio.connect("postgres", {io_config!r})
        print("started", flush=True)
        try:
            db.load("select pg_sleep(30), 1 as n").read_all()
        except KeyboardInterrupt:
            import time; print("interrupted", time.monotonic(), flush=True)
        print(db.execute("select 42 as n").read_all().column("n").to_pylist(), flush=True)
    """)
    out, err, seconds, code = interrupt(script)
    assert code == 0, err
    assert out.split("\n")[0].startswith("interrupted "), (out, err)
    assert "[42]" in out  # the connector still works after the cancel
    assert seconds < 1.0, seconds


def test_ctrl_c_cancels_an_export_and_leaves_the_table_as_it_was(io_config, pg, table_name):
    pg.execute(f"create table {table_name} (n bigint)")
    pg.execute(f"insert into {table_name} values (1), (2), (3)")
    script = textwrap.dedent(f"""
        import mageio, pyarrow as pa, time
        db = mageio.connect("postgres", {io_config!r})
        def batches():
            print("started", flush=True)
            i = 0
            while True:
                time.sleep(0.01)
                yield pa.record_batch({{"n": pa.array(range(i, i + 1000), pa.int64())}})
                i += 1000
        reader = pa.RecordBatchReader.from_batches(pa.schema([("n", pa.int64())]), batches())
        try:
            db.export(reader, {table_name!r}, if_exists="replace")
        except KeyboardInterrupt:
            import time; print("interrupted", time.monotonic(), flush=True)
    """)
    out, err, seconds, code = interrupt(script)
    assert code == 0, err
    assert "interrupted" in out, (out, err)
    assert seconds < 1.0, seconds
    rows = pg.load(f"select n from {table_name} order by n").read_all().column("n").to_pylist()
    assert rows == [1, 2, 3]
    pg.execute(f"drop table {table_name}")


def test_two_million_rows_batch_by_batch_with_flat_memory(pg):
    reader = pg.load("select g as id, g * 0.5 as x, 'row ' || g as s from generate_series(1, 2000000) g")
    rows = 0
    peak_after_first = None
    for batch in reader:
        rows += batch.num_rows
        if peak_after_first is None and rows > 200_000:
            peak_after_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert rows == 2_000_000
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_after_first) / 1024
    assert grown_mib < 64, f"peak memory grew {grown_mib:.0f} MiB while reading 2M rows"
