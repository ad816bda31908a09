"""Exported resources of interface `guest_side` (skeleton written by `witgen guest --app`).

componentize-py looks the classes up in this module, named after their interface.
"""

# ruff: noqa: F401, I001, E402
from __future__ import annotations

from typing import Any, Optional, Self

from componentize_py_types import Err, Ok, Result, Some

from wit_world.exports import guest_side
from wit_world.imports import host_side


class Counter(guest_side.Counter):
    def __init__(self, start: int) -> None:
        raise NotImplementedError

    def increment(self, by: int) -> int:
        raise NotImplementedError

    def get(self) -> int:
        raise NotImplementedError

    def attach(self, f: host_side.File) -> None:
        raise NotImplementedError

    def swap_file(self, f: host_side.File) -> Optional[host_side.File]:
        raise NotImplementedError

    @classmethod
    def merge(cls, a: Self, b: Self) -> Self:
        raise NotImplementedError


class Snapshot(guest_side.Snapshot):
    def value(self) -> int:
        raise NotImplementedError
