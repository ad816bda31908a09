"""Planning a component's instantiation once, so that each instance only runs its steps.

Walking a component's definitions resolves index spaces, alias chains, inline instances, nested
components and types, and none of that differs between two instances of one component. The
planner walks once, with symbolic values in the index spaces, and records only what every
instance must really do, in binary order: create component instances and resource types, ask
the host for imports, instantiate core modules (each import already wired to a core instance's
export by name), lower, fuse and lift functions. CPython built by componentize-py has ~2400
definitions but ~350 steps; the ~2200 core exports wired between its modules are passed from
instance to instance without ever becoming Python objects (`instantiate.py`).

Symbolic values: `Reg(i)` is what step i leaves in register i at instantiation (a wasmtime core
instance, a `ComponentInstance`, a lowered function, a `LiftedFunc`, a `ResourceType`);
`CoreExport` is an export of a core instance, fetched when needed; `ResourceSlot` stands for the
`ResourceType` a register will hold, inside resolved types (bound per instance, see
`resolve.bind_func`); dicts are instances (component instances: export name -> value; inline
core instances: name -> value). Anything else (types, module definitions) is instance-independent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from witgen.abi import core_types
from witgen.component import binary as b
from witgen.component import types as t
from witgen.runtime.cabi.resolve import (
    ResourceSlot,
    ScopedType,
    TypeMeasure,
    mentions_resources,
    resolve_func,
    resolve_val,
)
from witgen.runtime.errors import LinkError

Path = tuple[str, ...]


@dataclass(frozen=True)
class Reg:
    """The value step `index` puts in register `index` at instantiation."""

    index: int


@dataclass(frozen=True)
class CoreExport:
    """Export `name` of the core instance in register `instance`; `error` if it has none."""

    instance: int
    name: str
    error: str


@dataclass(frozen=True)
class HostFunc:
    """An imported component function, lowered by asking the resolver for a core function."""

    path: Path
    name: str
    type: t.FuncType | None


Value = Any
"""A `Reg`, `CoreExport`, `ResourceSlot`, `HostFunc`, instance dict, or an instance-independent item."""


# --- steps -------------------------------------------------------------------------------------


@dataclass(eq=False)
class Step:
    reg: int


@dataclass(eq=False)
class NewInstance(Step):
    """A `ComponentInstance` (root first, then every nested instance as it is instantiated)."""

    name: str


@dataclass(eq=False)
class HostResource(Step):
    """An imported resource type, from the resolver."""

    path: Path
    name: str


@dataclass(eq=False)
class DefineResource(Step):
    """A resource type the component defines: a fresh `ResourceType` per instance."""

    slot: ResourceSlot
    instance: int
    dtor: Value | None


@dataclass(eq=False)
class InstantiateCore(Step):
    """A core module instantiation. Its imports, in the module's order, are either exports of
    earlier core instances (`by_name`: position, instance register, encoded name, error) or
    values the host side made (`by_value`: position, value)."""

    module: b.CoreModule
    count: int
    by_name: tuple[tuple[int, int, bytes, str], ...]
    by_value: tuple[tuple[int, Value], ...]
    where: str


@dataclass(frozen=True)
class OptionsPlan:
    """Canonical options with symbolic memory and functions (see `state.CanonOptions`)."""

    memory: Value | None = None
    realloc: Value | None = None
    post_return: Value | None = None
    string_encoding: str = "utf8"
    is_async: bool = False
    callback: Value | None = None


CoreSignature = tuple[tuple[str, ...], tuple[str, ...]]
"""Core (params, results) value types, e.g. `(("i32", "i32"), ("i64",))`."""


@dataclass(eq=False)
class Lower(Step):
    """A host import lowered for the component instance in register `caller`; `core` is the
    signature the core function must have (CanonicalABI.md `flatten_functype`, "lower"), `type`
    the component function type the bindings' import is checked against."""

    path: Path
    name: str
    options: OptionsPlan
    caller: int
    core: CoreSignature
    type: t.FuncType


@dataclass(eq=False)
class Lift(Step):
    """A `LiftedFunc`; `type` holds `ResourceSlot`s when `binds` (bound per instance)."""

    core: Value
    options: OptionsPlan
    instance: int
    type: t.FuncType
    binds: bool
    name: str = ""


