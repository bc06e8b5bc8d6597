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

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from ._dask_open import _Opener, _opener
from ._dask_write import to_table
from ._host import PathLike
from ._reader import nullable_pandas_types

__all__ = ["read_sql", "read_table", "release", "released", "to_table"]


def _to_pandas(table: Any) -> Any:
    return table.to_pandas(types_mapper=nullable_pandas_types().get)


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
