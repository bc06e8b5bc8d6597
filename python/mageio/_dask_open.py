"""How a Dask task opens its own connector on a worker (mageio.dask): picklable, and never holding a secret."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ._host import Connector, PathLike, connect, plugins


@dataclasses.dataclass(frozen=True)
class _Opener:
    """How a worker opens the connector: picklable, and without secrets."""

    plugin: str
    config: str | None
    profile: str
    settings: tuple[tuple[str, Any], ...]
    secret_env: tuple[tuple[str, str], ...]
    plugin_dirs: tuple[str, ...]

    def open(self) -> Connector:
        settings = dict(self.settings)
        for key, variable in self.secret_env:
            if variable not in os.environ:
                raise KeyError(
                    f"mageio.dask: environment variable {variable} (for {self.plugin} setting {key}) is not set "
                    "on this worker"
                )
            settings[key] = os.environ[variable]
        return connect(
            self.plugin,
            self.config,
            self.profile,
            settings=settings or None,
            plugin_dirs=list(self.plugin_dirs) or None,
        )


def _secret_keys(plugin: str, plugin_dirs: Sequence[str]) -> set[str]:
    keys: set[str] = set()
    for info in plugins(plugin_dirs=list(plugin_dirs) or None):
        if info.name == plugin:
            for key in info.config_keys:
                if key.secret:
                    keys.update(k.upper() for k in (key.name, key.alias) if k)
    return keys


def _opener(
    plugin: str,
    config: PathLike | None,
    profile: str,
    settings: Mapping[str, Any] | None,
    secret_env: Mapping[str, str] | None,
    plugin_dirs: Sequence[PathLike] | None,
) -> _Opener:
    if not isinstance(plugin, str):
        raise TypeError(f"mageio.dask: plugin must be a plugin name (str), not {type(plugin).__name__}")
    if config is not None and not isinstance(config, (str, os.PathLike)):
        raise TypeError("mageio.dask: config must be the path of an io_config.yaml (each worker reads it)")
    dirs = tuple(os.path.abspath(os.fspath(d)) for d in plugin_dirs or ())
    settings = {str(k): v for k, v in (settings or {}).items()}
    secret = _secret_keys(plugin, dirs)
    leaked = sorted(k for k in settings if k.upper() in secret)
    if leaked:
        raise ValueError(
            f"mageio.dask: settings {', '.join(leaked)} of plugin {plugin} are secret and would be pickled into the "
            "task graph in clear; put them in the config file (env_var templates) or pass "
            f"secret_env={{'{leaked[0]}': 'ENV_VARIABLE'}} (read on each worker)"
        )
    return _Opener(
        plugin=plugin,
        config=os.path.abspath(os.fspath(config)) if config is not None else None,
        profile=profile,
        settings=tuple(sorted(settings.items())),
        secret_env=tuple(sorted((str(k), str(v)) for k, v in (secret_env or {}).items())),
        plugin_dirs=dirs,
    )
