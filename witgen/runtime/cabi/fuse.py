"""Fused adapters: a `canon lower` of a function another component instance lifted.

When two components are composed, the caller's core code calls the callee's core code through
the Canonical ABI: lift the arguments out of the caller (its flat values, or its memory when
they spill), lower them into the callee (allocating with the callee's `realloc`), call, lift
the result out of the callee, run its `post-return`, and lower the result into the caller (its
return pointer when the result spills). Each side keeps its own memory and string encoding;
handles move between the two instances' tables. Codecs are built once, at link time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import wasmtime

from witgen.abi import Flattener, func_signature
from witgen.runtime.cabi import fastcall
from witgen.runtime.cabi.convert import U32, Bool, Char, Codec, Float, Int, Side, Unsupported, codec, fields
from witgen.runtime.cabi.crossing import crossing
from witgen.runtime.cabi.fuse_async import fuse_async
from witgen.runtime.cabi.state import (
    CallScope,
    CanonOptions,
    ComponentInstance,
    LiftedFunc,
)
from witgen.runtime.errors import LinkError, Trap


def fuse(
    store: wasmtime.Store,
    callee: LiftedFunc,
    caller: ComponentInstance,
    caller_options: CanonOptions,
    name: str,
    on_error: Callable[[BaseException], str],
) -> tuple[wasmtime.Func, object]:
    """A core function for `caller` that calls `callee` across the two instances, and what to
    keep alive beside it (what runs it).

    Both directions use `fastcall`: the adapter is an unchecked host function, and it calls the
    callee's core function, `realloc` and `post-return` unchecked. An exception inside it traps
    the caller with the message `on_error` returns (which may keep the exception to re-raise).
    """
    ft = callee.type
    try:
        abi = Flattener()
        params = fields([p for _, p in ft.params], abi)
        result: Codec | None = None if ft.result is None else codec(ft.result, abi)
    except Unsupported as exc:
        raise LinkError(
            f"cannot link {name}: witgen's cabi engine cannot pass {exc} between components"
        ) from None
    if callee.options.is_async or caller_options.is_async:
        lowered_async = func_signature(abi, ft, "lower", async_=caller_options.is_async)
        return fastcall.host_func(
            store,
            fastcall.slot_codes(lowered_async.params),
            fastcall.slot_codes(lowered_async.results),
            fuse_async(store, callee, caller, caller_options, name, abi, params, result),
            on_error,
        )
    lifted = func_signature(abi, ft, "lift")  # the callee's core function
    lowered = func_signature(abi, ft, "lower")  # the adapter, as the caller imports it
    spill_params = lifted.params_in_memory  # more than MAX_FLAT_PARAMS values
    spill_result = lifted.results_in_memory
    lifted_params, core_params, core_results = lifted.params, lowered.params, lowered.results

    src = Side(store, caller, caller_options)
    dst = Side(store, callee.instance, callee.options)
    callee_inst = callee.instance
    lifted_result = fastcall.slot_codes(lifted.results)
    core = fastcall.caller(store, callee.core, fastcall.slot_codes(lifted_params), lifted_result)
    post = callee.options.post_return
    post_call = None if post is None else fastcall.caller(store, post, lifted_result, "")

    def post_return(*results: Any) -> None:
        assert post_call is not None
        callee_inst.may_leave = False
        try:
            post_call(*results)
        finally:
            callee_inst.may_leave = True

    spilled_what, result_what, area_what = (
        f"{name}: spilled arguments",
        f"{name}: result",
        f"{name}: return area",
    )

    enter, run = crossing(caller, callee_inst, name)

    def invoke(flat: list[Any]) -> Any:
        return run(core, flat)

    numbers = (
        not spill_params
        and all(type(c) in _NUMBERS for c in params.fields)
        and (result is None or type(result) in _NUMBERS)
    )
    param_conversions = [_conversion(c, src, dst) for c in params.fields] if numbers else []
    result_conversion = None if result is None or not numbers else _conversion(result, dst, src)

    if numbers and not any(param_conversions) and result_conversion is None:
        body = _NumbersBody(caller, callee_inst, enter, name, on_error)
        compiled = fastcall.compiled_adapter(
            store,
            callee.core,
            post,
            fastcall.slot_codes(core_params),
            fastcall.slot_codes(core_results),
            body,
        )
        if compiled is not None:
            return compiled, body

    def call_numbers(*args: Any) -> Any:
        """Numbers only (nothing in memory, no handles): no borrow scope, no views to refresh,
        and 32- and 64-bit numbers pass as they are."""
        enter()
        out = invoke([a if f is None else f(a) for f, a in zip(param_conversions, args, strict=True)])
        ret = out if result_conversion is None else result_conversion(out)
        if post_call is not None:
            post_return(*([] if out is None else [out]))
        return ret

    def call(*args: Any) -> Any:
        enter()
        scope = CallScope()
        saved = src.scope, dst.scope
        src.scope = dst.scope = scope
        src.stale()
        dst.stale()
        try:
            # lift the arguments out of the caller
            if spill_params:
                ptr = args[0] & U32
                src.check_span(ptr, params.size, params.align, spilled_what)
                values = params.load(src, ptr)
            else:
                values = params.lift(src, iter(args))
            # lower them into the callee
            flat: list[Any] = []
            if spill_params:
                ptr = dst.alloc(params.align, params.size)
                params.store(dst, values, ptr)
                flat.append(ptr)
            else:
                params.lower(dst, values, flat)
            try:
                out = invoke(flat)
            finally:
                src.stale()
                dst.stale()
            # lift the result out of the callee and lower it into the caller, then let the
            # callee free what it returned (the spec's order: `task.return`, then `post-return`)
            value = None
            if result is not None:
                if spill_result:
                    ptr = out & U32
                    dst.check_span(ptr, result.size, result.align, result_what)
                    value = result.load(dst, ptr)
                else:
                    value = result.lift(dst, iter([out]))
            if result is None:
                ret = None
            elif spill_result:
                ptr = args[-1] & U32
                src.check_span(ptr, result.size, result.align, area_what)
                result.store(src, value, ptr)
                ret = None
            else:
                lowered: list[Any] = []
                result.lower(src, value, lowered)
                ret = lowered[0]
            if post_call is not None:
                post_return(*([] if out is None else [out]))
            scope.exit()
            return ret
        finally:
            src.scope, dst.scope = saved

    return fastcall.host_func(
        store,
        fastcall.slot_codes(core_params),
        fastcall.slot_codes(core_results),
        call_numbers if numbers else call,
        on_error,
    )


class _NumbersBody:
    """What the compiled adapter (`fastcall.compiled_adapter`) reads on each call, and the trap
    messages of its failures, as `call_numbers` would raise them."""

    __slots__ = ("caller", "callee", "enter", "name", "on_error", "__weakref__")

    def __init__(
        self,
        caller: ComponentInstance,
        callee: ComponentInstance,
        enter: Callable[[], None],
        name: str,
        on_error: Callable[[BaseException], str],
    ) -> None:
        self.caller, self.callee, self.enter, self.name, self.on_error = caller, callee, enter, name, on_error

    def message(self, error: int, trap: int, where: int) -> bytes:
        try:
            if not error and not trap:
                self.enter()  # raises what refused the call
                raise Trap(f"{self.name}: the call was refused")
            fault = fastcall.fault(error, trap)
            if where == 1:
                raise fault  # post-return trapped
            self.callee.poisoned = str(fault)
            raise Trap(f"{self.name} trapped in {self.callee.name}: {fault}") from fault
        except BaseException as exc:  # noqa: BLE001 - every failure must become a trap
            try:
                return self.on_error(exc).encode()
            except BaseException:  # noqa: BLE001
                return b"a fused adapter failed, and so did reporting why"


_NUMBERS = {Int, Bool, Char, Float}
"""Codecs of values that are one flat core value each (not `Handle`, an `Int` too)."""


def _conversion(c: Codec, source: Side, target: Side) -> Callable[[Any], Any] | None:
    """How one number's flat value crosses: lifted from `source`, lowered into `target`; None
    when that leaves it as it is (32- and 64-bit integers arrive as their bit patterns, floats
    as themselves)."""
    if type(c) is Float or (type(c) is Int and c.size >= 4):
        return None

    def convert(v: Any) -> Any:
        out: list[Any] = []
        c.lower(target, c.lift(source, iter((v,))), out)
        return out[0]

    return convert