@dataclass(eq=False)
class Fuse(Step):
    """A function lifted by one component instance, lowered into another (an adapter)."""

    callee: int
    caller: int
    options: OptionsPlan
    label: str


@dataclass(eq=False)
class TaskReturn(Step):
    """`canon task.return` for the component instance in register `instance`: the core function
    an async-lifted function of that instance calls with its result (`result`, resolved; None
    for none), lifted with `options` (CanonicalABI.md `canon_task_return`)."""

    instance: int
    result: t.ValType | None
    options: OptionsPlan


@dataclass(eq=False)
class ResourceBuiltin(Step):
    """`resource.new`, `resource.rep` or `resource.drop` for the instance in register `caller`."""

    op: str
    caller: int
    resource: int


@dataclass
class Plan:
    """The steps of one instantiation (step i fills register i), and where the exports are."""

    steps: list[Step]
    exports: dict[str, Value]
    """The root's public exports: `Reg`s of lifts, `ResourceSlot`s, dicts of the same."""
    imports: dict[str, Value]
    """The root's imports, symbolic (what `host_funcs` reads)."""


# --- the planner -------------------------------------------------------------------------------


@dataclass(eq=False)
class _Closure:
    component: b.Component
    parent: _Frame | None
    name: str


@dataclass(eq=False)
class _Frame:
    name: str
    inst: int
    parent: _Frame | None
    spaces: dict[str, list[Any]] = field(default_factory=dict)
    exports: dict[str, Any] = field(default_factory=dict)

    def space(self, sort: str) -> list[Any]:
        return self.spaces.setdefault(sort, [])

    def get(self, sort: str, index: int) -> Any:
        space = self.spaces.get(sort, [])
        if not 0 <= index < len(space):
            raise LinkError(f"{self.name}: {sort} index {index} is out of range")
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


ModuleImports = Callable[[b.CoreModule], list[tuple[str, str]]]
"""The (module, name) of each import of a core module, in order (the compiled module knows)."""


