"""Partitioned loads as Dask DataFrames (each partition of the plugin's plan is read on a Dask worker), and
parallel, atomic writes of a Dask DataFrame from the workers into one table (:func:`to_table`).

    import mageio.dask
    ddf = mageio.dask.read_sql("select * from events", "postgres", config="io_config.yaml",
                               profile="default", partitions=8, partition_on="id")
    ddf.groupby("kind").size().compute()

The client opens one connector and plans the load (``Connector.plan_partitions``); the graph carries the
descriptors (text, never a secret) and how to open a connector, never the rows. Each task opens its own
connector on the worker from the same ``config`` file and ``profile`` (the path is read on the worker, so
``env_var`` templates take the worker's environment) and/or ``settings``, reads its descriptor
(``Connector.load_partition``) and returns a pandas DataFrame. Secrets never travel in the graph in clear:
``settings`` may not hold a key the plugin declares secret; name an environment variable for it instead with
``secret_env={"POSTGRES_PASSWORD": "PGPASSWORD"}``, read on the worker.

PostgreSQL partitions read one exported snapshot held by the planning connector in this process: it stays
open while the returned DataFrame lives; keep it alive until the computations that use it are done (a
partition read after that fails with :class:`mageio.UnavailableError`: plan again). That transaction also
holds a lock on the source table (a ``DROP``/``TRUNCATE``/``ALTER`` of it waits), and Dask's client may keep
a computed DataFrame alive long after your last reference: end it explicitly with :func:`release` (or use
the DataFrame in a ``with mageio.dask.released(ddf):`` block) once its results are computed or persisted.

:func:`to_table` writes each Dask partition on a worker (its own connector, opened the same way) into one
staging table and puts that table in place only when every partition succeeded; see its docstring.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from ._errors import AlreadyExistsError, Error, InvalidArgumentError, NotFoundError, NotSupportedError
from ._host import Connector, PathLike, connect, plugins

__all__ = ["read_sql", "read_table", "release", "released", "to_table"]

_log = logging.getLogger("mageio")


@dataclasses.dataclass(frozen=True)
class _Opener:
    """How a worker opens the connector: picklable, and without secrets."""

    plugin: str
    config: str | None
    profile: str
    settings: tuple[tuple[str, Any], ...]
    secret_env: tuple[tuple[str, str], ...]
    plugin_dirs: tuple[str, ...]

    def open(self) -> Connector:
        settings = dict(self.settings)
        for key, variable in self.secret_env:
            if variable not in os.environ:
                raise KeyError(
                    f"mageio.dask: environment variable {variable} (for {self.plugin} setting {key}) is not set "
                    "on this worker"
                )
            settings[key] = os.environ[variable]
        return connect(
            self.plugin,
            self.config,
            self.profile,
            settings=settings or None,
            plugin_dirs=list(self.plugin_dirs) or None,
        )


def _secret_keys(plugin: str, plugin_dirs: Sequence[str]) -> set[str]:
    keys: set[str] = set()
    for info in plugins(plugin_dirs=list(plugin_dirs) or None):
        if info.name == plugin:
            for key in info.config_keys:
                if key.secret:
                    keys.update(k.upper() for k in (key.name, key.alias) if k)
    return keys


def _opener(
    plugin: str,
    config: PathLike | None,
    profile: str,
    settings: Mapping[str, Any] | None,
    secret_env: Mapping[str, str] | None,
    plugin_dirs: Sequence[PathLike] | None,
) -> _Opener:
    if not isinstance(plugin, str):
        raise TypeError(f"mageio.dask: plugin must be a plugin name (str), not {type(plugin).__name__}")
    if config is not None and not isinstance(config, (str, os.PathLike)):
        raise TypeError("mageio.dask: config must be the path of an io_config.yaml (each worker reads it)")
    dirs = tuple(os.path.abspath(os.fspath(d)) for d in plugin_dirs or ())
    settings = {str(k): v for k, v in (settings or {}).items()}
    secret = _secret_keys(plugin, dirs)
    leaked = sorted(k for k in settings if k.upper() in secret)
    if leaked:
        raise ValueError(
            f"mageio.dask: settings {', '.join(leaked)} of plugin {plugin} are secret and would be pickled into the "
            "task graph in clear; put them in the config file (env_var templates) or pass "
            f"secret_env={{'{leaked[0]}': 'ENV_VARIABLE'}} (read on each worker)"
        )
    return _Opener(
        plugin=plugin,
        config=os.path.abspath(os.fspath(config)) if config is not None else None,
        profile=profile,
        settings=tuple(sorted(settings.items())),
        secret_env=tuple(sorted((str(k), str(v)) for k, v in (secret_env or {}).items())),
        plugin_dirs=dirs,
    )


def _to_pandas(table: Any) -> Any:
    import pandas as pd
    import pyarrow as pa

    mapping = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.uint8(): pd.UInt8Dtype(),
        pa.uint16(): pd.UInt16Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.uint64(): pd.UInt64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    return table.to_pandas(types_mapper=mapping.get)


class _LoadPartition:
    """The task of one partition: opens a connector on the worker and reads the descriptor."""

    def __init__(self, opener: _Opener, schema: Any) -> None:
        self.opener = opener
        self.schema = schema

    def __call__(self, part: tuple[int, str]) -> Any:
        import pyarrow as pa

        index, descriptor = part
        try:
            with self.opener.open() as connector:
                table = connector.load_partition(descriptor).read_all()
        except Exception as e:
            # The error's own type (mageio.BackendError ...), saying which partition failed.
            e.args = (f"mageio.dask: {self.opener.plugin} partition {index} failed: {e}", *e.args[1:])
            raise
        if not table.schema.equals(self.schema):
            try:
                table = table.cast(self.schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise ValueError(
                    f"mageio.dask: {self.opener.plugin} partition {index} has schema {table.schema}, "
                    f"not the plan's {self.schema}"
                ) from e
        return _to_pandas(table)


def _read(
    what: str,
    plugin: str,
    load: dict[str, Any],
    *,
    config: PathLike | None,
    profile: str,
    settings: Mapping[str, Any] | None,
    secret_env: Mapping[str, str] | None,
    plugin_dirs: Sequence[PathLike] | None,
    partitions: int,
    partition_on: str | None,
    lower_bound: int | float | str | None,
    upper_bound: int | float | str | None,
) -> Any:
    import dask.dataframe as dd

    opener = _opener(plugin, config, profile, settings, secret_env, plugin_dirs)
    planner = opener.open()
    try:
        schema = planner.load(**load, limit=0).schema
        descriptors = planner.plan_partitions(
            **load, partitions=partitions, partition_on=partition_on, lower_bound=lower_bound, upper_bound=upper_bound
        )
    except BaseException:
        planner.close()
        raise
    meta = _to_pandas(schema.empty_table())
    ddf = dd.from_map(
        _LoadPartition(opener, schema),
        list(enumerate(descriptors)),
        meta=meta,
        label=f"mageio-{plugin}-{what}-partition",
        enforce_metadata=False,
    )
    # The plan's shared state (PostgreSQL's exported snapshot) lives in the planner: open while ddf lives,
    # or until release(ddf).
    _planners[id(ddf)] = weakref.finalize(ddf, planner.close)
    weakref.finalize(ddf, _planners.pop, id(ddf), None)  # the entry lives exactly as long as ddf
    return ddf


# The finalizer that closes the planner of each live read_sql/read_table DataFrame, by the DataFrame's id
# (dask DataFrames are neither weakly hashable nor named after their label).
_planners: dict[int, weakref.finalize] = {}


def release(ddf: Any) -> None:
    """Closes the planning connector of a DataFrame that :func:`read_sql` or :func:`read_table` returned, now
    rather than when the DataFrame is garbage collected: for PostgreSQL this ends the transaction that holds
    the plan's snapshot and a lock on the source table. Partitions already computed or persisted are kept;
    a partition read after this fails with :class:`mageio.UnavailableError` (PostgreSQL) -- plan again.
    Releasing twice does nothing; a DataFrame that is not one of theirs (a derived one included: release
    the one they returned) is a ``TypeError``."""
    finalizer = _planners.get(id(ddf))
    if finalizer is None:
        raise TypeError(
            "mageio.dask.release: not a DataFrame returned by mageio.dask.read_sql or read_table (release that "
            f"one, not one derived from it): {type(ddf).__name__}"
        )
    finalizer()  # a finalizer runs once: releasing again does nothing


class released:  # noqa: N801 - used like a function: with mageio.dask.released(ddf): ...
    """``with mageio.dask.released(ddf) as ddf:`` -- :func:`release` on leaving the block, also on error."""

    def __init__(self, ddf: Any) -> None:
        self.ddf = ddf

    def __enter__(self) -> Any:
        return self.ddf

    def __exit__(self, *exc: object) -> None:
        release(self.ddf)


def read_sql(
    query: str,
    plugin: str,
    *,
    config: PathLike | None = None,
    profile: str = "default",
    settings: Mapping[str, Any] | None = None,
    secret_env: Mapping[str, str] | None = None,
    plugin_dirs: Sequence[PathLike] | None = None,
    partitions: int = 1,
    partition_on: str | None = None,
    lower_bound: int | float | str | None = None,
    upper_bound: int | float | str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Any:
    """A ``dask.dataframe.DataFrame`` of ``query``'s rows, one Dask partition per plugin partition
    (``partitions`` at most, ranged on ``partition_on`` when given). See the module's notes on ``config``,
    ``settings`` and ``secret_env``. Integers and booleans are pandas' nullable dtypes, as
    ``Reader.to_pandas``."""
    load = {"query": query, "options": dict(options) if options else None}
    return _read(
        "sql",
        plugin,
        load,
        config=config,
        profile=profile,
        settings=settings,
        secret_env=secret_env,
        plugin_dirs=plugin_dirs,
        partitions=partitions,
        partition_on=partition_on,
        lower_bound=lower_bound,
        upper_bound=upper_bound,
    )


def read_table(
    table: str,
    plugin: str,
    *,
    schema: str | None = None,
    config: PathLike | None = None,
    profile: str = "default",
    settings: Mapping[str, Any] | None = None,
    secret_env: Mapping[str, str] | None = None,
    plugin_dirs: Sequence[PathLike] | None = None,
    partitions: int = 1,
    partition_on: str | None = None,
    lower_bound: int | float | str | None = None,
    upper_bound: int | float | str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Any:
    """As :func:`read_sql`, for a whole table (PostgreSQL splits a table without ``partition_on`` by page
    ranges, SQLite by rowid, MySQL by its primary key)."""
    load = {"table": table, "schema": schema, "options": dict(options) if options else None}
    return _read(
        "table",
        plugin,
        load,
        config=config,
        profile=profile,
        settings=settings,
        secret_env=secret_env,
        plugin_dirs=plugin_dirs,
        partitions=partitions,
        partition_on=partition_on,
        lower_bound=lower_bound,
        upper_bound=upper_bound,
    )


# --- to_table ---------------------------------------------------------------------------------------------

_IF_EXISTS = ("fail", "replace", "append")


@dataclasses.dataclass(frozen=True)
class _Dialect:
    """What to_table needs of a plugin's SQL beyond the plugin's own operations: quoting, and how a filled
    staging table is put in place (the plugins have no rename operation)."""

    quote_char: str
    rename_swaps: bool  # MySQL: RENAME TABLE a TO b, c TO a (atomic); else one transaction DROP + ALTER RENAME
    create_empty_like: str  # CREATE TABLE {stage} AS SELECT {columns} FROM {target} ... (no rows)
    columns_fold_case: bool

    def quote(self, name: str) -> str:
        q = self.quote_char
        return q + name.replace(q, q + q) + q

    def qualified(self, schema: str | None, name: str) -> str:
        return (self.quote(schema) + "." if schema else "") + self.quote(name)


_DIALECTS = {
    "postgres": _Dialect(
        quote_char='"',
        rename_swaps=False,
        create_empty_like="CREATE TABLE {stage} AS SELECT {columns} FROM {target} WITH NO DATA",
        columns_fold_case=False,
    ),
    "mysql": _Dialect(
        quote_char="`",
        rename_swaps=True,
        create_empty_like="CREATE TABLE {stage} AS SELECT {columns} FROM {target} WHERE 1 = 0",
        columns_fold_case=True,
    ),
    "sqlite": _Dialect(
        quote_char='"',
        rename_swaps=False,
        create_empty_like="CREATE TABLE {stage} AS SELECT {columns} FROM {target} WHERE 0",
        columns_fold_case=True,
    ),
}


def _arrow_schema(ddf: Any) -> Any:
    """The Arrow schema of the DataFrame's columns (its index is not written), from its metadata."""
    import pyarrow as pa

    meta = ddf._meta
    try:
        schema = pa.Schema.from_pandas(meta, preserve_index=False).remove_metadata()
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        raise TypeError(f"mageio.dask.to_table: the DataFrame's columns have no Arrow type: {e}") from e
    untyped = [f.name for f in schema if pa.types.is_null(f.type)]
    if untyped:
        raise TypeError(
            f"mageio.dask.to_table: column(s) {', '.join(map(repr, untyped))} have dtype object in the DataFrame's "
            "metadata, which says nothing about the values; give them a type first (ddf.astype({...}), e.g. "
            "'string', 'Int64', 'float64', 'datetime64[us]')"
        )
    for name in schema.names:
        if not isinstance(name, str):
            raise TypeError(f"mageio.dask.to_table: column names must be strings, not {name!r}")
    return schema


