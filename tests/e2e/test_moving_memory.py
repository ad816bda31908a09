"""Guests whose `realloc` grows their memory on every call, on an engine whose memories move
when they grow (no reservation: each `memory.grow` copies the memory elsewhere and frees the old
one). A view of linear memory fetched before a `realloc` call then points at freed memory: every
write must go through a view fetched after the last call that may have run wasm. Checked on the
paths values take into a memory: fused adapters between two components (every value is echoed
through both, in several string encodings) and the host lowering arguments and import results,
on both engines and both cabi paths (`cabi-ctypes`: the compiled helper off)."""

from __future__ import annotations

import ctypes
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from witgen.runtime import Err, Ok
from witgen.runtime.cabi import fastcall

from .conftest import bindings_from_wat

ENGINES = ("wasmtime", "cabi", "cabi-ctypes")

GROW = """(func (export "realloc") (param $old i32) (param $os i32) (param $al i32) (param $ns i32) (result i32)
      (local $p i32)
      (local.set $p (i32.mul (memory.grow (i32.add (i32.const 1) (i32.shr_u (local.get $ns) (i32.const 16))))
                             (i32.const 65536)))
      (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old)
          (select (local.get $os) (local.get $ns) (i32.lt_u (local.get $os) (local.get $ns))))))
      (local.get $p))"""
"""A `realloc` giving each allocation fresh pages at the end of memory (copying on growth)."""

TYPES: dict[str, tuple[str, Any]] = {
    "strs": ("(list string)", ["héllo", "", "x" * 70000, "a€b", "ü" * 40000]),
    "nested": ("(list (list string))", [["a", "béé"], [], ["x" * 1000, "", "z€"]]),
    "tup": (
        "(list (tuple string u32 (list string) (option string)))",
        [("a", 1, ["p", "q" * 500], None), ("ééé", 2, [], "opt"), ("", 3, ["r"], "")],
    ),
    "res": ("(list (result string (error (list u8))))", [Ok("ok" * 50), Err(b"\x00\x01"), Ok("")]),
    "nums": ("(list (list u32))", [[1, 2, 3], [], [2**32 - 1] * 1000]),
}
"""Echoed values: each is a (pointer, length) pair at the core level, so one echo fits all."""


def _wat(src: str, dst: str) -> str:
    """`pass-<k>` in component D (strings in `src`) hands its argument to `echo-<k>` in
    component C (strings in `dst`) and returns what comes back; the host calls `pass-<k>` and
    `echo-d-<k>` (D's own echo)."""
    c_core, c_lifts, d_imports, d_lowers, d_core_imports, d_core, d_lifts, d_with, withs, outer = (
        [] for _ in range(10)
    )
    opts = 'memory (core memory {0} "mem")) (realloc (core func {0} "realloc")'
    for i, (k, (ty, _)) in enumerate(TYPES.items()):
        area = 16 + 8 * i
        echo = (
            f'(func (export "echo-{k}") (param i32 i32) (result i32) (i32.store (i32.const {area})'
            f" (local.get 0)) (i32.store (i32.const {area + 4}) (local.get 1)) (i32.const {area}))"
        )
        c_core.append(echo)
        d_core.append(echo)
        c_lifts.append(
            f'(func (export "echo-{k}") (param "a" {ty}) (result {ty}) (canon lift (core func $m "echo-{k}")'
            f" ({opts.format('$m')}) string-encoding={dst}))"
        )
        d_imports.append(f'(import "echo-{k}" (func $e-{k} (param "a" {ty}) (result {ty})))')
        d_lowers.append(
            f"(core func $e-{k}' (canon lower (func $e-{k}) ({opts.format('$mem')}) string-encoding={src}))"
        )
        d_core_imports.append(f'(import "" "e-{k}" (func $e-{k} (param i32 i32 i32)))')
        d_core.append(
            f'(func (export "pass-{k}") (param i32 i32) (result i32)'
            f" (call $e-{k} (local.get 0) (local.get 1) (i32.const {area + 128})) (i32.const {area + 128}))"
        )
        for name in (f"pass-{k}", f"echo-{k}"):
            d_lifts.append(
                f'(func (export "{name}") (param "a" {ty}) (result {ty}) (canon lift (core func $dm "{name}")'
                f" ({opts.format('$mem')}) string-encoding={src}))"
            )
        d_with.append(f"(export \"e-{k}\" (func $e-{k}'))")
        withs.append(f'(with "echo-{k}" (func $c "echo-{k}"))')
        outer.append(f'(func (export "pass-{k}") (alias export $d "pass-{k}"))')
        outer.append(f'(func (export "echo-d-{k}") (alias export $d "echo-{k}"))')
    nl = "\n    "
    return f"""(component
  (component $C
    (core module $M (memory (export "mem") 1) {GROW} {nl.join(c_core)})
    (core instance $m (instantiate $M))
    {nl.join(c_lifts)})
  (component $D
    {nl.join(d_imports)}
    (core module $Mem (memory (export "mem") 1) {GROW})
    (core instance $mem (instantiate $Mem))
    {nl.join(d_lowers)}
    (core module $DM
      (import "" "mem" (memory 1))
      {nl.join(d_core_imports)}
      {nl.join(d_core)})
    (core instance $dm (instantiate $DM (with "" (instance (export "mem" (memory $mem "mem")) {" ".join(d_with)}))))
    {nl.join(d_lifts)})
  (instance $c (instantiate $C))
  (instance $d (instantiate $D {" ".join(withs)}))
  {nl.join(outer)})"""


PAIRS = [("utf8", "utf8"), ("utf8", "utf16"), ("latin1+utf16", "utf8"), ("utf16", "latin1+utf16")]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[ModuleType, Path]]:
    return {
        pair: bindings_from_wat(tmp_path_factory, _wat(*pair), f"witgen_moving_memory_{n}")
        for n, pair in enumerate(PAIRS)
    }


def moving_engine() -> wasmtime.Engine:
    """An engine whose linear memories move on every growth."""
    config = wasmtime.Config()
    config.memory_reservation = 0
    config.memory_guard_size = 0
    config.memory_reservation_for_growth = 0
    config.memory_may_move = True
    return wasmtime.Engine(config)


def test_memories_move_on_this_engine() -> None:
    store = wasmtime.Store(moving_engine())
    module = wasmtime.Module(
        store.engine, '(module (memory (export "m") 1) (func (export "g") (drop (memory.grow (i32.const 1)))))'
    )
    instance = wasmtime.Instance(store, module, [])
    memory = instance.exports(store)["m"]
    assert isinstance(memory, wasmtime.Memory)
    before = memory.data_ptr(store)
    grow = instance.exports(store)["g"]
    assert isinstance(grow, wasmtime.Func)
    grow(store)
    assert ctypes.addressof(memory.data_ptr(store).contents) != ctypes.addressof(before.contents)


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
def test_values_survive_moving_memories(
    built: dict[tuple[str, str], tuple[ModuleType, Path]],
    pair: tuple[str, str],
    abi: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if abi == "cabi-ctypes":
        monkeypatch.setattr(fastcall, "COMPILED", False)
    pkg, path = built[pair]
    c = pkg.Root.from_file(path, abi=abi.split("-")[0], engine=moving_engine(), cache_dir=False)
    for k, (_, value) in TYPES.items():
        assert getattr(c, f"echo_d_{k}")(value) == value, k  # the host lowering and lifting
        assert getattr(c, f"pass_{k}")(value) == value, k  # and through the fused adapter
