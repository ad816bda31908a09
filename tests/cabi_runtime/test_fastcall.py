"""Host functions made by `fastcall.host_func` and `fastcall.HostFuncs`: one shared trampoline
per core signature, each function's body found by its env word and owned by its `wasmtime.Func`
(or by the `HostFuncs` that made it)."""

from __future__ import annotations

import gc
import weakref

import pytest
import wasmtime

from witgen.runtime.cabi import fastcall

WAT = """(module
  (import "" "f" (func $f (param i32 i32) (result i32)))
  (func (export "run") (param i32) (result i32) (call $f (local.get 0) (i32.const 1))))"""


def _run(store: wasmtime.Store, func: wasmtime.Func) -> wasmtime.Func:
    module = wasmtime.Module(store.engine, WAT)
    run = wasmtime.Instance(store, module, [func]).exports(store)["run"]
    assert isinstance(run, wasmtime.Func)
    return run


def test_functions_of_one_signature_keep_their_own_bodies() -> None:
    store = wasmtime.Store()
    add, add_owner = fastcall.host_func(store, "II", "I", lambda a, b: a + b, str)
    sub, sub_owner = fastcall.host_func(store, "II", "I", lambda a, b: a - b, str)
    assert _run(store, add)(store, 10) == 11
    assert _run(store, sub)(store, 10) == 9


def test_a_lazy_body_is_made_once_on_the_first_call() -> None:
    store = wasmtime.Store()
    made: list[int] = []

    def make() -> object:
        made.append(1)
        return lambda a, b: a * b

    func, owner = fastcall.host_func(store, "II", "I", make, str, lazy=True)  # owner kept: it owns the body
    run = _run(store, func)
    assert made == []
    assert run(store, 6) == 6 and run(store, 7) == 7
    assert made == [1]


def test_an_exception_becomes_a_trap_with_on_errors_message() -> None:
    store = wasmtime.Store()

    def fail(a: int, b: int) -> int:
        raise ValueError("nope")

    func, owner = fastcall.host_func(store, "II", "I", fail, lambda exc: f"host said {exc}")
    run = _run(store, func)
    try:
        run(store, 1)
    except (wasmtime.Trap, wasmtime.WasmtimeError) as trap:
        assert "host said nope" in str(trap)
    else:
        raise AssertionError("the call did not trap")


def test_bodies_are_released_with_their_functions() -> None:
    store = wasmtime.Store()
    gc.collect()  # garbage from earlier tests must not leave the registry during this one
    before = len(fastcall._OWNERS)
    funcs = [fastcall.host_func(store, "II", "I", lambda a, b: a, str) for _ in range(50)]
    assert len(fastcall._OWNERS) == before + 50
    run = _run(store, funcs[0][0])
    del funcs
    gc.collect()
    assert len(fastcall._OWNERS) == before  # the registry holds no strong reference
    try:
        run(store, 1)  # the core instance still imports the function: a clear trap, no crash
    except (wasmtime.Trap, wasmtime.WasmtimeError) as trap:
        assert "after the instance that made it was dropped" in str(trap)
    else:
        raise AssertionError("the call did not trap")


def _run_extern(store: wasmtime.Store, extern: object) -> wasmtime.Func:
    """`run` of the WAT module, its import given as a raw `wasmtime_extern_t`."""
    module = wasmtime.Module(store.engine, WAT)
    imports = fastcall.extern_array(1)
    imports[0] = extern
    instance = fastcall.new_instance(store, module, imports)
    run = instance.exports(store)["run"]
    assert isinstance(run, wasmtime.Func)
    return run


def test_host_funcs_make_externs_whose_bodies_are_made_once() -> None:
    store = wasmtime.Store()
    funcs = fastcall.HostFuncs(store)
    made: list[str] = []

    def maker(name: str, op: object) -> object:
        def make() -> object:
            made.append(name)
            return op

        return make

    add = funcs.new("II", "I", maker("add", lambda a, b: a + b), str)
    sub = funcs.new("II", "I", maker("sub", lambda a, b: a - b), str)
    run_add, run_sub = _run_extern(store, add), _run_extern(store, sub)
    assert made == []
    assert run_add(store, 10) == 11 and run_add(store, 20) == 21
    assert run_sub(store, 10) == 9
    assert made == ["add", "sub"]
    assert fastcall.func_of(add)(store, 2, 3) == 5  # the same function as a `wasmtime.Func`


class _Owner:
    """Like an engine instance: it owns a `HostFuncs` whose bodies lead back to it."""

    def __init__(self, store: wasmtime.Store) -> None:
        self.funcs = fastcall.HostFuncs(store)

    def make(self) -> object:
        return lambda a, b: a


