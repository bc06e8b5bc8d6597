"""mageio.mage: Mage's IO classes on mageio. Mage's own block templates run unchanged except for the import
lines (tests/python/mage_templates), and each behaviour of python/README.md's table is checked against the
real PostgreSQL and MariaDB servers of tools/with-test-servers.sh."""

import datetime
import decimal
import importlib.util
import os
import pathlib
import shutil
import textwrap
import uuid

import pandas as pd
import pyarrow as pa
import pytest
from _interrupt import interrupt

import mageio
from mageio.mage import (
    ConfigFileLoader,
    FileIO,
    MySQL,
    Postgres,
    SQLite,
    TableExistsError,
    clean_column_name,
    clean_name,
)

TEMPLATES = pathlib.Path(__file__).parent / "mage_templates"


def _module(name):
    spec = importlib.util.spec_from_file_location(f"mage_template_{name}", TEMPLATES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _orders():
    return pd.DataFrame(
        {
            "id": pd.array([1, 2, 3], dtype="Int64"),
            "customer": ["ann", None, "bo"],
            "amount": [9.99, None, 1e-3],
            "qty": pd.array([2, None, 7], dtype="Int64"),  # NULL in an integer column: stays Int64
            "paid": pd.array([True, None, False], dtype="boolean"),
            "due": [datetime.date(2024, 1, 1), None, datetime.date(2024, 2, 29)],
            "created": pd.to_datetime(["2024-01-01 10:00:00.123456", None, "1999-12-31 23:59:59.000000"]),
        }
    )


def _same(got, want):
    assert list(got.columns) == list(want.columns)
    for name in want.columns:
        g = [None if pd.isna(v) else v for v in got[name].tolist()]
        w = [None if pd.isna(v) else v for v in want[name].tolist()]
        assert g == w, name


@pytest.fixture
def repo(io_config, tmp_path, monkeypatch):
    """A Mage project directory: io_config.yaml of the test servers, the current directory."""
    shutil.copy(io_config, tmp_path / "io_config.yaml")
    monkeypatch.setenv("MAGE_REPO_PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def config(io_config):
    return ConfigFileLoader(io_config, "default")


@pytest.fixture
def pgio(config, pg):  # pg: the server must be running (CI=true fails without it)
    with Postgres.with_config(config) as loader:
        yield loader


@pytest.fixture
def myio(config, my):
    with MySQL.with_config(config) as loader:
        yield loader


@pytest.fixture(params=["pg", "my"])
def sqlio(request):
    return request.getfixturevalue(request.param + "io")


# --- Mage's templates, import lines changed -------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgres", "mysql"])
def test_mage_templates_export_then_load(backend, repo, request):
    request.getfixturevalue("pg" if backend == "postgres" else "my")  # the server must be there
    frame = _orders()
    exporter, loader = _module(f"export_{backend}"), _module(f"load_{backend}")
    export = getattr(exporter, f"export_data_to_{backend}")
    export(frame)
    export(frame)  # the default if_exists='replace' a second time: the same rows, not twice as many
    output = getattr(loader, f"load_data_from_{backend}")()
    loader.test_output(output)
    _same(output, frame)
    assert str(output["qty"].dtype) == "Int64" and str(output["id"].dtype) == "Int64"
    assert output["amount"].dtype == "float64"


def test_mage_file_templates(repo):
    frame = _orders()
    _module("export_file").export_data_to_file(frame)
    assert (repo / "orders.csv").read_text().splitlines()[0] == "id,customer,amount,qty,paid,due,created"
    output = _module("load_file").load_data_from_file()
    _module("load_file").test_output(output)
    _same(output, frame)
    assert str(output["qty"].dtype) == "Int64"


# --- names ----------------------------------------------------------------------------------------


def test_name_cleaning_rules():
    assert clean_name("Order Total ($)") == "order_total___"
    assert clean_name('\ufeff"Quoted"\tName') == "quotedname"
    assert clean_name("2024 Sales") == "letter_2024_sales"
    assert clean_name("Grüße-Wert", case_sensitive=True) == "Grüße_Wert"
    assert clean_column_name("name") == "_name" and clean_column_name("Date") == "_date"
    assert clean_column_name("name", allow_reserved_words=True) == "name"
    assert clean_column_name("Name", case_sensitive=True) == "_Name"
    assert clean_column_name("customer_id") == "customer_id"
    assert clean_column_name("Weird Name!", auto_clean_name=False) == "Weird Name!"


def test_export_cleans_column_names_and_folds_the_table_name(pgio):
    frame = pd.DataFrame({"Customer ID": [1], "name": ["x"], "Total $": [2.5]})
    pgio.export(frame, "public", "MageNames", if_exists="replace")
    assert pgio.table_exists("public", "magenames")  # unquoted in Mage's SQL: PostgreSQL folds it
    assert list(pgio.load("select * from magenames").columns) == ["customer_id", "_name", "total_"]
    pgio.export(frame, "public", '"MageNames"', if_exists="replace", case_sensitive=True, allow_reserved_words=True)
    assert list(pgio.load('select * from "MageNames"').columns) == ["Customer_ID", "name", "Total_"]
    pgio.execute('drop table magenames; drop table "MageNames"')
    with pytest.raises(ValueError, match="both become 'a_b'"):
        pgio.export(pd.DataFrame({"a b": [1], "a-b": [2]}), "public", "clash")


# --- if_exists ------------------------------------------------------------------------------------


def test_if_exists_fail_append_replace(sqlio):
    table = "mage_ie_" + uuid.uuid4().hex[:8]
    frame = pd.DataFrame({"id": [1, 2], "v": [0.5, 1.5]})
    sqlio.export(frame, None, table, if_exists="fail")
    with pytest.raises(TableExistsError) as error:
        sqlio.export(frame, None, table, if_exists="fail")
    assert isinstance(error.value, ValueError) and table in str(error.value)
    sqlio.export(frame, None, table, if_exists="append")
    assert len(sqlio.load(f"select * from {table}")) == 4
    sqlio.export(frame.assign(v=[7.0, 8.0]), None, table)  # default: replace
    assert sqlio.load(f"select v from {table} order by id")["v"].tolist() == [7.0, 8.0]
    with pytest.raises(ValueError, match="if_exists must be"):
        sqlio.export(frame, None, table, if_exists="overwrite")
    sqlio.execute(f"drop table {table}")
    sqlio.commit()


def test_failing_replace_leaves_the_old_table(sqlio):
    table = "mage_atomic_" + uuid.uuid4().hex[:8]
    sqlio.execute(f"create table {table} (id integer, note varchar(20))")
    sqlio.execute(f"insert into {table} values (1, 'old'), (2, 'old')")
    sqlio.commit()
    too_big = pd.DataFrame({"id": [3, 2**40], "note": ["new", "new"]})  # 2**40 does not fit integer
    with pytest.raises(mageio.Error):
        sqlio.export(too_big, None, table, if_exists="replace")
    with pytest.raises(mageio.Error):  # drop_table_on_replace: fails after the DROP, before the commit
        sqlio.export(too_big, None, table, drop_table_on_replace=True, overwrite_types={"id": "no_such_type"})
    kept = sqlio.load(f"select * from {table} order by id")
    assert kept["id"].tolist() == [1, 2] and kept["note"].tolist() == ["old", "old"]
    leftovers = sqlio.load(f"select table_name from information_schema.tables where table_name like '{table}%'")
    assert leftovers["table_name"].tolist() == [table]  # no staging table left behind
    # replace keeps the table and its types (varchar(20)), as Mage's replace does
    sqlio.export(pd.DataFrame({"id": [5], "note": ["new"]}), None, table)
    types = sqlio.load(
        f"select column_name, data_type from information_schema.columns where table_name = '{table}'"
        " order by ordinal_position"
    )
    expected = ["integer", "character varying"] if isinstance(sqlio, Postgres) else ["int", "varchar"]
    assert [t.lower() for t in types["data_type"]] == expected
    sqlio.execute(f"drop table {table}")
    sqlio.commit()


# --- upserts --------------------------------------------------------------------------------------


def test_upsert_update_and_ignore(sqlio):
    table = "mage_up_" + uuid.uuid4().hex[:8]
    first = pd.DataFrame({"id": [1, 2], "name": ["a", "b"], "n": pd.array([10, None], dtype="Int64")})
    sqlio.export(first, None, table, unique_constraints=["id"])  # the unique key is made at create time
    change = pd.DataFrame({"id": [2, 3], "name": ["B", "c"], "n": pd.array([20, 30], dtype="Int64")})
    sqlio.export(change, None, table, if_exists="append", unique_constraints=["id"], unique_conflict_method="UPDATE")
    got = sqlio.load(f"select * from {table} order by id")
    assert got["_name"].tolist() == ["a", "B", "c"] and got["n"].tolist() == [10, 20, 30]
    again = pd.DataFrame({"id": [1, 4], "name": ["zzz", "d"], "n": pd.array([None, 40], dtype="Int64")})
    sqlio.export(again, None, table, if_exists="append", unique_constraints=["id"], unique_conflict_method="IGNORE")
    got = sqlio.load(f"select * from {table} order by id")
    assert got["_name"].tolist() == ["a", "B", "c", "d"] and str(got["n"].dtype) == "Int64"
    with pytest.raises(mageio.Error):  # the unique key made at creation refuses a duplicate in a plain append
        sqlio.export(pd.DataFrame({"id": [1], "name": ["dup"], "n": [1]}), None, table, if_exists="append")
    assert len(sqlio.load(f"select * from {table}")) == 4
    with pytest.raises(ValueError, match="UPDATE' or 'IGNORE"):
        sqlio.export(change, None, table, if_exists="append", unique_constraints=["id"], unique_conflict_method="merge")
    sqlio.execute(f"drop table {table}")
    sqlio.commit()


# --- types ----------------------------------------------------------------------------------------


def test_types_kept_floats_stay_double_ints_stay_ints(sqlio):
    table = "mage_types_" + uuid.uuid4().hex[:8]
    frame = pd.DataFrame(
        {
            "i": pd.array([None, 2**40, -1], dtype="Int64"),
            "f": [0.1, None, 1e300],
            "b": [True, False, None],
            "d": [decimal.Decimal("1.10"), None, decimal.Decimal("-3")],
            "j": [{"a": 1}, None, [1, 2]],
        }
    )
    sqlio.export(frame, None, table)
    back = sqlio.load(f"select * from {table}")
    assert str(back["i"].dtype) == "Int64" and back["i"].tolist()[1:] == [2**40, -1] and pd.isna(back["i"][0])
    assert back["f"].dtype == "float64" and back["f"][0] == 0.1 and back["f"][2] == 1e300
    assert str(back["b"].dtype) == "boolean"
    assert back["j"].tolist()[0] == '{"a": 1}'  # nested values are written as JSON text
    types = sqlio.load(f"select column_name, data_type from information_schema.columns where table_name = '{table}'")
    by_name = dict(zip(types["column_name"], (t.lower() for t in types["data_type"])))
    assert by_name["f"] in ("double precision", "double") and by_name["i"] == "bigint"
    sqlio.execute(f"drop table {table}")
    sqlio.commit()


def test_overwrite_types_apply_when_the_table_is_created(pgio, myio):
    for io, json_type in ((pgio, "jsonb"), (myio, "longtext")):
        table = "mage_ow_" + uuid.uuid4().hex[:8]
        frame = pd.DataFrame({"Code": ["a", "b"], "payload": ['{"x": 1}', '{"y": 2}']})
        wanted = {"Code": "VARCHAR(8)", "payload": "JSONB" if io is pgio else "JSON"}  # original or cleaned names
        io.export(frame, None, table, overwrite_types=wanted)
        types = io.load(
            "select column_name, data_type from information_schema.columns "
            f"where table_name = '{table}' order by ordinal_position"
        )
        assert [t.lower() for t in types["data_type"]] == ["character varying" if io is pgio else "varchar", json_type]
        io.export(frame, None, table)  # replace of an existing table keeps its types
        io.export(frame, None, table, if_exists="append", overwrite_types={"code": "TEXT"})  # not created: unused
        types2 = io.load(
            f"select data_type from information_schema.columns where table_name = '{table}' order by ordinal_position"
        )
        assert types2["data_type"].tolist() == types["data_type"].tolist()
        assert len(io.load(f"select * from {table}")) == 4
        with pytest.raises(ValueError, match="does not have"):
            io.export(frame, None, table, overwrite_types={"nope": "TEXT"})
        io.execute(f"drop table {table}")
        io.commit()


# --- query_string exports -------------------------------------------------------------------------


def test_query_string_export(sqlio):
    table = "mage_q_" + uuid.uuid4().hex[:8]
    sqlio.export(None, None, table, query_string="select 1 as id union all select 2")
    sqlio.export(None, None, table, if_exists="append", query_string="select 3 as id")
    assert sqlio.load(f"select id from {table} order by id")["id"].tolist() == [1, 2, 3]
    sqlio.export(None, None, table, query_string="select 9 as id")  # replace: the table stays, rows replaced
    sqlio.export(None, None, table, query_string="select 10 as id", drop_table_on_replace=True)
    assert sqlio.load(f"select id from {table}")["id"].tolist() == [10]
    with pytest.raises(TableExistsError):
        sqlio.export(None, None, table, if_exists="fail", query_string="select 1 as id")
    sqlio.execute(f"drop table {table}")
    sqlio.commit()


# --- transactions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls_name", ["Postgres", "MySQL"])
def test_with_block_rolls_back_on_an_exception_and_commits_otherwise(cls_name, config, request):
    request.getfixturevalue("pg" if cls_name == "Postgres" else "my")
    cls = Postgres if cls_name == "Postgres" else MySQL
    table = "mage_tx_" + uuid.uuid4().hex[:8]
    with cls.with_config(config) as io:
        io.execute(f"create table {table} (id integer)")
        io.commit()
    with pytest.raises(RuntimeError, match="boom"):
        with cls.with_config(config) as io:
            io.execute(f"insert into {table} values (1)")
            raise RuntimeError("boom")
    with cls.with_config(config) as io:
        assert len(io.load(f"select * from {table}")) == 0  # rolled back
        io.execute(f"insert into {table} values (%(id)s)", id=2)
        io.execute_queries([f"insert into {table} values (3)"])
    with cls.with_config(config) as io:
        assert io.load(f"select id from {table} order by id")["id"].tolist() == [2, 3]  # committed on exit
        io.execute(f"insert into {table} values (4)")
        io.rollback()
        results = io.execute_queries(
            [f"insert into {table} values (5)", f"select count(*) as n from {table}"],
            commit=True,
            fetch_query_at_indexes=[False, True],
        )
        assert results[0] == 1 and results[1]["n"].tolist() == [3]
        io.execute(f"drop table {table}")


_SLEEP = {"Postgres": "select pg_sleep(30) as s", "MySQL": "select sleep(30) as s"}


@pytest.mark.parametrize("cls_name", ["Postgres", "MySQL"])
def test_ctrl_c_cancels_a_mage_load_within_a_second(cls_name, io_config, request):
    request.getfixturevalue("pg" if cls_name == "Postgres" else "my")
    script = textwrap.dedent(f"""
        import time
        from mageio.mage import ConfigFileLoader, {cls_name}
        with {cls_name}.with_config(ConfigFileLoader({io_config!r}, "default")) as loader:
            print("started", flush=True)
            try:
                loader.load({_SLEEP[cls_name]!r})
            except KeyboardInterrupt:
                print("interrupted", time.monotonic(), flush=True)
            print(loader.load("select 42 as n")["n"].tolist(), flush=True)  # the loader still works
    """)
    out, err, seconds, code = interrupt(script)
    assert code == 0, err
    assert "[42]" in out, (out, err)
    assert seconds < 1.0, seconds


@pytest.mark.parametrize("cls_name", ["Postgres", "MySQL"])
def test_ctrl_c_during_a_mage_export_leaves_the_table_as_it_was(cls_name, io_config, config, request):
    request.getfixturevalue("pg" if cls_name == "Postgres" else "my")
    cls = Postgres if cls_name == "Postgres" else MySQL
    table = "mage_sigint_" + uuid.uuid4().hex[:8]
    with cls.with_config(config) as io:
        io.execute(f"create table {table} (n bigint)")
        io.execute(f"insert into {table} values (1), (2), (3)")
    # 20M rows: an export that takes several seconds on either server, so the signal lands in the middle.
    # KeyboardInterrupt leaves the `with` block as any exception does: the block's work is rolled back.
    script = textwrap.dedent(f"""
        import time
        import numpy as np, pandas as pd
        from mageio.mage import ConfigFileLoader, {cls_name}
        frame = pd.DataFrame({{"n": np.arange(20_000_000, dtype="int64")}})
        try:
            with {cls_name}.with_config(ConfigFileLoader({io_config!r}, "default")) as loader:
                print("started", flush=True)
                loader.export(frame, None, {table!r}, if_exists="replace")
            print("finished before the signal", flush=True)
        except KeyboardInterrupt:
            print("interrupted", time.monotonic(), flush=True)
    """)
    out, err, seconds, code = interrupt(script)
    assert code == 0, err
    assert "finished" not in out, out
    # MariaDB answers a killed LOAD DATA only after undoing every row it wrote (about 2 s per million rows
    # on InnoDB; measured 1.2-1.6 s here after 1 s of loading on a busy machine): not within a second.
    assert seconds < (1.0 if cls_name == "Postgres" else 3.0), seconds
    with cls.with_config(config) as io:
        assert io.load(f"select n from {table} order by n")["n"].tolist() == [1, 2, 3]
        leftovers = io.load(f"select table_name from information_schema.tables where table_name like '{table}%'")
        assert leftovers["table_name"].tolist() == [table]  # no staging table left behind
        io.execute(f"drop table {table}")


def test_a_failing_statement_inside_with_keeps_earlier_work(sqlio, config):
    table = "mage_keep_" + uuid.uuid4().hex[:8]
    sqlio.execute(f"create table {table} (id integer)")
    sqlio.commit()
    cls = type(sqlio)
    with cls.with_config(config) as io:
        io.execute(f"insert into {table} values (1)")
        with pytest.raises(mageio.Error):
            io.load("select * from no_such_table_here")
        with pytest.raises(mageio.Error):
            io.execute("select * from no_such_table_here")
        io.execute(f"insert into {table} values (2)")
    assert sqlio.load(f"select id from {table} order by id")["id"].tolist() == [1, 2]
    sqlio.execute(f"drop table {table}")
    sqlio.commit()


def test_execute_parameters_are_literals_not_sql(sqlio):
    nasty = "x'); drop table y; -- \\' \" ` %s ü"
    got = sqlio.execute_queries(
        ["select %(s)s as s, %(n)s as n, %(none)s as z, '100%%' as p"],
        query_variables=[{"s": nasty, "n": 5, "none": None}],
        fetch_query_at_indexes=[True],
    )
    assert got[0]["s"].tolist() == [nasty] and got[0]["n"].tolist() == [5] and got[0]["p"].tolist() == ["100%"]
    with pytest.raises(KeyError, match="missing"):
        sqlio.execute("select %(missing)s", other=1)
    sqlio.rollback()


# --- sample, table_exists, load arguments ---------------------------------------------------------


def test_sample_table_exists_and_load_limit(pgio):
    table = "mage_s_" + uuid.uuid4().hex[:8]
    pgio.export(pd.DataFrame({"id": range(100)}), "mage_other", table)  # the schema is created
    assert pgio.table_exists("mage_other", table) and not pgio.table_exists("public", table)
    assert len(pgio.sample("mage_other", table, 7)) == 7
    assert len(pgio.load(f"select * from mage_other.{table};", limit=5)) == 5
    frame = pgio.load(f"select * from mage_other.{table} order by id", limit=3, index_col="id", verbose=False)
    assert frame.index.tolist() == [0, 1, 2]
    with pytest.raises(TypeError, match="chunksize"):
        pgio.load("select 1", chunksize=10)
    pgio.execute("drop schema mage_other cascade")


# --- bad input ------------------------------------------------------------------------------------


def test_clear_errors(pgio, config, tmp_path):
    with pytest.raises(TypeError, match="pandas DataFrame"):
        pgio.export("not a frame", None, "t")
    with pytest.raises(ValueError, match="table_name"):
        pgio.export(pd.DataFrame({"a": [1]}), None, None)
    with pytest.raises(TypeError, match="'mixed'"):
        pgio.export(pd.DataFrame({"mixed": [1, "two", 3.0]}), None, "t_mixed")
    with pytest.raises(TypeError, match="unexpected keyword"):
        pgio.export(pd.DataFrame({"a": [1]}), None, "t", chunk_size=5)
    closed = Postgres.with_config(config)
    with pytest.raises(ConnectionError, match="no connection is open"):
        closed.load("select 1")
    with pytest.raises(mageio.NotFoundError, match="profile"):
        ConfigFileLoader(os.environ["MAGEIO_TEST_IO_CONFIG"], "no_such_profile")
    with pytest.raises(mageio.NotSupportedError, match="csv, tsv and jsonl"):
        FileIO().export(pd.DataFrame({"a": [1]}), tmp_path / "x.hdf5")
    with pytest.raises(mageio.Error):  # the backend's error, with its SQLSTATE
        pgio.load("select * from no_such_table_anywhere")


# --- SQLite, FileIO extras --------------------------------------------------------------------------


def test_sqlite_class_round_trip_and_atomic_replace(tmp_path):
    db = str(tmp_path / "m.db")
    with SQLite(db) as io:
        io.export(pd.DataFrame({"ID": pd.array([1, None], dtype="Int64"), "v": [0.5, None]}), None, "t")
        io.export(pd.DataFrame({"ID": [3], "v": [1.0]}), None, "t", if_exists="append")
        back = io.load("select * from t order by id")
        assert str(back["id"].dtype) == "Int64" and back["id"].isna().sum() == 1 and len(back) == 3
        with pytest.raises(mageio.Error):
            io.export(pd.DataFrame({"nope": [1]}), None, "t")  # replace into a table without that column
        assert len(io.load("select * from t")) == 3
    with SQLite.with_config(ConfigFileLoader(config={"SQLITE_DATABASE": db})) as io:
        assert io.table_exists(None, "t")


def test_fileio_directories_and_options(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    FileIO().export(pd.DataFrame({"a": [1, 2]}), tmp_path / "d" / "one.csv")
    FileIO().export(pd.DataFrame({"a": [3]}), tmp_path / "d" / "sub" / "two.tsv")
    frame = FileIO().load(file_directories=[str(tmp_path / "d")])
    assert frame["a"].tolist() == [1, 2, 3]
    FileIO().export(pd.DataFrame({"a": [1], "b": ["x;y"]}), tmp_path / "s.txt", format="csv", sep=";")
    assert FileIO().load(tmp_path / "s.txt", format="csv", sep=";")["b"].tolist() == ["x;y"]
    FileIO().export(pa.table({"a": [1, None]}), tmp_path / "t.jsonl")
    assert str(FileIO().load(tmp_path / "t.jsonl")["a"].dtype) == "Int64"
    assert FileIO().exists(tmp_path / "t.jsonl")


def test_replace_keeps_a_dependent_view_and_long_names_stage(pgio, myio):
    table = "mage_view_" + uuid.uuid4().hex[:8]
    pgio.export(pd.DataFrame({"id": [1, 2]}), None, table)
    pgio.execute(f"create view {table}_v as select id from {table}")
    pgio.commit()
    pgio.export(pd.DataFrame({"id": [7]}), None, table)  # rows replaced, the table (and its view) kept
    assert pgio.load(f"select id from {table}_v")["id"].tolist() == [7]
    pgio.execute(f"drop view {table}_v; drop table {table}")
    long_name = "mage_long_" + "x" * 46 + uuid.uuid4().hex[:8]  # 64 characters: MySQL's limit
    myio.export(pd.DataFrame({"id": [1]}), None, long_name, overwrite_types={"id": "INT"})
    myio.export(pd.DataFrame({"id": [2]}), None, long_name, drop_table_on_replace=True)
    assert myio.load(f"select id from {long_name}")["id"].tolist() == [2]
    myio.execute(f"drop table {long_name}")


def test_nested_verbose_config_and_config_dict(pg, tmp_path):
    nested = tmp_path / "io_config.yaml"
    nested.write_text(
        "default:\n  PostgreSQL:\n"
        f"    host: {os.environ['MAGEIO_TEST_PG_HOST']}\n    port: {os.environ['MAGEIO_TEST_PG_PORT']}\n"
        f"    user: {os.environ['MAGEIO_TEST_PG_USER']}\n    password: {{{{ env_var('MAGEIO_TEST_PG_PASSWORD') }}}}\n"
        f"    database: {os.environ['MAGEIO_TEST_PG_DBNAME']}\n"
    )
    config = ConfigFileLoader(str(nested), "default")
    assert config["POSTGRES_PORT"] == os.environ["MAGEIO_TEST_PG_PORT"] and config.get("MYSQL_HOST") is None
    assert os.environ["MAGEIO_TEST_PG_PASSWORD"] not in repr(config)
    with Postgres.with_config(config) as io:
        assert io.load("select 1 as one")["one"].tolist() == [1]
    flat = {
        "POSTGRES_HOST": os.environ["MAGEIO_TEST_PG_HOST"],
        "POSTGRES_PORT": int(os.environ["MAGEIO_TEST_PG_PORT"]),
        "POSTGRES_USER": os.environ["MAGEIO_TEST_PG_USER"],
        "POSTGRES_PASSWORD": os.environ["MAGEIO_TEST_PG_PASSWORD"],
        "POSTGRES_DBNAME": os.environ["MAGEIO_TEST_PG_DBNAME"],
    }
    with Postgres.with_config(ConfigFileLoader(config=flat)) as io:
        assert io.load("select 2 as two")["two"].tolist() == [2]
    direct = Postgres(
        dbname=flat["POSTGRES_DBNAME"],
        user=flat["POSTGRES_USER"],
        password=flat["POSTGRES_PASSWORD"],
        host=flat["POSTGRES_HOST"],
        port=flat["POSTGRES_PORT"],
        application_name="mage_test",
    )
    with direct as io:
        assert io.load("select current_setting('application_name') as a")["a"].tolist() == ["mage_test"]


def test_polars_and_arrow_frames_export_too(tmp_path):
    import polars as pl

    with SQLite(str(tmp_path / "p.db"), verbose=False) as io:
        io.export(pl.DataFrame({"Id": [1, None], "Note": ["a", None]}), None, "from_polars")
        io.export(pa.table({"Id": [3], "Note": ["c"]}), None, "from_polars", if_exists="append")
        back = io.load("select * from from_polars order by id is null, id")
        assert list(back.columns) == ["id", "note"] and back["note"].tolist()[:2] == ["a", "c"]
        assert str(back["id"].dtype) == "Int64"
