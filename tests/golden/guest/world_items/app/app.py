"""The app implementing world `items` (skeleton written by `witgen guest --app`: fill in every export).

Build it with `componentize-py -d WIT -w items componentize app -o app.wasm`.
"""

# ruff: noqa: F401, I001, E402
from __future__ import annotations

from typing import Any, Optional, Self

from componentize_py_types import Err, Ok, Result, Some

import wit_world
from wit_world import exports
from wit_world.imports import a_x_types
from wit_world.imports import b_y_types


class AXApi(exports.AXApi):
    def make(self, id: int) -> a_x_types.Thing:
        raise NotImplementedError


class BYApi(exports.BYApi):
    def named(self, name: str) -> Optional[b_y_types.Thing]:
        raise NotImplementedError


class Stats(exports.Stats):
    def count(self) -> int:
        raise NotImplementedError

    def last(self) -> Optional[b_y_types.Thing]:
        raise NotImplementedError


class WitWorld(wit_world.WitWorld):
    def run(self, p: wit_world.Point, l: wit_world.Level, ps: list[wit_world.Point]) -> wit_world.Point:
        # return the ok value; raise Err(str) for errors
        raise NotImplementedError

    def describe(self, t: a_x_types.Thing) -> str:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError
