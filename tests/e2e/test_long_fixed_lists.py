"""Long fixed-length lists through generated bindings (cabi engine: wasmtime-py can't enable
them): the generated code loops (or packs numbers in one `struct` call) instead of spelling out
one statement per element, so bindings stay small and quick to generate however long the list
(up to 2^28 - 1 elements, CanonicalABI.md's limit)."""

from __future__ import annotations

import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import generate_bindings, wat_to_wasm

WAT = """(component
  (core module $M
    (memory (export "mem") 16)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $heap (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "echo") (param i32) (result i32) (local.get 0)))
  (core instance $m (instantiate $M))
  (func (export "echo-numbers") (param "a" (list u32 100000)) (result (list u32 100000))
    (canon lift (core func $m "echo") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "echo-strings") (param "a" (list string 40)) (result (list string 40))
    (canon lift (core func $m "echo") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "echo-bools") (param "a" (list bool 40)) (result (list bool 40))
    (canon lift (core func $m "echo") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)
"""
"""`echo-*` hand back their spilled argument's memory as the result."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path, float]:
    wasm = wat_to_wasm(tmp_path_factory.mktemp("long-fixed"), WAT)
    started = time.perf_counter()
    pkg = generate_bindings(tmp_path_factory, wasm, "witgen_long_fixed")
    return pkg, wasm, time.perf_counter() - started


@pytest.fixture(scope="module")
def long_fixed(built: tuple[ModuleType, Path, float]) -> Any:
    pkg, path, _ = built
    return pkg.Root.from_file(path, abi="cabi", cache_dir=False)


def test_bindings_stay_small(built: tuple[ModuleType, Path, float]) -> None:
    pkg, _, seconds = built
    assert Path(pkg.__file__).stat().st_size < 40_000
    assert seconds < 20  # one `witgen host` process; unrolled, 100000 elements took minutes


def test_a_long_list_of_numbers_round_trips(long_fixed: Any) -> None:
    values = list(range(100_000))
    assert long_fixed.echo_numbers(values) == values


def test_long_lists_of_strings_and_bools_round_trip(long_fixed: Any) -> None:
    strings = [str(i) * (i % 7) for i in range(40)]
    assert long_fixed.echo_strings(strings) == strings
    bools = [i % 3 == 0 for i in range(40)]
    assert long_fixed.echo_bools(bools) == bools


def test_a_wrong_length_is_refused(long_fixed: Any) -> None:
    with pytest.raises(ValueError):
        long_fixed.echo_numbers(list(range(99_999)))
