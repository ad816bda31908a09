"""A resource's functions live on its declaration: the constructor, then methods and statics.
Host and guest models both file them this way, with their own view classes."""

from __future__ import annotations

from typing import Protocol, TypeVar


class _Func(Protocol):
    @property
    def kind(self) -> str:
        """freestanding | method | static | constructor"""
        ...


F = TypeVar("F", bound=_Func)


class ResourceDecl(Protocol[F]):
    constructor: F | None
    methods: list[F]
    statics: list[F]


def attach(decl: ResourceDecl[F], func: F) -> None:
    """File `func`, one of the resource's functions, under its kind on `decl`."""
    if func.kind == "constructor":
        decl.constructor = func
    elif func.kind == "method":
        decl.methods.append(func)
    else:
        decl.statics.append(func)
