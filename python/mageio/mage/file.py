"""Mage's ``FileIO`` on mageio's ``file`` plugin (CSV, TSV, JSON Lines) and ``parquet`` plugin (Parquet)."""

from __future__ import annotations

import os
import sys
from typing import Any, Union

from .. import _host
from .._errors import NotSupportedError
from . import _parquet
from ._frames import to_arrow

PathLike = Union[str, "os.PathLike[str]"]

# Extension -> the format: the file plugin's, or "parquet" (the parquet plugin).
_FORMATS = {
    "csv": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "parquet": "parquet",
    "pq": "parquet",
}


def _format(filepath: PathLike, format: str | None) -> str:  # noqa: A002 - Mage's argument name
    given = getattr(format, "value", format)
    name = (given or os.path.splitext(os.fspath(filepath))[1].lstrip(".")).lower()
    if name in _FORMATS:
        return _FORMATS[name]
    raise NotSupportedError(
        f"FileIO: {os.fspath(filepath)!r}: format {name or '(no extension)'!r} is not supported; FileIO "
        "handles csv, tsv and jsonl (JSON Lines; the file plugin) and parquet (the parquet plugin); pass "
        "format= for another extension"
    )


class FileIO:
    """Files on the local file system: ``FileIO().load(path)`` -> DataFrame, ``FileIO().export(df, path)``."""

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose

    def _connect(self) -> _host.Connector:
        return _host.connect("file", _host.Profile.empty("default"))

    def load(
        self,
        filepath: PathLike | None = None,
        format: str | None = None,  # noqa: A002
        file_directories: list[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A CSV/TSV/JSON Lines/Parquet file (or every such file under ``file_directories``, concatenated)
        as a pandas DataFrame. Keyword arguments are the file plugin's load options (``delimiter``,
        ``header``, ``null_string``, ``columns`` {name: type}, ``infer_rows``; ``sep`` is ``delimiter``) or,
        for Parquet, ``columns`` [names] (only those are read)."""
        if "sep" in kwargs:
            kwargs["delimiter"] = kwargs.pop("sep")
        if not file_directories:
            if filepath is None:
                raise ValueError("FileIO.load: give filepath (or file_directories)")
            paths = [os.fspath(filepath)]
        else:
            paths = []
            for directory in file_directories:
                if not os.path.isdir(directory):
                    raise FileNotFoundError(f"FileIO.load: {directory!r} is not a directory")
                for root, dirs, files in os.walk(directory):
                    dirs.sort()
                    paths.extend(os.path.join(root, f) for f in sorted(files))
        import pandas as pd

        frames = []
        with self._connect() as db:
            for path in paths:
                kind = _format(path, format)
                if kind == "parquet":
                    frames.append(_parquet.load("FileIO.load", path, None, None, None, kwargs))
                else:
                    frames.append(db.load(path=path, options=dict(kwargs, format=kind)).to_pandas())
                if self.verbose:
                    print(f"Loaded {len(frames[-1])} rows from '{path}'", file=sys.stderr)
        if not frames:
            raise FileNotFoundError(f"FileIO.load: no files under {', '.join(map(str, file_directories or []))}")
        return frames[0] if len(frames) == 1 else pd.concat(frames, axis=0, ignore_index=True)

    def export(
        self,
        df: Any,
        filepath: PathLike,
        format: str | None = None,  # noqa: A002
        **kwargs: Any,
    ) -> None:
        """Writes ``df`` to ``filepath`` (replaced atomically when it exists). ``index=True`` writes the
        DataFrame's index as the first column(s); other keyword arguments are the file plugin's export
        options (``delimiter``/``sep``, ``header``, ``null_string``) or, for Parquet, ``compression``
        ('snappy' default, 'zstd', 'gzip', None) and ``row_group_size``."""
        kind = _format(filepath, format)
        if kind == "parquet":
            rows = _parquet.export("FileIO.export", df, os.fspath(filepath), None, None, kwargs)
            if self.verbose:
                print(f"Exported {rows} rows to '{os.fspath(filepath)}'", file=sys.stderr)
            return
        if "sep" in kwargs:
            kwargs["delimiter"] = kwargs.pop("sep")
        index = bool(kwargs.pop("index", False))
        options = dict(kwargs, format=kind)
        data = to_arrow(df, index, {"auto_clean_name": False})
        with self._connect() as db:
            rows = db.export(data, path=os.fspath(filepath), if_exists="replace", options=options)
        if self.verbose:
            print(f"Exported {rows} rows to '{os.fspath(filepath)}'", file=sys.stderr)

    def exists(self, filepath: PathLike) -> bool:
        return os.path.exists(filepath)
