"""Exported resources of interface `exotic` (skeleton written by `witgen guest --app`).

componentize-py looks the classes up in this module, named after their interface.
"""

# ruff: noqa: F401, I001, E402
from __future__ import annotations

from typing import Any, Optional, Self

from componentize_py_types import Err, Ok, Result, Some
from componentize_py_async_support.futures import FutureReader, FutureWriter
from componentize_py_async_support.streams import (
    ByteStreamReader,
    ByteStreamWriter,
    StreamReader,
    StreamWriter,
)

from wit_world.exports import exotic as _e_exotic


class Job(_e_exotic.Job):
    def __init__(self, name: str) -> None:
        raise NotImplementedError

    async def wait(self) -> int:
        raise NotImplementedError

    def output(self) -> ByteStreamReader:
        raise NotImplementedError

    def done(self) -> FutureReader[Result[int, str]]:
        raise NotImplementedError
