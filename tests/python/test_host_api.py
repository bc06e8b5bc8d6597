"""The host API without a server: plugins, config, SQLite and files, errors, threads."""

import os
import shutil
import subprocess
import sys
import threading
import time

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import mageio


def test_bundled_plugins_are_found_without_environment(monkeypatch):
    monkeypatch.delenv("MAGEIO_PLUGIN_PATH", raising=False)
    found = {p.name: p for p in mageio.plugins()}
    assert {"file", "sqlite", "postgres", "mysql"} <= set(found)
    sqlite = found["sqlite"]
    assert sqlite.abi.startswith("1.")
    assert "load" in sqlite.capabilities and "export" in sqlite.capabilities
    assert os.path.dirname(mageio.__file__) in sqlite.path  # inside the installed package
    assert any(k.name == "SQLITE_DATABASE" and k.required for k in sqlite.config_keys)


def test_fresh_interpreter_lists_plugins():
    out = subprocess.run(
        [sys.executable, "-c", "import mageio; print(sorted(p.name for p in mageio.plugins()))"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MAGEIO_PLUGIN_PATH"},
        check=True,
    )
    assert "'sqlite'" in out.stdout and "'postgres'" in out.stdout


def test_plugin_dirs_and_environment_add_directories(tmp_path, monkeypatch):
    # A copy of a bundled plugin in another directory: found there first (explicit directories lead).
    bundled = {p.name: p.path for p in mageio.plugins()}["file"]
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(bundled, extra / os.path.basename(bundled))
    assert (str(extra), "--plugin-dir") in [(d, o) for d, o in mageio.search_path([extra])] or any(
        d == str(extra) for d, _ in mageio.search_path([extra])
    )
    (tmp_path / "libmageio_broken.so").write_bytes(b"not a library")
    listed = mageio.plugins(verbose=True, plugin_dirs=[tmp_path])
    rejected = [r for r in listed if isinstance(r, mageio.RejectedPlugin)]
    assert any(r.path.endswith("libmageio_broken.so") and r.reason for r in rejected)
    monkeypatch.setenv("MAGEIO_PLUGIN_PATH", str(extra))
    assert any(d == str(extra) for d, _ in mageio.search_path())


def test_unknown_plugin_lists_the_found_ones():
    with pytest.raises(mageio.NotFoundError) as error:
        mageio.connect("nosuchplugin")
    message = str(error.value)
    assert "nosuchplugin" in message and "sqlite" in message and "postgres" in message


def test_io_config_profiles_and_masked_secrets(tmp_path):
    path = tmp_path / "io_config.yaml"
    path.write_text(
        "version: 0.1.1\ndefault:\n  POSTGRES_HOST: db.example\n  POSTGRES_PASSWORD: hunter2secret\n"
        "  SQLITE_DATABASE: x.db\nother:\n  MYSQL_USER: bob\n"
    )
    config = mageio.IoConfig.load(str(path))
    assert sorted(config.profile_names()) == ["default", "other"]
    profile = config.profile("default")
    assert profile["POSTGRES_HOST"] == "db.example"
    assert profile.get("POSTGRES_HOST") == "db.example"
    assert profile.get("MISSING") is None and profile.get("MISSING", "x") == "x"
    assert "POSTGRES_PASSWORD" in profile and "MISSING" not in profile
    text = repr(profile)
    assert "hunter2secret" not in text and "POSTGRES_PASSWORD" in text and "db.example" in text
    with pytest.raises(KeyError):
        profile["MISSING"]
    with pytest.raises(mageio.NotFoundError) as error:
        config.profile("nope")
    assert "default" in str(error.value) and "other" in str(error.value)
    with pytest.raises(mageio.NotFoundError):
        mageio.IoConfig.load(str(tmp_path / "missing.yaml"))


def test_env_var_unset_is_never_the_string_none(tmp_path, monkeypatch):
    monkeypatch.delenv("MAGEIO_PY_UNSET", raising=False)
    config = mageio.IoConfig.parse("default:\n  POSTGRES_HOST: \"{{ env_var('MAGEIO_PY_UNSET') }}\"\n", "t.yaml")
    profile = config.profile()
    assert profile.get("POSTGRES_HOST") is None
    with pytest.raises(KeyError, match="MAGEIO_PY_UNSET"):
        profile["POSTGRES_HOST"]


TYPES_TABLE = pa.table(
    {
        "i64": pa.array([1, None, -(2**62)], pa.int64()),
        "i32": pa.array([7, 8, None], pa.int32()),
        "f64": pa.array([1.5, None, -0.25], pa.float64()),
        "s": pa.array(["x", None, 'grüße, "quoted"\nnewline'], pa.string()),
        "b": pa.array([True, None, False], pa.bool_()),
        "d": pa.array([pa.scalar(0, pa.date32()).as_py(), None, pa.scalar(19000, pa.date32()).as_py()], pa.date32()),
    }
)


def test_sqlite_round_trip_pyarrow(sqlite, table_name):
    assert sqlite.export(TYPES_TABLE, table_name, if_exists="replace") == 3
    back = sqlite.load(f"select * from {table_name} order by rowid").read_all()
    assert back.column_names == TYPES_TABLE.column_names
    for name in ["i64", "i32", "f64", "s", "b"]:
        assert back.column(name).to_pylist() == TYPES_TABLE.column(name).to_pylist(), name


def test_reader_is_an_arrow_stream_and_iterates_batches(sqlite, table_name):
    big = pa.table({"n": pa.array(range(100_000), pa.int64())})
    sqlite.export(big, table_name)
    reader = sqlite.load(table=table_name, batch_rows=10_000)
    batches = list(reader)
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert len(batches) >= 10 and sum(b.num_rows for b in batches) == 100_000
    stream = pa.RecordBatchReader.from_stream(sqlite.load(table=table_name))
    assert stream.read_all().num_rows == 100_000
    assert pl.DataFrame(sqlite.load(table=table_name)).height == 100_000


def test_to_pandas_keeps_nullable_integers(sqlite, table_name):
    sqlite.export(TYPES_TABLE, table_name)
    frame = sqlite.load(f"select i64, i32, f64 from {table_name} order by rowid").to_pandas()
    assert str(frame["i64"].dtype) == "Int64" and frame["i64"].isna().tolist() == [False, True, False]
    assert frame["i64"].iloc[2] == -(2**62)  # exact, never through a float
    assert frame["f64"].dtype == "float64"
    arrow_backed = sqlite.load(f"select i64 from {table_name}").to_pandas(dtype_backend="pyarrow")
    assert isinstance(arrow_backed["i64"].dtype, pd.ArrowDtype)


def test_export_accepts_pandas_polars_batches_and_readers(sqlite, table_name):
    frame = pd.DataFrame({"a": [1, 2, 3], "s": ["x", None, "z"]})
    assert sqlite.export(frame, table_name + "_pd") == 3
    # polars hands out string views ('vu'): converted to large strings batch by batch before the host
    polars_frame = pl.DataFrame({"a": [1, None], "s": ["p", "q"]})
    assert pa.RecordBatchReader.from_stream(polars_frame).schema.field("s").type == pa.string_view()
    assert sqlite.export(polars_frame, table_name + "_pl") == 2
    assert sqlite.load(f"select a, s from {table_name}_pl order by s").to_polars().rows() == [(1, "p"), (None, "q")]
    batch = pa.record_batch({"a": [5]})
    assert sqlite.export(batch, table_name + "_rb") == 1
    # a mageio reader straight into another export
    assert sqlite.export(sqlite.load(table=table_name + "_pd"), table_name + "_copy") == 3
    assert sqlite.export(polars_frame.lazy().collect(), table_name + "_pl", if_exists="append") == 2


def test_non_arrow_data_is_a_type_error(sqlite):
    for bad in (42, "text", [1, 2], {"a": [1]}, None, object()):
        with pytest.raises(TypeError, match="__arrow_c_stream__"):
            sqlite.export(bad, "t")


def test_if_exists_fail_and_upsert(sqlite, table_name):
    sqlite.execute(f"create table {table_name} (id integer primary key, v text)")
    with pytest.raises(mageio.AlreadyExistsError):
        sqlite.export(pa.table({"id": [1], "v": ["a"]}), table_name)
    sqlite.export(pa.table({"id": [1, 2], "v": ["a", "b"]}), table_name, if_exists="append")
    sqlite.export(
        pa.table({"id": [2, 3], "v": ["B", "c"]}),
        table_name,
        if_exists="append",
        unique_constraints=["id"],
        unique_conflict_method="UPDATE",
    )
    rows = sqlite.load(f"select id, v from {table_name} order by id").read_all().to_pylist()
    assert rows == [{"id": 1, "v": "a"}, {"id": 2, "v": "B"}, {"id": 3, "v": "c"}]


def test_execute_table_exists_sample_alter(sqlite, table_name):
    assert sqlite.execute(f"create table {table_name} (a integer)") in (0, -1)
    assert sqlite.table_exists(table_name) and not sqlite.table_exists(table_name + "_no")
    assert sqlite.execute_queries([f"insert into {table_name} values ({i})" for i in range(5)]) == 5
    result = sqlite.execute(f"select count(*) as n from {table_name}")
    assert isinstance(result, mageio.Reader) and result.read_all().column("n").to_pylist() == [5]
    assert sqlite.sample(table_name, rows=2).read_all().num_rows == 2
    sqlite.alter_table(table_name, "add_column", "b", type="utf8")
    assert sqlite.load(table=table_name).schema.names == ["a", "b"]
    with pytest.raises(TypeError):
        sqlite.execute_queries("select 1")


def test_failed_execute_is_a_mageio_error_not_bad_cast(sqlite):
    with pytest.raises(mageio.Error) as error:
        sqlite.execute("select * from no_such_table_here")
    assert "no_such_table_here" in str(error.value)
    assert "bad_cast" not in str(error.value)
    assert error.value.status_name in ("NOT_FOUND", "BACKEND")
    with pytest.raises(mageio.Error):
        sqlite.execute("this is not sql")
    with pytest.raises(mageio.Error):
        list(sqlite.load("select * from no_such_table_here"))


def test_reader_consumed_twice(sqlite):
    reader = sqlite.load("select 1 as a")
    assert reader.read_all().num_rows == 1
    with pytest.raises(mageio.UsageError, match="already consumed"):
        reader.read_all()
    handed = sqlite.load("select 1 as a")
    pa.RecordBatchReader.from_stream(handed).read_all()
    with pytest.raises(mageio.UsageError, match="already consumed"):
        handed.__arrow_c_stream__()
    with pytest.raises(mageio.UsageError):
        list(handed)


def test_closed_connector(tmp_path):
    db = mageio.connect("sqlite", settings={"SQLITE_DATABASE": str(tmp_path / "c.db")})
    reader = db.load("select 1 as a")
    db.close()
    assert db.closed
    for call in (
        lambda: db.load("select 1"),
        lambda: db.execute("select 1"),
        lambda: db.table_exists("t"),
        lambda: db.export(pa.table({"a": [1]}), "t"),
    ):
        with pytest.raises(mageio.UsageError, match="closed"):
            call()
    assert reader.read_all().num_rows == 1  # a reader outlives its connector
    db.close()  # closing twice is fine


def test_connector_used_from_two_threads_is_refused(tmp_path):
    db = mageio.connect("sqlite", settings={"SQLITE_DATABASE": str(tmp_path / "th.db")})
    started = threading.Event()

    def slow_batches():
        started.set()
        for i in range(20):
            time.sleep(0.05)
            yield pa.record_batch({"a": [i]})

    schema = pa.schema([("a", pa.int64())])
    errors = []

    def export():
        try:
            db.export(pa.RecordBatchReader.from_batches(schema, slow_batches()), "t", if_exists="replace")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    worker = threading.Thread(target=export)
    worker.start()
    started.wait(5)
    time.sleep(0.1)
    with pytest.raises(mageio.UsageError, match="another thread"):
        db.load("select 1")
    worker.join()
    assert not errors
    assert db.load("select count(*) as n from t").read_all().column("n").to_pylist() == [20]
    db.close()


def test_file_plugin_load_and_export(tmp_path):
    csv = tmp_path / "in.csv"
    csv.write_text('id,amount,city\n1,1234.50,Zürich\n2,,"a, b"\n')
    with mageio.connect("file") as files:
        table = files.load(path=csv, column_types={"amount": "decimal128(12, 2)"}).read_all()
        assert table.column("amount").type == pa.decimal128(12, 2)
        assert [str(v) if v is not None else None for v in table.column("amount").to_pylist()] == ["1234.50", None]
        assert table.column("city").to_pylist() == ["Zürich", "a, b"]
        out = tmp_path / "out.jsonl"
        assert files.export(table.select(["id", "city"]), path=out) == 2
        assert files.path_exists(out)
        assert files.load(path=out).read_all().column("city").to_pylist() == ["Zürich", "a, b"]


def test_copy_streams_inside_the_host(tmp_path, sqlite, table_name):
    csv = tmp_path / "c.csv"
    csv.write_text("n,s\n" + "".join(f"{i},row {i}\n" for i in range(1000)))
    with mageio.connect("file") as files:
        assert mageio.copy(files, sqlite, path=csv, to_table=table_name) == 1000
    assert sqlite.load(f"select count(*) as c from {table_name}").read_all().column("c").to_pylist() == [1000]


def test_progress_callback(sqlite, table_name):
    seen = []
    big = pa.table({"n": pa.array(range(300_000), pa.int64())})
    sqlite.export(big, table_name, progress=lambda rows, nbytes, total: seen.append(rows))
    rows = sum(b.num_rows for b in sqlite.load(table=table_name, progress=lambda r, b, t: seen.append(r)))
    assert rows == 300_000
    assert seen and max(seen) > 0


def test_plugin_options_must_be_json_like(sqlite):
    with pytest.raises(TypeError, match="cannot be passed to a plugin"):
        sqlite.load("select 1", options={"x": object()})


def test_teardown_with_live_readers_and_execute_rows(tmp_path):
    # Readers, a connector and an execute result still alive at interpreter exit: no crash.
    script = f"""
import mageio, pyarrow as pa
db = mageio.connect("sqlite", settings={{"SQLITE_DATABASE": {str(tmp_path / "x.db")!r}}})
db.export(pa.table({{"a": [1, 2, 3]}}), "t")
rows = db.execute("select * from t")
db.export(pa.table({{"a": [4]}}), "t", if_exists="append")
half = db.load("select * from t", batch_rows=1)
next(iter(half))
stream = pa.RecordBatchReader.from_stream(db.load("select * from t"))
print("done")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "done"


def test_type_stubs_ship_and_match_the_extension(tmp_path):
    import mageio._mageio as native

    package = os.path.dirname(mageio.__file__)
    assert os.path.exists(os.path.join(package, "py.typed"))
    shipped = os.path.join(package, "_mageio.pyi")
    assert os.path.exists(shipped)
    # python/mageio/_mageio.pyi is nanobind's stubgen output: regenerate it after changing the bindings
    # (python -m nanobind.stubgen -m mageio._mageio -o python/mageio/_mageio.pyi).
    out = tmp_path / "_mageio.pyi"
    subprocess.run(
        [sys.executable, "-m", "nanobind.stubgen", "-q", "-m", native.__name__, "-o", str(out)],
        check=True,
        cwd=tmp_path,
    )
    with open(shipped) as f:
        assert f.read() == out.read_text()


def test_readme_python_example_runs_as_written(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Zürich" in out.stdout and "Lyon" in out.stdout
    assert (tmp_path / "orders.csv").read_text(encoding="utf-8").splitlines()[0] == "id,city,amount"
