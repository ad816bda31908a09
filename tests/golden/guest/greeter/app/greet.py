"""Exported resources of interface `greet` (skeleton written by `witgen guest --app`).

componentize-py looks the classes up in this module, named after their interface.
"""

# ruff: noqa: F401, I001, E402
from __future__ import annotations

from typing import Any, Optional, Self

from componentize_py_types import Err, Ok, Result, Some

from wit_world.exports import greet as _e_greet
from wit_world.imports import types


class Counter(_e_greet.Counter):
    def __init__(self, start: int) -> None:
        raise NotImplementedError

    def increment(self) -> int:
        raise NotImplementedError

    @classmethod
    def total(cls, counters: list[Self]) -> int:
        raise NotImplementedError
