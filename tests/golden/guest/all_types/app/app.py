"""The app implementing world `all-types` (skeleton written by `witgen guest --app`: fill in every export).

Build it with `componentize-py -d WIT -w all-types componentize app -o app.wasm`.
"""

# ruff: noqa: F401, I001, E402
from __future__ import annotations

from typing import Any, Optional, Self

from componentize_py_types import Err, Ok, Result, Some

import wit_world
from wit_world import exports
from wit_world.imports import shapes
from wit_world.exports import users


class Calls(exports.Calls):
    def echo_point(self, p: shapes.Point) -> shapes.Point:
        raise NotImplementedError

    def draw(self, s: shapes.Shape, c: shapes.Color, p: shapes.Perms) -> list[shapes.Shape]:
        raise NotImplementedError

    def parse(self, text: str) -> shapes.Point:
        # return the ok value; raise Err(str) for errors
        raise NotImplementedError

    def check(self) -> None:
        # return the ok value; raise Err(None) for errors
        raise NotImplementedError

    def try_bytes(self, data: bytes) -> bytes:
        # return the ok value; raise Err(None) for errors
        raise NotImplementedError

    def validate(self, p: bytes) -> None:
        # return the ok value; raise Err(str) for errors
        raise NotImplementedError

    def find(self, m: dict[str, shapes.Point], key: str) -> Optional[shapes.Point]:
        raise NotImplementedError

    def lookup(self, key: str) -> Optional[Some[Optional[int]]]:
        raise NotImplementedError

    def swap(self, t: tuple[int, str]) -> tuple[str, int]:
        raise NotImplementedError

    def keyword_params(self, class_: int, from_: str, type: int, lambda_: bytes) -> shapes.Keywords:
        raise NotImplementedError

    def nothing(self) -> None:
        raise NotImplementedError

    def aliases(
        self, a: bytes, b: bytes, c: tuple[int, str], d: shapes.Point, e: Result[shapes.Point, str]
    ) -> shapes.Some_:
        raise NotImplementedError

    def echo_payloads(self, p: shapes.Payloads) -> shapes.Payloads:
        raise NotImplementedError

    def import_(self, async_: bool, with_: Optional[int]) -> int:
        raise NotImplementedError


class Users(exports.Users):
    def list_users(self) -> list[users.User]:
        raise NotImplementedError

    def rename(self, u: users.User, name: str) -> users.User:
        # return the ok value; raise Err(str) for errors
        raise NotImplementedError
