"""Checking a plan's core-level assumptions once, before any instance calls core code unchecked.

Generated call sites, fused adapters and the instantiation call core functions through
`fastcall` without wasmtime's type check: a lifted function whose core type is not the
flattening of its component type (or a `realloc`, `post-return` or destructor of another type,
a "memory" option naming a function, a string passed without a memory) would crash the
interpreter or fail on some later call. wasmtime's component
validator rejects such components; the cabi engine never runs it, so this module checks what
the engine relies on, from the core modules' export types (known once they are compiled), and
raises a `LinkError` naming the function and both types.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from witgen.abi import Flattener, func_signature, task_return_signature
from witgen.component import types as t
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
    Plan,
    Reg,
    ResourceBuiltin,
    Step,
    TaskReturn,
)
from witgen.runtime.cabi.resolve import ResourceSlot, children
from witgen.runtime.errors import LinkError
from witgen.runtime.typecheck import show_cabi_func

CoreItem = tuple[str, CoreSignature | None]
"""A core item's kind ("func", "memory", "table", "global", or what else it is) and, for a
function, its (params, results)."""

ModuleExports = Callable[[InstantiateCore, set[str]], dict[str, CoreItem]]
"""Those of the given exports of the module a core instantiation step instantiates that exist."""

REALLOC: CoreSignature = (("i32", "i32", "i32", "i32"), ("i32",))
DTOR: CoreSignature = (("i32",), ())
BUILTINS: dict[str, CoreSignature] = {
    "resource.new": (("i32",), ("i32",)),
    "resource.rep": (("i32",), ("i32",)),
    "resource.drop": (("i32",), ()),
}
CALLBACK: CoreSignature = (("i32", "i32", "i32"), ("i32",))
"""An async lift's callback: (event code, payload 1, payload 2) -> packed callback code."""
EXTERNS = ("func", "memory", "table", "global")
"""What a core module may import."""


def show(sig: CoreSignature) -> str:
    """`(func (param i32 i32) (result i32))`, as WAT spells a core function type."""
    params = f" (param {' '.join(sig[0])})" if sig[0] else ""
    results = f" (result {' '.join(sig[1])})" if sig[1] else ""
    return f"(func{params}{results})"


