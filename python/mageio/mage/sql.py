"""Mage's SQL IO classes (``Postgres``, ``MySQL``) and ``SQLite``, on mageio's connectors.

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
from .._errors import AlreadyExistsError, NotSupportedError
from ._names import clean_column_name
from .config import ConfigFileLoader, Profile

QUERY_ROW_LIMIT = 10_000_000


class ExportWritePolicy(str, enum.Enum):
    APPEND = "append"
    FAIL = "fail"
    REPLACE = "replace"


class TableExistsError(AlreadyExistsError, ValueError):
    """``if_exists='fail'`` and the table exists (a ``ValueError``, as Mage raises)."""


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
            results.append(result.to_pandas() if isinstance(result, _host.Reader) else _empty_frame())
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
            plan = _Plan(
                self, schema, table, None, policy, keys, method, upsert, {}, cascade_on_drop, drop_table_on_replace
            )
            self.commit()
            plan.run_query(query_string.strip(" \n\t").rstrip(";"))
            rows = "the query's"
        else:
            data = _to_arrow(df, index, clean)
            types = _overwrite_types(overwrite_types, data, clean)
            plan = _Plan(
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


def _empty_frame() -> Any:
    import pandas as pd

    return pd.DataFrame()


def _to_arrow(df: Any, index: bool, clean: Mapping[str, bool]) -> Any:
    """The DataFrame as a pyarrow Table with cleaned column names, in types the plugins write."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(df, dict):
        df = pd.DataFrame([df])
    elif isinstance(df, list):
        df = pd.DataFrame(df)
    if isinstance(df, pd.DataFrame):
        if index:
            df = df.reset_index()
        df = df.copy(deep=False)
        for name in df.columns:
            column = df[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                df[name] = column.astype(column.cat.categories.dtype)
            elif pd.api.types.is_timedelta64_dtype(column.dtype):  # Mage writes timedeltas as bigint (ns)
                df[name] = pd.array([None if pd.isna(v) else int(v.value) for v in column], dtype="Int64")
        fields = []
        for name in df.columns:
            fields.append(_column_to_arrow(name, df[name]))
        table = pa.Table.from_arrays(fields, names=[str(n) for n in df.columns])
    elif hasattr(df, "__arrow_c_stream__") or hasattr(df, "__arrow_c_array__"):
        table = pa.table(df)
    else:
        raise TypeError(
            f"export: df must be a pandas DataFrame (or a dict, a list of dicts, or an Arrow table), "
            f"not {type(df).__name__}"
        )
    columns = []
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
        if pa.types.is_string_view(column.type):
            column = column.cast(pa.large_string())
        columns.append(column)
    names = [clean_column_name(n, **clean) for n in table.column_names]
    seen: dict[str, str] = {}
    for original, name in zip(table.column_names, names):
        if name in seen:
            raise ValueError(
                f"export: columns {seen[name]!r} and {original!r} both become {name!r} after name "
                "cleaning; rename one (or pass auto_clean_name=False / case_sensitive=True)"
            )
        seen[name] = original
    return pa.Table.from_arrays(columns, names=names)


def _column_to_arrow(name: Any, column: Any) -> Any:
    """One column as an Arrow array; dicts, lists and arrays in an object column become JSON text."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(column.dtype, pd.ArrowDtype):
        return pa.array(column)
    try:
        array = pa.Array.from_pandas(column)
        nested = pa.types.is_nested(array.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        array, nested = None, column.dtype == object
    if nested or array is None:
        if column.dtype == object:
            try:
                return pa.Array.from_pandas(column.map(_json_if_nested))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as error:
                raise TypeError(
                    f"export: column {name!r} ({column.dtype}) holds values of different types that "
                    f"no SQL column type holds: {error}"
                ) from None
        raise TypeError(f"export: column {name!r} ({column.dtype}) has no SQL column type")
    return array


def _json_if_nested(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if type(value).__name__ == "ndarray":
        return json.dumps(value.tolist(), ensure_ascii=False, default=str)
    return value


def _overwrite_types(overwrite_types: Mapping[str, str] | None, data: Any, clean: Mapping[str, bool]) -> dict[str, str]:
    if not overwrite_types:
        return {}
    names = set(data.column_names)
    out: dict[str, str] = {}
    for key, sql_type in overwrite_types.items():
        name = key if key in names else clean_column_name(key, **clean)
        if name not in names:
            raise ValueError(
                f"export: overwrite_types names column {key!r}, which the data does not have "
                f"(columns: {', '.join(data.column_names)})"
            )
        if not isinstance(sql_type, str) or not sql_type.strip() or ";" in sql_type:
            raise ValueError(
                f"export: overwrite_types[{key!r}] must be a SQL type such as 'VARCHAR(20)', not {sql_type!r}"
            )
        out[name] = sql_type.strip()
    return out


class _Plan:
    """One export: which statements and connector calls, in which transaction."""

    def __init__(
        self,
        io: BaseSQL,
        schema: str | None,
        table: str,
        data: Any,
        policy: str,
        keys: list[str],
        method: str | None,
        upsert: bool,
        types: dict[str, str],
        cascade: bool,
        drop: bool,
    ) -> None:
        self.io, self.schema, self.table, self.data = io, schema, table, data
        self.policy, self.keys, self.method, self.upsert = policy, keys, method, upsert
        self.types, self.cascade, self.drop = types, cascade, drop
        self.db = io.conn

    # connector calls
    def _sql(self, sql: str) -> None:
        result = self.db.execute(sql)
        if isinstance(result, _host.Reader):
            result.close()

    def _write(self, data: Any, table: str, if_exists: str, upsert: bool) -> None:
        if upsert:
            self.db.export(
                data,
                table,
                schema=self.schema,
                if_exists=if_exists,
                unique_constraints=self.keys,
                unique_conflict_method=self.method,
            )
        else:
            self.db.export(data, table, schema=self.schema, if_exists=if_exists)

    def _create_filled(self, table: str) -> None:
        """Creates ``table`` with the data's columns (with ``overwrite_types`` and a unique key on
        ``unique_constraints``) and writes the rows."""
        if not self.types and (not self.keys or self.upsert):
            self._write(self.data, table, "fail", self.upsert)
            return
        empty = self.data.slice(0, 0)
        if self.keys:  # the connector creates the key (sized for it on MySQL) when it upserts
            self.db.export(
                empty,
                table,
                schema=self.schema,
                if_exists="fail",
                unique_constraints=self.keys,
                unique_conflict_method="update",
            )
        else:
            self._write(empty, table, "fail", False)
        target = self.io._qualified(self.schema, table)
        for column, sql_type in self.types.items():
            self._sql(self.io._alter_type_sql(target, column, sql_type))
        self._write(self.data, table, "append", self.upsert)

    def _exists(self) -> bool:
        return self.db.table_exists(self.table, self.schema)

    def _fail(self) -> None:
        where = f"{self.schema}.{self.table}" if self.schema else self.table
        raise TableExistsError(f"Table '{where}' already exists in database (if_exists='fail')")

    # data exports
    def run(self) -> None:
        if self.io._transactional_ddl:
            self._in_transaction(self._run_transactional)
        else:
            self._run_staged()

    def _in_transaction(self, body: Any) -> None:
        self._sql(self.io._begin_sql)
        try:
            body()
        except BaseException:
            self._sql("ROLLBACK")
            raise
        self._sql("COMMIT")

    def _ensure_schema(self) -> None:
        if self.schema:
            sql = self.io._create_schema_sql(self.schema)
            if sql:
                self._sql(sql)

    def _run_transactional(self) -> None:
        self._ensure_schema()
        target = self.io._qualified(self.schema, self.table)
        if not self._exists():
            self._create_filled(self.table)
        elif self.policy == "fail":
            self._fail()
        elif self.policy == "append":
            self._write(self.data, self.table, "append", self.upsert)
        elif self.drop:
            self._sql(f"DROP TABLE {target}{' CASCADE' if self.cascade else ''}")
            self._create_filled(self.table)
        else:
            self._sql(f"DELETE FROM {target}")
            self._write(self.data, self.table, "append", self.upsert)

    def _stage_name(self) -> str:
        # 38 + 14 + 12 characters: within MySQL's 64 (and PostgreSQL's 63) for any table name
        return f"{self.table[:38]}__mageio_mage_{uuid.uuid4().hex[:12]}"

    def _swap(self, stage: str, filled: Any) -> None:
        """Fills ``stage`` (``filled(stage)``), then puts it in place of the table in one RENAME."""
        q = self.io._qualified
        try:
            filled(stage)
            if self._exists():
                old = self._stage_name()
                self._sql(
                    f"RENAME TABLE {q(self.schema, self.table)} TO {q(self.schema, old)}, "
                    f"{q(self.schema, stage)} TO {q(self.schema, self.table)}"
                )
                self._sql(f"DROP TABLE {q(self.schema, old)}")
            else:
                self._sql(f"RENAME TABLE {q(self.schema, stage)} TO {q(self.schema, self.table)}")
        except BaseException:
            self._sql(f"DROP TABLE IF EXISTS {q(self.schema, stage)}")
            raise

    def _run_staged(self) -> None:
        self._ensure_schema()
        exists = self._exists()
        if exists and self.policy == "fail":
            self._fail()
        if exists and self.policy == "append":
            self._write(self.data, self.table, "append", self.upsert)
            return
        simple = not self.types and (not self.keys or self.upsert)
        if not exists and simple:
            self._write(self.data, self.table, "fail", self.upsert)  # the connector's export is atomic
            return
        if not exists or self.drop:
            self._swap(self._stage_name(), self._create_filled)
            return

        def like_then_fill(stage: str) -> None:
            q = self.io._qualified
            self._sql(f"CREATE TABLE {q(self.schema, stage)} LIKE {q(self.schema, self.table)}")
            self._write(self.data, stage, "append", self.upsert)

        self._swap(self._stage_name(), like_then_fill)

    # query_string exports
    def run_query(self, query: str) -> None:
        q = self.io._qualified
        target = q(self.schema, self.table)
        if self.io._transactional_ddl:

            def body() -> None:
                self._ensure_schema()
                if not self._exists():
                    self._sql(f"CREATE TABLE {target} AS\n{query}")
                elif self.policy == "fail":
                    self._fail()
                elif self.policy == "append":
                    self._sql(f"INSERT INTO {target}\n{query}")
                elif self.drop:
                    self._sql(f"DROP TABLE {target}{' CASCADE' if self.cascade else ''}")
                    self._sql(f"CREATE TABLE {target} AS\n{query}")
                else:
                    self._sql(f"DELETE FROM {target}")
                    self._sql(f"INSERT INTO {target}\n{query}")

            self._in_transaction(body)
            return
        self._ensure_schema()
        exists = self._exists()
        if not exists:
            self._sql(f"CREATE TABLE {target} AS\n{query}")
        elif self.policy == "fail":
            self._fail()
        elif self.policy == "append":
            self._sql(f"INSERT INTO {target}\n{query}")
        elif self.drop:
            self._swap(self._stage_name(), lambda stage: self._sql(f"CREATE TABLE {q(self.schema, stage)} AS\n{query}"))
        else:

            def like_then_insert(stage: str) -> None:
                self._sql(f"CREATE TABLE {q(self.schema, stage)} LIKE {target}")
                self._sql(f"INSERT INTO {q(self.schema, stage)}\n{query}")

            self._swap(self._stage_name(), like_then_insert)


class Postgres(BaseSQL):
    """Mage's ``Postgres`` IO class on mageio's ``postgres`` plugin (binary COPY both ways)."""

    _plugin = "postgres"
    _savepoints = True
    _keys = {
        "dbname": "POSTGRES_DBNAME",
        "user": "POSTGRES_USER",
        "password": "POSTGRES_PASSWORD",
        "host": "POSTGRES_HOST",
        "port": "POSTGRES_PORT",
        "schema": "POSTGRES_SCHEMA",
        "connection_method": "POSTGRES_CONNECTION_METHOD",
        "ssh_host": "POSTGRES_SSH_HOST",
        "ssh_port": "POSTGRES_SSH_PORT",
        "ssh_username": "POSTGRES_SSH_USERNAME",
        "ssh_password": "POSTGRES_SSH_PASSWORD",
        "ssh_pkey": "POSTGRES_SSH_PKEY",
        "connect_timeout": "POSTGRES_CONNECT_TIMEOUT",
    }

    def __init__(
        self,
        dbname: str,
        user: str,
        password: str,
        host: str,
        port: str | int | None = None,
        schema: str | None = None,
        connection_method: str = "direct",
        ssh_host: str | None = None,
        ssh_port: str | int | None = None,
        ssh_username: str | None = None,
        ssh_password: str | None = None,
        ssh_pkey: str | None = None,
        verbose: bool = True,
        connect_timeout: int | None = None,
        **kwargs: Any,
    ) -> None:
        if connection_method not in (None, "direct"):
            raise NotSupportedError(
                f"Postgres: connection_method {connection_method!r} is not supported "
                "(only 'direct'; open an SSH tunnel yourself and point host/port at it)"
            )
        super().__init__(
            verbose=verbose,
            dbname=dbname,
            user=user,
            password=password,
            host=host,
            port=port,
            schema=schema,
            connection_method=connection_method,
            ssh_host=ssh_host,
            ssh_port=ssh_port,
            ssh_username=ssh_username,
            ssh_password=ssh_password,
            ssh_pkey=ssh_pkey,
            connect_timeout=connect_timeout,
            **kwargs,
        )

    def _connection_settings(self) -> dict[str, str]:
        out = super()._connection_settings()
        extra = {k: v for k, v in self.settings.items() if k not in self._keys and v is not None}
        if extra:  # libpq parameters, as Mage hands extra keyword arguments to psycopg2.connect
            out["POSTGRES_CONNECTION_PARAMS"] = "&".join(f"{k}={v}" for k, v in extra.items())
        return out

    def default_schema(self) -> str | None:
        # The schema the plugin writes to when given none (POSTGRES_SCHEMA, else public), named in every
        # statement so that search_path cannot point the DELETE/DROP of a replace at another table.
        configured = self._profile.get("POSTGRES_SCHEMA") if self._profile is not None else self.settings.get("schema")
        return configured or "public"

    def _ident(self, name: str) -> str:
        if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
            return name[1:-1].replace('""', '"')
        # Mage writes names into its SQL unquoted, so PostgreSQL folds them to lower case.
        return name.lower() if _PLAIN.fullmatch(name) else name

    def _run(self, sql: str) -> int | None:
        # The simple protocol, in a savepoint of the open transaction: several statements in one string
        # and statements that cannot be described (SHOW, ...) run without aborting the transaction.
        affected = self.conn.execute_queries([sql])
        return None if affected < 0 else affected

    def _alter_type_sql(self, target: str, column: str, sql_type: str) -> str:
        c = self._q(column)
        return f"ALTER TABLE {target} ALTER COLUMN {c} TYPE {sql_type} USING {c}::{sql_type}"


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


class MySQL(BaseSQL):
    """Mage's ``MySQL`` IO class on mageio's ``mysql`` plugin (MySQL and MariaDB)."""

    _plugin = "mysql"
    _quote = "`"
    _begin_sql = "START TRANSACTION"
    _transactional_ddl = False
    _keys = {
        "database": "MYSQL_DATABASE",
        "host": "MYSQL_HOST",
        "password": "MYSQL_PASSWORD",
        "port": "MYSQL_PORT",
        "user": "MYSQL_USER",
        "allow_local_infile": "MYSQL_ALLOW_LOCAL_INFILE",
    }

    def __init__(
        self,
        database: str,
        host: str,
        password: str,
        user: str,
        port: int | str | None = 3306,
        allow_local_infile: bool | None = None,
        verbose: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            verbose=verbose,
            database=database,
            host=host,
            password=password,
            port=port or 3306,
            user=user,
            allow_local_infile=allow_local_infile,
            **kwargs,
        )

    def _string_literal(self, text: str) -> str:
        # Hex, converted: read the same whatever sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES) says.
        if not text:
            return "''"
        return f"CONVERT(X'{text.encode('utf-8').hex()}' USING utf8mb4)"

    def _bytes_literal(self, data: bytes) -> str:
        return f"X'{data.hex()}'" if data else "''"

    def _create_schema_sql(self, schema: str) -> str | None:
        return f"CREATE DATABASE IF NOT EXISTS {self._q(schema)}"

    def _alter_type_sql(self, target: str, column: str, sql_type: str) -> str:
        return f"ALTER TABLE {target} MODIFY COLUMN {self._q(column)} {sql_type} NULL"


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
