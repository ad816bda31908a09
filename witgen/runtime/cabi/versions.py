"""Semver-compatible import names for the cabi engine's linking.

A component built against `wasi:io/streams@0.2.9` runs with bindings generated from
`wasi:io/streams@0.2.12`, as on wasmtime's linker: `0.x.*` versions with the same `x`, and
`x.*` versions with the same major `x >= 1`, are compatible; the newest definition wins.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Generic, TypeVar

T = TypeVar("T")


@cache
def _parse(interface: str) -> tuple[str, tuple[int, int, int]] | None:
    name, at, version = interface.partition("@")
    parts = version.split(".")
    if not at or len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None  # no version, or a pre-release / build suffix: only exact names match
    major, minor, patch = (int(p) for p in parts)
    return name, (major, minor, patch)


def _track(version: tuple[int, int, int]) -> tuple[int, ...]:
    return version[:2] if version[0] == 0 else version[:1]


class Imports(Generic[T]):
    """What the host defines, by (interface, name); `lookup` also finds semver-compatible ones."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, str], T] = {}
        self._candidates: dict[str, tuple[str, ...]] = {}
        """Requested interface -> the defined ones it may use, newest first (made on demand)."""
        self._defined: tuple[str, ...] | None = None

    def __setitem__(self, key: tuple[str, str], value: T) -> None:
        self.exact[key] = value
        self._candidates.clear()
        self._defined = None

    def get(self, key: tuple[str, str]) -> T | None:
        return self.exact.get(key)

    def lookup(self, interface: str, name: str) -> T:
        """The exact definition, else the newest semver-compatible interface's; `KeyError` if none."""
        found = self.exact.get((interface, name))
        if found is not None:
            return found
        candidates = self._candidates.get(interface)
        if candidates is None:
            candidates = self._candidates[interface] = self._compatible(interface)
        for candidate in candidates:
            found = self.exact.get((candidate, name))
            if found is not None:
                return found
        raise KeyError((interface, name))

    def _compatible(self, interface: str) -> tuple[str, ...]:
        """The defined interfaces `interface` may use, newest first (asked once per requested
        interface, not per item: WASI has ~130 items in ~25 interfaces)."""
        wanted = _parse(interface)
        if wanted is None:
            return ()
        if self._defined is None:
            self._defined = tuple(dict.fromkeys(i for i, _ in self.exact))
        return _newest_first(wanted[0], _track(wanted[1]), self._defined)


@lru_cache(maxsize=256)
def _newest_first(name: str, track: tuple[int, ...], defined: tuple[str, ...]) -> tuple[str, ...]:
    """Those of the `defined` interfaces on `name`'s compatibility `track`, newest first (the
    same bindings define the same interfaces for every instance)."""
    found = []
    for iface in defined:
        have = _parse(iface)
        if have is not None and have[0] == name and _track(have[1]) == track:
            found.append((have[1], iface))
    return tuple(i for _, i in sorted(found, reverse=True))
