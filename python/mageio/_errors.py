"""mageio's exceptions: every failure of the host, the SDK or a plugin is a :class:`mageio.Error`."""

from __future__ import annotations

# The status codes of the C ABI (mageio_abi.h).
STATUS_NAMES = {
    0: "OK",
    1: "INVALID_ARGUMENT",
    2: "NOT_FOUND",
    3: "ALREADY_EXISTS",
    4: "NOT_IMPLEMENTED",
    5: "IO",
    6: "BACKEND",
    7: "UNAUTHENTICATED",
    8: "UNAVAILABLE",
    9: "CANCELLED",
    10: "INTERNAL",
}


class Error(Exception):
    """A mageio error, with the plugin's message (secrets masked) and, where the backend gave them, its
    SQLSTATE and vendor code.

    Attributes: ``status`` (int, the ABI's status code), ``status_name`` (e.g. ``"NOT_FOUND"``),
    ``sqlstate`` (str or None), ``vendor_code`` (int or None).
    """

    status = 10

    def __init__(
        self, message: str, status: int | None = None, sqlstate: str | None = None, vendor_code: int | None = None
    ) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        self.sqlstate = sqlstate or None
        self.vendor_code = vendor_code or None

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, str(self.status))

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidArgumentError(Error, ValueError):
    """A bad request, option, config value or input data (status INVALID_ARGUMENT)."""

    status = 1


class NotFoundError(Error, LookupError):
    """A table, file, schema, column, profile or plugin that does not exist (status NOT_FOUND)."""

    status = 2


class AlreadyExistsError(Error):
    """The target exists and if_exists is "fail" (status ALREADY_EXISTS)."""

    status = 3


class NotSupportedError(Error, NotImplementedError):
    """The plugin does not implement the operation or option (status NOT_IMPLEMENTED)."""

    status = 4


class IOError(Error, OSError):  # noqa: A001 - mageio.IOError, never the builtin's name in user code
    """A local file or stream could not be read or written (status IO)."""

    status = 5


class BackendError(Error):
    """The database reported an error; see ``sqlstate`` and ``vendor_code`` (status BACKEND)."""

    status = 6


class AuthenticationError(Error):
    """Bad credentials (status UNAUTHENTICATED)."""

    status = 7


class UnavailableError(Error, ConnectionError):
    """The backend could not be reached or the connection broke (status UNAVAILABLE)."""

    status = 8


class CancelledError(Error):
    """The operation was cancelled by the host (status CANCELLED)."""

    status = 9


class InternalError(Error):
    """A bug in mageio or a plugin (status INTERNAL)."""

    status = 10


class UsageError(Error, RuntimeError):
    """The Python API was used in a way it cannot serve: a closed connector, a reader consumed twice, a
    connector used from two threads at once."""

    status = 1


_BY_STATUS: dict[int, type[Error]] = {
    cls.status: cls
    for cls in (
        InvalidArgumentError,
        NotFoundError,
        AlreadyExistsError,
        NotSupportedError,
        IOError,
        BackendError,
        AuthenticationError,
        UnavailableError,
        CancelledError,
        InternalError,
    )
}


def from_status(status: int, message: str, sqlstate: str = "", vendor_code: int = 0) -> Error:
    """The exception for a status code (used by the extension)."""
    cls = _BY_STATUS.get(status, Error)
    return cls(message, status, sqlstate, vendor_code)


for _cls in (Error, *_BY_STATUS.values(), UsageError):
    _cls.__module__ = "mageio"