class _Planner:
    def __init__(self, module_imports: ModuleImports) -> None:
        self.module_imports = module_imports
        self.steps: list[Step] = []
        self.lifts: dict[int, Lift] = {}
        self.root_imports: dict[str, Any] = {}
        self.known_options: dict[OptionsPlan, OptionsPlan] = {}
        """Equal options are one object, so an instance resolves each once (by identity)."""
        self.measure = TypeMeasure()
        """Refuses types too deep or too large to walk (`resolve.MAX_TYPE_DEPTH`, `MAX_TYPE_SIZE`)."""

    def add(self, step: Step) -> Reg:
        self.steps.append(step)
        return Reg(step.reg)

    @property
    def next_reg(self) -> int:
        return len(self.steps)

    # --- host imports ------------------------------------------------------------------------

    def resource(self, path: Path, name: str) -> ResourceSlot:
        slot = ResourceSlot(self.next_reg, name)
        self.add(HostResource(slot.reg, path, name))
        return slot

    def host_instance(self, path: Path, scoped: ScopedType) -> dict[str, Any]:
        """The exports of an imported instance, from its declared type."""
        exports: dict[str, Any] = {}
        local: list[Any] = []
        instances: list[dict[str, Any]] = []
        for decl in scoped.type.decls:
            if isinstance(decl, t.TypeDecl):
                local.append(_declared_type(decl.type, local, scoped.outer, self.measure))
            elif isinstance(decl, t.AliasDecl):
                alias: b.Alias = decl.alias
                if alias.target == "outer" and alias.alias_sort == "type":
                    if alias.count > len(scoped.outer):
                        raise LinkError(f"an outer alias in the type of import {path[0]!r} reaches too far")
                    space = local if alias.count == 0 else scoped.outer[alias.count - 1]
                    local.append(_at(space, alias.outer_index, "type"))
                elif alias.target == "export" and alias.alias_sort == "type":
                    inst = _at(instances, alias.instance, "instance")
                    if alias.name not in inst:
                        raise LinkError(
                            f"instance {alias.instance} in an import's type has no {alias.name!r}"
                        )
                    local.append(inst[alias.name])
                else:
                    raise LinkError(f"unsupported alias in the type of import {_qualified(path, '')}")
            elif isinstance(decl, t.ExportDecl):
                name, desc = decl.name.name, decl.desc
                if desc.kind == "type":
                    item = (
                        self.resource(path, name)
                        if desc.sub_resource
                        else _at(local, desc.index or 0, "type")
                    )
                    local.append(item)
                    exports[name] = item
                elif desc.kind == "func":
                    ft = _at(local, desc.index or 0, "type")
                    exports[name] = HostFunc(path, name, ft if isinstance(ft, t.FuncType) else None)
                elif desc.kind == "instance":
                    inner = _at(local, desc.index or 0, "type")
                    if not isinstance(inner, ScopedType) or not isinstance(inner.type, t.InstanceType):
                        raise LinkError(f"the type of {_qualified(path, name)} is not an instance type")
                    value = self.host_instance((*path, name), ScopedType(inner.type, (local, *scoped.outer)))
                    instances.append(value)
                    exports[name] = value
                # core modules, components, values exported by a host instance cannot be used
        return exports

    # --- the walk ----------------------------------------------------------------------------

    def run(self, closure: _Closure, args: dict[str, Any] | None) -> _Frame:
        inst = self.add(NewInstance(self.next_reg, closure.name)).index
        frame = _Frame(closure.name, inst, closure.parent)
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
                frame.space("core instance").append({name: frame.get(sort, i) for name, sort, i in d.exports})
            case b.CoreTypeDef():
                frame.space("core type").append(d.type)
            case b.NestedComponent():
                name = f"{frame.name}/component{d.index}"
                frame.space("component").append(_Closure(d.component, frame, name))
            case b.Instantiate():
                closure = frame.get("component", d.component)
                if not isinstance(closure, _Closure):
                    raise LinkError(f"{frame.name}: component {d.component} is not a component definition")
                inner_args = {name: frame.get(sort, i) for name, sort, i in d.args}
                child = _Closure(closure.component, closure.parent, f"{frame.name}/instance{d.index}")
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
                raise LinkError(f"{frame.name}: component start functions are not supported")
            case b.Import():
                item = self.import_(frame, d, args)
                frame.space(d.desc.kind).append(item)
                if args is None:
                    self.root_imports[d.name.name] = item
            case b.Export():
                self.export(frame, d)
            case b.Value():
                raise LinkError(f"{frame.name}: component values are not supported")
            case _:  # pragma: no cover
                raise LinkError(f"unknown definition {d!r}")

    def export(self, frame: _Frame, d: b.Export) -> None:
        item = frame.get(d.export_sort, d.target)
        name = d.name.name
        if isinstance(item, ResourceSlot) and item.name.startswith("resource#"):
            item.name = name
        lift = self.lift_of(item)
        if lift is not None and not lift.name:
            lift.name = name
        frame.space(d.export_sort).append(item)
        frame.exports[name] = item

    def lift_of(self, item: Any) -> Lift | None:
        return self.lifts.get(item.index) if isinstance(item, Reg) else None

    def core_instantiate(self, frame: _Frame, d: b.CoreInstantiate) -> Reg:
        module_def: b.CoreModule = frame.get("core module", d.module)
        where = f"{frame.name}: core module {d.module}"
        if not isinstance(module_def, b.CoreModule):
            raise LinkError(f"{where} is not a core module")
        names = self.module_imports(module_def)
        args = {name: frame.get("core instance", i) for name, i in d.args}
        by_name: list[tuple[int, int, bytes, str]] = []
        by_value: list[tuple[int, Any]] = []
        for position, (imp_module, imp_name) in enumerate(names):
            source = args.get(imp_module)
            if source is None:
                raise LinkError(f"{where} imports from {imp_module!r}, which is not supplied")
            if not isinstance(source, Reg | dict):
                raise LinkError(f"{where}: the argument {imp_module!r} is not a core instance")
            not_exported = f"{where} needs {imp_module}.{imp_name}, which is not exported"
            if isinstance(source, Reg):
                item: Any = CoreExport(source.index, imp_name, not_exported)
            elif imp_name in source:
                item = source[imp_name]
            else:
                raise LinkError(not_exported)
            if isinstance(item, CoreExport):
                by_name.append((position, item.instance, item.name.encode(), item.error))
            else:
                by_value.append((position, item))
        step = InstantiateCore(self.next_reg, module_def, len(names), tuple(by_name), tuple(by_value), where)
        return self.add(step)

    def alias(self, frame: _Frame, d: b.Alias) -> Any:
        if d.target == "export":
            inst = frame.get("instance", d.instance)
            if not isinstance(inst, dict):
                raise LinkError(f"{frame.name}: instance {d.instance} is not an instance")
            if d.name not in inst:
                raise LinkError(f"{frame.name}: instance {d.instance} has no export {d.name!r}")
            return inst[d.name]
        if d.target == "core export":
            core = frame.get("core instance", d.instance)
            if not isinstance(core, Reg | dict):
                raise LinkError(f"{frame.name}: core instance {d.instance} is not a core instance")
            if isinstance(core, Reg):
                error = f"{frame.name}: core instance {d.instance} has no export {d.name!r}"
                return CoreExport(core.index, d.name, error)
            if d.name not in core:
                raise LinkError(f"{frame.name}: core instance {d.instance} has no export {d.name!r}")
            return core[d.name]
        f: _Frame | None = frame
        for _ in range(d.count):
            f = f.parent if f is not None else None
        if f is None:
            raise LinkError(f"{frame.name}: outer alias reaches past the outermost component")
        return f.get(d.alias_sort, d.outer_index)

    def define_type(self, frame: _Frame, d: b.TypeDef) -> Any:
        ty = d.type
        if isinstance(ty, t.ResourceDef):
            if ty.dtor is not None and ty.is_async:
                raise LinkError(f"{frame.name}: async resource destructors are not supported")
            slot = ResourceSlot(self.next_reg, f"resource#{d.index}")
            dtor = None if ty.dtor is None else frame.get("core func", ty.dtor)
            self.add(DefineResource(slot.reg, slot, frame.inst, dtor))
            return slot
        return _declared_type(ty, frame.space("type"), frame.type_chain()[1:], self.measure)

    def import_(self, frame: _Frame, d: b.Import, args: dict[str, Any] | None) -> Any:
        name, desc = d.name.name, d.desc
        if args is not None:
            if name not in args:
                raise LinkError(f"{frame.name}: import {name!r} of a nested component is not supplied")
            return args[name]
        if desc.kind == "instance":
            scoped = frame.get("type", desc.index or 0)
            if not isinstance(scoped, ScopedType) or not isinstance(scoped.type, t.InstanceType):
                raise LinkError(f"import {name!r}: type {desc.index} is not an instance type")
            return self.host_instance((name,), scoped)
        if desc.kind == "func":
            ft = frame.get("type", desc.index or 0)
            return HostFunc((), name, ft if isinstance(ft, t.FuncType) else None)
        if desc.kind == "type":
            return self.resource((), name) if desc.sub_resource else frame.get("type", desc.index or 0)
        raise LinkError(f"import {name!r}: importing a {desc.kind} is not supported by witgen's cabi engine")

    # --- canonical definitions ---------------------------------------------------------------

    def options(self, frame: _Frame, opts: b.CanonOpts | None) -> OptionsPlan:
        o = opts or b.CanonOpts()
        plan = OptionsPlan(
            memory=None if o.memory is None else frame.get("core memory", o.memory),
            realloc=None if o.realloc is None else frame.get("core func", o.realloc),
            post_return=None if o.post_return is None else frame.get("core func", o.post_return),
            string_encoding=o.string_encoding,
            is_async=o.is_async,
            callback=None if o.callback is None else frame.get("core func", o.callback),
        )
        return self.known_options.setdefault(plan, plan)

    def canon(self, frame: _Frame, d: b.Canon) -> None:
        where = f"{frame.name}: canon {d.op}"
        if d.op == "lift":
            ft = frame.get("type", d.type or 0)
            if not isinstance(ft, t.FuncType):
                raise LinkError(f"{where}: type {d.type} is not a function type")
            core = frame.get("core func", d.func or 0)
            lift = Lift(
                self.next_reg, core, self.options(frame, d.opts), frame.inst, ft, mentions_resources(ft)
            )
            self.lifts[lift.reg] = lift
            frame.space("func").append(self.add(lift))
            return
        if d.op == "lower":
            frame.space("core func").append(self.lower(frame, d))
            return
        if d.op in ("resource.new", "resource.drop", "resource.rep"):
            rt = frame.get("type", d.type or 0)
            if not isinstance(rt, ResourceSlot):
                raise LinkError(f"{where}: type {d.type} is not a resource type")
            if d.is_async:
                raise LinkError(f"{where} async ({rt.name}) is not supported by witgen's cabi engine")
            frame.space("core func").append(
                self.add(ResourceBuiltin(self.next_reg, d.op, frame.inst, rt.reg))
            )
            return
        if d.op == "task.return":
            result = None
            if d.result is not None:
                result = _declared_type(d.result, frame.space("type"), frame.type_chain()[1:], self.measure)
            options = self.options(frame, d.opts)
            if options.is_async or options.callback is not None or options.post_return is not None:
                raise LinkError(
                    f"{where}: task.return takes only memory, realloc and string-encoding options"
                )
            frame.space("core func").append(self.add(TaskReturn(self.next_reg, frame.inst, result, options)))
            return
        raise LinkError(f"{where} (core func {d.index}) is not supported by witgen's cabi engine")

    def lower(self, frame: _Frame, d: b.Canon) -> Reg:
        f = frame.get("func", d.func or 0)
        options = self.options(frame, d.opts)
        if isinstance(f, HostFunc):
            label = _qualified(f.path, f.name)
            if options.is_async:
                raise LinkError(f"{frame.name}: async canon lower of {label} is not supported")
            if f.type is None:
                raise LinkError(f"{frame.name}: canon lower of {label}, whose type is not a function type")
            params, results = core_types(f.type, "lower")
            return self.add(
                Lower(
                    self.next_reg,
                    f.path,
                    f.name,
                    options,
                    frame.inst,
                    (tuple(params), tuple(results)),
                    f.type,
                )
            )
        lift = self.lift_of(f)
        if lift is not None:
            label = lift.name or f"func {d.func} of {self.instance_name(lift.instance)}"
            return self.add(Fuse(self.next_reg, lift.reg, frame.inst, options, label))
        raise LinkError(f"{frame.name}: canon lower of func {d.func}, which is not a function")

    def instance_name(self, reg: int) -> str:
        step = self.steps[reg]
        assert isinstance(step, NewInstance)
        return step.name