def _named(e: BaseException, message: str) -> BaseException:
    """``e`` (its own type: mageio.BackendError, ValueError ...) with ``message`` in front of its own."""
    e.args = (f"{message}: {e.args[0] if e.args else e}", *e.args[1:])
    return e


class _WritePartition:
    """The task of one Dask partition on a worker: opens a connector and appends the partition's rows to the
    staging table (one export, one transaction). Never raises: it returns the error, so that the client
    learns of every partition only once all of them have ended (no task still writing into a stage that is
    being dropped)."""

    def __init__(self, opener: _Opener, stage: str, schema: str | None, arrow_schema: Any, options: Any) -> None:
        self.opener = opener
        self.stage = stage
        self.schema = schema
        self.arrow_schema = arrow_schema
        self.options = options

    def __call__(self, df: Any, partition_info: dict | None = None) -> Any:
        import pandas as pd
        import pyarrow as pa

        index = partition_info["number"] if partition_info else -1
        rows, error = 0, None
        try:
            try:
                table = pa.Table.from_pandas(df, schema=self.arrow_schema, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, KeyError) as e:
                raise InvalidArgumentError(
                    "its columns do not convert to the DataFrame's declared types ("
                    + ", ".join(f"{f.name}: {f.type}" for f in self.arrow_schema)
                    + f"): {e}"
                ) from None
            if table.num_rows:
                with self.opener.open() as connector:
                    # A stage that is gone was dropped by the client (the write was abandoned): appending
                    # would create it again and leave it behind.
                    if not connector.table_exists(self.stage, self.schema):
                        raise NotFoundError(f"the staging table {self.stage} is gone (the write was abandoned)")
                    rows = connector.export(
                        table, self.stage, schema=self.schema, if_exists="append", options=self.options
                    )
        except Exception as e:  # noqa: BLE001 - handed to the client, which raises it
            error = e
        return pd.DataFrame({"partition": [index], "rows": [rows], "error": [error]})


