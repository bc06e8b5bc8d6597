"""Mage's ``MySQL`` IO class (``mage_ai.io.mysql``) on mageio's ``mysql`` plugin (MariaDB and MySQL)."""

from __future__ import annotations

from typing import Any

from .sql import BaseSQL


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
