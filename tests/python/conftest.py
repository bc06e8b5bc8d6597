"""Fixtures for the Python suites: the throwaway servers of tools/with-test-servers.sh.

With CI=true a test that needs a server fails when the server is missing; otherwise it is skipped with
the command that runs it."""

import os
import uuid

import pytest

import mageio

RUN_WITH = "run it with: bash tools/with-test-servers.sh .venv-test/bin/python -m pytest tests/python"


def _need(var: str, what: str) -> None:
    if os.environ.get(var):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is not running (CI=true needs it; {var} is not set)")
    pytest.skip(f"{what} is not running; {RUN_WITH}")


@pytest.fixture
def io_config():
    _need("MAGEIO_TEST_IO_CONFIG", "the test servers' io_config.yaml")
    return os.environ["MAGEIO_TEST_IO_CONFIG"]


@pytest.fixture
def pg(io_config):
    _need("MAGEIO_TEST_PG_PORT", "the throwaway PostgreSQL server")
    with mageio.connect("postgres", io_config) as db:
        yield db


@pytest.fixture
def my(io_config):
    _need("MAGEIO_TEST_MYSQL_PORT", "the throwaway MariaDB server")
    with mageio.connect("mysql", io_config) as db:
        yield db


@pytest.fixture
def sqlite(tmp_path):
    with mageio.connect("sqlite", settings={"SQLITE_DATABASE": str(tmp_path / "t.db")}) as db:
        yield db


@pytest.fixture
def table_name():
    """A table name no other test (or parallel run) uses."""
    return "py_" + uuid.uuid4().hex[:12]