def _result_meta() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "partition": pd.Series([], dtype="int64"),
            "rows": pd.Series([], dtype="int64"),
            "error": pd.Series([], dtype=object),
        }
    )


def _scalar(connector: Connector, sql: str) -> Any:
    result = connector.execute(sql)
    if isinstance(result, int):
        raise Error(f"mageio.dask.to_table: {sql!r} returned no rows")
    values = result.read_all().column(0).to_pylist()
    return values[0] if values else None


def to_table(
    ddf: Any,
    plugin: str,
    table: str,
    *,
    schema: str | None = None,
    if_exists: str = "fail",
    config: PathLike | None = None,
    profile: str = "default",
    settings: Mapping[str, Any] | None = None,
    secret_env: Mapping[str, str] | None = None,
    plugin_dirs: Sequence[PathLike] | None = None,
    options: Mapping[str, Any] | None = None,
) -> int:
    """Writes the rows of Dask DataFrame ``ddf`` into ``table`` (in ``schema``) of plugin ``plugin``
    ("postgres", "mysql" or "sqlite"), every partition in parallel **on the workers**, and returns the
    rows written. The DataFrame's index is not written.

    The connectors are opened as for :func:`read_sql` (``config``/``profile`` read on each worker,
    ``settings`` without secrets, ``secret_env`` naming the environment variables that hold them). The
    client creates a staging table (``mageio_dask_stage_<random>``, next to ``table``); each partition's
    task opens its own connector on a worker and appends its rows to the stage (one export each); the
    client puts the stage in place only when every partition succeeded and the stage holds exactly the
    rows the partitions reported:

    - ``if_exists="fail"`` (default): :class:`mageio.AlreadyExistsError` if ``table`` exists (checked
      first, and again by the rename that puts the stage in place);
    - ``"replace"``: the stage, with the column types the plugin's export gives the DataFrame's types,
      replaces ``table`` in one step (PostgreSQL/SQLite: ``DROP`` + ``ALTER TABLE … RENAME`` in one
      transaction; MySQL/MariaDB: one ``RENAME TABLE table TO old, stage TO table``, then ``DROP`` old);
    - ``"append"``: the stage takes ``table``'s column types (``CREATE TABLE stage AS SELECT columns FROM
      table`` without rows, so a value that does not fit fails in its partition), then one
      ``INSERT INTO table (columns) SELECT columns FROM stage`` in one transaction. When ``table`` does
      not exist it is created as with "fail".

    If a partition fails, the error (its own type) names the partition (``partition 3 of 8``) and the
    other partitions that failed; ``table`` is exactly as it was and the stage is dropped. The tasks are
    named ``mageio-to_table-<table>`` in the Dask dashboard, one per partition number. ``options`` are
    the plugin's export options, for every partition's export.

    A partition is written in one transaction; if a worker dies after committing its partition but
    before Dask learns of it, Dask runs the partition again: the stage's row count then differs from the
    rows reported and the write fails instead of writing rows twice.

    Replacing the very table a PostgreSQL DataFrame of :func:`read_table`/:func:`read_sql` reads waits
    for that read's snapshot transaction, held while that DataFrame lives: ``persist()`` and delete it
    first.
    """
    if if_exists not in _IF_EXISTS:
        raise ValueError(f"mageio.dask.to_table: if_exists must be one of {', '.join(_IF_EXISTS)}, not {if_exists!r}")
    if not hasattr(ddf, "map_partitions") or not hasattr(ddf, "_meta"):
        raise TypeError(f"mageio.dask.to_table: ddf must be a dask DataFrame, not {type(ddf).__name__}")
    if not isinstance(table, str) or not table:
        raise TypeError("mageio.dask.to_table: table must be a non-empty str")
    dialect = _DIALECTS.get(plugin) if isinstance(plugin, str) else None
    if dialect is None and isinstance(plugin, str):
        raise NotSupportedError(
            f"mageio.dask.to_table: plugin {plugin!r} is not supported (it needs a staging table and a rename: "
            f"{', '.join(_DIALECTS)})",
            4,
        )
    opener = _opener(plugin, config, profile, settings, secret_env, plugin_dirs)
    assert dialect is not None
    arrow_schema = _arrow_schema(ddf)
    columns = arrow_schema.names
    options = dict(options) if options else None
    described = f"{schema}.{table}" if schema else table
    stage = "mageio_dask_stage_" + os.urandom(8).hex()

    with opener.open() as db:
        exists = db.table_exists(table, schema)
        if exists and if_exists == "fail":
            raise AlreadyExistsError(
                f"mageio.dask.to_table: {plugin} table {described} exists (if_exists='fail'); nothing was written",
                3,
            )
        like_target = exists and if_exists == "append"
        if like_target:
            have = db.load(table=table, schema=schema, limit=0).schema.names
            fold = (lambda n: n.casefold()) if dialect.columns_fold_case else (lambda n: n)
            missing = [c for c in columns if fold(c) not in {fold(h) for h in have}]
            if missing:
                raise InvalidArgumentError(
                    f"mageio.dask.to_table: {plugin} table {described} has no column(s) "
                    f"{', '.join(map(repr, missing))} to append to (it has {', '.join(have)}); nothing was written",
                    1,
                )
        created = False
        try:
            stage_schema = schema
            if like_target:
                column_list = ", ".join(dialect.quote(c) for c in columns)
                db.execute(
                    dialect.create_empty_like.format(
                        stage=dialect.qualified(schema, stage),
                        columns=column_list,
                        target=dialect.qualified(schema, table),
                    )
                )
            else:
                db.export(arrow_schema.empty_table(), stage, schema=schema, if_exists="fail", options=options)
            created = True
            if plugin == "postgres" and schema is None:
                # The plugin's default schema (POSTGRES_SCHEMA), which is not necessarily the search_path's:
                # where the plugin put the stage, the target is too; name it in every statement.
                stage_schema = _scalar(
                    db, f"SELECT table_schema FROM information_schema.tables WHERE table_name = '{stage}'"
                )
            qstage = dialect.qualified(stage_schema, stage)
            qtarget = dialect.qualified(stage_schema, table)

            written = ddf.map_partitions(
                _WritePartition(opener, stage, stage_schema, arrow_schema, options),
                meta=_result_meta(),
                token=f"mageio-to_table-{table}",
                enforce_metadata=False,
                align_dataframes=False,
            )
            results = written.compute()
            npartitions = ddf.npartitions
            failed = [(int(p), e) for p, e in zip(results["partition"], results["error"]) if e is not None]
            if failed:
                failed.sort(key=lambda pe: pe[0])
                index, first = failed[0]
                others = [str(p) for p, _ in failed[1:]]
                also = f" (partition(s) {', '.join(others)} failed too)" if others else ""
                raise _named(
                    first,
                    f"mageio.dask.to_table: {plugin} partition {index} of {npartitions} failed{also}; "
                    f"{described} was left as it was",
                ) from None
            rows = int(results["rows"].sum())
            staged = int(_scalar(db, f"SELECT COUNT(*) FROM {qstage}"))
            if staged != rows:
                raise Error(
                    f"mageio.dask.to_table: the staging table holds {staged} rows but the partitions wrote {rows} "
                    f"(a partition ran twice after a worker was lost?); {described} was left as it was",
                    10,
                )

            try:
                if like_target:
                    column_list = ", ".join(dialect.quote(c) for c in columns)
                    db.execute_queries([f"INSERT INTO {qtarget} ({column_list}) SELECT {column_list} FROM {qstage}"])
                elif dialect.rename_swaps:
                    if if_exists == "replace" and db.table_exists(table, schema):
                        old = dialect.qualified(stage_schema, stage + "_old")
                        db.execute(f"RENAME TABLE {qtarget} TO {old}, {qstage} TO {qtarget}")
                        created = False
                        try:
                            db.execute(f"DROP TABLE {old}")
                        except Error as e:
                            _log.warning(
                                "mageio.dask.to_table: %s was replaced, but its old copy %s could not be dropped: %s",
                                described,
                                stage + "_old",
                                e,
                            )
                    else:
                        db.execute(f"RENAME TABLE {qstage} TO {qtarget}")
                else:
                    rename = f"ALTER TABLE {qstage} RENAME TO {dialect.quote(table)}"
                    db.execute_queries(
                        ([f"DROP TABLE IF EXISTS {qtarget}"] if if_exists == "replace" else []) + [rename]
                    )
            except Error as e:
                raise _named(
                    e, f"mageio.dask.to_table: putting the staged rows in place as {plugin} table {described} failed"
                ) from None
            created = like_target  # after a rename the stage is the table
            return rows
        finally:
            if created:
                try:
                    db.execute(f"DROP TABLE IF EXISTS {dialect.qualified(stage_schema, stage)}")
                except Error as e:
                    _log.warning("mageio.dask.to_table: the staging table %s could not be dropped: %s", stage, e)
