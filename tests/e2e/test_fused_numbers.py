"""Calls between two composed components whose values all pass as they are (32- and 64-bit
numbers): on the cabi engine a compiled adapter makes them (`_wire.Adapter`), with the Python
adapter beside it (`cabi-ctypes`). Both must behave alike, and like the wasmtime engine: results,
post-return, a trap in the callee (which kills it), and a callee that is already on the stack.

Two instances of component A call one instance of B; B's `call-cb` calls the host, whose
callback can call into A's other instance, and so reach B again while B is running."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from witgen.runtime.cabi import fastcall
from witgen.runtime.errors import InstanceDead, Trap

from .conftest import bindings_from_wat

WAT = """(component
  (import "cb" (func $cb))
  (component $B
    (import "cb" (func $cb))
    (core module $M
      (import "" "cb" (func $cb))
      (global $posts (mut i32) (i32.const 0))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "add-post") (param i32) (global.set $posts (i32.add (global.get $posts) (local.get 0))))
      (func (export "wide") (param i64 f64) (result i64) (i64.add (local.get 0) (i64.trunc_f64_s (local.get 1))))
      (func (export "posts") (result i32) (global.get $posts))
      (func (export "boom") (param i32 i32) (result i32) unreachable)
      (func (export "call-cb") (param i32 i32) (result i32) (call $cb) (i32.const 7)))
    (core func $cb' (canon lower (func $cb)))
    (core instance $m (instantiate $M (with "" (instance (export "cb" (func $cb'))))))
    (func (export "add") (param "a" u32) (param "b" u32) (result u32)
      (canon lift (core func $m "add") (post-return (core func $m "add-post"))))
    (func (export "wide") (param "a" s64) (param "b" f64) (result s64) (canon lift (core func $m "wide")))
    (func (export "boom") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $m "boom")))
    (func (export "call-cb") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $m "call-cb")))
    (func (export "posts") (result u32) (canon lift (core func $m "posts"))))
  (component $A
    (import "add" (func $add (param "a" u32) (param "b" u32) (result u32)))
    (import "wide" (func $wide (param "a" s64) (param "b" f64) (result s64)))
    (import "boom" (func $boom (param "a" u32) (param "b" u32) (result u32)))
    (import "call-cb" (func $call-cb (param "a" u32) (param "b" u32) (result u32)))
    (core func $add' (canon lower (func $add)))
    (core func $wide' (canon lower (func $wide)))
    (core func $boom' (canon lower (func $boom)))
    (core func $call-cb' (canon lower (func $call-cb)))
    (core module $N
      (import "" "add" (func $add (param i32 i32) (result i32)))
      (import "" "wide" (func $wide (param i64 f64) (result i64)))
      (import "" "boom" (func $boom (param i32 i32) (result i32)))
      (import "" "call-cb" (func $call-cb (param i32 i32) (result i32)))
      (func (export "run-add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
      (func (export "run-wide") (param i64 f64) (result i64) (call $wide (local.get 0) (local.get 1)))
      (func (export "run-boom") (result i32) (call $boom (i32.const 1) (i32.const 2)))
      (func (export "run-call-cb") (result i32) (call $call-cb (i32.const 1) (i32.const 2))))
    (core instance $n (instantiate $N (with "" (instance
      (export "add" (func $add')) (export "wide" (func $wide')) (export "boom" (func $boom'))
      (export "call-cb" (func $call-cb'))))))
    (func (export "run-add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $n "run-add")))
    (func (export "run-wide") (param "a" s64) (param "b" f64) (result s64) (canon lift (core func $n "run-wide")))
    (func (export "run-boom") (result u32) (canon lift (core func $n "run-boom")))
    (func (export "run-call-cb") (result u32) (canon lift (core func $n "run-call-cb"))))
  (instance $b (instantiate $B (with "cb" (func $cb))))
  (instance $a1 (instantiate $A (with "add" (func $b "add")) (with "wide" (func $b "wide"))
    (with "boom" (func $b "boom")) (with "call-cb" (func $b "call-cb"))))
  (instance $a2 (instantiate $A (with "add" (func $b "add")) (with "wide" (func $b "wide"))
    (with "boom" (func $b "boom")) (with "call-cb" (func $b "call-cb"))))
  (func (export "run-add") (alias export $a1 "run-add"))
  (func (export "run-wide") (alias export $a1 "run-wide"))
  (func (export "run-boom") (alias export $a1 "run-boom"))
  (func (export "run-call-cb") (alias export $a1 "run-call-cb"))
  (func (export "other-add") (alias export $a2 "run-add"))
  (func (export "posts") (alias export $b "posts"))
)"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    return bindings_from_wat(tmp_path_factory, WAT, "witgen_fused_numbers")


@pytest.fixture
def abi(engine_path: str) -> str:
    return engine_path


class Host:
    def __init__(self) -> None:
        self.component: Any = None
        self.seen: list[BaseException] = []

    def cb(self) -> None:
        try:
            self.component.other_add(1, 2)  # A's other instance calls B, which is running
        except Exception as exc:
            self.seen.append(exc)
            raise


def _load(built: tuple[ModuleType, Path], abi: str) -> tuple[Any, Host]:
    pkg, path = built
    host = Host()
    component = pkg.Root.from_file(
        path, abi=abi, engine=wasmtime.Engine(), cache_dir=False, imports=pkg.RootImports(cb=host.cb)
    )
    host.component = component
    return component, host


def test_compiled_adapters_are_made(built: tuple[ModuleType, Path]) -> None:
    made: list[object] = []
    real = fastcall.compiled_adapter

    def spy(*args: Any) -> Any:
        made.append(out := real(*args))
        return out

    with pytest.MonkeyPatch.context() as m:
        m.setattr(fastcall, "compiled_adapter", spy)
        _load(built, "cabi")[0].run_add(1, 2)
    assert len(made) == 8 and all(f is not None for f in made)  # 4 imports x 2 instances of A


def test_values_pass_and_post_return_runs(built: tuple[ModuleType, Path], abi: str) -> None:
    c, _ = _load(built, abi)
    assert c.run_add(2, 3) == 5 and c.run_add(0xFFFFFFFF, 1) == 0
    assert c.posts() == 5  # post-return got each result
    assert c.run_wide(-(2**63), 7.9) == -(2**63) + 7
    assert c.other_add(40, 2) == 42 and c.posts() == 47


def test_a_trap_in_the_callee_kills_it(built: tuple[ModuleType, Path], abi: str) -> None:
    c, _ = _load(built, abi)
    with pytest.raises(Trap, match="unreachable"):
        c.run_boom()
    with pytest.raises((Trap, InstanceDead)):
        c.other_add(1, 2)


def test_a_callee_on_the_stack_cannot_be_entered(built: tuple[ModuleType, Path], abi: str) -> None:
    """The cabi engine keeps CanonicalABI.md's older rule, an instance's `may_enter` flag; wasmtime
    follows the newer one (a host call starts a new task, so only its own supertasks count) and
    lets the call in. A known difference, kept on both cabi paths alike."""
    c, host = _load(built, abi)
    if abi == "cabi":
        with pytest.raises(Trap, match="call-cb trapped in"):
            c.run_call_cb()
        assert len(host.seen) == 1 and "add: cannot re-enter" in str(host.seen[0])
    else:
        assert c.run_call_cb() == 7 and host.seen == []
