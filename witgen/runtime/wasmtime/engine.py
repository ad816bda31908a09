"""The wasmtime engine as an `engines.Engine`: wasmtime's component API runs the Canonical ABI
(`instance.Instance`), components compiled through the artifact cache (`compile`)."""

from __future__ import annotations

from typing import Any

import wasmtime
from wasmtime import component as wc

from witgen.runtime.engines import Abi, CacheDir, Engine
from witgen.runtime.limits import Limits
from witgen.runtime.loading import engine_for
from witgen.runtime.wasi import WasiArg
from witgen.runtime.wasmtime.compile import compile_component, engine_of
from witgen.runtime.wasmtime.instance import Instance


class WasmtimeEngine:
    abi: Abi = "wasmtime"

    def load(self, data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir) -> wc.Component:
        return compile_component(engine, data, cache_dir)

    def owns(self, component: object) -> bool:
        return isinstance(component, wc.Component)

    def start(
        self,
        component: Any,
        *,
        engine: wasmtime.Engine | None,
        store: wasmtime.Store | None,
        wasi: WasiArg,
        wasi_http: bool,
        limits: Limits | None,
    ) -> Instance:
        return Instance(
            component,
            engine=engine_of(component, engine_for(engine, store, limits)),
            store=store,
            wasi=wasi,
            wasi_http=wasi_http,
            limits=limits,
        )


WASMTIME: Engine = WasmtimeEngine()
"""(Typed as the protocol, so mypy checks this engine and its `Instance` against it.)"""
