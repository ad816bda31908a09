"""A core module's imports, filled in C from the exports of earlier core instances.

CPython built for wasm wires ~2,100 exports between its 14 core modules on every
instantiation, each one `wasmtime_instance_export_get`. So an `ImportArray` keeps one module's
`wasmtime_extern_t` array and every wire's arguments made once, pointing at holders whose
values (the store's context, the source instances' addresses) are set per instantiation. The
lookups then run back to back in C (`_wire.fill`, the optional compiled helper), or without it
as ctypes calls driven by `starmap` with no argument conversion (~0.25 µs more a wire: ~0.5 ms
of CPython's instantiation). The arrays are reusable because wasmtime copies the imports while
instantiating; `ImportArrays` pools them, one in use per instantiation at a time (threads and
nested instantiations take their own).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import c_size_t, c_void_p
from itertools import starmap
from typing import Any

from witgen.runtime import internals
from witgen.runtime.cabi import fastcall

_c_fill: Callable[[int, int, int, int], int] | None
try:
    from witgen.runtime.cabi._wire import fill as _c_fill
except ImportError:  # built without a C compiler: the same loop in Python
    _c_fill = None

COMPILED = _c_fill is not None
"""Whether the compiled helper is there (else `fill` runs its loop through ctypes)."""

Wire = tuple[int, int, bytes, str]
"""(import position, register of the source core instance, export name, error if missing)."""

if fastcall.AVAILABLE:
    # No argument types: every argument is a ready ctypes object, passed as it is.
    _export_get = internals.c_function("wasmtime_instance_export_get", ctypes.c_bool, keep_gil=True)
    _EXPORT_GET = ctypes.cast(_export_get, c_void_p).value or 0


class _CWire(ctypes.Structure):
    """`struct wire` of `_wire.c`: one lookup's arguments besides the store's context."""

    _fields_ = [("instance", c_void_p), ("name", ctypes.c_char_p), ("name_len", c_size_t), ("item", c_void_p)]


class ImportArray:
    """One core module's imports: the extern array and the lookups that fill it."""

    __slots__ = ("externs", "wires", "calls", "c_wires", "context", "sources")

    def __init__(self, count: int, wires: tuple[Wire, ...], *, compiled: bool = True) -> None:
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
        self.c_wires: Any = None
        """The same lookups as `_CWire`s, for `_wire.fill` (None: it is not built, or not wanted)."""
        if compiled and _c_fill is not None:
            self.c_wires = (_CWire * len(wires))(
                *(
                    _CWire(ctypes.addressof(call[1]), call[2], len(call[2]), call[4].value)
                    for call in self.calls
                )
            )

    def fill(self, context: int, instances: dict[int, int]) -> str | None:
        """Look every wire up in `instances` (register -> `instance_address`) of the store with
        `context`; returns the error of the first export that does not exist, else None."""
        self.context.value = context
        for source, holder in self.sources.items():
            holder.value = instances[source]
        if self.c_wires is not None and _c_fill is not None:
            found = _c_fill(_EXPORT_GET, context, ctypes.addressof(self.c_wires), len(self.wires))
            return None if found == len(self.wires) else self.wires[found][3]
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

    def __init__(self, *, compiled: bool = True) -> None:
        self._free: dict[int, list[ImportArray]] = {}
        self.compiled = compiled
        """Use the compiled loop when it is built (False: always the ctypes one, for tests)."""

    def take(self, step: int, count: int, wires: tuple[Wire, ...]) -> ImportArray:
        try:
            return self._free[step].pop()  # atomic: two threads never get the same array
        except (KeyError, IndexError):
            return ImportArray(count, wires, compiled=self.compiled)

    def give(self, step: int, array: ImportArray) -> None:
        self._free.setdefault(step, []).append(array)
