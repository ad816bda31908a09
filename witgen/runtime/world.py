"""What generated world classes share: finding an engine, loading and compiling the component."""

from __future__ import annotations

import os

import wasmtime
from wasmtime import component as wc

from witgen.runtime.instance import Instance
from witgen.runtime.loading import compile_component, default_engine

CacheDir = str | os.PathLike[str] | None | bool
PathLike = os.PathLike[str]


def engine_for(engine: wasmtime.Engine | None, store: wasmtime.Store | None) -> wasmtime.Engine:
    if engine is not None:
        return engine
    if store is not None:
        raise TypeError("pass the engine the store was created with: engine=..., store=...")
    return default_engine()


def load_file(path: str | os.PathLike[str], engine: wasmtime.Engine, cache_dir: CacheDir) -> wc.Component:
    """Read and compile a component file (binary or WAT text), through the artifact cache."""
    with open(path, "rb") as f:
        data = f.read()
    return compile_component(engine, data, cache_dir)


def load_bytes(data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir) -> wc.Component:
    return compile_component(engine, bytes(data), cache_dir)


def start(
    component: wc.Component,
    *,
    engine: wasmtime.Engine | None,
    store: wasmtime.Store | None,
    wasi: bool | wasmtime.WasiConfig | None,
    wasi_http: bool = False,
) -> Instance:
    """A fresh `Instance` for `component`; the caller links imports, then instantiates."""
    if not isinstance(component, wc.Component):
        raise TypeError(f"expected a wasmtime.component.Component, got {type(component).__name__}")
    return Instance(component, engine=engine_for(engine, store), store=store, wasi=wasi, wasi_http=wasi_http)
