"""mageio: Mage-style IO connectors (plugins behind a stable C ABI) with an Arrow-native Python API.

    import mageio
    with mageio.connect("postgres", "io_config.yaml", "default") as db:
        table = db.load("select * from orders").read_all()        # a pyarrow Table
        db.export(table, "orders_copy", if_exists="replace")       # rows written

Loads stream: a :class:`Reader` implements ``__arrow_c_stream__`` and iterates pyarrow RecordBatches.
Plugins are bundled in the package and found with no environment variable; ``MAGEIO_PLUGIN_PATH`` and
``plugin_dirs=[...]`` add directories.
"""

from ._errors import (
    AlreadyExistsError,
    AuthenticationError,
    BackendError,
    CancelledError,
    Error,
    InternalError,
    InvalidArgumentError,
    IOError,
    NotFoundError,
    NotSupportedError,
    UnavailableError,
    UsageError,
)
from ._host import (
    ConfigKey,
    Connector,
    IoConfig,
    PluginInfo,
    Profile,
    Reader,
    RejectedPlugin,
    connect,
    copy,
    plugins,
    search_path,
)

__version__ = "0.1.0"

__all__ = [
    "AlreadyExistsError",
    "AuthenticationError",
    "BackendError",
    "CancelledError",
    "ConfigKey",
    "Connector",
    "Error",
    "IOError",
    "InternalError",
    "InvalidArgumentError",
    "IoConfig",
    "NotFoundError",
    "NotSupportedError",
    "PluginInfo",
    "Profile",
    "Reader",
    "RejectedPlugin",
    "UnavailableError",
    "UsageError",
    "connect",
    "copy",
    "plugins",
    "search_path",
]
