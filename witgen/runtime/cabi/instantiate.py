"""Instantiating a component by running its definitions in order over wasmtime's core API.

Each (nested) component instance is a `_Frame` holding its index spaces as lists of live values:
wasmtime core instances, funcs, memories, tables and globals; `LiftedFunc`s and `HostFunc`s;
resolved types and `ResourceType`s; instance values (dicts of exports). Walking definitions in
binary order is exactly the order in which index spaces are built, so every `canon lower`'s
memory and realloc are live wasmtime objects by the time the host function is requested — even
in wit-component output, where the lowered functions reach the main module later through the
shim table that the fixup module fills.

Imports the resolver cannot supply (it raises `KeyError`) are collected: the walk goes on
without instantiating core modules, so one `LinkError` names every missing import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import wasmtime

from witgen.runtime.cabi import binary as b
from witgen.runtime.cabi import fastcall
from witgen.runtime.cabi import types as t
from witgen.runtime.cabi.fuse import fuse
from witgen.runtime.cabi.modules import CacheDir, Prepared, prepare
from witgen.runtime.cabi.resolve import ScopedType, resolve_func, resolve_val
from witgen.runtime.cabi.state import (
    CanonOptions,
    ComponentInstance,
    LiftedFunc,
    ResourceType,
    resource_drop,
    resource_new,
    resource_rep,
)
from witgen.runtime.errors import LinkError, Trap

Path = tuple[str, ...]


class ImportResolver(Protocol):
    """Supplies the host side of a component's imports (implemented by generated bindings).

    `path` is the chain of import names leading to the instance, `()` for world-level imports.
    Raise `KeyError` for anything not provided.
    """

    def resource(self, path: Path, name: str) -> ResourceType: ...

    def func(
        self, path: Path, name: str, options: CanonOptions, caller: ComponentInstance
    ) -> wasmtime.Func: ...


@dataclass(frozen=True)
class HostFunc:
    """An imported component function, lowered by asking the resolver for a core function."""

    path: Path
    name: str
    type: t.FuncType | None


@dataclass
class Instantiated:
    """`exports` maps export names to `LiftedFunc`s, `ResourceType`s or exported instances (dicts)."""

    exports: dict[str, Any]
    instances: list[ComponentInstance]
    keep: list[Any]
    """Adapters whose ctypes callbacks wasm may call: keep them alive as long as the instance."""


@dataclass(eq=False)
class _Closure:
    component: b.Component
    parent: _Frame | None
    name: str


class _CoreInstance:
    def __init__(
        self, store: wasmtime.Store | None, instance: wasmtime.Instance | None, items: dict[str, Any]
    ):
        self.store, self.instance, self.items = store, instance, items

    def get(self, name: str) -> Any:
        if self.instance is not None and self.store is not None:
            return fastcall.core_export(self.store, self.instance, name)
        return self.items[name]


_DEAD = _CoreInstance(None, None, {})
"""Stands in for core instances that were not created because imports are missing."""


@dataclass(eq=False)
class _Frame:
    inst: ComponentInstance
    parent: _Frame | None
    spaces: dict[str, list[Any]] = field(default_factory=dict)
    exports: dict[str, Any] = field(default_factory=dict)

    def space(self, sort: str) -> list[Any]:
        return self.spaces.setdefault(sort, [])

    def get(self, sort: str, index: int) -> Any:
        space = self.spaces.get(sort, [])
        if not 0 <= index < len(space):
            raise LinkError(f"{self.inst.name}: {sort} index {index} is out of range")
        return space[index]

    def type_chain(self) -> tuple[list[Any], ...]:
        chain: list[list[Any]] = []
        f: _Frame | None = self
        while f is not None:
            chain.append(f.space("type"))
            f = f.parent
        return tuple(chain)


def _qualified(path: Path, name: str) -> str:
    return "#".join((*path, name))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Linker:
    def __init__(
        self,
        store: wasmtime.Store,
        resolver: ImportResolver,
        prepared: Prepared | None,
        on_error: Callable[[BaseException], str] = _describe,
    ) -> None:
        self.store = store
        self.resolver = resolver
        self.prepared = prepared
        self.on_error = on_error
        self.keep: list[Any] = []
        self.missing: list[tuple[Path, str]] = []
        """(instance path, item) of each import the resolver does not supply."""
        self.instances: list[ComponentInstance] = []

    # --- host imports ------------------------------------------------------------------------

    def resource(self, path: Path, name: str) -> ResourceType:
        try:
            return self.resolver.resource(path, name)
        except KeyError:
            self.missing.append((path, f"resource {name}"))
            return ResourceType(name)

    def host_instance(self, path: Path, scoped: ScopedType) -> dict[str, Any]:
        """The exports of an imported instance, from its declared type."""
        exports: dict[str, Any] = {}
        local: list[Any] = []
        instances: list[dict[str, Any]] = []
        for decl in scoped.type.decls:
            if isinstance(decl, t.TypeDecl):
                local.append(_declared_type(decl.type, local, scoped.outer))
            elif isinstance(decl, t.AliasDecl):
                alias: b.Alias = decl.alias
                if alias.target == "outer" and alias.alias_sort == "type":
                    space = local if alias.count == 0 else scoped.outer[alias.count - 1]
                    local.append(space[alias.outer_index])
                elif alias.target == "export" and alias.alias_sort == "type":
                    local.append(instances[alias.instance][alias.name])
                else:
                    raise LinkError(f"unsupported alias in the type of import {_qualified(path, '')}")
            elif isinstance(decl, t.ExportDecl):
                name, desc = decl.name.name, decl.desc
                if desc.kind == "type":
                    item = self.resource(path, name) if desc.sub_resource else local[desc.index or 0]
                    local.append(item)
                    exports[name] = item
                elif desc.kind == "func":
                    ft = local[desc.index or 0]
                    exports[name] = HostFunc(path, name, ft if isinstance(ft, t.FuncType) else None)
                elif desc.kind == "instance":
                    inner = local[desc.index or 0]
                    value = self.host_instance((*path, name), ScopedType(inner.type, (local, *scoped.outer)))
                    instances.append(value)
                    exports[name] = value
                # core modules, components, values exported by a host instance cannot be used
        return exports

    # --- the walk ----------------------------------------------------------------------------

    def run(self, closure: _Closure, args: dict[str, Any] | None) -> _Frame:
        frame = _Frame(ComponentInstance(closure.name), closure.parent)
        self.instances.append(frame.inst)
        for d in closure.component.definitions:
            self.step(frame, d, args)
        return frame

    def step(self, frame: _Frame, d: b.Definition, args: dict[str, Any] | None) -> None:
        match d:
            case b.CustomSection():
                return
            case b.CoreModule():
                frame.space("core module").append(d)
            case b.CoreInstantiate():
                frame.space("core instance").append(self.core_instantiate(frame, d))
            case b.CoreInlineInstance():
                items = {name: frame.get(sort, i) for name, sort, i in d.exports}
                frame.space("core instance").append(_CoreInstance(self.store, None, items))
            case b.CoreTypeDef():
                frame.space("core type").append(d.type)
            case b.NestedComponent():
                name = f"{frame.inst.name}/component{d.index}"
                frame.space("component").append(_Closure(d.component, frame, name))
            case b.Instantiate():
                closure = frame.get("component", d.component)
                inner_args = {name: frame.get(sort, i) for name, sort, i in d.args}
                child = _Closure(closure.component, closure.parent, f"{frame.inst.name}/instance{d.index}")
                frame.space("instance").append(self.run(child, inner_args).exports)
            case b.InlineInstance():
                frame.space("instance").append({n.name: frame.get(sort, i) for n, sort, i in d.exports})
            case b.Alias():
                frame.space(d.alias_sort).append(self.alias(frame, d))
            case b.TypeDef():
                frame.space("type").append(self.define_type(frame, d))
            case b.Canon():
                self.canon(frame, d)
            case b.Start():
                raise LinkError(f"{frame.inst.name}: component start functions are not supported")
            case b.Import():
                frame.space(d.desc.kind).append(self.import_(frame, d, args))
            case b.Export():
                item = frame.get(d.export_sort, d.target)
                if isinstance(item, ResourceType) and item.name.startswith("resource#"):
                    item.name = d.name.name
                if isinstance(item, LiftedFunc) and not item.name:
                    item.name = d.name.name
                frame.space(d.export_sort).append(item)
                frame.exports[d.name.name] = item
            case b.Value():
                raise LinkError(f"{frame.inst.name}: component values are not supported")
            case _:  # pragma: no cover
                raise LinkError(f"unknown definition {d!r}")

    def core_instantiate(self, frame: _Frame, d: b.CoreInstantiate) -> _CoreInstance:
        if self.missing:
            return _DEAD
        module_def: b.CoreModule = frame.get("core module", d.module)
        assert self.prepared is not None, "core modules are only instantiated with a prepared component"
        compiled = self.prepared.module(module_def)
        args = {name: frame.get("core instance", i) for name, i in d.args}
        externs = []
        for imp_module, imp_name in compiled.imports:
            source = args.get(imp_module)
            if source is None:
                raise LinkError(
                    f"{frame.inst.name}: core module {d.module} imports from {imp_module!r}, which is not supplied"
                )
            try:
                externs.append(source.get(imp_name))
            except KeyError:
                raise LinkError(
                    f"{frame.inst.name}: core module {d.module} needs {imp_module}.{imp_name}, which is not exported"
                ) from None
        try:
            instance = wasmtime.Instance(self.store, compiled.module, externs)
        except wasmtime.Trap as exc:
            raise Trap(f"{frame.inst.name}: core module {d.module} trapped while starting: {exc}") from exc
        except wasmtime.WasmtimeError as exc:
            raise LinkError(
                f"{frame.inst.name}: core module {d.module} cannot be instantiated: {exc}"
            ) from exc
        return _CoreInstance(self.store, instance, {})

    def alias(self, frame: _Frame, d: b.Alias) -> Any:
        if d.target == "export":
            inst = frame.get("instance", d.instance)
            if d.name not in inst:
                raise LinkError(f"{frame.inst.name}: instance {d.instance} has no export {d.name!r}")
            return inst[d.name]
        if d.target == "core export":
            core = frame.get("core instance", d.instance)
            if core is _DEAD:
                return None
            try:
                return core.get(d.name)
            except KeyError:
                raise LinkError(
                    f"{frame.inst.name}: core instance {d.instance} has no export {d.name!r}"
                ) from None
        f: _Frame | None = frame
        for _ in range(d.count):
            f = f.parent if f is not None else None
        if f is None:
            raise LinkError(f"{frame.inst.name}: outer alias reaches past the outermost component")
        return f.get(d.alias_sort, d.outer_index)

    def define_type(self, frame: _Frame, d: b.TypeDef) -> Any:
        ty = d.type
        if isinstance(ty, t.ResourceDef):
            rt = ResourceType(f"resource#{d.index}", instance=frame.inst)
            if ty.dtor is not None:
                if ty.is_async:
                    raise LinkError(f"{frame.inst.name}: async resource destructors are not supported")
                rt.dtor = self._dtor(frame.get("core func", ty.dtor))
            return rt
        return _declared_type(ty, frame.space("type"), frame.type_chain()[1:])

    def _dtor(self, func: wasmtime.Func | None) -> Any:
        store = self.store
        if func is None:  # imports are missing: nothing will run
            return None
        return lambda rep: func(store, rep)

    def import_(self, frame: _Frame, d: b.Import, args: dict[str, Any] | None) -> Any:
        name, desc = d.name.name, d.desc
        if args is not None:
            if name not in args:
                raise LinkError(f"{frame.inst.name}: import {name!r} of a nested component is not supplied")
            return args[name]
        if desc.kind == "instance":
            scoped = frame.get("type", desc.index or 0)
            return self.host_instance((name,), scoped)
        if desc.kind == "func":
            ft = frame.get("type", desc.index or 0)
            return HostFunc((), name, ft)
        if desc.kind == "type":
            return self.resource((), name) if desc.sub_resource else frame.get("type", desc.index or 0)
        raise LinkError(f"import {name!r}: importing a {desc.kind} is not supported by witgen's cabi engine")

    # --- canonical definitions ---------------------------------------------------------------

    def options(self, frame: _Frame, opts: b.CanonOpts | None) -> CanonOptions:
        o = opts or b.CanonOpts()
        return CanonOptions(
            memory=None if o.memory is None else frame.get("core memory", o.memory),
            realloc=None if o.realloc is None else frame.get("core func", o.realloc),
            post_return=None if o.post_return is None else frame.get("core func", o.post_return),
            string_encoding=o.string_encoding,
            is_async=o.is_async,
            callback=None if o.callback is None else frame.get("core func", o.callback),
        )

    def canon(self, frame: _Frame, d: b.Canon) -> None:
        where = f"{frame.inst.name}: canon {d.op}"
        if d.op == "lift":
            ft = frame.get("type", d.type or 0)
            if not isinstance(ft, t.FuncType):
                raise LinkError(f"{where}: type {d.type} is not a function type")
            core = frame.get("core func", d.func or 0)
            frame.space("func").append(LiftedFunc(core, self.options(frame, d.opts), frame.inst, ft))
            return
        if d.op == "lower":
            frame.space("core func").append(self.lower(frame, d))
            return
        if d.op in ("resource.new", "resource.drop", "resource.rep"):
            rt = frame.get("type", d.type or 0)
            if not isinstance(rt, ResourceType):
                raise LinkError(f"{where}: type {d.type} is not a resource type")
            if d.is_async:
                raise LinkError(f"{where} async ({rt.name}) is not supported by witgen's cabi engine")
            frame.space("core func").append(self.resource_builtin(frame.inst, d.op, rt))
            return
        raise LinkError(f"{where} (core func {d.index}) is not supported by witgen's cabi engine")

    def lower(self, frame: _Frame, d: b.Canon) -> Any:
        f = frame.get("func", d.func or 0)
        options = self.options(frame, d.opts)
        if isinstance(f, HostFunc):
            label = _qualified(f.path, f.name)
            if options.is_async:
                raise LinkError(f"{frame.inst.name}: async canon lower of {label} is not supported")
            try:
                return self.resolver.func(f.path, f.name, options, frame.inst)
            except KeyError:
                self.missing.append((f.path, f.name))
                return None
        if isinstance(f, LiftedFunc):
            if options.is_async:
                raise LinkError(
                    f"{frame.inst.name}: async canon lower of {f.name or 'a lifted function'} is not supported"
                )
            adapter = fuse(
                self.store,
                f,
                frame.inst,
                options,
                f.name or f"func {d.func} of {f.instance.name}",
                self.on_error,
            )
            self.keep.append(adapter)
            return adapter
        raise LinkError(f"{frame.inst.name}: canon lower of func {d.func}, which is not a function")

    def resource_builtin(self, inst: ComponentInstance, op: str, rt: ResourceType) -> wasmtime.Func:
        i32 = wasmtime.ValType.i32()
        if op == "resource.new":
            return wasmtime.Func(
                self.store, wasmtime.FuncType([i32], [i32]), lambda rep: resource_new(inst, rt, rep)
            )
        if op == "resource.rep":
            return wasmtime.Func(
                self.store, wasmtime.FuncType([i32], [i32]), lambda i: resource_rep(inst, rt, i)
            )
        return wasmtime.Func(self.store, wasmtime.FuncType([i32], []), lambda i: resource_drop(inst, rt, i))


def _declared_type(ty: t.DefType, space: list[Any], outer: tuple[list[Any], ...]) -> Any:
    if isinstance(ty, t.FuncType):
        return resolve_func(ty, space)
    if isinstance(ty, t.ComponentType | t.InstanceType):
        return ScopedType(ty, (space, *outer))
    if isinstance(ty, t.ResourceDef):
        raise LinkError("resource types cannot be defined inside component or instance types")
    return resolve_val(ty, space)


def _public(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: _public(v) for k, v in item.items() if _is_public(v)}
    return item


def _is_public(item: Any) -> bool:
    return isinstance(item, LiftedFunc | ResourceType | dict)


def missing_message(missing: list[tuple[Path, str]]) -> str:
    """One readable message for every missing import, grouped by interface, with the fix."""
    unique = list(dict.fromkeys(missing))  # a function lowered twice is reported once
    by_interface: dict[str, list[str]] = {}
    for path, item in unique:
        by_interface.setdefault("/".join(path) or "the world", []).append(item)
    lines = [f"the component's imports are not all supplied ({len(unique)} missing):"]
    lines += [f"  {iface}: {', '.join(items)}" for iface, items in by_interface.items()]
    fix = "pass implementations for them in the world's imports (`<World>Imports`)"
    if any(iface.startswith("wasi:") for iface in by_interface):
        fix += (
            "; the cabi engine has no WASI of its own: give the WASI interfaces as the imports'"
            " optional WASI fields (bindings generated from a world that imports them), or load"
            " with abi='wasmtime' and wasi=True"
        )
    return "\n".join([*lines, fix])


def _name_funcs(exports: dict[str, Any], prefix: str = "") -> None:
    for name, item in exports.items():
        if isinstance(item, LiftedFunc) and not item.name:
            item.name = prefix + name
        elif isinstance(item, dict):
            _name_funcs(item, f"{prefix}{name}#")


def instantiate(
    component: bytes | Prepared,
    store: wasmtime.Store,
    imports: ImportResolver,
    *,
    cache_dir: CacheDir = None,
    on_error: Callable[[BaseException], str] = _describe,
) -> Instantiated:
    """Instantiate `component` (its bytes, or `prepare`d once for many instances) in `store`,
    taking host imports from `imports`; `cache_dir` is where bytes' core modules are cached.

    An exception raised inside an adapter between two composed components traps the calling
    core code with the message `on_error(exc)` gives (the engine keeps the exception to re-raise).
    """
    prepared = component if isinstance(component, Prepared) else prepare(component, store.engine, cache_dir)
    linker = _Linker(store, imports, prepared, on_error)
    linker_frame = linker.run(_Closure(prepared.component, None, "root"), None)
    if linker.missing:
        raise LinkError(missing_message(linker.missing))
    _name_funcs(linker_frame.exports)
    exports = {k: _public(v) for k, v in linker_frame.exports.items() if _is_public(v)}
    return Instantiated(exports, linker.instances, linker.keep)


class _Placeholders:
    """A resolver that supplies a fresh resource type for every imported resource."""

    def resource(self, path: Path, name: str) -> ResourceType:
        return ResourceType(name)

    def func(self, path: Path, name: str, options: CanonOptions, caller: ComponentInstance) -> wasmtime.Func:
        raise KeyError(name)


def host_funcs(component: bytes | b.Component) -> dict[tuple[Path, str], t.FuncType]:
    """The component's imported functions and their types (handles name placeholder resources).

    Walks only the top-level definitions that build the type, instance and func index spaces, so
    it runs no wasm; useful to stub or check a resolver before instantiating.
    """
    decoded = component if isinstance(component, b.Component) else b.decode(component)
    linker = _Linker(wasmtime.Store(), _Placeholders(), None)
    frame = _Frame(ComponentInstance("root"), None)
    for d in decoded.definitions:
        if isinstance(d, b.TypeDef):
            ty = d.type
            item = ResourceType(f"resource#{d.index}") if isinstance(ty, t.ResourceDef) else None
            frame.space("type").append(item or linker.define_type(frame, d))
        elif isinstance(d, b.Import):
            frame.space(d.desc.kind).append(linker.import_(frame, d, None))
        elif isinstance(d, b.Alias) and d.target == "export":
            inst = frame.get("instance", d.instance)
            frame.space(d.alias_sort).append(inst.get(d.name))
        elif d.sort is not None and not d.sort.startswith("core "):
            frame.space(d.sort).append({} if d.sort == "instance" else None)
    found: dict[tuple[Path, str], t.FuncType] = {}

    def collect(item: Any) -> None:
        if isinstance(item, HostFunc) and item.type is not None:
            found[(item.path, item.name)] = item.type
        elif isinstance(item, dict):
            for v in item.values():
                collect(v)

    for sort in ("func", "instance"):
        for item in frame.space(sort):
            collect(item)
    return found