class _Checker:
    def __init__(self, plan: Plan, module_exports: ModuleExports) -> None:
        self.steps = plan.steps
        self.module_exports = module_exports
        self.abi = Flattener()
        self.wanted: dict[int, set[str]] = {}
        """The export names the checks look up, by core instance register (read in one pass)."""
        for s in plan.steps:
            values: list[Any] = []
            if isinstance(s, Lift):
                values.append(s.core)
            if isinstance(s, Lift | Lower | Fuse):
                values += [s.options.memory, s.options.realloc, s.options.post_return]
            if isinstance(s, DefineResource):
                values.append(s.dtor)
            for v in values:
                if isinstance(v, CoreExport):
                    self.wanted.setdefault(v.instance, set()).add(v.name)

    def item(self, value: Any) -> CoreItem:
        """What a plan value is at core level."""
        if isinstance(value, CoreExport):
            step = self.step(value.instance)
            if not isinstance(step, InstantiateCore):
                return "a component item", None
            names = self.wanted.setdefault(value.instance, set())
            names.add(value.name)
            found = self.module_exports(step, names).get(value.name)
            if found is None:
                raise LinkError(value.error)
            return found
        if isinstance(value, Reg):
            step = self.step(value.index)
            if isinstance(step, Lower):
                return "func", step.core
            if isinstance(step, ResourceBuiltin):
                return "func", BUILTINS[step.op]
            if isinstance(step, Fuse):
                lift = self.step(step.callee)
                assert isinstance(lift, Lift)
                sig = func_signature(self.abi, lift.type, "lower", async_=step.options.is_async)
                return "func", (sig.params, sig.results)
            if isinstance(step, TaskReturn):
                sig = task_return_signature(self.abi, t.FuncType((), step.result))
                return "func", (sig.params, sig.results)
            if isinstance(step, InstantiateCore):
                return "core instance", None
            if isinstance(step, NewInstance):
                return "component instance", None
            if isinstance(step, Lift):
                return "component function", None
            if isinstance(step, DefineResource | HostResource):
                return "resource type", None
        if isinstance(value, dict):
            return "instance", None
        if isinstance(value, HostFunc):
            return "component function", None
        if isinstance(value, ResourceSlot):
            return "resource type", None
        return "type or module", None

    def step(self, reg: int) -> Step:
        if not 0 <= reg < len(self.steps):  # pragma: no cover - the planner makes registers
            raise LinkError(f"register {reg} is out of range")
        return self.steps[reg]

    def func(self, value: Any, expected: CoreSignature, what: str) -> None:
        kind, sig = self.item(value)
        if kind != "func":
            raise LinkError(f"{what} must be a core function {show(expected)}, but it is a {kind}")
        assert sig is not None
        if sig != expected:
            raise LinkError(f"{what} has core type {show(sig)}, but it must be {show(expected)}")

    def options(
        self, o: OptionsPlan, what: str, lifted: CoreSignature | None = None, async_allowed: bool = False
    ) -> None:
        if o.memory is not None:
            kind, _ = self.item(o.memory)
            if kind != "memory":
                raise LinkError(f"the memory option of {what} names a {kind}, not a core memory")
        if o.realloc is not None:
            self.func(o.realloc, REALLOC, f"the realloc option of {what}")
        if (o.callback is not None or o.is_async) and not async_allowed:
            raise LinkError(f"{what}: async canonical options are not supported by witgen's cabi engine")
        if o.callback is not None:
            if not o.is_async:
                raise LinkError(f"{what}: a callback option needs the async option")
            self.func(o.callback, CALLBACK, f"the callback option of {what}")
        if lifted is not None and o.post_return is not None:  # only a lift ever calls it
            if o.is_async:
                raise LinkError(f"{what}: an async lift has no post-return")
            self.func(o.post_return, (lifted[1], ()), f"the post-return option of {what}")

    def lift(self, s: Lift) -> None:
        what = f"the lifted function {s.name or f'(register {s.reg})'}"
        o = s.options
        lifted = func_signature(self.abi, s.type, "lift", async_=o.is_async, callback=o.callback is not None)
        expected = (lifted.params, lifted.results)
        kind, sig = self.item(s.core)
        if kind != "func":
            raise LinkError(f"{what} lifts a {kind}, not a core function")
        assert sig is not None
        if sig != expected:
            raise LinkError(
                f"{what} has component type {show_cabi_func(s.type)}, which flattens to core type"
                f" {show(expected)}, but its core function has type {show(sig)}"
            )
        self.options(s.options, what, expected, async_allowed=True)
        in_memory = lifted.params_in_memory or any(_uses_memory(p) for _, p in s.type.params)
        result_in_memory = not o.is_async and (  # an async lift's result goes through task.return
            lifted.results_in_memory or (s.type.result is not None and _uses_memory(s.type.result))
        )
        if (in_memory or result_in_memory) and s.options.memory is None:
            raise LinkError(f"{what} passes values in linear memory, but its options give no memory")
        if in_memory and s.options.realloc is None:
            raise LinkError(f"{what} takes values in linear memory, but its options give no realloc")

    def task_return(self, s: TaskReturn) -> None:
        self.options(s.options, "task.return")
        sig = task_return_signature(self.abi, t.FuncType((), s.result))
        in_memory = sig.params_in_memory or (s.result is not None and _uses_memory(s.result))
        if in_memory and s.options.memory is None:
            raise LinkError("task.return takes values in linear memory, but its options give no memory")

    def run(self) -> None:
        for s in self.steps:
            if isinstance(s, Lift):
                self.lift(s)
            elif isinstance(s, Lower):
                self.options(s.options, f"the lowered import {'/'.join(s.path + (s.name,))}")
            elif isinstance(s, Fuse):
                self.options(s.options, f"the lowered function {s.label}", async_allowed=True)
            elif isinstance(s, TaskReturn):
                self.task_return(s)
            elif isinstance(s, DefineResource) and s.dtor is not None:
                self.func(s.dtor, DTOR, f"the destructor of {s.slot.name}")
            elif isinstance(s, InstantiateCore):
                for position, value in s.by_value:
                    kind, _ = self.item(value)
                    if kind not in EXTERNS:
                        raise LinkError(f"{s.where}: import {position} is given a {kind}")


def check(plan: Plan, module_exports: ModuleExports) -> None:
    """Raise `LinkError` unless every core item the engine calls unchecked has the right type."""
    _Checker(plan, module_exports).run()


def _uses_memory(vt: t.ValType) -> bool:
    """Whether a value of type `vt` points into linear memory (strings, lists, maps)."""
    match vt:
        case t.Prim("string") | t.ListType(_, None) | t.Map():
            return True
        case t.Stream() | t.Future():  # handles
            return False
    return any(_uses_memory(c) for c in children(vt))
