"""Instantiating a component by running its plan (`plan.py`) over wasmtime's core API.

The plan is made once per prepared component; each instantiation runs its steps in order,
filling registers with live values: wasmtime core instances, `ComponentInstance`s,
`ResourceType`s, host functions from the resolver, fused adapters, `LiftedFunc`s. Core modules
get their imports as one `wasmtime_extern_t` array, filled in C by export name from the earlier
core instances, so the thousands of functions wired between the modules of CPython built for
wasm never become Python objects. Binary order is also what makes every `canon lower`'s memory
and realloc live by the time the host function is requested — even in wit-component output,
where the lowered functions reach the main module later through the shim table that the fixup
module fills.

Imports the resolver cannot supply (it raises `KeyError`) are collected: the run goes on
without instantiating core modules, so one `LinkError` names every missing import.

Host functions are made in one batch before the first step (`HostBatch`, one C loop): the
resource built-ins, and every lowered import when the resolver has `lower_all`
(`ImportBatchResolver`: generated bindings' `CabiInstance`) rather than one `func` per `Lower`
step. A componentize-py component lowers ~120, and one at a time each cost a few µs of Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, runtime_checkable

import wasmtime

from witgen.abi import Flattener, task_return_signature
from witgen.component import binary as b
from witgen.component import types as t
from witgen.runtime import internals
from witgen.runtime.cabi import corecheck, fastcall
from witgen.runtime.cabi.fuse import fuse
from witgen.runtime.cabi.modules import CacheDir, Prepared, decode, prepare
from witgen.runtime.cabi.plan import (
    CoreExport,
    CoreSignature,
    DefineResource,
    Fuse,
    HostFunc,
    HostResource,
    InstantiateCore,
    Lift,
    Lower,
    NewInstance,
    OptionsPlan,
    Path,
    Plan,
    Reg,
    ResourceBuiltin,
    Step,
    TaskReturn,
    plan,
)
from witgen.runtime.cabi.resolve import ResourceSlot, bind_func, bind_val
from witgen.runtime.cabi.state import (
    CanonOptions,
    ComponentInstance,
    LiftedFunc,
    ResourceType,
    resource_drop,
    resource_new,
    resource_rep,
)
from witgen.runtime.cabi.state import (
    task_return as canon_task_return,
)
from witgen.runtime.errors import LinkError, Trap

__all__ = [
    "HostBatch",
    "HostFunc",
    "ImportBatchResolver",
    "ImportResolver",
    "Instantiated",
    "LowerRun",
    "host_funcs",
    "instantiate",
    "missing_message",
]


class ImportResolver(Protocol):
    """Supplies the host side of a component's imports (implemented by generated bindings).

    `path` is the chain of import names leading to the instance, `()` for world-level imports;
    `core` is the signature the core function must have; return a `wasmtime.Func` or a
    function extern (`fastcall.HostFuncs`). Raise `KeyError` for anything not provided.
    """

    def resource(self, path: Path, name: str) -> ResourceType: ...

    def func(
        self, path: Path, name: str, options: CanonOptions, caller: ComponentInstance, core: CoreSignature
    ) -> Any: ...


class LowerRun(Protocol):
    """What an `ImportBatchResolver` may ask of the instantiation making its functions."""

    missing: list[tuple[Path, str]]

    def options(self, o: OptionsPlan) -> CanonOptions: ...
    def caller(self, s: Lower) -> ComponentInstance: ...


@runtime_checkable
class ImportBatchResolver(Protocol):
    """An `ImportResolver` giving every lowered import's body at once, before any core module
    is instantiated; the instantiation makes their functions in one loop. A function's options
    (its memory, realloc) and the calling instance exist only later: ask `run.options(
    step.options)` and `run.caller(step)` when the body is made, on the first call (the
    instantiation checks every options' items exist before it returns)."""

    def resource(self, path: Path, name: str) -> ResourceType: ...

    def lower_all(self, lowers: Sequence[Lower], run: LowerRun) -> fastcall.LazyBodies | None:
        """What makes the body of each of the `lowers`' functions, by index; None if some
        imports are not supplied, after adding each one's (path, name) to `run.missing`."""
        ...


@dataclass(eq=False)
class HostBatch:
    """The host functions an instantiation makes in one batch before its first step: the
    resource built-ins, and the lowered imports when the resolver is an
    `ImportBatchResolver`. Made once per component (and kind of resolver)."""

    lowers: list[Lower]
    builtins: list[ResourceBuiltin]
    steps: list[Step]
    """The plan's other steps, left to run in order."""
    registers: list[int]
    """Where each function goes, lowers first."""
    signatures: fastcall.Signatures
    """The core signature of each function, as slot codes."""
    options: list[OptionsPlan]
    """The lowers' distinct options, checked once the instance is built."""

    @classmethod
    def of(cls, steps: list[Step], with_lowers: bool) -> HostBatch:
        lowers = [s for s in steps if type(s) is Lower] if with_lowers else []
        builtins = [s for s in steps if type(s) is ResourceBuiltin]
        batched = {Lower, ResourceBuiltin} if with_lowers else {ResourceBuiltin}
        signatures = [(fastcall.slot_codes(s.core[0]), fastcall.slot_codes(s.core[1])) for s in lowers]
        signatures += [_BUILTIN_SIGNATURES[s.op] for s in builtins]
        return cls(
            lowers,
            builtins,
            [s for s in steps if type(s) not in batched],
            [s.reg for s in (*lowers, *builtins)],
            fastcall.Signatures(signatures),
            list({id(s.options): s.options for s in lowers}.values()),
        )


@dataclass
class Instantiated:
    """`exports` maps export names to `LiftedFunc`s, `ResourceType`s or exported instances (dicts)."""

    exports: dict[str, Any]
    instances: list[ComponentInstance]
    keep: list[Any]
    """Adapters whose ctypes callbacks wasm may call: keep them alive as long as the instance."""


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


_BUILTINS: dict[str, Callable[[ComponentInstance, ResourceType, int], Any]] = {
    "resource.new": resource_new,
    "resource.rep": resource_rep,
    "resource.drop": resource_drop,
}
_BUILTIN_SIGNATURES = {"resource.new": ("I", "I"), "resource.rep": ("I", "I"), "resource.drop": ("I", "")}


class _Builtins:
    """The resource built-ins' bodies, each made on its first call (`fastcall.LazyBodies`):
    their instances and resource types are registers filled later in the run."""

    def __init__(self, run: _Run, steps: list[ResourceBuiltin]) -> None:
        self.run, self.steps = run, steps

    def make_body(self, i: int) -> Callable[..., Any]:
        regs, s = self.run.regs, self.steps[i]
        return partial(_BUILTINS[s.op], regs[s.caller], regs[s.resource])

    def on_error(self, i: int, exc: BaseException) -> str:
        return self.run.on_error(exc)


class _Batch:
    """The `LazyBodies` of a `HostBatch`: the resolver's for its lowers, then the built-ins'."""

    def __init__(self, lowered: fastcall.LazyBodies | None, lowers: int, builtins: _Builtins) -> None:
        self.lowered, self.lowers, self.builtins = lowered, lowers, builtins

    def make_body(self, i: int) -> Callable[..., Any]:
        if i < self.lowers:
            assert self.lowered is not None
            return self.lowered.make_body(i)
        return self.builtins.make_body(i - self.lowers)

    def on_error(self, i: int, exc: BaseException) -> str:
        if i < self.lowers:
            assert self.lowered is not None
            return self.lowered.on_error(i, exc)
        return self.builtins.on_error(i - self.lowers, exc)


class _Run:
    """One instantiation: the plan's registers, and what the steps collect on the way."""

    def __init__(
        self,
        store: wasmtime.Store,
        resolver: ImportResolver | ImportBatchResolver,
        prepared: Prepared,
        registers: int,
        on_error: Callable[[BaseException], str],
    ) -> None:
        self.store = store
        self.ctx = fastcall.context_address(store)
        self.resolver = resolver
        self.batch_resolver: ImportBatchResolver | None = None
        """The resolver when it gives every lowered import at once (`make_host_funcs`)."""
        self.funcs: ImportResolver | None = None
        """The resolver otherwise, asked for each `Lower` step's function."""
        if isinstance(resolver, ImportBatchResolver):
            self.batch_resolver = resolver
        else:
            self.funcs = resolver
        self.prepared = prepared
        self.on_error = on_error
        self.regs: list[Any] = [None] * registers
        self.addresses: dict[int, int] = {}
        """Register -> address of the `wasmtime_instance_t` of each core instance."""
        self.exported: dict[CoreExport, Any] = {}
        self.keep: list[Any] = []
        self.missing: list[tuple[Path, str]] = []
        """(instance path, item) of each import the resolver does not supply."""
        self.instances: list[ComponentInstance] = []
        self.resolved_options: dict[int, CanonOptions] = {}
        """By the identity of the plan's (interned) options."""

    def value(self, v: Any) -> Any:
        """The live value of a plan value."""
        kind = type(v)
        if kind is Reg:
            return self.regs[v.index]
        if kind is CoreExport:
            return self.core_export(v)
        if kind is ResourceSlot:
            return self.regs[v.reg]
        if kind is dict:
            return {k: self.value(x) for k, x in v.items()}
        return v

    def core_export(self, v: CoreExport) -> Any:
        found = self.exported.get(v)
        if found is None:
            instance = self.regs[v.instance]
            if instance is None:  # not instantiated: imports are missing
                return None
            try:
                found = self.exported[v] = fastcall.core_export(self.store, instance, v.name)
            except KeyError:
                raise LinkError(v.error) from None
        return found

    def resource_type(self, slot: ResourceSlot) -> ResourceType:
        rt: ResourceType = self.regs[slot.reg]
        return rt

    def options(self, o: OptionsPlan) -> CanonOptions:
        found = self.resolved_options.get(id(o))
        if found is None:
            found = self.resolved_options[id(o)] = self._options(o)
        return found

    def _options(self, o: OptionsPlan) -> CanonOptions:
        value = self.value
        return CanonOptions(
            memory=None if o.memory is None else value(o.memory),
            realloc=None if o.realloc is None else value(o.realloc),
            post_return=None if o.post_return is None else value(o.post_return),
            string_encoding=o.string_encoding,
            is_async=o.is_async,
            callback=None if o.callback is None else value(o.callback),
        )

    # --- the steps (each fills register `step.reg`) -----------------------------------------

    def new_instance(self, s: NewInstance) -> None:
        inst = ComponentInstance(s.name)
        self.instances.append(inst)
        self.regs[s.reg] = inst

    def host_resource(self, s: HostResource) -> None:
        try:
            self.regs[s.reg] = self.resolver.resource(s.path, s.name)
        except KeyError:
            self.missing.append((s.path, f"resource {s.name}"))
            self.regs[s.reg] = ResourceType(s.name)

    def lower(self, s: Lower) -> None:
        try:
            options = self.options(s.options)
            assert self.funcs is not None, "a batch resolver's lowers are made by `lower_all`"
            self.regs[s.reg] = self.funcs.func(s.path, s.name, options, self.regs[s.caller], s.core)
        except KeyError:
            self.missing.append((s.path, s.name))

    def define_resource(self, s: DefineResource) -> None:
        rt = ResourceType(s.slot.name, instance=self.regs[s.instance])
        if s.dtor is not None:
            func, store = fastcall.func_of(self.value(s.dtor)), self.store
            rt.dtor = lambda rep: func(store, rep)
        self.regs[s.reg] = rt

    def instantiate_core(self, s: InstantiateCore) -> None:
        compiled = self.prepared.module(s.module)
        pool = self.prepared.import_arrays
        imports = pool.take(s.reg, s.count, s.by_name)
        try:
            error = imports.fill(self.ctx, self.addresses)
            if error is not None:
                raise LinkError(error)
            for position, v in s.by_value:
                item = self.value(v)
                imports.put(position, item if type(item) is fastcall.EXTERN else internals.extern_of(item))
            instance_ = fastcall.new_instance(self.store, compiled.module, imports.externs)
        except wasmtime.Trap as exc:
            raise Trap(f"{s.where} trapped while starting: {exc}") from exc
        except wasmtime.WasmtimeError as exc:
            raise LinkError(f"{s.where} cannot be instantiated: {exc}") from exc
        finally:
            pool.give(s.reg, imports)
        self.regs[s.reg] = instance_
        self.addresses[s.reg] = fastcall.instance_address(instance_)

    def lift(self, s: Lift) -> None:
        ft = bind_func(s.type, self.resource_type) if s.binds else s.type
        self.regs[s.reg] = LiftedFunc(
            self.regs[s.instance],
            ft,
            s.name,
            lambda: (fastcall.func_of(self.value(s.core)), self.options(s.options)),
        )

    def fuse(self, s: Fuse) -> None:
        adapter, body = fuse(
            self.store,
            self.regs[s.callee],
            self.regs[s.caller],
            self.options(s.options),
            s.label,
            self.on_error,
        )
        self.keep += (adapter, body)
        self.regs[s.reg] = adapter

    def task_return(self, s: TaskReturn) -> None:
        inst = self.regs[s.instance]
        options = self.options(s.options)
        result = None if s.result is None else bind_val(s.result, self.resource_type)
        sig = task_return_signature(Flattener(), t.FuncType((), result))

        def body(*flat: Any) -> None:
            canon_task_return(inst, result, options, list(flat))

        func, owner = fastcall.host_func(self.store, fastcall.slot_codes(sig.params), "", body, self.on_error)
        self.keep += (func, owner)
        self.regs[s.reg] = func

    def caller(self, s: Lower) -> ComponentInstance:
        caller: ComponentInstance = self.regs[s.caller]
        return caller

    def make_host_funcs(self, batch: HostBatch) -> None:
        """Make the batch's functions in one loop, each body on its first call."""
        lowered = None
        if batch.lowers:
            assert self.batch_resolver is not None, "the batch has lowers only for a batch resolver"
            lowered = self.batch_resolver.lower_all(batch.lowers, self)
            if lowered is None:
                return  # imports are missing: the run only looks for the rest of them
        if not batch.registers:
            return
        funcs = fastcall.HostFuncs(self.store)
        self.keep.append(funcs)
        bodies = _Batch(lowered, len(batch.lowers), _Builtins(self, batch.builtins))
        externs = funcs.add_all(batch.signatures, bodies)
        regs = self.regs
        for i, reg in enumerate(batch.registers):
            regs[reg] = externs[i]

    def run(self, steps: list[Step]) -> None:
        handlers = _HANDLERS
        for step in steps:
            kind = type(step)
            if self.missing and kind not in _WHILE_MISSING:
                continue  # imports are missing: only look for the rest of them
            handlers[kind](self, step)


_HANDLERS: dict[type, Callable[[_Run, Any], None]] = {
    NewInstance: _Run.new_instance,
    HostResource: _Run.host_resource,
    Lower: _Run.lower,
    DefineResource: _Run.define_resource,
    InstantiateCore: _Run.instantiate_core,
    Lift: _Run.lift,
    Fuse: _Run.fuse,
    TaskReturn: _Run.task_return,
}
_WHILE_MISSING = {NewInstance, HostResource, Lower}
"""The steps still run once an import is missing: those that find more missing imports."""


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
            "; WASI 0.2 comes from wasi=True or wasi=witgen.wasi.Wasi(...) (witgen's WASI in Python),"
            " which implements every 0.2.x interface; other WASI versions and proposals must be"
            " given as imports"
        )
    return "\n".join([*lines, fix])


