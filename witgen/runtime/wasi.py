"""What `wasi=` asks of an engine: wasmtime's own WASI (wasmtime's engine only) or witgen's
WASI written in Python (`witgen.wasi`, either engine).

- `wasi=True`: the host's stdio and nothing else. On wasmtime's engine that is wasmtime's WASI
  (fast, the default); the cabi engine has none of its own, so it is `witgen.wasi.Wasi.inherit()`.
- `wasi=witgen.wasi.Wasi(...)`: witgen's WASI on either engine, with the same behaviour.
- `wasi=wasmtime.WasiConfig(...)`: wasmtime's WASI, configured (wasmtime's engine only).
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterable
from typing import Any, Protocol, Union, runtime_checkable

import wasmtime

from witgen.runtime.errors import LinkError


@runtime_checkable
class PythonWasi(Protocol):
    """What an engine asks of WASI written in Python (`witgen.wasi.Wasi`): to define in an
    instance `rt` the component's WASI imports (`imported`) the host hasn't (`defined`). It
    returns that instance's WASI state. The runtime never imports `witgen.wasi` itself: the
    policy object links itself, and `wasi=True` finds the default by name, as engines are found."""

    def link(self, rt: Any, imported: Iterable[str], defined: Collection[str] = ()) -> object: ...


DEFAULT_POLICY = ("witgen.wasi.policy", "Wasi")
"""The module and class of witgen's WASI, whose `inherit()` is what `wasi=True` means on the cabi engine."""

WasiArg = Union[bool, wasmtime.WasiConfig, PythonWasi, None]
WasmtimeWasi = Union[bool, wasmtime.WasiConfig, None]
"""What configures wasmtime's own WASI (True: the default, stdio inherited)."""


def wasmtime_wasi(wasi: WasiArg) -> WasmtimeWasi:
    """What `wasi` asks of wasmtime's own WASI on its engine (None: none, or witgen's instead)."""
    return wasi if wasi is None or isinstance(wasi, (bool, wasmtime.WasiConfig)) else None


def python_wasi(wasi: Any, engine: str) -> PythonWasi | None:
    """The `witgen.wasi` policy `wasi` means on `engine`, or None (no WASI, or wasmtime's)."""
    if wasi is None or wasi is False:
        return None
    if wasi is True:
        if engine != "cabi":
            return None
        module, name = DEFAULT_POLICY
        default: PythonWasi = getattr(importlib.import_module(module), name).inherit()
        return default
    if isinstance(wasi, PythonWasi):
        return wasi
    if isinstance(wasi, wasmtime.WasiConfig):
        if engine == "cabi":
            raise LinkError(
                "a wasmtime.WasiConfig configures wasmtime's own WASI, which the cabi engine doesn't"
                " have: pass wasi=witgen.wasi.Wasi(...) (or wasi=True)"
            )
        return None
    raise TypeError(
        f"wasi must be True, a witgen.wasi.Wasi or a wasmtime.WasiConfig, got {type(wasi).__name__}"
    )
