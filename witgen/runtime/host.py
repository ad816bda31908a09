"""Helpers generated import-linking code uses to take implementations from the host's objects."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from witgen.runtime.errors import LinkError


def implementation(host: object, attr: str, where: str) -> Any:
    """`host.attr`, or a clear error naming the import the host object fails to provide."""
    try:
        return getattr(host, attr)
    except AttributeError:
        what = host.__name__ if isinstance(host, type) else type(host).__name__
        raise LinkError(f"{where}: the host's {what} has no {attr!r}") from None


@cache
def call_method(name: str) -> Callable[..., Any]:
    """An import implementation that calls method `name` on the resource object it receives
    (one per name, shared: every instantiation links every method again)."""

    def call(obj: Any, *args: Any) -> Any:
        return getattr(obj, name)(*args)

    call.__name__ = name
    return call
