"""Partitioned loads as Dask DataFrames: each partition of the plugin's plan is read on a Dask worker.

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
partition read after that fails with :class:`mageio.UnavailableError`: plan again).
"""

from __future__ import annotations

import dataclasses
import os
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from ._host import Connector, PathLike, connect, plugins

__all__ = ["read_sql", "read_table"]


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
    # The plan's shared state (PostgreSQL's exported snapshot) lives in the planner: open while ddf lives.
    weakref.finalize(ddf, planner.close)
    return ddf


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