def _at(space: list[Any], index: int, what: str) -> Any:
    if not 0 <= index < len(space):
        raise LinkError(f"{what} index {index} is out of range")
    return space[index]


def _declared_type(
    ty: t.DefType, space: list[Any], outer: tuple[list[Any], ...], measure: TypeMeasure
) -> Any:
    if isinstance(ty, t.ComponentType | t.InstanceType):
        return ScopedType(ty, (space, *outer))
    if isinstance(ty, t.ResourceDef):
        raise LinkError("resource types cannot be defined inside component or instance types")
    resolved = resolve_func(ty, space) if isinstance(ty, t.FuncType) else resolve_val(ty, space)
    measure.check(resolved)
    return resolved


def _public(item: Any, lifts: dict[int, Lift]) -> Any:
    """The exports the host sees: lifted functions, resource types, instances of the same."""
    if isinstance(item, dict):
        return {k: _public(v, lifts) for k, v in item.items() if _is_public(v, lifts)}
    return item


def _is_public(item: Any, lifts: dict[int, Lift]) -> bool:
    return isinstance(item, dict | ResourceSlot) or (isinstance(item, Reg) and item.index in lifts)


def _name_funcs(exports: dict[str, Any], lifts: dict[int, Lift], prefix: str = "") -> None:
    for name, item in exports.items():
        lift = lifts.get(item.index) if isinstance(item, Reg) else None
        if lift is not None and not lift.name:
            lift.name = prefix + name
        elif isinstance(item, dict):
            _name_funcs(item, lifts, f"{prefix}{name}#")


def plan(component: b.Component, module_imports: ModuleImports) -> Plan:
    """The instantiation plan of `component`; raises `LinkError` for what the engine cannot run."""
    planner = _Planner(module_imports)
    try:
        root = planner.run(_Closure(component, None, "root"), None)
    except (IndexError, KeyError, AttributeError, TypeError, ValueError, RecursionError) as exc:
        # A safety net: every case found so far has its own check and message.
        raise LinkError(f"the component is malformed ({type(exc).__name__}: {exc})") from None
    _name_funcs(root.exports, planner.lifts)
    exports = {k: _public(v, planner.lifts) for k, v in root.exports.items() if _is_public(v, planner.lifts)}
    return Plan(planner.steps, exports, planner.root_imports)