def test_host_funcs_release_their_bodies_with_their_owner() -> None:
    store = wasmtime.Store()
    gc.collect()  # garbage from earlier tests must not leave the registry during this one
    before = len(fastcall._OWNERS)
    owner = _Owner(store)
    externs = [owner.funcs.new("II", "I", owner.make, lambda exc: "failed") for _ in range(50)]
    assert len(fastcall._OWNERS) == before + 1  # one entry for all its functions
    run = _run_extern(store, externs[0])
    assert run(store, 4) == 4
    alive = weakref.ref(owner)
    del owner
    gc.collect()
    assert alive() is None  # the cycle owner -> bodies -> owner is garbage, nothing global holds it
    assert len(fastcall._OWNERS) == before
    try:
        run(store, 1)
    except (wasmtime.Trap, wasmtime.WasmtimeError) as trap:
        assert "after the instance that made it was dropped" in str(trap)
    else:
        raise AssertionError("the call did not trap")


BATCH_WAT = """(module
  (import "" "add" (func $add (param i32 i32) (result i32)))
  (import "" "wide" (func $wide (param i64) (result i64)))
  (import "" "half" (func $half (param f64) (result f64)))
  (import "" "sub" (func $sub (param i32 i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "wide") (param i64) (result i64) (call $wide (local.get 0)))
  (func (export "half") (param f64) (result f64) (call $half (local.get 0)))
  (func (export "sub") (param i32 i32) (result i32) (call $sub (local.get 0) (local.get 1))))"""


class _Bodies:
    """`LazyBodies` recording which bodies are made, and when."""

    def __init__(self, bodies: list[tuple[str, object]], made: list[str]) -> None:
        self.bodies, self.made = bodies, made

    def make_body(self, i: int) -> object:
        self.made.append(self.bodies[i][0])
        return self.bodies[i][1]

    def on_error(self, i: int, exc: BaseException) -> str:
        return f"{self.bodies[i][0]} failed: {exc}"


@pytest.mark.parametrize("compiled", [True, False], ids=["C loop", "ctypes loop"])
def test_a_batch_of_host_funcs_is_made_in_one_loop(monkeypatch: pytest.MonkeyPatch, compiled: bool) -> None:
    if not compiled:
        monkeypatch.setattr(fastcall, "_c_new_funcs", None)
    store = wasmtime.Store()
    funcs = fastcall.HostFuncs(store)
    made: list[str] = []
    first = funcs.new("II", "I", lambda: (lambda a, b: 0), str)  # the batch's indices start after it
    signatures = fastcall.Signatures([("II", "I"), ("Q", "Q"), ("d", "d"), ("II", "I")])
    bodies = _Bodies(
        [
            ("add", lambda a, b: a + b),
            ("wide", lambda x: x * 2**33 % 2**64),
            ("half", lambda x: x / 2),
            ("sub", lambda a, b: (a - b) % 2**32),
        ],
        made,
    )
    externs = funcs.add_all(signatures, bodies)
    assert len(externs) == 4 and made == []
    module = wasmtime.Module(store.engine, BATCH_WAT)
    imports = [fastcall.func_of(e) for e in externs]
    exports = wasmtime.Instance(store, module, imports).exports(store)
    call = {name: exports[name] for name in ("add", "wide", "half", "sub")}
    assert call["sub"](store, 3, 5) == -2  # wasmtime-py reads an i32 result as signed
    assert call["add"](store, 2, 3) == 5
    assert call["wide"](store, 3) == 3 * 2**33
    assert call["half"](store, 5.0) == 2.5
    assert call["add"](store, 4, 4) == 8
    assert made == ["sub", "add", "wide", "half"]  # each made once, on its first call
    assert fastcall.func_of(first)(store, 1, 2) == 0


def test_a_batch_function_that_raises_traps_with_its_own_message() -> None:
    store = wasmtime.Store()
    funcs = fastcall.HostFuncs(store)

    def boom(a: int, b: int) -> int:
        raise RuntimeError("no")

    externs = funcs.add_all(
        fastcall.Signatures([("II", "I"), ("II", "I")]),
        _Bodies([("ok", lambda a, b: a), ("bad", boom)], []),
    )
    run_bad = _run_extern(store, externs[1])
    with pytest.raises((wasmtime.Trap, wasmtime.WasmtimeError), match="bad failed: no"):
        run_bad(store, 1)
    assert _run_extern(store, externs[0])(store, 7) == 7
