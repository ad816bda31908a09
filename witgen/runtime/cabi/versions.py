"""Semver-compatible import names for the cabi engine's linking.

A component built against `wasi:io/streams@0.2.9` runs with bindings generated from
`wasi:io/streams@0.2.12`, as on wasmtime's linker: `0.x.*` versions with the same `x`, and
`x.*` versions with the same major `x >= 1`, are compatible; the newest definition wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def _parse(interface: str) -> tuple[str, tuple[int, int, int]] | None:
    name, at, version = interface.partition("@")
    parts = version.split(".")
    if not at or len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None  # no version, or a pre-release / build suffix: only exact names match
    major, minor, patch = (int(p) for p in parts)
    return name, (major, minor, patch)


def _track(version: tuple[int, int, int]) -> tuple[int, ...]:
    return version[:2] if version[0] == 0 else version[:1]


def lookup(table: Mapping[tuple[str, str], T], interface: str, name: str) -> T:
    """`table[(interface, name)]`, else the newest semver-compatible interface's; `KeyError` if none."""
    found = table.get((interface, name))
    if found is not None:
        return found
    wanted = _parse(interface)
    if wanted is None:
        raise KeyError((interface, name))
    best: tuple[tuple[int, int, int], T] | None = None
    for (iface, item_name), value in table.items():
        have = _parse(iface) if item_name == name else None
        if have is None or have[0] != wanted[0] or _track(have[1]) != _track(wanted[1]):
            continue
        if best is None or have[1] > best[0]:
            best = (have[1], value)
    if best is None:
        raise KeyError((interface, name))
    return best[1]
