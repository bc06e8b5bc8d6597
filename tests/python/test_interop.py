"""DuckDB, isolation, more types, and Ctrl-C on the other paths (copy, MariaDB)."""

import datetime
import decimal
import textwrap

import duckdb
import pyarrow as pa
import pytest
from _interrupt import interrupt

import mageio


def test_duckdb_reads_a_reader_and_exports_from_a_result(sqlite, table_name):
    sqlite.export(pa.table({"n": pa.array(range(1000), pa.int64()), "s": [f"r{i}" for i in range(1000)]}), table_name)
    reader = sqlite.load(table=table_name)  # noqa: F841 (duckdb finds it by name: "from reader")
    con = duckdb.connect()
    total = con.sql("select sum(n) as total, count(*) as c from reader").fetchall()
    assert total == [(sum(range(1000)), 1000)]
    result = con.sql("select range as id, 'x' || range::varchar as label from range(5000)")
    assert sqlite.export(result, table_name + "_duck") == 5000
    back = sqlite.load(f"select count(*) as c, max(label) as m from {table_name}_duck").read_all().to_pylist()
    assert back == [{"c": 5000, "m": "x999"}]


def test_isolated_connector(tmp_path, table_name):
    with mageio.connect(
        "sqlite", settings={"SQLITE_DATABASE": str(tmp_path / "iso.db")}, isolate=True, timeout=30
    ) as db:
        assert db.export(pa.table({"a": [1, 2, 3]}), table_name) == 3
        assert db.load(f"select sum(a) as s from {table_name}").read_all().column("s").to_pylist() == [6]
        with pytest.raises(mageio.Error):
            db.execute("select * from missing_table_iso")


EXTRA_TYPES = pa.table(
    {
        "t": pa.array([datetime.time(1, 2, 3, 456789), None], pa.time64("us")),
        "tz": pa.array(
            [datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc), None],
            pa.timestamp("us", tz="UTC"),
        ),
        "big": pa.array([decimal.Decimal("12345678901234567890.0123456789"), None], pa.decimal128(38, 10)),
        "i8": pa.array([-128, None], pa.int8()),
        "u32": pa.array([2**32 - 1, None], pa.uint32()),
    }
)


def _check_columns(db, table_name, columns):
    table = EXTRA_TYPES.select(columns)
    assert db.export(table, table_name, if_exists="replace") == 2
    back = db.load(f"select * from {table_name}").read_all()
    rows = sorted(back.to_pylist(), key=lambda r: r[columns[0]] is None)
    for name in columns:
        assert [r[name] for r in rows] == table.column(name).to_pylist(), name


def test_sqlite_more_types(sqlite, table_name):
    _check_columns(sqlite, table_name, ["t", "tz", "big", "i8", "u32"])


def test_postgres_more_types(pg, table_name):
    _check_columns(pg, table_name, ["t", "tz", "big"])
    pg.execute(f"drop table {table_name}")


def test_mysql_more_types(my, table_name):
    _check_columns(my, table_name, ["big", "i8", "u32"])
    my.execute(f"drop table {table_name}")


def test_ctrl_c_cancels_a_copy_and_the_destination_stays(io_config, pg, my, table_name):
    my.execute(f"create table {table_name} (n bigint)")
    my.execute(f"insert into {table_name} values (7)")
    script = textwrap.dedent(f"""
        import mageio
        src = mageio.connect("postgres", {io_config!r})
        dst = mageio.connect("mysql", {io_config!r})
        print("started", flush=True)
        try:
            mageio.copy(src, dst, query="select g::bigint as n from generate_series(1, 100000000) g",
                        to_table={table_name!r}, if_exists="replace")
        except KeyboardInterrupt:
            import time; print("interrupted", time.monotonic(), flush=True)
    """)
    out, err, seconds, code = interrupt(script, delay=1.5)
    assert code == 0 and "interrupted" in out, (out, err)
    assert seconds < 1.0, seconds
    assert my.load(f"select n from {table_name}").read_all().column("n").to_pylist() == [7]
    my.execute(f"drop table {table_name}")


def test_ctrl_c_cancels_a_mariadb_query(io_config, my):
    script = textwrap.dedent(f"""
        import mageio
        db = mageio.connect("mysql", {io_config!r})
        print("started", flush=True)
        try:
            db.load("select sleep(30) as s").read_all()
        except KeyboardInterrupt:
            import time; print("interrupted", time.monotonic(), flush=True)
    """)
    out, err, seconds, code = interrupt(script)
    assert code == 0 and "interrupted" in out, (out, err)
    assert seconds < 1.0, seconds
