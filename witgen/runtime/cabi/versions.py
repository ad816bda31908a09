"""Semver-compatible import names for the cabi engine's linking.

A component built against `wasi:io/streams@0.2.9` runs with bindings generated from
`wasi:io/streams@0.2.12`, as on wasmtime's linker: `0.x.*` versions with the same `x`, and
`x.*` versions with the same major `x >= 1`, are compatible; the newest definition wins.
"""

from __future__ import annotations

from functools import cache
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
        self._compatible: dict[tuple[str, tuple[int, ...]], list[str]] | None = None

    def __setitem__(self, key: tuple[str, str], value: T) -> None:
        self.exact[key] = value
        self._compatible = None

    def get(self, key: tuple[str, str]) -> T | None:
        return self.exact.get(key)

    def lookup(self, interface: str, name: str) -> T:
        """The exact definition, else the newest semver-compatible interface's; `KeyError` if none."""
        found = self.exact.get((interface, name))
        if found is not None:
            return found
        wanted = _parse(interface)
        if wanted is None:
            raise KeyError((interface, name))
        for candidate in self._index().get((wanted[0], _track(wanted[1])), ()):
            found = self.exact.get((candidate, name))
            if found is not None:
                return found
        raise KeyError((interface, name))

    def _index(self) -> dict[tuple[str, tuple[int, ...]], list[str]]:
        """Defined interfaces by (name, compatibility track), newest first; made once, after
        linking, when the first import asks (per interface, not per item: WASI has ~130 items)."""
        index = self._compatible
        if index is None:
            versions: dict[tuple[str, tuple[int, ...]], list[tuple[tuple[int, int, int], str]]] = {}
            for iface in dict.fromkeys(iface for iface, _ in self.exact):
                have = _parse(iface)
                if have is not None:
                    versions.setdefault((have[0], _track(have[1])), []).append((have[1], iface))
            index = self._compatible = {
                k: [i for _, i in sorted(v, reverse=True)] for k, v in versions.items()
            }
        return index
