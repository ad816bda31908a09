"""What generated world classes share: finding an engine, loading and compiling the component."""

from __future__ import annotations

import os

import wasmtime

from witgen.runtime import engines
from witgen.runtime.engines import Abi, CacheDir, Component, EngineInstance
from witgen.runtime.limits import Limits
from witgen.runtime.loading import check_limits
from witgen.runtime.wasi import WasiArg

PathLike = os.PathLike[str]


def pick_abi(abi: str | None, default: str) -> Abi:
    """The engine to load with: the argument, else `$WITGEN_ABI`, else the package's default."""
    chosen = abi or os.environ.get("WITGEN_ABI") or default
    if chosen not in engines.NAMES:
        raise ValueError(f"abi must be one of {', '.join(map(repr, engines.NAMES))}, got {chosen!r}")
    return chosen  # type: ignore[return-value]


def load_file(
    path: str | os.PathLike[str], engine: wasmtime.Engine, cache_dir: CacheDir, abi: Abi = "wasmtime"
) -> Component:
    """Read and compile a component file (binary or WAT text), through the artifact cache."""
    with open(path, "rb") as f:
        data = f.read()
    return load_bytes(data, engine, cache_dir, abi)


def load_bytes(data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir, abi: Abi = "wasmtime") -> Component:
    loaded: Component = engines.engine(abi).load(bytes(data), engine, cache_dir)
    return loaded


def start(
    component: Component,
    *,
    engine: wasmtime.Engine | None,
    store: wasmtime.Store | None,
    wasi: WasiArg,
    wasi_http: bool = False,
    limits: Limits | None = None,
) -> EngineInstance:
    """A fresh instance for `component` on the engine that loaded it; the caller links imports,
    then instantiates.

    With `limits` and no `engine`, a `wasmtime.component.Component` must have been compiled with
    `loading.default_engine(limits)` (`from_file`/`from_bytes` see to that)."""
    check_limits(limits)
    for candidate in engines.loaded_engines():
        if candidate.owns(component):
            return candidate.start(
                component, engine=engine, store=store, wasi=wasi, wasi_http=wasi_http, limits=limits
            )
    raise TypeError(
        "expected a component loaded by one of witgen's engines (a wasmtime.component.Component"
        f" or a CabiComponent), got {type(component).__name__}"
    )
