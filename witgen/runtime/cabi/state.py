"""Runtime state of component instances and the handle rules of CanonicalABI.md.

One `HandleTable` per component instance (index 0 is never used, freed slots are reused), own and
borrow handles with `lend_count`, and a `CallScope` per call that counts the borrows a callee
received and the own handles the caller lent for the call. Every rule violation raises witgen's
`Trap`, which is what the guest would see as a trap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import wasmtime

from witgen.component.types import FuncType, ValType
from witgen.runtime import internals
from witgen.runtime.errors import HostBudgetExhausted, Trap

MAX_HANDLES = 100_000
"""How many handles one table may hold by default: wasmtime-py 50's wasmtime refuses a store's
100,001st handle ("store handle limit exceeded"; measured with a `resource.new` loop on witgen's
engines, which run without concurrency support: with it, the call's task takes one). The
spec's own bound, 2**28 indices, is far above it."""


def trap_if(cond: bool, message: str) -> None:
    if cond:
        raise Trap(message)


CANNOT_LEAVE = "cannot leave component instance"
"""The trap of an import or `resource.new`/`resource.drop` called while the instance may not
leave: during its `post-return` or its `realloc` (`ComponentInstance.may_leave`)."""


class ResourceType:
    """A resource type; identity is the type (two instances of one component have distinct types).

    `dtor` gets the rep when an own handle is dropped; `instance` is the component instance that
    implements it (None for host-defined types).
    """

    def __init__(
        self,
        name: str,
        dtor: Callable[[int], None] | None = None,
        instance: ComponentInstance | None = None,
    ) -> None:
        self.name = name
        self.dtor = dtor
        self.instance = instance

    def __repr__(self) -> str:
        owner = "host" if self.instance is None else self.instance.name
        return f"<ResourceType {self.name} of {owner}>"


@dataclass
class ResourceHandle:
    """A table element: `own` handles may be lent (`lend_count`), borrows belong to a scope."""

    rt: ResourceType
    rep: int
    own: bool
    scope: CallScope | None = None
    lend_count: int = 0


class HandleTable:
    """Slot 0 is reserved so a zero handle is always invalid; freed slots go on a free list."""

    def __init__(self, limit: int = MAX_HANDLES) -> None:
        self.array: list[ResourceHandle | None] = [None]
        self.free: list[int] = []
        self.limit = limit
        """How many handles the table may hold at once; one more traps."""

    def add(self, h: ResourceHandle) -> int:
        if self.free:
            i = self.free.pop()
            self.array[i] = h
            return i
        i = len(self.array)
        if i > self.limit or i >= 1 << 28:
            raise HostBudgetExhausted(
                f"cannot allocate another handle: the table holds its limit of {self.limit}"
            )
        self.array.append(h)
        return i

    def get(self, i: int) -> ResourceHandle:
        h = self.array[i] if 0 <= i < len(self.array) else None
        if h is None:
            raise Trap(f"unknown handle index {i}")
        return h

    def remove(self, i: int) -> ResourceHandle:
        h = self.get(i)
        self.array[i] = None
        self.free.append(i)
        return h

    def __len__(self) -> int:
        return len(self.array) - 1 - len(self.free)


@dataclass(eq=False)
class ComponentInstance:
    """Spec `ComponentInstance`: its handle table and re-entrance flags.

    `poisoned` is set (with a message) once a call into the instance trapped; wasmtime will not
    run its code again, so callers raise `InstanceDead` instead of calling.
    """

    name: str = "component"
    table: HandleTable = field(default_factory=HandleTable)
    may_leave: bool = True
    """False while its `post-return` or `realloc` runs (the engine calls both)."""
    may_enter: bool = True
    poisoned: str | None = None
    task: AsyncTask | None = None
    """The async-lifted call running in the instance, which its `task.return` resolves."""

    def __repr__(self) -> str:
        return f"<ComponentInstance {self.name}>"


class AsyncTask:
    """An async-lifted call in progress (CanonicalABI.md `Task`), as witgen's engine runs one:
    to completion, without waiting. `task.return` resolves it once, with a value of the
    function's result type lifted with options agreeing with the lift's (`options`: memory and
    string encoding); `on_resolve` takes the flat values (lifted with the lift's side, whose memory
    and encoding `task.return`'s must equal)."""

    __slots__ = ("result", "options", "on_resolve", "resolved", "scope")

    def __init__(
        self,
        result: ValType | None,
        options: CanonOptions,
        on_resolve: Callable[[list[Any]], None],
        scope: CallScope,
    ) -> None:
        self.result = result
        self.options = options
        self.on_resolve = on_resolve
        self.resolved = False
        self.scope = scope


class CallScope:
    """Per-call borrow tracking (spec Task `num_borrows` and `lenders`); call `exit()` at return.

    Made for every call that passes a handle (a plain class with slots: host calls such as
    WASI's stream methods make one per call, and a dataclass's list factory doubled its cost)."""

    __slots__ = ("num_borrows", "lenders")

    def __init__(self) -> None:
        self.num_borrows = 0
        self.lenders: list[ResourceHandle] = []

    def exit(self) -> None:
        """Release lent handles; trap if the callee kept a borrow it was given."""
        for h in self.lenders:
            h.lend_count -= 1
        self.lenders.clear()
        if self.num_borrows:
            raise Trap(f"{self.num_borrows} borrowed handle(s) not dropped before the call returned")


@dataclass
class CanonOptions:
    """The canonical options of one `canon lift`/`canon lower`, resolved to live wasmtime objects."""

    memory: wasmtime.Memory | None
    realloc: wasmtime.Func | None
    post_return: wasmtime.Func | None
    string_encoding: str  # "utf8" | "utf16" | "latin1+utf16"
    is_async: bool = False
    callback: wasmtime.Func | None = None


def task_return(
    inst: ComponentInstance, result: ValType | None, options: CanonOptions, flat: list[Any]
) -> None:
    """`canon task.return` (CanonicalABI.md `canon_task_return`): resolve the async-lifted call
    running in `inst` with the flat values of its result."""
    trap_if(not inst.may_leave, CANNOT_LEAVE)
    task = inst.task
    if task is None:
        raise Trap("task.return called outside an async-lifted call")
    trap_if(task.result != result, "task.return's result type is not the async-lifted function's")
    trap_if(
        task.options.string_encoding != options.string_encoding
        or not _same_memory(task.options.memory, options.memory),
        "task.return's memory or string-encoding options differ from the async lift's",
    )
    trap_if(task.resolved, "task.return called twice")
    trap_if(task.scope.num_borrows > 0, "task.return called with borrowed handles not yet dropped")
    task.resolved = True
    task.on_resolve(flat)


def _same_memory(a: wasmtime.Memory | None, b: wasmtime.Memory | None) -> bool:
    if a is None or b is None:
        return a is b
    return internals.same_extern(a, b)


# --- the handle operations of lifting and lowering -------------------------------------------


def _checked(inst: ComponentInstance, i: int, rt: ResourceType) -> ResourceHandle:
    h = inst.table.get(i)
    trap_if(
        h.rt is not rt,
        f"handle index {i} used with the wrong type: handle {i} is a {h.rt.name}, expected a {rt.name}",
    )
    return h


def lift_own(inst: ComponentInstance, i: int, rt: ResourceType) -> int:
    """Move own handle `i` out of `inst`'s table and return its rep."""
    h = _checked(inst, i, rt)
    trap_if(not h.own, f"handle {i} is a borrow, an owned {rt.name} was expected")
    trap_if(h.lend_count != 0, f"cannot remove owned resource while borrowed: handle {i} is lent out")
    inst.table.remove(i)
    return h.rep


def lift_borrow(inst: ComponentInstance, i: int, rt: ResourceType, scope: CallScope) -> int:
    """The rep behind handle `i`; an own handle stays lent until `scope` exits."""
    array = inst.table.array
    h = array[i] if 0 <= i < len(array) else None  # `_checked`, inlined: every stream call has one
    if h is None:
        raise Trap(f"unknown handle index {i}")
    if h.rt is not rt:
        _checked(inst, i, rt)  # the wrong type: its trap
    if h.own:
        h.lend_count += 1
        scope.lenders.append(h)
    return h.rep


def lower_own(inst: ComponentInstance, rep: int, rt: ResourceType) -> int:
    return inst.table.add(ResourceHandle(rt, rep, own=True))


def lower_borrow(inst: ComponentInstance, rep: int, rt: ResourceType, scope: CallScope) -> int:
    """A borrow handle in `inst` for the call `scope` (the rep itself when `inst` implements `rt`)."""
    if inst is rt.instance:
        return rep
    scope.num_borrows += 1
    return inst.table.add(ResourceHandle(rt, rep, own=False, scope=scope))


# --- the resource builtins (run as core functions by the engine) ------------------------------


def resource_new(inst: ComponentInstance, rt: ResourceType, rep: int) -> int:
    trap_if(not inst.may_leave, CANNOT_LEAVE)
    return inst.table.add(ResourceHandle(rt, rep, own=True))


def resource_rep(inst: ComponentInstance, rt: ResourceType, i: int) -> int:
    return _checked(inst, i, rt).rep


def resource_drop(inst: ComponentInstance, rt: ResourceType, i: int) -> None:
    """Drop handle `i`: an own handle runs the destructor, a borrow ends its loan."""
    trap_if(not inst.may_leave, CANNOT_LEAVE)
    h = _checked(inst, i, rt)
    trap_if(
        h.own and h.lend_count != 0, f"cannot remove owned resource while borrowed: handle {i} is lent out"
    )
    inst.table.remove(i)
    if not h.own:
        if h.scope is not None:
            h.scope.num_borrows -= 1
        return
    if rt.dtor is None:
        return
    owner = rt.instance
    if owner is not None and owner is not inst:
        trap_if(not owner.may_enter, f"cannot re-enter {owner.name} to destroy a {rt.name}")
    rt.dtor(h.rep)


class LiftedFunc:
    """A component function from `canon lift`: call `core` with lowered values in `instance`.

    `resolve()` gives the core function and options when they are first used: a
    componentize-py component lifts dozens of exports, and each costs C lookups that an
    instance only needs for the functions that get called."""

    __slots__ = ("instance", "type", "name", "_resolve", "_parts")

    def __init__(
        self,
        instance: ComponentInstance,
        type: FuncType,
        name: str,
        resolve: Callable[[], tuple[wasmtime.Func, CanonOptions]],
    ) -> None:
        self.instance = instance
        self.type = type
        self.name = name
        self._resolve = resolve
        self._parts: tuple[wasmtime.Func, CanonOptions] | None = None

    def _get(self) -> tuple[wasmtime.Func, CanonOptions]:
        if self._parts is None:
            self._parts = self._resolve()
        return self._parts

    @property
    def core(self) -> wasmtime.Func:
        return self._get()[0]

    @property
    def options(self) -> CanonOptions:
        return self._get()[1]
