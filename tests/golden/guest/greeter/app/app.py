"""The app implementing world `greeter` (skeleton written by `witgen guest --app`: fill in every export).

Build it with `componentize-py -d WIT -w greeter componentize app -o app.wasm`.
"""

# ruff: noqa: F401, I001, E402
from __future__ import annotations

from typing import Any, Optional, Self

from componentize_py_types import Err, Ok, Result, Some

import wit_world
from wit_world import exports
from wit_world.exports import greet as _e_greet
from wit_world.imports import types


class Greet(exports.Greet):
    def greet(self, who: types.Person) -> str:
        # return the ok value; raise Err(types.GreetError) for errors
        raise NotImplementedError


import greet as _greet_resources  # (exported resources live in the module named after their interface)
