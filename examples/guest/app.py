"""A componentize-py guest for world `inventory-app`, written against witgen's stubs.

The exported resource `store` lives in `inventory.py` (componentize-py looks exported resources up
in the module named after their interface); this module implements the interface's functions and
the world-level export.
"""

from __future__ import annotations

import wit_world
from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import inventory as types


class Inventory(exports.Inventory):
    def parse_change(self, text: str) -> types.Change:
        word, _, rest = text.strip().partition(" ")
        if word == "clear" and not rest:
            return types.Change_Clear()
        if word == "rename" and rest:
            return types.Change_Rename(rest)
        if word in ("add", "remove"):
            try:
                count = int(rest)
            except ValueError:
                raise Err(f"`{word}` needs a count, got {rest!r}") from None
            if count < 0:
                raise Err("counts cannot be negative")
            return types.Change_Add(count) if word == "add" else types.Change_Remove(count)
        raise Err(f"unknown change {text!r}")

    def total_quantity(self, s: types.Store) -> int:
        return sum(item.quantity for item in s.items())


class WitWorld(wit_world.WitWorld):
    def version(self) -> str:
        return "inventory 1.0"


import inventory  # noqa: E402,F401  (the module holding the exported resource)
