"""The Python classes that WIT's named types become, as WAVE decoding and printing need them.

A generated host package defines a dataclass per record and variant case, an `Enum` per enum
and a `Flag` per flags type; `witgen.run.bindings.PackageShapes` finds them there. Everything
else has a fixed shape (`Optional`/`Some`, `Ok`/`Err`, `tuple`, `list`, `bytes`, `dict`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, Flag
from typing import Any, Protocol

from witgen.resolve import ir


class Shapes(Protocol):
    def record(self, id: ir.TypeId) -> Callable[..., Any]:
        """The record's class, called with its fields in WIT order."""
        ...

    def case(self, id: ir.TypeId, index: int) -> type:
        """The class of a variant's case (its payload is the one argument, if it has one)."""
        ...

    def enum(self, id: ir.TypeId) -> type[Enum]:
        """The enum's class; member values are case indices."""
        ...

    def flags(self, id: ir.TypeId) -> type[Flag]:
        """The flags' class; bit `i` is flag `i`."""
        ...
