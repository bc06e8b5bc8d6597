"""Mage's IO classes on mageio: change the import line of a Mage block and it runs on mageio's plugins.

    from mageio.mage import ConfigFileLoader, Postgres
    with Postgres.with_config(ConfigFileLoader('io_config.yaml', 'default')) as loader:
        df = loader.load('select * from orders')
        loader.export(df, 'public', 'orders_copy', if_exists='replace')

Same class and method signatures as ``mage_ai.io`` (``Postgres``, ``MySQL``, ``FileIO``, ``S3``,
``GoogleCloudStorage``, ``AzureBlobStorage``, ``ConfigFileLoader``), plus ``SQLite``; where behaviour
differs (atomic replace, upserts on MariaDB, types kept, rollback on an exception in ``with``, Parquet only
on object stores) python/README.md lists it.
"""

from ._export_plan import TableExistsError
from ._names import clean_column_name, clean_name
from .config import ConfigFileLoader, get_repo_path
from .file import FileIO
from .mysql import MySQL
from .postgres import Postgres
from .sql import QUERY_ROW_LIMIT, BaseSQL, ExportWritePolicy
from .sqlite import SQLite
from .storage import S3, AzureBlobStorage, GoogleCloudStorage

__all__ = [
    "QUERY_ROW_LIMIT",
    "S3",
    "AzureBlobStorage",
    "BaseSQL",
    "ConfigFileLoader",
    "ExportWritePolicy",
    "FileIO",
    "GoogleCloudStorage",
    "MySQL",
    "Postgres",
    "SQLite",
    "TableExistsError",
    "clean_column_name",
    "clean_name",
    "get_repo_path",
]
