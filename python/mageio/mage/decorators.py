"""Stand-ins for Mage's block decorators, so a block file runs outside Mage: each returns the function
unchanged (Mage's run the block; here you call the function yourself)."""

from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)


def _identity(function: F) -> F:
    return function


data_loader = _identity
data_exporter = _identity
transformer = _identity
test = _identity
