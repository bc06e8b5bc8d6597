"""The host API: plugins(), IoConfig, connect() -> Connector, Reader, copy()."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any, Union

from . import _mageio
from ._arrow import as_stream
from ._errors import NotFoundError
from ._reader import ProgressArg, Reader, _callback_of, _Progress

IoConfig = _mageio.IoConfig
Profile = _mageio.Profile

PathLike = Union[str, "os.PathLike[str]"]

_log = logging.getLogger("mageio")
_LEVELS = {0: logging.DEBUG, 1: logging.INFO, 2: logging.WARNING, 3: logging.ERROR}


def _on_plugin_log(level: int, plugin: str, message: str) -> None:
    _log.log(_LEVELS.get(level, logging.INFO), "%s: %s", plugin, message)


_mageio.set_log_handler(_on_plugin_log)


@dataclasses.dataclass(frozen=True)
class ConfigKey:
    name: str
    alias: str
    required: bool
    secret: bool
    default: str | None
    description: str


@dataclasses.dataclass(frozen=True)
class PluginInfo:
    """A plugin that was found: what its manifest says."""

    name: str
    version: str
    description: str
    abi: str
    capabilities: list[str]
    path: str
    config_keys: list[ConfigKey]
    types: list[str]


@dataclasses.dataclass(frozen=True)
class RejectedPlugin:
    """A candidate file that was not accepted as a plugin, and why (``plugins(verbose=True)``)."""

    path: str
    reason: str


def _dirs(plugin_dirs: Sequence[PathLike] | None) -> list[str]:
    return [os.fspath(d) for d in (plugin_dirs or [])]


def plugins(verbose: bool = False, plugin_dirs: Sequence[PathLike] | None = None) -> list[PluginInfo | RejectedPlugin]:
    """The plugins found: ``plugin_dirs`` first, then ``MAGEIO_PLUGIN_PATH``, then the bundled ones.

    With ``verbose=True`` the rejected candidates follow, each with the reason.
    """
    dirs = _dirs(plugin_dirs)
    found: list[PluginInfo | RejectedPlugin] = []
    for info in _mageio.plugins(dirs):
        keys = [ConfigKey(**k) for k in info.pop("config_keys")]
        found.append(PluginInfo(config_keys=keys, **info))
    if verbose:
        found.extend(RejectedPlugin(path, reason) for path, reason in _mageio.rejections(dirs))
    return found


def search_path(plugin_dirs: Sequence[PathLike] | None = None) -> list[tuple]:
    """The directories searched for plugins, in order, each with where it came from."""
    return list(_mageio.search_path(_dirs(plugin_dirs)))


def _columns_option(options: Mapping[str, Any] | None, column_types: Mapping[str, str] | None) -> dict[str, Any] | None:
    if not column_types:
        return dict(options) if options else None
    merged = dict(options or {})
    if "columns" in merged:
        raise ValueError("pass column types either as column_types= or as options={'columns': ...}, not both")
    merged["columns"] = dict(column_types)
    return merged


def _partitions_arg(partitions: int | None) -> int:
    if partitions is None:
        return 1
    if isinstance(partitions, bool) or not isinstance(partitions, int):
        raise TypeError(f"partitions must be an int, not {type(partitions).__name__}")
    return partitions


class Connector:
    """One open connector (a plugin instance). A context manager: ``with mageio.connect(...) as db:``.

    Used by one thread at a time: a call from a second thread while an operation runs raises
    :class:`mageio.UsageError` (open one connector per thread). Ctrl-C during an operation cancels it (the
    destination is left as it was) and raises KeyboardInterrupt.
    """

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def plugin(self) -> str:
        return self._native.plugin_name

    @property
    def closed(self) -> bool:
        return self._native.closed

    def load(
        self,
        query: str | None = None,
        *,
        table: str | None = None,
        schema: str | None = None,
        path: PathLike | None = None,
        limit: int | None = None,
        batch_rows: int | None = None,
        column_types: Mapping[str, str] | None = None,
        options: Mapping[str, Any] | None = None,
        partitions: int | None = None,
        partition_on: str | None = None,
        lower_bound: int | float | str | None = None,
        upper_bound: int | float | str | None = None,
        unordered: bool = False,
        progress: ProgressArg = None,
    ) -> Reader:
        """Reads a query's rows, a table or a file (exactly one of ``query``, ``table``, ``path``) as a
        :class:`Reader`. ``column_types`` ({column: type}) sets the types of a file's columns;
        ``options`` are the plugin's own load options.

        ``partitions=N`` (with ``partition_on=COLUMN`` and its optional bounds) splits the load into the
        plugin's partitions and reads them on N new connections in parallel threads; the batches come in
        partition order, or as they arrive with ``unordered=True``. A plugin that cannot split the load
        reads one stream (with a warning); a query that cannot be split is one partition."""
        load_args = (
            query or "",
            table or "",
            schema or "",
            os.fspath(path) if path else "",
            limit,
            batch_rows,
            _columns_option(options, column_types),
        )
        if partitions is None and partition_on is None and lower_bound is None and upper_bound is None:
            native = self._native.load(*load_args, _callback_of(progress))
        else:
            native = self._native.load_partitioned(
                *load_args,
                _partitions_arg(partitions),
                partition_on or "",
                lower_bound,
                upper_bound,
                bool(unordered),
                _callback_of(progress),
            )
        return Reader(native, progress)

    def plan_partitions(
        self,
        query: str | None = None,
        *,
        table: str | None = None,
        schema: str | None = None,
        path: PathLike | None = None,
        limit: int | None = None,
        batch_rows: int | None = None,
        column_types: Mapping[str, str] | None = None,
        options: Mapping[str, Any] | None = None,
        partitions: int = 1,
        partition_on: str | None = None,
        lower_bound: int | float | str | None = None,
        upper_bound: int | float | str | None = None,
    ) -> list[str]:
        """The plugin's partition descriptors for a load (at most ``partitions``): text without secrets,
        each readable with :meth:`load_partition` on any connector with the same configuration, in this or
        another process. State the partitions share (PostgreSQL's exported snapshot) lives in this
        connector: keep it open until every partition has started. Raises
        :class:`mageio.NotSupportedError` when the plugin has no partitions."""
        return list(
            self._native.plan_partitions(
                query or "",
                table or "",
                schema or "",
                os.fspath(path) if path else "",
                limit,
                batch_rows,
                _columns_option(options, column_types),
                _partitions_arg(partitions),
                partition_on or "",
                lower_bound,
                upper_bound,
            )
        )

    def load_partition(self, descriptor: str, *, progress: ProgressArg = None) -> Reader:
        """Reads one descriptor of :meth:`plan_partitions` (made here or by another connector)."""
        if not isinstance(descriptor, str):
            raise TypeError(f"load_partition: descriptor must be a str, not {type(descriptor).__name__}")
        return Reader(self._native.load_partition(descriptor, _callback_of(progress)), progress)

    def export(
        self,
        data: Any,
        table: str | None = None,
        *,
        schema: str | None = None,
        path: PathLike | None = None,
        if_exists: str = "fail",
        unique_constraints: Sequence[str] | None = None,
        unique_conflict_method: str = "update",
        options: Mapping[str, Any] | None = None,
        progress: ProgressArg = None,
    ) -> int:
        """Writes ``data`` to a table or a file and returns the rows written. ``data``: anything with
        ``__arrow_c_stream__`` or ``__arrow_c_array__`` (pyarrow, polars, DuckDB, a mageio Reader) or a
        pandas DataFrame. ``if_exists``: "fail", "replace" (atomic) or "append"; ``unique_constraints`` with
        ``unique_conflict_method`` ("update" or "ignore") upserts."""
        stream = as_stream(data)
        capsule = stream.__arrow_c_stream__()
        bar = _Progress(progress, f"{self.plugin} export")
        try:
            return self._native.export(
                capsule,
                table or "",
                schema or "",
                os.fspath(path) if path else "",
                if_exists,
                list(unique_constraints or []),
                unique_conflict_method,
                dict(options) if options else None,
                bar.callback,
            )
        finally:
            bar.close()

    def execute(self, sql: str) -> int | Reader:
        """Runs one statement: a :class:`Reader` when it returns rows, else the rows affected (-1: unknown)."""
        result = self._native.execute(sql)
        return Reader(result) if isinstance(result, _mageio.Reader) else result

    def execute_queries(self, queries: Sequence[str]) -> int:
        """Runs statements in order, in one transaction where the plugin has them; returns rows affected."""
        if isinstance(queries, str):
            raise TypeError("execute_queries takes a list of statements, not one string (use execute)")
        return self._native.execute_queries(list(queries))

    def table_exists(self, table: str, schema: str | None = None) -> bool:
        return self._native.table_exists(table, schema or "")

    def path_exists(self, path: PathLike) -> bool:
        return self._native.path_exists(os.fspath(path))

    def sample(self, table: str, schema: str | None = None, rows: int = 10) -> Reader:
        """The first ``rows`` rows of a table (Mage's sample)."""
        return Reader(self._native.sample(table, schema or "", rows))

    def alter_table(
        self,
        table: str,
        action: str,
        column: str,
        *,
        schema: str | None = None,
        new_name: str | None = None,
        type: str | None = None,
    ) -> None:  # noqa: A002
        """``action``: "add_column" (with ``type``), "drop_column", "rename_column" (with ``new_name``) or
        "alter_column_type" (with ``type``, a logical type name such as "int64" or "decimal128(12, 2)")."""
        self._native.alter_table(table, schema or "", action, column, new_name or "", type or "")

    def close(self) -> None:
        """Closes the connector (readers still open keep their stream until they are read or closed)."""
        self._native.close()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<mageio.Connector {self.plugin}{' (closed)' if self.closed else ''}>"


_DEFAULT_CONFIG = "io_config.yaml"


def _profile(config: None | PathLike | IoConfig | Profile, profile: str) -> Profile:
    if isinstance(config, Profile):
        return config
    if isinstance(config, IoConfig):
        return config.profile(profile)
    if config is None:
        if os.path.exists(_DEFAULT_CONFIG):
            return IoConfig.load(_DEFAULT_CONFIG).profile(profile)
        if profile != "default":
            raise NotFoundError(
                f"profile '{profile}' not found: there is no config file (./{_DEFAULT_CONFIG} "
                "does not exist; pass config=PATH)",
                2,
            )
        return Profile.empty(profile)
    return IoConfig.load(os.fspath(config)).profile(profile)


def connect(
    plugin: str,
    config: None | PathLike | IoConfig | Profile = None,
    profile: str = "default",
    *,
    settings: Mapping[str, Any] | None = None,
    plugin_dirs: Sequence[PathLike] | None = None,
    isolate: bool = False,
    timeout: float | None = None,
) -> Connector:
    """Opens plugin ``plugin`` with its keys from ``profile`` of ``config`` (a path, an IoConfig or a
    Profile; default ``./io_config.yaml`` when it exists). ``settings`` sets flat keys on top
    (``{"SQLITE_DATABASE": "x.db"}``). ``isolate=True`` runs the plugin in a child process (a crash
    becomes an error); ``timeout`` (seconds) bounds an isolated operation that makes no progress."""
    if not isinstance(plugin, str):
        raise TypeError(f"connect: plugin must be a plugin name (str), not {type(plugin).__name__}")
    resolved = _profile(config, profile)
    if settings:
        resolved = resolved.with_settings({str(k): v for k, v in settings.items()})
    native = _mageio.Connector.open(plugin, resolved, _dirs(plugin_dirs), isolate, timeout)
    return Connector(native)


def copy(
    source: Connector,
    destination: Connector,
    query: str | None = None,
    *,
    table: str | None = None,
    schema: str | None = None,
    path: PathLike | None = None,
    limit: int | None = None,
    options: Mapping[str, Any] | None = None,
    to_table: str | None = None,
    to_schema: str | None = None,
    to_path: PathLike | None = None,
    if_exists: str = "fail",
    unique_constraints: Sequence[str] | None = None,
    unique_conflict_method: str = "update",
    to_options: Mapping[str, Any] | None = None,
    progress: ProgressArg = None,
    partitions: int = 1,
    partition_on: str | None = None,
) -> int:
    """Streams rows from ``source`` (a query, table or path) into ``destination`` (``to_table`` or
    ``to_path``) inside the host: Python never touches the rows. Returns the rows written.

    With ``partitions`` > 1 (or ``partition_on``) the source is read in that many partitions on connectors of
    their own, in parallel threads, and -- when the destination takes parallel writers and says they pay
    (postgres, unless a stage would write every row twice) -- written by as many writers into one staging
    table put in place at the end; otherwise (mysql: measured slower; sqlite, file, parquet) the partitions
    feed one export. Either way the destination changes once,
    at the end, or not at all. The connectors are opened like ``source`` and ``destination``."""
    if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
        raise ValueError(f"mageio.copy: partitions must be an int of at least 1, not {partitions!r}")
    bar = _Progress(progress, f"{source.plugin} -> {destination.plugin}")
    try:
        return _mageio.copy(
            source._native,
            destination._native,
            query or "",
            table or "",
            schema or "",
            os.fspath(path) if path else "",
            limit,
            dict(options) if options else None,
            to_table or "",
            to_schema or "",
            os.fspath(to_path) if to_path else "",
            if_exists,
            list(unique_constraints or []),
            unique_conflict_method,
            dict(to_options) if to_options else None,
            bar.callback,
            partitions,
            partition_on or "",
        )
    finally:
        bar.close()