def plan_of(prepared: Prepared) -> Plan:
    """The component's plan, made and checked (`corecheck`) on first use, once per process."""
    if prepared.plan is None:
        made = plan(prepared.component, lambda d: prepared.module(d).imports)
        corecheck.check(made, lambda s, names: prepared.module(s.module).exports(names))
        prepared.plan = made
    return prepared.plan


def _batch_of(prepared: Prepared, the_plan: Plan, with_lowers: bool) -> HostBatch:
    found = prepared.batches.get(with_lowers)
    if found is None:
        found = prepared.batches[with_lowers] = HostBatch.of(the_plan.steps, with_lowers)
    return found


def instantiate(
    component: bytes | Prepared,
    store: wasmtime.Store,
    imports: ImportResolver | ImportBatchResolver,
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
    the_plan = plan_of(prepared)
    run = _Run(store, imports, prepared, len(the_plan.steps), on_error)
    batch = _batch_of(prepared, the_plan, run.batch_resolver is not None)
    run.make_host_funcs(batch)
    run.run(batch.steps)
    if not run.missing:
        for o in batch.options:  # what the lowers' bodies ask when they are made: check it now
            run.options(o)
    if run.missing:
        raise LinkError(missing_message(run.missing))
    return Instantiated(run.value(the_plan.exports), run.instances, run.keep)


def host_funcs(component: bytes | b.Component) -> dict[tuple[Path, str], t.FuncType]:
    """The component's imported functions and their types (handles name placeholder resources).

    Plans the component without compiling or running anything; useful to stub or check a
    resolver before instantiating.
    """
    decoded = component if isinstance(component, b.Component) else decode(component)
    the_plan = plan(decoded, lambda d: [])
    placeholders: dict[int, ResourceType] = {}

    def placeholder(slot: ResourceSlot) -> ResourceType:
        return placeholders.setdefault(slot.reg, ResourceType(slot.name))

    found: dict[tuple[Path, str], t.FuncType] = {}

    def collect(item: Any) -> None:
        if isinstance(item, HostFunc) and item.type is not None:
            found[(item.path, item.name)] = bind_func(item.type, placeholder)
        elif isinstance(item, dict):
            for v in item.values():
                collect(v)

    collect(the_plan.imports)
    return found
