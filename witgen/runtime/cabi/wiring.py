"""A core module's imports, filled in C from the exports of earlier core instances.

CPython built for wasm wires ~2,100 exports between its 14 core modules on every
instantiation, each one `wasmtime_instance_export_get`. Building that call's arguments in
Python costs more than the call itself (~0.9 µs a wire in all); with the arguments made once as
ctypes objects and the calls run by `starmap`, a wire costs ~0.35 µs. So an `ImportArray` keeps
one module's `wasmtime_extern_t` array and a ready argument tuple per wire, pointing at
holders whose values (the store's context, the source instances' addresses) are set per
instantiation. The arrays are reusable because wasmtime copies the imports while instantiating;
`ImportArrays` pools them, one in use per instantiation at a time (threads and nested
instantiations take their own).
"""

from __future__ import annotations

import ctypes
from ctypes import c_size_t, c_void_p
from itertools import starmap
from typing import Any

from witgen.runtime.cabi import fastcall

Wire = tuple[int, int, bytes, str]
"""(import position, register of the source core instance, export name, error if missing)."""

if fastcall.AVAILABLE:
    # No argument types: every argument is a ready ctypes object, passed as it is.
    _export_get = ctypes.PYFUNCTYPE(ctypes.c_bool)(("wasmtime_instance_export_get", fastcall._dll))


class ImportArray:
    """One core module's imports: the extern array and the lookups that fill it."""

    __slots__ = ("externs", "wires", "calls", "context", "sources")

    def __init__(self, count: int, wires: tuple[Wire, ...]) -> None:
        self.externs = fastcall.extern_array(count)
        self.wires = wires
        self.context = c_void_p()
        self.sources: dict[int, c_void_p] = {}
        base = ctypes.addressof(self.externs)
        sizes: dict[int, c_size_t] = {}
        self.calls = [
            (
                self.context,
                self.sources.setdefault(source, c_void_p()),
                name,
                sizes.setdefault(len(name), c_size_t(len(name))),
                c_void_p(base + position * fastcall.EXTERN_SIZE),
            )
            for position, source, name, _ in wires
        ]

    def fill(self, context: int, instances: dict[int, int]) -> str | None:
        """Look every wire up in `instances` (register -> `instance_address`) of the store with
        `context`; returns the error of the first export that does not exist, else None."""
        self.context.value = context
        for source, holder in self.sources.items():
            holder.value = instances[source]
        if all(starmap(_export_get, self.calls)):
            return None
        return next(
            wire[3] for wire, call in zip(self.wires, self.calls, strict=True) if not _export_get(*call)
        )

    def put(self, position: int, extern: Any) -> None:
        """Set one import to a `wasmtime_extern_t` made on the host side."""
        self.externs[position] = extern


class ImportArrays:
    """The `ImportArray`s of one component's core instantiations (by the step's register),
    pooled: `take` one for an instantiation, `give` it back once the module is instantiated."""

    def __init__(self) -> None:
        self._free: dict[int, list[ImportArray]] = {}

    def take(self, step: int, count: int, wires: tuple[Wire, ...]) -> ImportArray:
        try:
            return self._free[step].pop()  # atomic: two threads never get the same array
        except (KeyError, IndexError):
            return ImportArray(count, wires)

    def give(self, step: int, array: ImportArray) -> None:
        self._free.setdefault(step, []).append(array)
