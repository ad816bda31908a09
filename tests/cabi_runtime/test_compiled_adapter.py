"""The compiled fused adapter (`_wire.Adapter`, made by `fastcall.compiled_adapter`) on its own:
whatever its Python side does (refuses the call, fails to say why, was dropped), a call from
wasm ends in a trap with a message, never a crash, and the callee's flags are restored; it runs
from several threads at once (it takes the GIL itself, from a wasm call made without it)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import Any

import pytest
import wasmtime

from witgen.runtime.cabi import fastcall

pytestmark = pytest.mark.skipif(not fastcall.COMPILED, reason="_wire is not built")

CORE = """(module
  (global $posts (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "post") (param i32) (global.set $posts (i32.add (global.get $posts) (local.get 0))))
  (func (export "posts") (result i32) (global.get $posts))
  (func (export "boom") (param i32 i32) (result i32) unreachable))"""


class Flags:
    def __init__(self) -> None:
        self.may_leave, self.may_enter, self.poisoned = True, True, None


class Body:
    """An `AdapterBody` whose `message` is given (default: what failed, as bytes)."""

    __slots__ = ("caller", "callee", "say", "__weakref__")

    def __init__(self, say: Callable[[int, int, int], Any] | None = None) -> None:
        self.caller, self.callee, self.say = Flags(), Flags(), say

    def message(self, error: int, trap: int, where: int) -> Any:
        if self.say is not None:
            return self.say(error, trap, where)
        if error or trap:
            return f"failed ({where}): {fastcall.fault(error, trap)}".encode()
        return b"refused"


def _setup() -> tuple[wasmtime.Store, dict[str, Any]]:
    store = wasmtime.Store()
    instance = wasmtime.Instance(store, wasmtime.Module(store.engine, CORE), [])
    return store, {name: instance.exports(store)[name] for name in ("add", "post", "posts", "boom")}


def _adapter(store: wasmtime.Store, callee: Any, post: Any, body: Any) -> wasmtime.Func:
    func = fastcall.compiled_adapter(store, callee, post, "II", "I", body)
    assert func is not None
    return func


def test_values_pass_and_post_return_gets_them() -> None:
    store, ex = _setup()
    body = Body()
    f = _adapter(store, ex["add"], ex["post"], body)
    assert f(store, 2, 3) == 5 and ex["posts"](store) == 5
    assert body.callee.may_enter and body.callee.may_leave


@pytest.mark.parametrize(
    "refuse",
    [
        lambda b: setattr(b.callee, "may_enter", False),
        lambda b: setattr(b.caller, "may_leave", False),
        lambda b: setattr(b.callee, "poisoned", "earlier"),
    ],
)
def test_the_flags_refuse_the_call(refuse: Callable[[Body], None]) -> None:
    store, ex = _setup()
    body = Body()
    f = _adapter(store, ex["add"], ex["post"], body)
    refuse(body)
    with pytest.raises(wasmtime.WasmtimeError, match="refused"):
        f(store, 1, 2)
    assert ex["posts"](store) == 0


def test_a_trap_in_the_callee_is_reported_and_may_enter_restored() -> None:
    store, ex = _setup()
    body = Body()
    f = _adapter(store, ex["boom"], None, body)
    with pytest.raises(wasmtime.WasmtimeError, match=r"(?s)failed \(0\).*unreachable"):
        f(store, 1, 2)
    assert body.callee.may_enter


def _raises(error: int, trap: int, where: int) -> bytes:
    raise RuntimeError("no message")


@pytest.mark.parametrize("say", [lambda e, t, w: 42, _raises])
def test_a_message_that_fails_still_traps(say: Callable[[int, int, int], Any]) -> None:
    store, ex = _setup()
    body = Body(say)  # held weakly by the adapter
    f = _adapter(store, ex["boom"], None, body)
    with pytest.raises(wasmtime.WasmtimeError, match="a fused adapter failed, and so did reporting why"):
        f(store, 1, 2)


def test_a_body_without_the_instances_traps_with_its_message() -> None:
    class Bare:
        __slots__ = ("__weakref__",)

        def message(self, error: int, trap: int, where: int) -> bytes:
            return b"bare"

    store, ex = _setup()
    body = Bare()
    f = _adapter(store, ex["add"], None, body)
    with pytest.raises(wasmtime.WasmtimeError, match="bare"):
        f(store, 1, 2)


def test_a_call_after_the_body_was_dropped_traps() -> None:
    store, ex = _setup()
    body = Body()
    f = _adapter(store, ex["add"], None, body)
    del body
    gc.collect()
    with pytest.raises(wasmtime.WasmtimeError, match="called after the instance that made it was dropped"):
        f(store, 1, 2)


def test_adapters_run_in_several_threads_at_once() -> None:
    results: list[tuple[int, int]] = []

    def work() -> None:
        store, ex = _setup()
        body = Body()
        f = _adapter(store, ex["add"], ex["post"], body)
        total = sum(f(store, k, 1) for k in range(2000))
        results.append((total, ex["posts"](store)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = sum(k + 1 for k in range(2000))
    assert results == [(expected, expected)] * 4
