"""The app implementing world `async-maps` (skeleton written by `witgen guest --app`: fill in every export).

Build it with `componentize-py -d WIT -w async-maps componentize app -o app.wasm`.
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

import wit_world
from wit_world import exports
from wit_world.exports import exotic as _e_exotic


class Exotic(exports.Exotic):
    async def fetch(self, url: str) -> bytes:
        # return the ok value; raise Err(str) for errors
        raise NotImplementedError

    def lines(self, s: StreamReader[str]) -> FutureReader[None]:
        raise NotImplementedError

    def index(self, m: dict[str, list[int]]) -> Optional[_e_exotic.Grid]:
        raise NotImplementedError


class WitWorld(wit_world.WitWorld):
    async def run(self, n: int) -> int:
        raise NotImplementedError


import exotic as _exotic_resources  # (exported resources live in the module named after their interface)
