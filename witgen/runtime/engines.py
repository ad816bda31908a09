"""What an engine is to the rest of the runtime and to generated bindings: the `Engine` protocol
(load a component, start an instance of it) and the `EngineInstance` protocol (what bindings
call on a running component). Two engines implement them: wasmtime's component API
(`witgen.runtime.wasmtime.engine.WASMTIME`) and witgen's own Canonical ABI (`witgen.runtime.cabi.engine.CABI`).

`engine(abi)` finds one by name; the cabi engine's modules are imported only when it is first
asked for, so the wasmtime engine's users don't pay for them.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, Literal, Protocol, Union

import wasmtime
from wasmtime import component as wc

from witgen.runtime.limits import Limits
from witgen.runtime.wasi import WasiArg

Abi = Literal["wasmtime", "cabi"]
"""Who runs the Canonical ABI: wasmtime's component API, or witgen's generated code."""
CacheDir = str | os.PathLike[str] | None | bool


class CompiledComponent:
    """Base of what witgen's own engines compile (the cabi engine's `CabiComponent`), so that
    bindings can name "a loaded component" without importing an engine."""

    __slots__ = ()


Component = Union[wc.Component, CompiledComponent]
"""A component loaded by one of the engines: wasmtime's engine compiles a
`wasmtime.component.Component`, the cabi engine a `CabiComponent`."""


class EngineInstance(Protocol):
    """One running component, as generated bindings drive it: define the host's imports, then
    `instantiate`, then take call sites for its exports."""

    abi: str
    store: wasmtime.Store

    def define_func(
        self,
        interface: str,
        name: str,
        qualname: str,
        params: list[tuple[str, Any]],
        result: Any,
        impl: Callable[..., Any],
        raises: bool = False,
        *,
        cabi: Callable[[Any], Callable[..., Any]] | None = None,
    ) -> None: ...

    def define_resource(self, interface: str, name: str, key: str, cls: Any) -> None: ...

    def import_names(self) -> list[str]: ...

    def instantiate(self) -> None: ...

    def check_exports(self, interface: str, specs: dict[str, Any]) -> None: ...

    def export_func(
        self,
        interface: str,
        name: str,
        qualname: str,
        params: list[tuple[str, Any]],
        result: Any,
        raises: bool = False,
        *,
        cabi: Callable[[Any], Callable[..., Any]] | None = None,
    ) -> Callable[..., Any]: ...

    def bind_guest_resource(
        self, base: type[Any], key: str, funcs: dict[str, Callable[..., Any]]
    ) -> type[Any]: ...

    def check_alive(self) -> None: ...


class Engine(Protocol):
    """Loads components for one way of running them and starts instances of them."""

    abi: Abi

    def load(self, data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir) -> Component:
        """The component in `data` (binary or WebAssembly text), compiled through the cache."""

    def owns(self, component: object) -> bool:
        """Whether `component` was loaded by this engine."""

    def start(
        self,
        component: Component,
        *,
        engine: wasmtime.Engine | None,
        store: wasmtime.Store | None,
        wasi: WasiArg,
        wasi_http: bool,
        limits: Limits | None,
    ) -> EngineInstance:
        """A fresh instance of `component`; the caller defines imports, then instantiates."""


_MODULES: dict[str, tuple[str, str]] = {
    "wasmtime": ("witgen.runtime.wasmtime.engine", "WASMTIME"),
    "cabi": ("witgen.runtime.cabi.engine", "CABI"),
}
"""Each engine's module and the name of its `Engine` there."""
NAMES: tuple[str, ...] = tuple(_MODULES)


def engine(abi: str) -> Engine:
    """The engine called `abi` (imported on first use)."""
    where = _MODULES.get(abi)
    if where is None:
        raise ValueError(f"abi must be one of {', '.join(map(repr, _MODULES))}, got {abi!r}")
    module, name = where
    found: Engine = getattr(importlib.import_module(module), name)
    return found


def loaded_engines() -> list[Engine]:
    """The engines whose modules are imported already (a component can only come from one)."""
    return [getattr(sys.modules[m], n) for m, n in _MODULES.values() if m in sys.modules]
