"""What `wasi=` asks of an engine: wasmtime's own WASI (wasmtime's engine only) or witgen's
WASI written in Python (`witgen.wasi`, either engine).

- `wasi=True`: the host's stdio and nothing else. On wasmtime's engine that is wasmtime's WASI
  (fast, the default); the cabi engine has none of its own, so it is `witgen.wasi.Wasi.inherit()`.
- `wasi=witgen.wasi.Wasi(...)`: witgen's WASI on either engine, with the same behaviour.
- `wasi=wasmtime.WasiConfig(...)`: wasmtime's WASI, configured (wasmtime's engine only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import wasmtime

from witgen.runtime.errors import LinkError

if TYPE_CHECKING:
    from witgen.wasi.policy import Wasi

WasiArg = Union[bool, wasmtime.WasiConfig, "Wasi", None]
WasmtimeWasi = Union[bool, wasmtime.WasiConfig, None]
"""What configures wasmtime's own WASI (True: the default, stdio inherited)."""


def wasmtime_wasi(wasi: WasiArg) -> WasmtimeWasi:
    """What `wasi` asks of wasmtime's own WASI on its engine (None: none, or witgen's instead)."""
    return wasi if wasi is None or isinstance(wasi, (bool, wasmtime.WasiConfig)) else None


def python_wasi(wasi: Any, engine: str) -> Wasi | None:
    """The `witgen.wasi` policy `wasi` means on `engine`, or None (no WASI, or wasmtime's)."""
    if wasi is None or wasi is False:
        return None
    from witgen.wasi.policy import Wasi

    if wasi is True:
        return Wasi.inherit() if engine == "cabi" else None
    if isinstance(wasi, Wasi):
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
