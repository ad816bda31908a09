"""The cabi engine's `CabiInstance`: the same linking and call-site API generated bindings use
with the wasmtime engine (`witgen.runtime.wasmtime.instance.Instance`), run over core wasm.

Generated code passes every function twice: as codecs (for the wasmtime engine and for error
messages) and as a `cabi=` factory, generated Python specialised to the function's types.
This module gives those factories their sites: `ExportSite` (a lifted core function, its
options and instance) and `ImportSite` (the host's implementation and the caller's options).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import wasmtime

from witgen.abi import core_types
from witgen.runtime import internals
from witgen.runtime.cabi import exportcheck, fastcall, state, support, versions
from witgen.runtime.cabi.fastcall import CoreFault, Memory
from witgen.runtime.cabi.gate import store_gate
from witgen.runtime.cabi.instantiate import LowerRun, instantiate, plan_of
from witgen.runtime.cabi.modules import CacheDir, Prepared, prepare
from witgen.runtime.cabi.plan import Lower
from witgen.runtime.codecs import Codec, HostTable
from witgen.runtime.engines import Abi, CompiledComponent, Engine
from witgen.runtime.errors import AbiViolation, InstanceDead, LinkError, Trap
from witgen.runtime.guest import bind_guest_class
from witgen.runtime.limits import NO_LIMITS, Guard, Limits, Timeout, setup_store, trap_type
from witgen.runtime.loading import check_engine, text_to_binary
from witgen.runtime.wasi import WasiArg, python_wasi

_type_ids = count(1)


@dataclass
class CabiComponent(CompiledComponent):
    """A component loaded for the cabi engine: decoded, its core modules compiled (and cached
    on disk), once per process and engine (`modules.prepare`)."""

    prepared: Prepared
    engine: wasmtime.Engine


@dataclass(slots=True)
class _ImportDef:
    qualname: str
    params: list[tuple[str, Codec]]
    result: Codec | None
    impl: Callable[..., Any]
    factory: Callable[[ImportSite], Callable[..., Any]]


@dataclass
class _HostResource:
    table: HostTable
    rt: state.ResourceType


@dataclass
class SiteResource:
    """A resource type as a call site sees it: the runtime type and how Python holds it."""

    rt: state.ResourceType
    guest: bool
    key: str
    instance: CabiInstance
    table: HostTable | None = None


class CabiHandle:
    """What a guest resource object holds on the cabi engine (`GuestHandle`'s counterpart):
    the rep while the host owns it (`any`, None once dropped or moved) and the instance."""

    __slots__ = ("any", "instance", "rt")

    def __init__(self, rep: int, instance: CabiInstance, rt: state.ResourceType) -> None:
        self.any: int | None = rep
        self.instance = instance
        self.rt = rt


class CabiInstance:
    """One component run by witgen's own Canonical ABI code."""

    abi = "cabi"

    def __init__(
        self,
        component: CabiComponent,
        *,
        engine: wasmtime.Engine,
        store: wasmtime.Store | None = None,
        wasi: WasiArg = None,
        wasi_http: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.python_wasi = python_wasi(wasi, "cabi")
        """The `witgen.wasi` policy to link (the cabi engine's only WASI), if any."""
        self.wasi_session: object | None = None
        """That WASI's state for this instance, once linked."""
        self.component = component
        self.engine = engine
        self.store = store if store is not None else wasmtime.Store(engine)
        self.limits = limits or NO_LIMITS
        self.guard: Guard | None = None
        """Re-arms the store's deadline and fuel per call (`limits.Guard`), if it has them."""
        if limits is not None:
            settings = check_engine(engine, limits)
            self.guard = setup_store(self.store, engine, limits, settings.epoch, settings.fuel)
        self.dead: str | None = None
        self.pending: BaseException | None = None
        self.guest_classes: dict[str, type[Any]] = {}
        self.host_tables: dict[str, HostTable] = {}
        self._funcs: versions.Imports[_ImportDef] = versions.Imports()
        self._host_resources: versions.Imports[_HostResource] = versions.Imports()
        self._host_resources_by_key: dict[str, _HostResource] = {}
        self._site_resources: dict[str, SiteResource] = {}
        self._exports: dict[str, Any] = {}
        self._instances: list[state.ComponentInstance] = []
        self.keep: list[Any] = []
        self._access: dict[tuple[int, int], tuple[Memory | None, Callable[..., Any] | None]] = {}
        self._allocs: dict[tuple[int, int, int], Callable[[int, int], int] | None] = {}
        self.gate = store_gate(self.store)
        """Taken by every call into the instance's store (`witgen.runtime.cabi.gate`)."""
        self.compiled = fastcall.COMPILED
        """Whether this instance's call sites and adapters use the compiled helper (`_wire`),
        decided when it is made (tests make one of each to run both paths)."""
        self.hostcall_fuel: int = support.DEFAULT_HOSTCALL_FUEL
        """What lifting one call's values into the host may cost (wasmtime's hostcall fuel:
        bytes of strings, 48 per list element); past it the call traps. Read on every call."""
        self._handles = state.MAX_HANDLES
        if self.limits.hostcall_fuel is not None:
            self.hostcall_fuel = self.limits.hostcall_fuel
        if self.limits.handles is not None:
            self.handles = self.limits.handles

    @property
    def handles(self) -> int:
        """How many resource handles each of the instance's handle tables may hold."""
        return self._handles

    @handles.setter
    def handles(self, limit: int) -> None:
        self._handles = limit
        for inst in self._instances:
            inst.table.limit = limit

    # --- linking ---------------------------------------------------------------------------

    def define_func(
        self,
        interface: str,
        name: str,
        qualname: str,
        params: list[tuple[str, Codec]],
        result: Codec | None,
        impl: Callable[..., Any],
        raises: bool = False,
        *,
        cabi: Callable[[ImportSite], Callable[..., Any]] | None = None,
    ) -> None:
        if not callable(impl):
            raise TypeError(f"the implementation of {qualname} must be callable, got {type(impl).__name__}")
        if cabi is None:
            raise LinkError(
                f"the cabi engine can't call {qualname}: it is async or passes streams, futures or "
                "error contexts, which the cabi engine does not support yet"
            )
        self._funcs[(interface, name)] = _ImportDef(qualname, params, result, impl, cabi)

    def define_resource(self, interface: str, name: str, key: str, cls: Any) -> None:
        if not isinstance(cls, type):
            raise TypeError(f"the implementation of resource {name!r} must be a class, got {cls!r}")
        table = HostTable(cls, next(_type_ids) & 0xFFFFFFFF)
        self.host_tables[key] = table
        rt = state.ResourceType(name, table.drop, None)
        self._host_resources[(interface, name)] = self._host_resources_by_key[key] = _HostResource(table, rt)

    # ImportBatchResolver, called by the instantiator
    def resource(self, path: tuple[str, ...], name: str) -> state.ResourceType:
        return self._host_resources.lookup(_interface(path), name).rt

    def lower_all(self, lowers: Sequence[Lower], run: LowerRun) -> _Lowered | None:
        lookup = self._funcs.lookup
        definitions: list[_ImportDef] = []
        for step in lowers:
            try:
                definitions.append(lookup(_interface(step.path), step.name))
            except KeyError:
                run.missing.append((step.path, step.name))
        if run.missing:
            return None
        self._check_imports(lowers, definitions)
        return _Lowered(self, definitions, run, lowers)

    def _check_imports(self, lowers: Sequence[Lower], definitions: list[_ImportDef]) -> None:
        """Raise `LinkError` unless the component imports each function with the type the
        bindings were generated for; once per component and bindings (the generated factory
        stands for the bindings' types)."""
        prepared = self.component.prepared
        checked = prepared.checked_imports
        for step, d in zip(lowers, definitions, strict=True):
            key = (id(step), id(d.factory))
            if checked.get(key) is not d.factory:
                assert prepared.plan is not None
                exportcheck.check_import(prepared.plan, step, d.qualname, d.params, d.result)
                checked[key] = d.factory  # held: the ids stay theirs

    def import_names(self) -> list[str]:
        """The names the component imports (interfaces and functions)."""
        return [i.name.name for i in self.component.prepared.component.imports]

    def instantiate(self) -> None:
        if self.python_wasi is not None:
            defined = {interface for interface, _ in self._funcs.exact}
            self.wasi_session = self.python_wasi.link(self, self.import_names(), defined)

        def on_error(exc: BaseException) -> str:
            # A trap in an adapter is reported as a trap; anything else (or a host exception
            # a nested import raised first) is re-raised as itself when the call fails.
            if self.pending is None and not isinstance(exc, support.faults):
                self.pending = exc
            return f"{type(exc).__name__}: {exc}"

        if self.guard is not None:
            plan_of(self.component.prepared)  # compiles its core modules: not the guest's time
            self.guard.enter()  # the deadline and fuel are for running its start functions
        mine = self.gate.enter()
        try:
            done = instantiate(self.component.prepared, self.store, self, on_error=on_error)
        finally:
            self.gate.leave(mine)
        self._exports = done.exports
        self._instances = list(done.instances)
        self.handles = self._handles
        self.keep += done.keep

    # --- exports ---------------------------------------------------------------------------

    def _export(self, interface: str, name: str) -> Any:
        scope: Any = self._exports
        if interface:
            scope = self._exports.get(interface)
            if not isinstance(scope, dict):
                raise LinkError(f"the component does not export the interface {interface!r}")
        item = scope.get(name)
        if item is None:
            where = f" of {interface!r}" if interface else ""
            raise LinkError(f"the component does not export {name!r}{where}")
        return item

    def check_exports(self, interface: str, specs: dict[str, Any]) -> None:
        """Raise `LinkError` unless the component exports each of `specs` (`sites.SiteSpec`s)
        of `interface` with the type the bindings were generated for; once per component
        and bindings (`exportcheck`)."""
        prepared = self.component.prepared
        checked = prepared.checked_exports
        if checked.get(id(specs)) is specs:
            return
        for spec in specs.values():
            self._export(interface, spec[0])
        assert prepared.plan is not None, "instantiate() first"
        exportcheck.check_exports(prepared.plan, interface, specs)
        checked[id(specs)] = specs  # holding `specs` keeps its id from being reused

    def export_func(
        self,
        interface: str,
        name: str,
        qualname: str,
        params: list[tuple[str, Codec]],
        result: Codec | None,
        raises: bool = False,
        *,
        cabi: Callable[[ExportSite], Callable[..., Any]] | None = None,
    ) -> Callable[..., Any]:
        if cabi is None:
            raise LinkError(
                f"the cabi engine can't call {qualname}: it is async or passes streams, futures or "
                "error contexts, which the cabi engine does not support yet"
            )
        lifted = self._export(interface, name)
        if not isinstance(lifted, state.LiftedFunc):
            raise LinkError(f"the component's export {qualname} is not a function")
        site = ExportSite(self, lifted, qualname, params)
        core_params, core_results = core_types(lifted.type, "lift")
        site.core = (fastcall.slot_codes(core_params), fastcall.slot_codes(core_results))
        bound = cabi(site)
        return bound if self.guard is None else self.guard.wrap(bound)

    def bind_guest_resource(
        self, base: type[Any], key: str, funcs: dict[str, Callable[..., Any]]
    ) -> type[Any]:
        bound = bind_guest_class(self, base, funcs)
        self.guest_classes[key] = bound
        return bound

    def site_resource(self, key: str, guest: bool) -> SiteResource:
        found = self._site_resources.get(key)
        if found is not None:
            return found
        interface, _, name = key.rpartition("#")
        if guest:
            rt = self._export(interface, name)
            if not isinstance(rt, state.ResourceType):
                raise LinkError(f"the component's export {name!r} of {interface!r} is not a resource type")
            site = SiteResource(rt, True, key, self)
        else:
            # by key: the bindings' own name, whatever version the component imports it under
            hr = self._host_resources_by_key.get(key)
            if hr is None:
                raise LinkError(f"resource {key} is not defined by the host")
            site = SiteResource(hr.rt, False, key, self, hr.table)
        self._site_resources[key] = site
        return site

    def memory_access(self, options: state.CanonOptions) -> tuple[Memory | None, Callable[..., Any] | None]:
        """The memory view and `realloc` caller for `options`, shared by every call site with
        the same memory and realloc (componentize-py output has one pair for ~180 sites)."""
        key = (id(options.memory), id(options.realloc))
        found = self._access.get(key)
        if found is None:
            memory, realloc, store = options.memory, options.realloc, self.store
            found = (
                fastcall.memory(store, memory, self.compiled) if memory is not None else None,
                fastcall.caller(store, realloc, "IIII", "I") if realloc is not None else None,
            )
            self._access[key] = found  # holds both objects, so their ids stay theirs
        return found

    def compiled_alloc(
        self, options: state.CanonOptions, inst: state.ComponentInstance
    ) -> Callable[[int, int], int] | None:
        """`_Site.alloc` done in C for `inst` with `options`' memory and realloc (shared like
        `memory_access`), or None: `_wire` is not built, or there is no memory or realloc."""
        key = (id(options.memory), id(options.realloc), id(inst))
        if key in self._allocs:
            return self._allocs[key]
        memory, _ = self.memory_access(options)
        found = None
        if memory is not None and options.realloc is not None:
            made = fastcall.compiled_realloc(self.store, options.realloc, memory, inst, _bad_realloc)
            found = None if made is None else made.alloc
        self._allocs[key] = found  # options and inst live as long as this instance
        return found

    # --- failures --------------------------------------------------------------------------

    def check_alive(self) -> None:
        if self.dead is not None:
            raise InstanceDead(
                f"this component instance trapped earlier and can't be used again: {self.dead}"
            )

    def fail(self, error: BaseException, where: str) -> BaseException:
        """The exception to raise for a trap; every instance of the component is dead from now on."""
        host, self.pending = self.pending, None
        message = str(error)
        self.dead = message.strip().splitlines()[-1].strip() if message.strip() else "trap"
        for inst in self._instances:
            inst.poisoned = self.dead
        trap = (type(error) if isinstance(error, Trap) else trap_type(error))(f"{where}: {message}")
        trap.__cause__ = error.__cause__ if isinstance(error, CoreFault) else error
        # Raised inside the call site's `except`: the cause says what happened, not the context.
        if host is not None:
            if host.__cause__ is None:
                host.__cause__ = trap
            host.__suppress_context__ = True
            return host
        trap.__suppress_context__ = True
        return trap

    def drop_resource(self, handle: CabiHandle, what: str) -> None:
        rep = handle.any
        if rep is None:
            return
        mine = self.gate.enter()
        try:
            handle.any = None
            self.check_alive()
            dtor = handle.rt.dtor
            if dtor is None:
                return
            try:
                if self.guard is None:
                    dtor(rep)
                else:
                    with self.guard:
                        dtor(rep)
            except (CoreFault, Trap) as exc:
                raise self.fail(exc, f"dropping {what}") from None
        finally:
            self.gate.leave(mine)


def _bad_realloc(ptr: int, align: int, size: int) -> int:
    """Raise the violation of a realloc that returned `ptr` for `size` bytes aligned to `align`."""
    if ptr % align:
        raise AbiViolation(f"realloc return: result not aligned ({ptr}, alignment {align})")
    raise AbiViolation(f"realloc return: beyond end of memory ({size} bytes at {ptr})")


def _interface(path: tuple[str, ...]) -> str:
    return "/".join(path) if len(path) > 1 else (path[0] if path else "")


# --- call sites ------------------------------------------------------------------------------


class _Site:
    """What export and import sites share: memory, allocation, strings, handles."""

    rt: CabiInstance
    inst: state.ComponentInstance
    options: state.CanonOptions

    def _setup(self) -> None:
        self._memory, self._realloc = self.rt.memory_access(self.options)
        if self._memory is not None:
            self.view = self._memory.view  # type: ignore[method-assign]  # no frame in between
        compiled = self.rt.compiled_alloc(self.options, self.inst)
        if compiled is not None:
            self.alloc = compiled  # type: ignore[method-assign,assignment]
        self.strings = support.STRING_CODECS[self.options.string_encoding]
        self.records = fastcall.record_codecs(self.rt.compiled)
        self.string_cost = support.STRING_COSTS[self.options.string_encoding]
        self.gate = self.rt.gate
        self.handles = (_lower_own, _lower_borrow, _lift_own, _lift_borrow)
        self.scopes = (state.CallScope, state.CallScope.exit)

    def view(self) -> memoryview:
        if self._memory is None:
            raise LinkError("the component's canonical options give no memory for a function that needs one")
        return self._memory.view()

    def alloc(self, align: int, size: int) -> int:
        """`realloc(0, 0, align, size)` with its checks (`compiled_alloc` in C shadows this)."""
        if self._realloc is None:
            raise LinkError("the component's canonical options give no realloc for a function that needs one")
        inst = self.inst
        inst.may_leave = False
        try:
            ptr: int = self._realloc(0, 0, align, size)
        finally:
            inst.may_leave = True
        if ptr % align or ptr + size > len(self.view()):
            _bad_realloc(ptr, align, size)
        return ptr

    def resource(self, key: str, guest: bool) -> SiteResource:
        return self.rt.site_resource(key, guest)

    def check_handle(self, res: SiteResource, obj: Any, own: bool) -> None:
        if res.guest:
            cls = self.rt.guest_classes.get(res.key)
            handle = getattr(obj, "_handle", None)
            if cls is None or not isinstance(obj, cls) or not isinstance(handle, CabiHandle):
                raise support.bad
            if handle.any is None:
                raise support.bad
        else:
            assert res.table is not None
            if not isinstance(obj, res.table.cls):
                raise support.bad

    def lift_own_handle(self, res: SiteResource, i: int) -> CabiHandle:
        return CabiHandle(state.lift_own(self.inst, i, res.rt), self.rt, res.rt)


def _lower_own(inst: state.ComponentInstance, res: SiteResource, obj: Any) -> int:
    if res.guest:
        handle: CabiHandle = obj._handle
        rep = handle.any
        assert rep is not None
        handle.any = None
    else:
        assert res.table is not None
        rep = res.table.insert(obj)
    return state.lower_own(inst, rep, res.rt)


def _lower_borrow(inst: state.ComponentInstance, res: SiteResource, obj: Any, scope: state.CallScope) -> int:
    if res.guest:
        rep = obj._handle.any
    else:
        assert res.table is not None
        rep = res.table.insert(obj)
    return state.lower_borrow(inst, rep, res.rt, scope)


def _wrap_guest(res: SiteResource, rep: int) -> Any:
    cls = res.instance.guest_classes.get(res.key)
    if cls is None:
        raise LinkError(f"no class is bound for guest resource {res.key}")
    obj = object.__new__(cls)
    obj._handle = CabiHandle(rep, res.instance, res.rt)
    return obj


def _lift_own(inst: state.ComponentInstance, res: SiteResource, i: int) -> Any:
    rep = state.lift_own(inst, i, res.rt)
    if res.guest:
        return _wrap_guest(res, rep)
    assert res.table is not None
    return res.table.take(rep)


def _lift_borrow(inst: state.ComponentInstance, res: SiteResource, i: int, scope: state.CallScope) -> Any:
    rep = state.lift_borrow(inst, i, res.rt, scope)
    if res.guest:
        obj = _wrap_guest(res, rep)
        obj._handle.any = None  # a borrow: the host may use it for the call, never drop it
        return obj
    assert res.table is not None
    return res.table.get(rep)


@dataclass
class ExportSite(_Site):
    """An exported function, for its generated call site."""

    rt: CabiInstance
    lifted: Any
    qualname: str
    params: list[tuple[str, Codec]]
    inst: state.ComponentInstance = field(init=False)
    options: state.CanonOptions = field(init=False)
    core: tuple[str, str] = field(init=False, default=("", ""))
    """The lifted core function's (params, results) slot codes (set by `export_func`)."""

    def __post_init__(self) -> None:
        self.inst = self.lifted.instance
        self.options = self.lifted.options
        self._setup()

    def raw_call(self, params: str, result: str) -> fastcall.RawCall:
        self.check_core(params, result)
        return fastcall.RawCall(self.rt.store, self.lifted.core, params, result)

    def post_return(self, results: str) -> Callable[..., Any] | None:
        """The `post-return` caller (the generated code clears `inst.may_leave` around it)."""
        self.check_core(None, results)
        func = self.options.post_return
        return None if func is None else fastcall.caller(self.rt.store, func, results, "")

    def check_core(self, params: str | None, result: str) -> None:
        """The generated code calls the core function unchecked: its slot codes must be the
        lifted function's (`check_exports` makes a mismatch unlikely; this makes it harmless)."""
        want = self.core
        if (params is not None and params != want[0]) or result != want[1]:
            raise LinkError(
                f"the bindings of {self.qualname} were generated for core signature"
                f" ({params!r}, {result!r}), but the component lifts it as {want!r}:"
                " regenerate them from the component's WIT"
            )

    def dead(self) -> None:
        self.rt.check_alive()
        raise InstanceDead(
            f"this component instance trapped earlier and can't be used again: {self.inst.poisoned}"
        )

    def bad_arg(self, index: int, value: Any) -> None:
        name, codec = self.params[index]
        try:
            codec.prepare(self.rt, value)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{self.qualname}(): parameter {name!r}: {exc}") from None
        except Exception:  # noqa: BLE001 - the codec needs the wasmtime engine; say it plainly
            pass
        raise TypeError(f"{self.qualname}(): parameter {name!r}: unsupported value {value!r}")

    def fail(self, exc: BaseException) -> BaseException:
        return self.rt.fail(exc, f"{self.qualname}()")


class _Lowered:
    """The lowered imports of one instantiation, each one's site (`ImportSite`) and body made
    on its first call: their options and calling instances exist only once the instance is
    built (`fastcall.LazyBodies`)."""

    def __init__(
        self, rt: CabiInstance, definitions: list[_ImportDef], run: LowerRun, steps: Sequence[Lower]
    ) -> None:
        self.rt, self.definitions, self.run, self.steps = rt, definitions, run, steps

    def make_body(self, i: int) -> Callable[..., Any]:
        run, step = self.run, self.steps[i]
        site = ImportSite(
            self.rt, self.definitions[i], run.options(step.options), run.caller(step), step.core
        )
        return site.make_body()

    def on_error(self, i: int, exc: BaseException) -> str:
        what = self.definitions[i].qualname
        # the guest's call traps with it; a deadline a host function saw pass (witgen.wasi's poll)
        # is the call's `Timeout`, raised as itself as on wasmtime's engine
        if isinstance(exc, support.traps) and not isinstance(exc, Timeout):
            # Its last line says why (a nested call's trap carries the inner backtraces before it).
            lines = str(exc).strip().splitlines() or [""]
            return f"calling host function {what}: {type(exc).__name__}: {lines[-1].strip()}"
        self.rt.pending = exc
        return f"host function {what} raised {type(exc).__name__}"


class ImportSite(_Site):
    """An imported function the host implements, for its generated core function.

    The core function is made at instantiation (`CabiInstance.lower_all`), with the signature
    the component declares; this site and the generated body (the `cabi=` factory's closure)
    only on its first call. A component imports every WASI function it might need, and CPython
    built for wasm calls few of them.
    """

    def __init__(
        self,
        rt: CabiInstance,
        definition: _ImportDef,
        options: state.CanonOptions,
        inst: state.ComponentInstance,
        core: tuple[tuple[str, ...], tuple[str, ...]],
    ) -> None:
        self.rt = rt
        self.definition = definition
        self.options = options
        self.inst = inst
        self.impl = definition.impl
        self.core_params = fastcall.slot_codes(core[0])
        self.core_results = fastcall.slot_codes(core[1])
        """The core signature the component imports the function with, as slot codes."""

    def make_body(self) -> Callable[..., Any]:
        """The body the core function runs, made by the generated factory."""
        self._setup()
        body: Callable[..., Any] = self.definition.factory(self)  # via `host_func` below
        return body

    def host_func(self, params: str, results: str, body: Callable[..., Any]) -> Callable[..., Any]:
        """Called by the generated factory with its body and the core signature it was written for."""
        if (params, results) != (self.core_params, self.core_results):
            raise LinkError(
                f"the bindings of {self.definition.qualname} were generated for core signature"
                f" ({params!r}, {results!r}), but the component imports it as {(self.core_params, self.core_results)!r}:"
                " regenerate them from the component's WIT"
            )
        return body

    def cannot_leave(self) -> None:
        """The guest called the import from its `post-return` or `realloc`."""
        raise AbiViolation(state.CANNOT_LEAVE)

    def bad_result(self, value: Any) -> None:
        d = self.definition
        assert d.result is not None
        try:
            d.result.prepare(self.rt, value)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"the host implementation of {d.qualname} returned a bad value: {exc}") from None
        except Exception:  # noqa: BLE001
            pass
        raise TypeError(f"the host implementation of {d.qualname} returned a bad value: {value!r}")


class CabiEngine:
    """The cabi engine as an `engines.Engine`."""

    abi: Abi = "cabi"

    def load(self, data: bytes, engine: wasmtime.Engine, cache_dir: CacheDir) -> CabiComponent:
        if not internals.AVAILABLE:
            raise LinkError(f"the cabi engine cannot run here: {internals.reason}; use abi='wasmtime'")
        if not data.startswith(b"\0asm"):
            data = text_to_binary(data)
        return CabiComponent(prepare(data, engine, cache_dir), engine)

    def owns(self, component: object) -> bool:
        return isinstance(component, CabiComponent)

    def start(
        self,
        component: Any,
        *,
        engine: wasmtime.Engine | None,
        store: wasmtime.Store | None,
        wasi: WasiArg,
        wasi_http: bool,
        limits: Limits | None,
    ) -> CabiInstance:
        return CabiInstance(
            component,
            engine=engine or component.engine,
            store=store,
            wasi=wasi,
            wasi_http=wasi_http,
            limits=limits,
        )


CABI: Engine = CabiEngine()
"""(Typed as the protocol, so mypy checks this engine and its `CabiInstance` against it.)"""
