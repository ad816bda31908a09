"""Calling from one component instance into another's core code: the checks that refuse the
call (CanonicalABI.md: the caller may not leave, the callee trapped earlier or may not be
entered) and the call itself, with re-entry barred and a trap poisoning the callee. Shared by
the fused adapters, sync (`fuse`) and async (`fuse_async`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from witgen.runtime.cabi import fastcall
from witgen.runtime.cabi.state import CANNOT_LEAVE, ComponentInstance
from witgen.runtime.errors import InstanceDead, Trap


def crossing(
    caller: ComponentInstance, callee: ComponentInstance, name: str
) -> tuple[Callable[[], None], Callable[[Callable[..., Any], list[Any]], Any]]:
    """`enter()`, raising what refuses a call from `caller` into `callee` (the caller may not
    leave, the callee trapped earlier or is on the stack), and `run(func, args)`, calling one of
    the callee's core functions with re-entry barred and a trap poisoning it."""

    def enter() -> None:
        if not caller.may_leave:
            raise Trap(f"{name}: {CANNOT_LEAVE}")
        if callee.poisoned is not None:
            raise InstanceDead(f"{name}: {callee.name} trapped earlier ({callee.poisoned})")
        if not callee.may_enter:
            raise Trap(f"{name}: cannot re-enter {callee.name}")

    def run(func: Callable[..., Any], args: list[Any]) -> Any:
        callee.may_enter = False
        try:
            return func(*args)
        except fastcall.CoreFault as exc:
            callee.poisoned = str(exc)
            raise Trap(f"{name} trapped in {callee.name}: {exc}") from exc
        finally:
            callee.may_enter = True

    return enter, run
