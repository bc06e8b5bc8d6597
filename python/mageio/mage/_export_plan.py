"""How one ``export`` of Mage's SQL IO classes runs: which statements and connector calls, in which
transaction (create, append, upsert, and replace through a stage swapped in atomically)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .. import _host
from .._errors import AlreadyExistsError

if TYPE_CHECKING:
    from .sql import BaseSQL


class TableExistsError(AlreadyExistsError, ValueError):
    """``if_exists='fail'`` and the table exists (a ``ValueError``, as Mage raises)."""


class ExportPlan:
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
