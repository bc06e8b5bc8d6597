"""Mage's object-store IO classes, ``S3``, ``GoogleCloudStorage`` and ``AzureBlobStorage``, on mageio's
``parquet`` plugin (Rust: arrow-rs and object_store).

Same constructors, ``with_config`` and ``load``/``export``/``exists`` signatures as ``mage_ai.io``; the
credentials become the plugin's config keys (Mage's own ``AWS_*``, ``GOOGLE_*``, ``AZURE_*`` names), so an
``io_config.yaml`` profile works unchanged. Each call opens a connector, moves the rows and closes it:
nothing is held between calls but the settings. Parquet is the one format (the plugin's); another one is
a :class:`mageio.NotSupportedError` that says so. ``repr`` never shows a secret.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from typing import Any, ClassVar, Union

from .._errors import NotSupportedError
from . import _parquet
from .config import ConfigFileLoader, Profile
from .sql import QUERY_ROW_LIMIT

FormatArg = Union[str, Any, None]

# Keys whose values are never shown (the plugin declares the same ones secret).
_SECRET_KEYS = frozenset(
    {
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AZURE_CLIENT_SECRET",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "GOOGLE_SERVICE_ACC_KEY",
        "GOOGLE_SERVICE_ACC_KEY_FILEPATH",
    }
)


def _setting(value: Any) -> str:
    if isinstance(value, Mapping):
        return json.dumps(dict(value))
    return value if isinstance(value, str) else str(value)


class _ObjectStore:
    """What the three classes share: settings (constructor arguments -> config keys), an optional
    ``ConfigFileLoader`` profile under them, and Parquet loads and exports through the plugin."""

    _scheme: ClassVar[str] = ""
    _bucket_word: ClassVar[str] = "bucket_name"
    _key_word: ClassVar[str] = "object_key"
    # constructor keyword -> the plugin's config key
    _arguments: ClassVar[dict[str, str]] = {}
    # the config keys with_config reads (every key of a ConfigFileLoader profile applies anyway)
    _config_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, verbose: bool = False, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(self._arguments))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {', '.join(unknown)} "
                f"(accepted: verbose, {', '.join(self._arguments)})"
            )
        self.verbose = verbose
        self._settings = {self._arguments[k]: _setting(v) for k, v in kwargs.items() if v is not None}
        self._profile: Profile | None = None

    @classmethod
    def with_config(cls, config: Any, **kwargs: Any) -> Any:
        """The object for a ``ConfigFileLoader`` (or any object with ``get(KEY)``); keyword arguments are
        the constructor's and override the config."""
        if not hasattr(config, "get"):
            raise TypeError(
                f"{cls.__name__}.with_config takes a ConfigFileLoader (or an object with get(key)), "
                f"not {type(config).__name__}"
            )
        cls._check_config(config)
        verbose = kwargs.pop("verbose", False)
        instance = cls(verbose=verbose, **kwargs)
        if isinstance(config, ConfigFileLoader):
            instance._profile = config.mageio_profile
        else:
            from_config = {key: _setting(v) for key in cls._config_keys if (v := config.get(key)) is not None}
            instance._settings = {**from_config, **instance._settings}
        return instance

    @classmethod
    def _check_config(cls, config: Any) -> None:
        """Raises ValueError where Mage's with_config does (a required key missing)."""

    def _get(self, key: str) -> Any:
        if key in self._settings:
            return self._settings[key]
        return self._profile.get(key) if self._profile is not None else None

    def _path(self, what: str, bucket: Any, key: Any) -> str:
        for word, value in ((self._bucket_word, bucket), (self._key_word, key)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"{type(self).__name__}.{what}: give {word} (a non-empty string), not {value!r}")
        if "/" in bucket:
            raise ValueError(f"{type(self).__name__}.{what}: {self._bucket_word} {bucket!r} must not contain '/'")
        return f"{self._scheme}://{bucket}/{key.lstrip('/')}"

    def _say(self, message: str) -> None:
        if self.verbose:
            print(message, file=sys.stderr)

    def _load(self, bucket: str, key: str, format: FormatArg, limit: Any, kwargs: Mapping[str, Any]) -> Any:  # noqa: A002
        what = f"{type(self).__name__}.load"
        path = self._path("load", bucket, key)
        _parquet.format_of(what, path, format)
        started = time.monotonic()
        frame = _parquet.load(what, path, self._profile, self._settings, limit, kwargs)
        self._say(f"Loaded {len(frame)} rows from {path} in {time.monotonic() - started:.2f} s")
        return frame

    def _export(self, df: Any, bucket: str, key: str, format: FormatArg, kwargs: Mapping[str, Any]) -> None:  # noqa: A002
        what = f"{type(self).__name__}.export"
        path = self._path("export", bucket, key)
        _parquet.format_of(what, path, format)
        started = time.monotonic()
        rows = _parquet.export(what, df, path, self._profile, self._settings, kwargs)
        self._say(f"Exported {rows} rows to {path} in {time.monotonic() - started:.2f} s")

    def _exists(self, bucket: str, prefix: str) -> bool:
        path = self._path("exists", bucket, prefix)
        with _parquet.connect(self._profile, self._settings) as db:
            return db.path_exists(path)

    def __repr__(self) -> str:
        shown = []
        for key in dict.fromkeys([*self._arguments.values(), *self._config_keys]):
            value = self._get(key)
            if value is not None:
                shown.append(f"{key}={'****' if key in _SECRET_KEYS else repr(value)}")
        source = f", profile {self._profile.name!r}" if self._profile is not None else ""
        return f"{type(self).__name__}({', '.join(shown)}{source})"


