"""The base of generated classes for resources a component exports, on either engine.

Each instance binds its own subclass of the generated class (`bind_guest_class`), whose calls go
through that instance's call sites; a value holds the instance's handle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from witgen.runtime.codecs import GuestHandle

R = TypeVar("R", bound="GuestResource")
"""A generated resource class."""


def bind_guest_class(instance: Any, base: type[R], funcs: dict[str, Callable[..., Any]]) -> type[R]:
    """`base` subclassed for one instance (of either engine): its calls go through `funcs`."""
    namespace = {
        "_instance": instance,
        "_funcs": funcs,
        "__doc__": base.__doc__,
        "__module__": base.__module__,
        "__qualname__": base.__qualname__,
    }
    return type(base.__name__, (base,), namespace)


class GuestResource:
    """Base of generated classes for resources the component exports.

    The generated class is abstract: each instance binds a subclass of it (see
    `Instance.bind_guest_resource`), reached as an attribute of the exported interface.
    """

    _instance: ClassVar[Any] = None
    _funcs: ClassVar[dict[str, Callable[..., Any]]] = {}
    _handle: GuestHandle | None = None

    def __init__(self) -> None:
        raise TypeError(f"{type(self).__name__} has no constructor: the component only hands them out")

    @classmethod
    def _site(cls, name: str) -> Callable[..., Any]:
        if cls._instance is None:
            raise TypeError(
                f"{cls.__name__} is not bound to a component instance: "
                f"use it through the instance's exported interface (e.g. instance.<interface>.{cls.__name__})"
            )
        return cls._funcs[name]

    def _construct(self, name: str, *args: Any) -> None:
        self._handle = type(self)._site(name)(*args)

    def _call(self, name: str, *args: Any) -> Any:
        return type(self)._site(name)(self, *args)

    @classmethod
    def _static(cls, name: str, *args: Any) -> Any:
        return cls._site(name)(*args)

    @property
    def dropped(self) -> bool:
        """Whether the handle was dropped or moved into the component."""
        return self._handle is None or self._handle.any is None

    def drop(self) -> None:
        """Drop the guest's resource now (running its destructor). Dropping twice is a no-op."""
        handle = self._handle
        if handle is not None:
            handle.instance.drop_resource(handle, type(self).__name__)

    def __enter__(self: R) -> R:
        return self

    def __exit__(self, *exc: object) -> None:
        self.drop()
