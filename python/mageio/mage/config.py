"""Mage's ``ConfigFileLoader`` on top of :class:`mageio.IoConfig`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .. import _mageio

IoConfig = _mageio.IoConfig
Profile = _mageio.Profile


def get_repo_path() -> str:
    """The Mage project directory: ``$MAGE_REPO_PATH`` when set, else the current directory (what
    Mage's ``get_repo_path()`` returns outside a multi-project setup)."""
    return os.environ.get("MAGE_REPO_PATH") or os.getcwd()


class ConfigFileLoader:
    """One profile of a Mage ``io_config.yaml``: ``ConfigFileLoader(path, 'default')``.

    The file is rendered like Mage renders it (``env_var``, ...); flat keys and the nested ("verbose")
    sections are both read. ``config=`` takes a dict of flat keys instead of a file. Read values with
    ``loader[KEY]`` or ``loader.get(KEY)`` (``None`` when missing); ``repr`` masks secrets.
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str] | None = None,
        profile: str = "default",
        config: Mapping[str, Any] | None = None,
    ) -> None:
        self.version = None
        if config:
            if not isinstance(config, Mapping):
                raise TypeError(f"ConfigFileLoader: config must be a dict of flat keys, not {type(config).__name__}")
            nested = [k for k, v in config.items() if isinstance(v, Mapping)]
            if nested:
                raise ValueError(
                    f"ConfigFileLoader: config= takes flat keys (POSTGRES_HOST: ...), not sections "
                    f"({', '.join(map(str, nested))}); put a nested profile in a file"
                )
            self.filepath = None
            self.profile = profile
            self._profile = Profile.empty(profile).with_settings(
                {str(k): v for k, v in config.items() if v is not None}
            )
            return
        if filepath is None:
            filepath = os.path.join(get_repo_path(), "io_config.yaml")
        self.filepath = os.fspath(filepath)
        self.profile = profile
        self._profile = IoConfig.load(self.filepath).profile(profile)

    @property
    def mageio_profile(self) -> Profile:
        """The :class:`mageio.Profile` (what ``mageio.connect`` takes)."""
        return self._profile

    def contains(self, key: str) -> bool:
        return self.get(key) is not None

    def get(self, key: str) -> Any:
        value = self._profile.get(str(key))
        if value is not None:
            return value
        return _from_sections(self._profile.sections(), str(key))

    def __contains__(self, key: str) -> bool:
        return self.contains(key)

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def __repr__(self) -> str:
        return f"ConfigFileLoader({self._profile!r})"


# Mage's nested ("verbose") spelling of the keys these classes read.
_SECTIONS = {
    "POSTGRES_": (
        "PostgreSQL",
        {
            "DBNAME": "database",
            "HOST": "host",
            "PASSWORD": "password",
            "PORT": "port",
            "SCHEMA": "schema",
            "USER": "user",
        },
    ),
}


def _from_sections(sections: Mapping[str, Mapping[str, Any]], key: str) -> Any:
    for prefix, (section, names) in _SECTIONS.items():
        if key.startswith(prefix) and key[len(prefix) :] in names:
            return (sections.get(section) or {}).get(names[key[len(prefix) :]])
    return None
