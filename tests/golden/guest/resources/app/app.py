"""The app implementing world `resource-world` (skeleton written by `witgen guest --app`: fill in every export).

Build it with `componentize-py -d WIT -w resource-world componentize app -o app.wasm`.
"""

# ruff: noqa: F401, I001, E402
from __future__ import annotations

from typing import Any, Optional, Self

from componentize_py_types import Err, Ok, Result, Some

import wit_world
from wit_world import exports
from wit_world.exports import guest_side
from wit_world.imports import host_side


class GuestSide(exports.GuestSide):
    def make_counter(self, start: int) -> guest_side.Counter:
        raise NotImplementedError

    def total(self, counters: list[guest_side.Counter]) -> int:
        raise NotImplementedError

    def snapshot_of(self, c: guest_side.Counter) -> guest_side.Snapshot:
        raise NotImplementedError

    def adopt(self, c: Optional[guest_side.Counter]) -> guest_side.Counter:
        # return the ok value; raise Err(str) for errors
        raise NotImplementedError


import guest_side as _guest_side_resources  # (exported resources live in the module named after their interface)