class S3(_ObjectStore):
    """Parquet objects in Amazon S3 or an S3-compatible store (MinIO, Backblaze B2, ...):
    ``S3.with_config(ConfigFileLoader(path, 'default')).load(bucket_name, object_key)``.

    Constructor keywords are boto3's client arguments Mage passes on: ``aws_access_key_id``,
    ``aws_secret_access_key``, ``aws_session_token``, ``region_name``, ``endpoint_url``; unset ones fall
    back to the usual ``AWS_*`` environment variables.
    """

    _scheme = "s3"
    _arguments: ClassVar[dict[str, str]] = {
        "aws_access_key_id": "AWS_ACCESS_KEY_ID",
        "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
        "aws_session_token": "AWS_SESSION_TOKEN",
        "region_name": "AWS_REGION",
        "endpoint_url": "AWS_ENDPOINT",
    }
    _config_keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT")

    def load(
        self,
        bucket_name: str,
        object_key: str,
        format: FormatArg = None,  # noqa: A002 - Mage's argument name
        limit: int = QUERY_ROW_LIMIT,
        **kwargs: Any,
    ) -> Any:
        """The Parquet object ``s3://bucket_name/object_key`` (or every Parquet object under a key ending
        in ``/``) as a pandas DataFrame of at most ``limit`` rows; ``columns=[...]`` reads only those."""
        return self._load(bucket_name, object_key, format, limit, kwargs)

    def export(
        self,
        df: Any,
        bucket_name: str,
        object_key: str,
        format: FormatArg = None,  # noqa: A002
        **kwargs: Any,
    ) -> None:
        """Writes ``df`` as Parquet to ``s3://bucket_name/object_key``; the object is replaced only when
        the upload completes. ``compression``, ``row_group_size``, ``index=True`` (write the index)."""
        self._export(df, bucket_name, object_key, format, kwargs)

    def exists(self, bucket_name: str, prefix: str) -> bool:
        """Whether ``prefix`` is an object, or a prefix ("directory") holding Parquet objects."""
        return self._exists(bucket_name, prefix)


class GoogleCloudStorage(_ObjectStore):
    """Parquet objects in Google Cloud Storage:
    ``GoogleCloudStorage.with_config(ConfigFileLoader(path, 'default')).load(bucket_name, object_key)``.

    Constructor keywords as Mage's: ``credentials_mapping`` (a service account key as a dict or its JSON)
    or ``path_to_credentials`` (a key file); ``GOOGLE_ENDPOINT`` (an emulator's URL) too. Mage's
    ``credentials=`` (a google-auth object) is not taken: give the key instead.
    """

    _scheme = "gs"
    _arguments: ClassVar[dict[str, str]] = {
        "credentials_mapping": "GOOGLE_SERVICE_ACC_KEY",
        "path_to_credentials": "GOOGLE_SERVICE_ACC_KEY_FILEPATH",
        "GOOGLE_ENDPOINT": "GOOGLE_ENDPOINT",
    }
    _config_keys = ("GOOGLE_SERVICE_ACC_KEY", "GOOGLE_SERVICE_ACC_KEY_FILEPATH", "GOOGLE_ENDPOINT")

    def __init__(self, verbose: bool = False, **kwargs: Any) -> None:
        if kwargs.pop("credentials", None) is not None:
            raise NotSupportedError(
                "GoogleCloudStorage: credentials= (a google-auth object) is not supported: the parquet plugin "
                "authenticates itself; give credentials_mapping= (the service account key) or "
                "path_to_credentials= (its file)"
            )
        super().__init__(verbose=verbose, **kwargs)

    @classmethod
    def _check_config(cls, config: Any) -> None:
        if config.get("GOOGLE_SERVICE_ACC_KEY") is None and config.get("GOOGLE_SERVICE_ACC_KEY_FILEPATH") is None:
            raise ValueError(
                "GoogleCloudStorage.with_config: the config has neither GOOGLE_SERVICE_ACC_KEY (a service "
                "account key) nor GOOGLE_SERVICE_ACC_KEY_FILEPATH (the path of a key file); set one of them"
            )

    def load(
        self,
        bucket_name: str,
        object_key: str,
        format: FormatArg = None,  # noqa: A002
        limit: int = QUERY_ROW_LIMIT,
        **kwargs: Any,
    ) -> Any:
        """The Parquet object ``gs://bucket_name/object_key`` (or every Parquet object under a key ending
        in ``/``) as a pandas DataFrame of at most ``limit`` rows; ``columns=[...]`` reads only those."""
        return self._load(bucket_name, object_key, format, limit, kwargs)

    def export(
        self,
        df: Any,
        bucket_name: str,
        object_key: str,
        format: FormatArg = None,  # noqa: A002
        **kwargs: Any,
    ) -> None:
        """Writes ``df`` as Parquet to ``gs://bucket_name/object_key``; the object is replaced only when
        the upload completes. ``compression``, ``row_group_size``, ``index=True`` (write the index)."""
        self._export(df, bucket_name, object_key, format, kwargs)

    def exists(self, bucket_name: str, prefix: str) -> bool:
        """Whether ``prefix`` is an object, or a prefix ("directory") holding Parquet objects."""
        return self._exists(bucket_name, prefix)


