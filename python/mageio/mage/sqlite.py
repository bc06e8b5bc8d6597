"""``SQLite``, in the shape of Mage's SQL IO classes, on mageio's ``sqlite`` plugin (Mage has no SQLite class)."""

from __future__ import annotations

from typing import Any

from .._errors import NotSupportedError
from .sql import BaseSQL


class SQLite(BaseSQL):
    """An SQLite database file through mageio's ``sqlite`` plugin, with the API of Mage's SQL classes
    (Mage itself has no SQLite class)."""

    _plugin = "sqlite"
    _keys = {"database": "SQLITE_DATABASE"}

    def __init__(self, database: str, verbose: bool = True, **kwargs: Any) -> None:
        super().__init__(verbose=verbose, database=database, **kwargs)

    def _string_literal(self, text: str) -> str:
        if "\x00" in text:
            raise ValueError("execute: a string parameter holds a NUL character")
        return "'" + text.replace("'", "''") + "'"

    def _bytes_literal(self, data: bytes) -> str:
        return f"X'{data.hex()}'"

    def _create_schema_sql(self, schema: str) -> str | None:
        return None  # a schema is an attached database file

    def _alter_type_sql(self, target: str, column: str, sql_type: str) -> str:
        raise NotSupportedError("SQLite: overwrite_types is not supported (SQLite cannot change a column's type)")
