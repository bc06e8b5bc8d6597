"""mageio.dask.to_table: a Dask DataFrame written from the workers into one staging table, put in place atomically."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ._dask_open import _Opener, _opener
from ._errors import AlreadyExistsError, Error, InvalidArgumentError, NotFoundError, NotSupportedError
from ._host import Connector, PathLike

_log = logging.getLogger("mageio")


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
