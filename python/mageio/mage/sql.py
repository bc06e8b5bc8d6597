"""What Mage's SQL IO classes share (``BaseSQL``, as ``mage_ai.io.sql``): the dialects are postgres.py, mysql.py
and sqlite.py; an export's steps are _export_plan.py, DataFrame conversion _frames.py.

Every row moves through a mageio plugin (binary COPY, LOAD DATA, ...); this layer only turns Mage's
arguments into connector calls and the connector's Arrow data into pandas DataFrames.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import math
import re
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from .. import _host
from .._errors import NotSupportedError
from ._export_plan import ExportPlan
from ._export_plan import TableExistsError as TableExistsError  # was defined here; kept importable from .sql
from ._frames import empty_frame, overwrite_types_by_column, to_arrow
from ._names import clean_column_name
from .config import ConfigFileLoader, Profile

QUERY_ROW_LIMIT = 10_000_000


class ExportWritePolicy(str, enum.Enum):
    APPEND = "append"
    FAIL = "fail"
    REPLACE = "replace"


def _policy(if_exists: Any) -> str:
    value = if_exists.value if isinstance(if_exists, enum.Enum) else if_exists
    if value not in ("append", "fail", "replace"):
        raise ValueError(f"export: if_exists must be 'append', 'fail' or 'replace', not {if_exists!r}")
    return value


def _conflict(method: str | None) -> str | None:
    if method is None:
        return None
    if not isinstance(method, str) or method.upper() not in ("UPDATE", "IGNORE"):
        raise ValueError(f"export: unique_conflict_method must be 'UPDATE' or 'IGNORE', not {method!r}")
    return method.lower()


class BaseSQL:
    """What the SQL classes share: Mage's ``BaseSQL`` API on a mageio :class:`~mageio.Connector`.

    Transactions: ``execute``/``execute_queries`` run inside a transaction this object opens;
    ``commit()``/``rollback()`` end it. Leaving a ``with`` block commits it, or rolls it back when the
    block raised; ``close()`` without ``commit()`` rolls it back. ``export`` commits that pending work
    first (Mage's export commits too) and is atomic on its own.
    """

    _plugin = ""
    _quote = '"'
    _begin_sql = "BEGIN"
    _transactional_ddl = True  # DDL inside a transaction (PostgreSQL, SQLite), not MySQL's implicit commit
    _keys: dict[str, str] = {}  # constructor argument -> config key

    def __init__(self, verbose: bool = True, **settings: Any) -> None:
        self.verbose = verbose
        self.settings = settings
        self._profile: Profile | None = None
        self._db: _host.Connector | None = None
        self._in_transaction = False

    # --- configuration and connection ---------------------------------------------------------

    @classmethod
    def with_config(cls, config: Any) -> BaseSQL:
        """The object for a ``ConfigFileLoader`` (or any object with ``get(KEY)``): the keys of
        ``cls``'s database; with a ``ConfigFileLoader`` every other key of the profile applies too
        (``POSTGRES_CONNECTION_PARAMS``, ``POSTGRES_READ_TIMEOUT``, ...)."""
        if not hasattr(config, "get"):
            raise TypeError(
                f"{cls.__name__}.with_config takes a ConfigFileLoader (or an object with get(key)), "
                f"not {type(config).__name__}"
            )
        arguments = {name: config.get(key) for name, key in cls._keys.items()}
        instance = cls(**arguments)
        if isinstance(config, ConfigFileLoader):
            instance._profile = config.mageio_profile
        return instance

    def _connection_settings(self) -> dict[str, str]:
        out = {}
        for name, key in self._keys.items():
            value = self.settings.get(name)
            if value is not None:
                out[key] = (
                    value if isinstance(value, str) else json.dumps(value) if isinstance(value, bool) else str(value)
                )
        return out

    def open(self) -> None:
        """Opens the connection (a ``with`` block does this)."""
        if self._db is not None and not self._db.closed:
            return
        profile = self._profile if self._profile is not None else Profile.empty("default")
        settings = {} if self._profile is not None else self._connection_settings()
        self._db = _host.connect(self._plugin, profile, settings=settings or None)
        self._in_transaction = False

    def close(self) -> None:
        """Closes the connection; a transaction not committed is rolled back."""
        if self._db is None:
            return
        try:
            if self._in_transaction and not self._db.closed:
                self._db.execute("ROLLBACK")
        finally:
            self._in_transaction = False
            self._db.close()
            self._db = None

    @property
    def conn(self) -> _host.Connector:
        """The open :class:`mageio.Connector`; ``ConnectionError`` when none is open."""
        if self._db is None or self._db.closed:
            raise ConnectionError(
                f"{type(self).__name__}: no connection is open; use `with "
                f"{type(self).__name__}.with_config(...) as loader:` or call open() first"
            )
        return self._db

    def __enter__(self) -> BaseSQL:
        self.open()
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                try:
                    self.rollback()
                except Exception:  # noqa: BLE001 - the block's own exception is the one to see
                    pass
        finally:
            self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - nothing can be reported from a finaliser
            pass

    # --- transactions -------------------------------------------------------------------------

    def _begin(self) -> None:
        if not self._in_transaction:
            self.conn.execute(self._begin_sql)
            self._in_transaction = True

    def commit(self) -> None:
        """Commits what ``execute`` / ``execute_queries`` did since the last commit."""
        if self._in_transaction:
            self._in_transaction = False
            self.conn.execute("COMMIT")

    def rollback(self) -> None:
        """Undoes what ``execute`` / ``execute_queries`` did since the last commit."""
        if self._in_transaction:
            self._in_transaction = False
            self.conn.execute("ROLLBACK")

    # --- names --------------------------------------------------------------------------------

    def _ident(self, name: str) -> str:
        """A name as the server spells it: quotes removed; what the server would fold, folded."""
        q = self._quote
        if len(name) >= 2 and name[0] == q and name[-1] == q:
            return name[1:-1].replace(q + q, q)
        return name

    def _q(self, name: str) -> str:
        q = self._quote
        return q + name.replace(q, q + q) + q

    def _qualified(self, schema: str | None, table: str) -> str:
        return f"{self._q(schema)}.{self._q(table)}" if schema else self._q(table)

    def default_schema(self) -> str | None:
        return None

    def _split_target(self, schema_name: str | None, table_name: str | None) -> tuple[str | None, str]:
        if not table_name or not isinstance(table_name, str):
            raise ValueError("export: give table_name (the table to export to)")
        if schema_name is None and "." in table_name and self._quote not in table_name:
            schema_name, table_name = table_name.split(".", 1)
        if schema_name is None:
            schema_name = self.default_schema()
        schema = self._ident(schema_name) if schema_name else None
        return schema, self._ident(table_name)

    # --- queries --------------------------------------------------------------------------------

    def _render(self, query_string: str, query_vars: Mapping[str, Any]) -> str:
        query = query_string.strip(" \n\t")
        if not query_vars:
            return query
        return _PLACEHOLDER.sub(lambda m: self._placeholder(m, query_vars), query)

    def _placeholder(self, match: re.Match[str], query_vars: Mapping[str, Any]) -> str:
        if match.group(0) == "%%":
            return "%"
        name = match.group(1)
        if name not in query_vars:
            raise KeyError(
                f"execute: the query uses %({name})s but no {name}= was given "
                f"(given: {', '.join(sorted(query_vars)) or 'none'})"
            )
        return self._literal(query_vars[name])

    def _literal(self, value: Any) -> str:
        """A SQL literal for a value (queries have no bind parameters in the connector API): strings and
        bytes are written so no quoting mode of the server can misread them."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"execute: {value!r} cannot be written as a SQL literal here")
            return repr(value)
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                raise ValueError(f"execute: {value!r} cannot be written as a SQL literal here")
            return str(value)
        if isinstance(value, (datetime.date, datetime.time, uuid.UUID)):
            return self._string_literal(value.isoformat() if not isinstance(value, uuid.UUID) else str(value))
        if isinstance(value, str):
            return self._string_literal(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return self._bytes_literal(bytes(value))
        if isinstance(value, (list, tuple)):
            if not value:
                raise ValueError("execute: an empty sequence cannot be written as a SQL list")
            return "(" + ", ".join(self._literal(v) for v in value) + ")"
        raise TypeError(
            f"execute: cannot write a {type(value).__name__} as a SQL literal "
            "(None, bool, int, float, Decimal, str, bytes, date/time, UUID or a tuple of them)"
        )

    def _string_literal(self, text: str) -> str:
        if "\x00" in text:
            raise ValueError("execute: a string parameter holds a NUL character, which SQL text cannot carry")
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    def _bytes_literal(self, data: bytes) -> str:
        return f"'\\x{data.hex()}'::bytea"

    def execute(self, query_string: str, **query_vars: Any) -> None:
        """Runs one statement inside this object's transaction (not committed: call ``commit()`` or
        leave the ``with`` block). ``%(name)s`` in the query is replaced by the literal of ``name=``."""
        sql = self._render(query_string, query_vars)
        self._begin()
        if self.verbose:  # the query as given: parameter values (maybe secrets) are not printed
            print(f"Executing query '{query_string.strip()}'", file=sys.stderr)
        self._run(sql)

    def _run(self, sql: str) -> int | None:
        """Runs a statement whose rows (if any) are not wanted; the rows affected."""
        result = self.conn.execute(sql)
        if isinstance(result, _host.Reader):
            result.close()
            return None
        return result

    def execute_queries(
        self,
        queries: Sequence[str],
        query_variables: Sequence[Mapping[str, Any]] | None = None,
        commit: bool = False,
        fetch_query_at_indexes: Sequence[bool] | None = None,
    ) -> list[Any]:
        """Runs statements in order inside this object's transaction. Returns one entry per query: a
        DataFrame where ``fetch_query_at_indexes[i]`` is true, else the rows affected (``None`` when
        the statement returned rows that were not fetched)."""
        if isinstance(queries, str):
            raise TypeError("execute_queries takes a list of statements, not one string (use execute)")
        self._begin()
        results: list[Any] = []
        for index, query in enumerate(queries):
            variables = query_variables[index] if query_variables and index < len(query_variables) else {}
            sql = self._render(query, variables or {})
            fetch = bool(
                fetch_query_at_indexes and index < len(fetch_query_at_indexes) and fetch_query_at_indexes[index]
            )
            if not fetch:
                results.append(self._run(sql))
                continue
            result = self.conn.execute(sql)
            results.append(result.to_pandas() if isinstance(result, _host.Reader) else empty_frame())
        if commit:
            self.commit()
        return results

    def load(
        self,
        query_string: str,
        limit: int = QUERY_ROW_LIMIT,
        display_query: str | None = None,
        verbose: bool = True,
        **kwargs: Any,
    ) -> Any:
        """The rows of a query as a pandas DataFrame (at most ``limit``). Integer and boolean columns
        with NULLs stay ``Int64``/``boolean``; ``numeric`` stays exact (``Decimal``). Keyword arguments
        of ``pandas.read_sql`` that apply: ``index_col``, ``parse_dates``, ``dtype``, ``columns``."""
        unknown = set(kwargs) - {"index_col", "parse_dates", "dtype", "columns", "coerce_float"}
        if unknown:
            raise TypeError(
                f"load: unexpected keyword argument(s) {', '.join(sorted(unknown))} "
                "(accepted: index_col, parse_dates, dtype, columns, coerce_float)"
            )
        if not isinstance(query_string, str) or not query_string.strip():
            raise ValueError("load: give the query to run (query_string)")
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise ValueError(f"load: limit must be a non-negative integer, not {limit!r}")
        query = query_string.strip(" \n\t").rstrip(";").rstrip()
        started = time.monotonic()
        frame = self._guarded(lambda: self.conn.load(query, limit=limit).to_pandas())
        if kwargs.get("coerce_float"):
            for name in frame.columns:
                if frame[name].dtype == object and frame[name].map(lambda v: isinstance(v, decimal.Decimal)).any():
                    frame[name] = frame[name].astype("float64")
        if kwargs.get("columns") is not None:
            frame = frame[list(kwargs["columns"])]
        if kwargs.get("parse_dates"):
            import pandas as pd

            for name in kwargs["parse_dates"]:
                frame[name] = pd.to_datetime(frame[name])
        if kwargs.get("dtype") is not None:
            frame = frame.astype(kwargs["dtype"])
        if kwargs.get("index_col") is not None:
            frame = frame.set_index(kwargs["index_col"])
        if verbose and self.verbose:
            shown = display_query if display_query else query
            print(
                f"Loaded {len(frame)} rows in {time.monotonic() - started:.2f} s with query\n{shown}", file=sys.stderr
            )
        return frame

    def sample(self, schema: str, table: str, size: int = QUERY_ROW_LIMIT, **kwargs: Any) -> Any:
        """The first ``size`` rows of ``schema.table`` (not a random sample) as a DataFrame."""
        return self._guarded(
            lambda: self.conn.sample(self._ident(table), self._ident(schema) if schema else None, rows=size).to_pandas()
        )

    _savepoints = False  # a failed statement aborts the whole open transaction (PostgreSQL)

    def _guarded(self, read: Any) -> Any:
        """Runs a read; inside an open transaction of a database where a failed statement aborts the whole
        transaction, in a savepoint, so a failing load does not throw away what execute() did before."""
        if not (self._in_transaction and self._savepoints):
            return read()
        self.conn.execute("SAVEPOINT mageio_mage_read")
        try:
            result = read()
        except BaseException:
            self.conn.execute("ROLLBACK TO SAVEPOINT mageio_mage_read")
            raise
        self.conn.execute("RELEASE SAVEPOINT mageio_mage_read")
        return result

    def table_exists(self, schema_name: str | None, table_name: str) -> bool:
        schema, table = self._split_target(schema_name, table_name)
        return self.conn.table_exists(table, schema)

    # --- export ---------------------------------------------------------------------------------

    def export(
        self,
        df: Any,
        schema_name: str | None = None,
        table_name: str | None = None,
        if_exists: str | ExportWritePolicy = ExportWritePolicy.REPLACE,
        index: bool = False,
        verbose: bool = True,
        allow_reserved_words: bool = False,
        auto_clean_name: bool = True,
        case_sensitive: bool = False,
        cascade_on_drop: bool = False,
        drop_table_on_replace: bool = False,
        overwrite_types: Mapping[str, str] | None = None,
        query_string: str | None = None,
        unique_conflict_method: str | None = None,
        unique_constraints: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """Writes a DataFrame (or the result of ``query_string``) to ``schema_name.table_name``, creating
        schema and table when missing. ``if_exists``: 'replace' (default; the rows are replaced, the
        table kept; ``drop_table_on_replace=True`` drops and re-creates it), 'append' or 'fail'. Every
        export is all-or-nothing: when it fails the table is as it was. With ``unique_constraints`` and
        ``unique_conflict_method`` ('UPDATE' or 'IGNORE') rows whose keys exist are updated or skipped.
        ``overwrite_types`` ({column: SQL type}) sets column types when the table is created."""
        unknown = set(kwargs) - {"skip_semicolon_at_end", "fast_execute"}
        if unknown:
            raise TypeError(f"export: unexpected keyword argument(s) {', '.join(sorted(unknown))}")
        policy = _policy(if_exists)
        method = _conflict(unique_conflict_method)
        schema, table = self._split_target(schema_name, table_name)
        clean = dict(
            allow_reserved_words=allow_reserved_words, auto_clean_name=auto_clean_name, case_sensitive=case_sensitive
        )
        keys = [clean_column_name(k, **clean) for k in (unique_constraints or [])]
        upsert = bool(keys and method)
        self.conn  # noqa: B018 - raises ConnectionError when not open
        started = time.monotonic()
        if query_string:
            plan = ExportPlan(
                self, schema, table, None, policy, keys, method, upsert, {}, cascade_on_drop, drop_table_on_replace
            )
            self.commit()
            plan.run_query(query_string.strip(" \n\t").rstrip(";"))
            rows = "the query's"
        else:
            data = to_arrow(df, index, clean)
            types = overwrite_types_by_column(overwrite_types, data, clean)
            plan = ExportPlan(
                self, schema, table, data, policy, keys, method, upsert, types, cascade_on_drop, drop_table_on_replace
            )
            self.commit()
            plan.run()
            rows = str(data.num_rows)
        if verbose and self.verbose:
            where = f"{schema}.{table}" if schema else table
            print(f"Exported {rows} rows to '{where}' in {time.monotonic() - started:.2f} s", file=sys.stderr)

    # dialect hooks
    def _alter_type_sql(self, target: str, column: str, sql_type: str) -> str:
        raise NotSupportedError(f"{type(self).__name__}: overwrite_types is not supported")

    def _create_schema_sql(self, schema: str) -> str | None:
        return f"CREATE SCHEMA IF NOT EXISTS {self._q(schema)}"


_PLACEHOLDER = re.compile(r"%%|%\(([^)]+)\)s")
