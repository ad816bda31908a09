"""Fused adapters where either side uses the async ABI: an async `canon lower` (the caller gets a
status back, results through its return pointer) or an async `canon lift` (the callee hands its
result to `task.return`, stackful or through a callback loop).

witgen's engine runs such a call to completion before returning to the caller, as a call whose
callee never blocks: a callback may ask to `YIELD` (it is called again at once), but waiting on a
waitable set traps, since nothing else could ever run. So an async lower always reports
`RETURNED`. The order of the spec's `canon_lift`/`canon_lower` is kept otherwise: arguments
lifted out of the caller and lowered into the callee, `task.return` checked as
`canon_task_return` checks it (once, with the function's result type and the lift's memory and
string encoding, with no borrow outstanding), the result lowered into the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import wasmtime

from witgen.abi import Flattener, func_signature
from witgen.runtime.cabi import fastcall
from witgen.runtime.cabi.convert import U32, Codec, Side
from witgen.runtime.cabi.convert import fields as fields_codec
from witgen.runtime.cabi.crossing import crossing
from witgen.runtime.cabi.state import (
    AsyncTask,
    CallScope,
    CanonOptions,
    ComponentInstance,
    LiftedFunc,
)
from witgen.runtime.errors import Trap

RETURNED = 2
"""The subtask state an async lower reports when the callee returned before the lower did."""
EXIT, YIELD, WAIT = 0, 1, 2
"""A callback's packed result codes (CanonicalABI.md `CallbackCode`)."""
EVENT_NONE = 0


def fuse_async(
    store: wasmtime.Store,
    callee: LiftedFunc,
    caller: ComponentInstance,
    caller_options: CanonOptions,
    name: str,
    abi: Flattener,
    params: Codec,
    result: Codec | None,
) -> Callable[..., Any]:
    """The adapter's body (its core signature is `func_signature(..., "lower", async_=...)`)."""
    ft = callee.type
    lift_options = callee.options
    lift_async, lower_async = lift_options.is_async, caller_options.is_async
    lifted = func_signature(abi, ft, "lift", async_=lift_async, callback=lift_options.callback is not None)
    lowered = func_signature(abi, ft, "lower", async_=lower_async)
    src = Side(store, caller, caller_options)
    dst = Side(store, callee.instance, lift_options)
    callee_inst = callee.instance
    core = fastcall.caller(
        store, callee.core, fastcall.slot_codes(lifted.params), fastcall.slot_codes(lifted.results)
    )
    callback = None
    if lift_options.callback is not None:
        callback = fastcall.caller(store, lift_options.callback, "III", "I")
    post = lift_options.post_return
    post_call = (
        None if post is None else fastcall.caller(store, post, fastcall.slot_codes(lifted.results), "")
    )
    n_args = len(lowered.params) - (1 if lowered.retptr else 0)
    returned = fields_codec([] if ft.result is None else [ft.result], abi)  # task.return's values

    enter, run_core = crossing(caller, callee_inst, name)

    def run(func: Callable[..., Any], args: list[Any]) -> Any:
        try:
            return run_core(func, args)
        finally:
            src.stale()
            dst.stale()

    def lift_returned(flat: list[Any]) -> Any:
        """`task.return`'s values, lifted out of the callee (through memory past 16 of them)."""
        if returned.flat is None:
            ptr = flat[0] & U32
            dst.check_span(ptr, returned.size, returned.align, f"{name}: task.return's values")
            values = returned.load(dst, ptr)
        else:
            values = returned.lift(dst, iter(flat))
        return values[0] if values else None

    def call(*args: Any) -> Any:
        enter()
        scope = CallScope()
        saved = src.scope, dst.scope
        src.scope = dst.scope = scope
        src.stale()
        dst.stale()
        try:
            if lowered.params_in_memory:
                ptr = args[0] & U32
                src.check_span(ptr, params.size, params.align, f"{name}: spilled arguments")
                values = params.load(src, ptr)
            else:
                values = params.lift(src, iter(args[:n_args]))
            flat: list[Any] = []
            if lifted.params_in_memory:
                ptr = dst.alloc(params.align, params.size)
                params.store(dst, values, ptr)
                flat.append(ptr)
            else:
                params.lower(dst, values, flat)
            value = _call_callee(flat, scope) if lift_async else _call_sync(flat)
            return _deliver(value, args)
        finally:
            src.scope, dst.scope = saved

    def _call_sync(flat: list[Any]) -> Any:
        out = run(core, flat)
        value = None
        if result is not None:
            if lifted.results_in_memory:
                ptr = out & U32
                dst.check_span(ptr, result.size, result.align, f"{name}: result")
                value = result.load(dst, ptr)
            else:
                value = result.lift(dst, iter([out]))
        if post_call is not None:
            callee_inst.may_leave = False
            try:
                post_call(*([] if out is None else [out]))
            finally:
                callee_inst.may_leave = True
        return value

    def _call_callee(flat: list[Any], scope: CallScope) -> Any:
        outcome: list[Any] = []

        task = AsyncTask(ft.result, lift_options, lambda values: outcome.append(lift_returned(values)), scope)
        outer, callee_inst.task = callee_inst.task, task
        try:
            packed = run(core, flat)
            while callback is not None:
                code, index = packed & 0xF, packed >> 4
                if code == EXIT:
                    break
                if code == YIELD:
                    packed = run(callback, [EVENT_NONE, 0, 0])
                elif code == WAIT:
                    fail(
                        f"waits on waitable set {index}, but witgen's cabi engine runs async calls to"
                        " completion (nothing else could run)"
                    )
                else:
                    fail(f"gave its callback loop invalid code {code}")
        finally:
            callee_inst.task = outer
        if not task.resolved:
            fail("finished the async call without calling task.return")
        return outcome[0]

    def fail(problem: str) -> None:
        """The callee broke the async ABI: it traps, and is not entered again."""
        message = f"{callee_inst.name} {problem}"
        callee_inst.poisoned = message
        raise Trap(f"{name}: {message}")

    def _deliver(value: Any, args: tuple[Any, ...]) -> Any:
        """The result lowered into the caller (flat, or at its return pointer), then the call's
        borrows released; an async lower's status."""
        ret: Any = RETURNED if lower_async else None
        if result is not None:
            if lower_async or lowered.results_in_memory:
                ptr = args[-1] & U32
                src.check_span(ptr, result.size, result.align, f"{name}: return area")
                result.store(src, value, ptr)
            else:
                out: list[Any] = []
                result.lower(src, value, out)
                ret = out[0]
        src.scope.exit()
        return ret

    return call
