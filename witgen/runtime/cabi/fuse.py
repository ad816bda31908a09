"""Fused adapters: a `canon lower` of a function another component instance lifted.

When two components are composed, the caller's core code calls the callee's core code through
the Canonical ABI: lift the arguments from the caller, lower them into the callee, and back for
the result. This adapter handles signatures whose values travel in core registers only (numbers,
bool, char, enum, flags, records/tuples of those, and resource handles, which move between the
two instances' handle tables); signatures that need linear memory (strings, lists, variants, or
too many values) are refused with a `LinkError` naming the function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import wasmtime

from witgen.runtime.cabi import types as t
from witgen.runtime.cabi.state import (
    CallScope,
    ComponentInstance,
    LiftedFunc,
    lift_borrow,
    lift_own,
    lower_borrow,
    lower_own,
    trap_if,
)
from witgen.runtime.errors import InstanceDead, LinkError, Trap

Convert = Callable[[Any, CallScope], Any]
MAX_FLAT_PARAMS = 16
MAX_FLAT_RESULTS = 1


def _int(bits: int, signed: bool) -> Convert:
    mask = (1 << bits) - 1

    def convert(v: Any, _: CallScope) -> Any:
        v &= mask
        if signed and v >> (bits - 1):
            v -= 1 << bits
        return v

    return convert


def _char(v: Any, _: CallScope) -> Any:
    v &= 0xFFFFFFFF
    trap_if(v >= 0x110000 or 0xD800 <= v <= 0xDFFF, f"invalid char code point {v:#x}")
    return v


def _same(v: Any, _: CallScope) -> Any:
    return v


def _slots(vt: t.ValType, src: ComponentInstance, dst: ComponentInstance) -> list[tuple[str, Convert]] | None:
    """One (core type, conversion) per flat value of `vt`, or None if `vt` needs linear memory."""
    match vt:
        case t.Prim(name):
            scalar: dict[str, tuple[str, Convert]] = {
                "bool": ("i32", lambda v, _: 1 if v else 0),
                "u8": ("i32", _int(8, False)),
                "s8": ("i32", _int(8, True)),
                "u16": ("i32", _int(16, False)),
                "s16": ("i32", _int(16, True)),
                "u32": ("i32", _same),
                "s32": ("i32", _same),
                "u64": ("i64", _same),
                "s64": ("i64", _same),
                "f32": ("f32", _same),
                "f64": ("f64", _same),
                "char": ("i32", _char),
            }
            return [scalar[name]] if name in scalar else None
        case t.Enum(names):
            n = len(names)

            def enum(v: Any, _: CallScope) -> Any:
                trap_if(not 0 <= v < n, f"enum discriminant {v} out of range")
                return v

            return [("i32", enum)]
        case t.Flags(names) if len(names) <= 32:
            mask = (1 << len(names)) - 1
            return [("i32", lambda v, _: v & mask)]
        case t.Record(fields):
            return _concat([f for _, f in fields], src, dst)
        case t.Tuple(elems):
            return _concat(list(elems), src, dst)
        case t.Own(rt):
            return [("i32", lambda i, scope: lower_own(dst, lift_own(src, i, rt), rt))]
        case t.Borrow(rt):
            return [("i32", lambda i, scope: lower_borrow(dst, lift_borrow(src, i, rt, scope), rt, scope))]
    return None


def _concat(
    vts: list[t.ValType], src: ComponentInstance, dst: ComponentInstance
) -> list[tuple[str, Convert]] | None:
    out: list[tuple[str, Convert]] = []
    for vt in vts:
        slots = _slots(vt, src, dst)
        if slots is None:
            return None
        out += slots
    return out


_CORE = {
    "i32": wasmtime.ValType.i32,
    "i64": wasmtime.ValType.i64,
    "f32": wasmtime.ValType.f32,
    "f64": wasmtime.ValType.f64,
}


def fuse(store: wasmtime.Store, callee: LiftedFunc, caller: ComponentInstance, name: str) -> wasmtime.Func:
    """A core function for `caller` that calls `callee` across the two instances."""
    ft = callee.type
    if ft.is_async or callee.options.is_async:
        raise LinkError(f"cannot link {name}: async functions between components are not supported")
    params = _concat([p for _, p in ft.params], caller, callee.instance)
    results = [] if ft.result is None else _slots(ft.result, callee.instance, caller)
    if params is None or results is None or len(params) > MAX_FLAT_PARAMS or len(results) > MAX_FLAT_RESULTS:
        raise LinkError(
            f"cannot link {name}: passing its values between two components needs linear memory, "
            "which witgen's cabi engine does not adapt yet (only scalar, flags, enum, record and handle signatures)"
        )
    core_type = wasmtime.FuncType([_CORE[c]() for c, _ in params], [_CORE[c]() for c, _ in results])
    callee_inst = callee.instance

    def call(*args: Any) -> Any:
        if callee_inst.poisoned is not None:
            raise InstanceDead(f"{name}: {callee_inst.name} trapped earlier ({callee_inst.poisoned})")
        trap_if(not callee_inst.may_enter, f"{name}: cannot re-enter {callee_inst.name}")
        scope = CallScope()
        values = [conv(v, scope) for (_, conv), v in zip(params, args, strict=True)]
        callee_inst.may_enter = False
        try:
            out = callee.core(store, *values)
        except wasmtime.Trap as exc:
            callee_inst.poisoned = str(exc)
            raise Trap(f"{name} trapped in {callee_inst.name}: {exc}") from exc
        finally:
            callee_inst.may_enter = True
        result = results[0][1](out, scope) if results else None
        if callee.options.post_return is not None:
            callee.options.post_return(store, *([] if out is None else [out]))
        scope.exit()
        return result

    return wasmtime.Func(store, core_type, call)
