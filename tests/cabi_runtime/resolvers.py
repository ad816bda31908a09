"""Hand-written import resolvers for the tests (what generated bindings will supply)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import wasmtime

from witgen.abi import core_types
from witgen.component.types import FuncType
from witgen.runtime.cabi import CanonOptions, ComponentInstance, ResourceType

CORE = {
    "i32": wasmtime.ValType.i32,
    "i64": wasmtime.ValType.i64,
    "f32": wasmtime.ValType.f32,
    "f64": wasmtime.ValType.f64,
}
Impl = Callable[[CanonOptions, ComponentInstance], Callable[..., Any]]


def core_type(params: list[str], results: list[str]) -> wasmtime.FuncType:
    return wasmtime.FuncType([CORE[p]() for p in params], [CORE[r]() for r in results])


@dataclass
class Resolver:
    """Functions by (path, name): `funcs` map to (core params, core results, impl factory)."""

    store: wasmtime.Store
    funcs: dict[tuple[tuple[str, ...], str], tuple[list[str], list[str], Impl]] = field(default_factory=dict)
    resources: dict[tuple[tuple[str, ...], str], ResourceType] = field(default_factory=dict)
    requested: list[tuple[tuple[str, ...], str, CanonOptions]] = field(default_factory=list)

    def resource(self, path: tuple[str, ...], name: str) -> ResourceType:
        return self.resources[(path, name)]

    def func(
        self,
        path: tuple[str, ...],
        name: str,
        options: CanonOptions,
        caller: ComponentInstance,
        core: tuple[tuple[str, ...], tuple[str, ...]],
    ) -> wasmtime.Func:
        params, results, impl = self.funcs[(path, name)]
        assert core == (tuple(params), tuple(results)), f"{name}: the plan says {core}"
        self.requested.append((path, name, options))
        return wasmtime.Func(self.store, core_type(params, results), impl(options, caller))


@dataclass
class Stubs:
    """Supplies every import: a fresh resource per name, functions that must not be called."""

    store: wasmtime.Store
    sigs: dict[tuple[tuple[str, ...], str], FuncType]
    resources: dict[tuple[tuple[str, ...], str], ResourceType] = field(default_factory=dict)
    requested: list[tuple[tuple[str, ...], str, CanonOptions]] = field(default_factory=list)

    def resource(self, path: tuple[str, ...], name: str) -> ResourceType:
        return self.resources.setdefault((path, name), ResourceType(name))

    def func(
        self,
        path: tuple[str, ...],
        name: str,
        options: CanonOptions,
        caller: ComponentInstance,
        core: tuple[tuple[str, ...], tuple[str, ...]],
    ) -> wasmtime.Func:
        self.requested.append((path, name, options))
        params, results = core_types(self.sigs[(path, name)], "lower")
        assert core == (params, results), f"{name}: the plan says {core}"

        def stub(*args: Any) -> Any:
            raise AssertionError(f"stub {name} called")

        return wasmtime.Func(self.store, core_type(params, results), stub)
