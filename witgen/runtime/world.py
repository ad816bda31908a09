"""What generated world classes share: finding an engine, loading and compiling the component."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

import wasmtime
from wasmtime import component as wc

from witgen.runtime.errors import DecodeError
from witgen.runtime.instance import Instance
from witgen.runtime.limits import Limits
from witgen.runtime.loading import check_engine, compile_component, default_engine, engine_of
from witgen.runtime.wasi import WasiArg

if TYPE_CHECKING:  # the cabi engine is imported when it is first used
    from witgen.runtime.cabi.engine import CabiComponent, CabiInstance

CacheDir = str | os.PathLike[str] | None | bool
PathLike = os.PathLike[str]
Abi = Literal["wasmtime", "cabi"]
"""Who runs the Canonical ABI: wasmtime's component API, or witgen's generated code."""


def pick_abi(abi: str | None, default: str) -> Abi:
    """The engine to load with: the argument, else `$WITGEN_ABI`, else the package's default."""
    chosen = abi or os.environ.get("WITGEN_ABI") or default
    if chosen not in ("wasmtime", "cabi"):
        raise ValueError(f"abi must be 'wasmtime' or 'cabi', got {chosen!r}")
    return chosen  # type: ignore[return-value]


def _check_limits(limits: object) -> None:
    if limits is not None and not isinstance(limits, Limits):
        raise TypeError(f"limits must be a witgen.runtime.Limits, got {type(limits).__name__}")


def engine_for(
    engine: wasmtime.Engine | None, store: wasmtime.Store | None, limits: Limits | None = None
) -> wasmtime.Engine:
    """The engine to compile with: the given one (checked against `limits`), else the
    process-wide one for `limits` (`loading.default_engine`)."""
    _check_limits(limits)
    if engine is not None:
        if limits is not None:
            check_engine(engine, limits)
        return engine
    if store is not None:
        raise TypeError("pass the engine the store was created with: engine=..., store=...")
    return default_engine(limits)


def load_file(
    path: str | os.PathLike[str], engine: wasmtime.Engine, cache_dir: CacheDir, abi: Abi = "wasmtime"
) -> wc.Component | CabiComponent:
    """Read and compile a component file (binary or WAT text), through the artifact cache."""
    with open(path, "rb") as f:
        data = f.read()
    return load_bytes(data, engine, cache_dir, abi)


def load_bytes(
    data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir, abi: Abi = "wasmtime"
) -> wc.Component | CabiComponent:
    if abi == "cabi":
        from witgen.runtime.cabi.engine import CabiComponent
        from witgen.runtime.cabi.modules import prepare

        data = bytes(data)
        if not data.startswith(b"\0asm"):
            data = _text_to_binary(data)
        return CabiComponent(prepare(data, engine, cache_dir), engine)
    return compile_component(engine, bytes(data), cache_dir)


def _text_to_binary(data: bytes) -> bytes:
    """A component written as WebAssembly text, as its binary (as wasmtime's engine takes it)."""
    try:
        return bytes(wasmtime.wat2wasm(data))
    except (wasmtime.WasmtimeError, UnicodeDecodeError, ValueError) as exc:
        raise DecodeError(f"not a component binary, nor valid WebAssembly text: {exc}", 0) from None


def start(
    component: wc.Component | CabiComponent,
    *,
    engine: wasmtime.Engine | None,
    store: wasmtime.Store | None,
    wasi: WasiArg,
    wasi_http: bool = False,
    limits: Limits | None = None,
) -> Instance | CabiInstance:
    """A fresh instance for `component` on its engine; the caller links imports, then instantiates.

    With `limits` and no `engine`, a `wasmtime.component.Component` must have been compiled with
    `loading.default_engine(limits)` (`from_file`/`from_bytes` see to that)."""
    if isinstance(component, wc.Component):
        return Instance(
            component,
            engine=engine_of(component, engine_for(engine, store, limits)),
            store=store,
            wasi=wasi,
            wasi_http=wasi_http,
            limits=limits,
        )
    from witgen.runtime.cabi.engine import CabiComponent, CabiInstance

    if isinstance(component, CabiComponent):
        _check_limits(limits)
        return CabiInstance(
            component,
            engine=engine or component.engine,
            store=store,
            wasi=wasi,
            wasi_http=wasi_http,
            limits=limits,
        )
    raise TypeError(f"expected a wasmtime.component.Component, got {type(component).__name__}")
