"""Parquet through mageio's ``parquet`` plugin (Rust, arrow-rs): what ``FileIO`` and the object-store
classes (``S3``, ``GoogleCloudStorage``, ``AzureBlobStorage``) share.

The plugin reads and writes Parquet only; a path is a local file, ``s3://``, ``gs://`` or ``az://`` (or a
dataset: a directory, a prefix ending in ``/``, a glob). Loads stream row groups into Arrow and become one
pandas DataFrame at the end (integers with NULLs stay ``Int64``); an export is written under a temporary
name (local disk) or as one upload (stores) and replaces the target only when complete.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .. import _host
from .._errors import NotSupportedError
from .config import Profile

PLUGIN = "parquet"

# Extensions that name Parquet files (pandas and Spark write .parquet; .pq is common too).
EXTENSIONS = ("parquet", "pq")

# Formats Mage's file classes know (mage_ai.io.base.FileFormat), named in the error for the ones the
# parquet plugin does not read or write.
_MAGE_FORMATS = ("csv", "json", "parquet", "hdf5", "xml", "excel", "xlsx", "tsv", "jsonl", "ndjson", "txt")

LOAD_KEYWORDS = ("columns",)
EXPORT_KEYWORDS = ("compression", "index", "row_group_size")


def format_of(what: str, location: str, format: Any) -> str:  # noqa: A002 - Mage's argument name
    """'parquet' when ``format`` (a string or Mage's ``FileFormat``) says so, or, with no format, when the
    object key ends in .parquet/.pq or ``/`` (a dataset prefix); anything else is a NotSupportedError
    naming what is supported."""
    given = getattr(format, "value", format)
    if given is not None and not isinstance(given, str):
        raise TypeError(f"{what}: format must be a string such as 'parquet', not {type(format).__name__}")
    if given:
        name = given.lower().lstrip(".")
    elif location.endswith("/"):
        return "parquet"
    else:
        name = os.path.splitext(location.rstrip("/").rsplit("/", 1)[-1])[1].lstrip(".").lower()
    if name in EXTENSIONS:
        return "parquet"
    shown = repr(name) if name else "(no extension)"
    raise NotSupportedError(
        f"{what}: {location}: format {shown} is not supported; mageio reads and writes Parquet here (the "
        "parquet plugin): give format='parquet' or a key ending in .parquet or .pq (or / for a dataset of "
        "Parquet files). CSV, JSON and the other formats of Mage are not supported on object stores"
    )


def check_keywords(what: str, kwargs: Mapping[str, Any], accepted: tuple[str, ...]) -> None:
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise TypeError(
            f"{what}: unexpected keyword argument(s) {', '.join(unknown)} for Parquet (accepted: {', '.join(accepted)})"
        )


def _limit(what: str, limit: Any) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"{what}: limit must be a non-negative integer, not {limit!r}")
    return limit


def connect(profile: Profile | None, settings: Mapping[str, Any] | None = None) -> _host.Connector:
    base = profile if profile is not None else Profile.empty("default")
    return _host.connect(PLUGIN, base, settings=dict(settings) if settings else None)


def load(
    what: str,
    path: str,
    profile: Profile | None,
    settings: Mapping[str, Any] | None,
    limit: Any = None,
    kwargs: Mapping[str, Any] | None = None,
) -> Any:
    """The Parquet file (or dataset) at ``path`` as a pandas DataFrame; ``columns=[...]`` reads only
    those columns (pushed into the reader), ``limit`` at most that many rows."""
    kwargs = dict(kwargs or {})
    check_keywords(what, kwargs, LOAD_KEYWORDS)
    options: dict[str, Any] = {}
    columns = kwargs.get("columns")
    if columns is not None:
        if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
            raise TypeError(f"{what}: columns must be a list of column names, not {columns!r}")
        options["columns"] = list(columns)
    with connect(profile, settings) as db:
        return db.load(path=path, limit=_limit(what, limit), options=options or None).to_pandas()


def export(
    what: str,
    df: Any,
    path: str,
    profile: Profile | None,
    settings: Mapping[str, Any] | None,
    kwargs: Mapping[str, Any] | None = None,
) -> int:
    """Writes ``df`` to ``path`` as Parquet, replacing what is there only when the new file is complete.
    ``compression`` ('snappy' default, 'zstd', 'gzip', None/'none'), ``row_group_size`` (rows),
    ``index=True`` writes the DataFrame's index as the first column(s). Returns the rows written."""
    from ._frames import to_arrow

    kwargs = dict(kwargs or {})
    check_keywords(what, kwargs, EXPORT_KEYWORDS)
    options: dict[str, Any] = {}
    if "compression" in kwargs:
        compression = kwargs["compression"]
        options["compression"] = "none" if compression is None else str(compression).lower()
    if kwargs.get("row_group_size") is not None:
        size = kwargs["row_group_size"]
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f"{what}: row_group_size must be a positive integer, not {size!r}")
        options["row_group_size"] = size
    data = to_arrow(df, bool(kwargs.get("index", False)), {"auto_clean_name": False})
    with connect(profile, settings) as db:
        return db.export(data, path=path, if_exists="replace", options=options or None)
