"""`wiring.ImportArray(s)`: core imports filled in C from earlier instances, arrays reused;
each test runs the lookups through the compiled helper and through ctypes."""

from __future__ import annotations

import pytest
import wasmtime

from witgen.runtime.cabi import fastcall, wiring
from witgen.runtime.cabi.wiring import ImportArrays

LOOPS = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "ctypes"])

LIB = """(module
  (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (global (export "base") i32 (i32.const 100)))"""
APP = """(module
  (import "lib" "double" (func $double (param i32) (result i32)))
  (import "lib" "base" (global $base i32))
  (func (export "run") (param i32) (result i32)
    (i32.add (global.get $base) (call $double (local.get 0)))))"""
WIRES = ((0, 7, b"double", "lib has no double"), (1, 7, b"base", "lib has no base"))


def _app(arrays: ImportArrays, engine: wasmtime.Engine, lib: wasmtime.Module, app: wasmtime.Module) -> int:
    """Instantiate lib then app (wired from lib's exports) in a new store; app's run(5)."""
    store = wasmtime.Store(engine)
    lib_instance = wasmtime.Instance(store, lib, [])
    imports = arrays.take(1, 2, WIRES)
    try:
        error = imports.fill(fastcall.context_address(store), {7: fastcall.instance_address(lib_instance)})
        assert error is None
        instance = fastcall.new_instance(store, app, imports.externs)
    finally:
        arrays.give(1, imports)
    run = instance.exports(store)["run"]
    assert isinstance(run, wasmtime.Func)
    result: int = run(store, 5)
    return result


def test_the_compiled_loop_is_built() -> None:
    """`pip install` builds `_wire` wherever there is a C compiler, as on every machine the
    tests run on; without it the ctypes loop is used (the ones below run both)."""
    assert wiring.COMPILED


@LOOPS
def test_arrays_are_reused_across_stores(compiled: bool) -> None:
    engine = wasmtime.Engine()
    lib, app = wasmtime.Module(engine, LIB), wasmtime.Module(engine, APP)
    arrays = ImportArrays(compiled=compiled)
    assert _app(arrays, engine, lib, app) == 110
    first = arrays.take(1, 2, WIRES)
    arrays.give(1, first)
    assert _app(arrays, engine, lib, app) == 110  # the same array, refilled for another store
    assert arrays.take(1, 2, WIRES) is first
    assert (first.c_wires is not None) == compiled


def test_instantiations_in_progress_take_their_own_arrays() -> None:
    arrays = ImportArrays()
    a = arrays.take(1, 2, WIRES)
    b = arrays.take(1, 2, WIRES)  # e.g. a start function instantiating the component again
    assert a is not b and a.externs is not b.externs
    arrays.give(1, a)
    arrays.give(1, b)
    assert {id(arrays.take(1, 2, WIRES)), id(arrays.take(1, 2, WIRES))} == {id(a), id(b)}


@LOOPS
def test_a_missing_export_reports_its_wire(compiled: bool) -> None:
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    lib = wasmtime.Instance(store, wasmtime.Module(engine, LIB), [])
    wires = (*WIRES, (2, 7, b"triple", "lib has no triple"))
    imports = ImportArrays(compiled=compiled).take(1, 3, wires)
    error = imports.fill(fastcall.context_address(store), {7: fastcall.instance_address(lib)})
    assert error == "lib has no triple"
