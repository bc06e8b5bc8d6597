"""Mage's ``Postgres`` IO class (``mage_ai.io.postgres``) on mageio's ``postgres`` plugin."""

from __future__ import annotations

import re
from typing import Any

from .._errors import NotSupportedError
from .sql import BaseSQL

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


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