class AzureBlobStorage(_ObjectStore):
    """Parquet blobs in Azure Blob Storage:
    ``AzureBlobStorage.with_config(ConfigFileLoader(path, 'default')).load(container_name, blob_path)``.

    Constructor keywords as Mage's: ``storage_account_name`` (required) and, for a service principal,
    ``AZURE_CLIENT_ID``, ``AZURE_CLIENT_SECRET``, ``AZURE_TENANT_ID``; also ``AZURE_STORAGE_ACCOUNT_KEY``
    (Shared Key) and ``AZURE_ENDPOINT`` (an emulator such as Azurite).
    """

    _scheme = "az"
    _bucket_word = "container_name"
    _key_word = "blob_path"
    _arguments: ClassVar[dict[str, str]] = {
        "storage_account_name": "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_CLIENT_ID": "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET": "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID": "AZURE_TENANT_ID",
        "AZURE_STORAGE_ACCOUNT_KEY": "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_ENDPOINT": "AZURE_ENDPOINT",
    }
    _config_keys = (
        "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_ENDPOINT",
    )

    @classmethod
    def with_config(cls, config: Any, **kwargs: Any) -> AzureBlobStorage:
        if hasattr(config, "get") and "storage_account_name" not in kwargs:
            kwargs["storage_account_name"] = config.get("AZURE_STORAGE_ACCOUNT_NAME")
        return super().with_config(config, **kwargs)

    @classmethod
    def _check_config(cls, config: Any) -> None:
        if config.get("AZURE_STORAGE_ACCOUNT_NAME") is None:
            raise ValueError(
                "AzureBlobStorage.with_config: the config has no AZURE_STORAGE_ACCOUNT_NAME (the storage "
                "account of the containers)"
            )

    def _path(self, what: str, bucket: Any, key: Any) -> str:
        if self._get("AZURE_STORAGE_ACCOUNT_NAME") is None:
            raise ValueError(
                f"AzureBlobStorage.{what}: no storage account; pass storage_account_name= or use "
                "with_config with AZURE_STORAGE_ACCOUNT_NAME"
            )
        return super()._path(what, bucket, key)

    def load(
        self,
        container_name: str,
        blob_path: str,
        format: FormatArg = None,  # noqa: A002
        limit: int = QUERY_ROW_LIMIT,
        **kwargs: Any,
    ) -> Any:
        """The Parquet blob ``blob_path`` of ``container_name`` (or every Parquet blob under a path ending
        in ``/``) as a pandas DataFrame of at most ``limit`` rows; ``columns=[...]`` reads only those."""
        return self._load(container_name, blob_path, format, limit, kwargs)

    def export(
        self,
        df: Any,
        container_name: str,
        blob_path: str,
        format: FormatArg = None,  # noqa: A002
        **kwargs: Any,
    ) -> None:
        """Writes ``df`` as Parquet to blob ``blob_path`` of ``container_name``; the blob is replaced only
        when the upload completes. ``compression``, ``row_group_size``, ``index=True`` (write the index)."""
        self._export(df, container_name, blob_path, format, kwargs)

    def exists(self, container_name: str, prefix: str) -> bool:
        """Whether ``prefix`` is a blob, or a prefix ("directory") holding Parquet blobs."""
        return self._exists(container_name, prefix)
