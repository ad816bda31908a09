"""A fused `list<string>` from UTF-8 to UTF-8 (the compiled path: `_wire.load_utf8_strings` lifts
the strings, `Realloc.store_utf8_strings` makes the callee's `realloc` calls) against a hostile
callee and caller: a `realloc` that returns a bad pointer, traps or calls out (it may not leave)
on its first or a later call, and source pairs or strings out of bounds or invalid. Every case
traps alike on both cabi paths (`cabi-ctypes`: the compiled helper off) and on wasmtime."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from witgen.runtime import Trap
from witgen.runtime.cabi import fastcall

from .conftest import bindings_from_wat

WAT = """(component
  (import "cb" (func $cb))
  (component $C
    (import "cb" (func $cb))
    (core func $cb' (canon lower (func $cb)))
    (core module $M
      (import "" "cb" (func $cb))
      (memory (export "mem") 1)
      (global $n (mut i32) (i32.const 0))
      (global $heap (mut i32) (i32.const 4096))
      (global $mode (mut i32) (i32.const 0))
      (global $at (mut i32) (i32.const 0))
      (func (export "realloc") (param $old i32) (param $os i32) (param $al i32) (param $ns i32) (result i32)
        (local $p i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (if (i32.eq (global.get $n) (global.get $at)) (then
          (if (i32.eq (global.get $mode) (i32.const 1)) (then (return (i32.const 0xfffffff0))))
          (if (i32.eq (global.get $mode) (i32.const 2)) (then unreachable))
          (if (i32.eq (global.get $mode) (i32.const 3)) (then (call $cb)))))
        (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $al) (i32.const 1)))
                               (i32.sub (i32.const 0) (local.get $al))))
        (global.set $heap (i32.add (local.get $p) (local.get $ns)))
        (local.get $p))
      (func (export "take") (param i32 i32) (result i32) (local.get 1))
      (func (export "arm") (param i32 i32) (global.set $n (i32.const 0)) (global.set $mode (local.get 0)) (global.set $at (local.get 1))))
    (core instance $m (instantiate $M (with "" (instance (export "cb" (func $cb'))))))
    (func (export "take-strings") (param "a" (list string)) (result u32)
      (canon lift (core func $m "take") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "arm") (param "mode" u32) (param "at" u32) (canon lift (core func $m "arm"))))
  (component $D
    (import "take-strings" (func $ts (param "a" (list string)) (result u32)))
    (core module $Mem (memory (export "mem") 1)
      (data (i32.const 100) "\\00\\02\\00\\00\\02\\00\\00\\00\\ff\\fe")
      (data (i32.const 200) "\\f0\\ff\\00\\00\\20\\00\\00\\00")
      (global $h (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $p i32) (local.set $p (global.get $h)) (global.set $h (i32.add (global.get $h) (i32.const 64))) (local.get $p)))
    (core instance $mem (instantiate $Mem))
    (core func $ts' (canon lower (func $ts) (memory (core memory $mem "mem"))))
    (core module $DM
      (import "" "ts" (func $ts (param i32 i32) (result i32)))
      (func (export "pass") (param i32 i32) (result i32) (call $ts (local.get 0) (local.get 1)))
      (func (export "raw") (param i32 i32) (result i32) (call $ts (local.get 0) (local.get 1))))
    (core instance $dm (instantiate $DM (with "" (instance (export "ts" (func $ts'))))))
    (func (export "pass-strings") (param "a" (list string)) (result u32)
      (canon lift (core func $dm "pass") (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
    (func (export "raw") (param "p" u32) (param "n" u32) (result u32) (canon lift (core func $dm "raw"))))
  (instance $c (instantiate $C (with "cb" (func $cb))))
  (instance $d (instantiate $D (with "take-strings" (func $c "take-strings"))))
  (func (export "pass-strings") (alias export $d "pass-strings"))
  (func (export "raw") (alias export $d "raw"))
  (func (export "arm") (alias export $c "arm")))"""
"""Component C's realloc, once `arm(mode, at)`, misbehaves on its `at`-th call: mode 1 returns a
pointer past the end, 2 traps, 3 calls the host (`cb`). D's `raw(p, n)` passes the pairs at `p`
of its memory as they are (a valid pair at 100, one out of bounds at 200, invalid UTF-8 at 104)."""

ENGINES = ("wasmtime", "cabi", "cabi-ctypes")
STRINGS = ["a", "bb", "ccc", "dddd"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    return bindings_from_wat(tmp_path_factory, WAT, "witgen_fused_string_lists")


def _load(built: tuple[ModuleType, Path], abi: str, monkeypatch: pytest.MonkeyPatch, calls: list[int]) -> Any:
    if abi == "cabi-ctypes":
        monkeypatch.setattr(fastcall, "COMPILED", False)
    pkg, path = built
    return pkg.Root.from_file(
        path,
        abi=abi.split("-")[0],
        engine=wasmtime.Engine(),
        cache_dir=False,
        imports=pkg.RootImports(cb=lambda: calls.append(1)),
    )


@pytest.mark.parametrize("abi", ENGINES)
def test_good_lists_pass(built: tuple[ModuleType, Path], abi: str, monkeypatch: pytest.MonkeyPatch) -> None:
    c: Any = _load(built, abi, monkeypatch, [])
    assert c.pass_strings(STRINGS) == 4 and c.raw(100, 1) == 1


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize(("mode", "at"), [(1, 1), (1, 3), (2, 1), (2, 5), (3, 1), (3, 3)])
def test_a_misbehaving_realloc_traps(
    built: tuple[ModuleType, Path], abi: str, monkeypatch: pytest.MonkeyPatch, mode: int, at: int
) -> None:
    calls: list[int] = []
    c: Any = _load(built, abi, monkeypatch, calls)
    c.arm(mode, at)
    with pytest.raises(Trap):
        c.pass_strings(STRINGS)
    assert calls == []  # the realloc could not leave its instance


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize(("ptr", "n"), [(200, 1), (104, 1), (65530, 1), (1 << 31, 1 << 29), (65536 - 4, 1)])
def test_bad_source_pairs_trap(
    built: tuple[ModuleType, Path], abi: str, monkeypatch: pytest.MonkeyPatch, ptr: int, n: int
) -> None:
    c: Any = _load(built, abi, monkeypatch, [])
    with pytest.raises(Trap):
        c.raw(ptr, n)
