"""Instantiating components with the cabi engine and calling their core exports directly."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from witgen.component import binary as b
from witgen.component import types as t
from witgen.runtime.cabi import CanonOptions, ComponentInstance, LiftedFunc, ResourceType
from witgen.runtime.cabi.engine import CabiComponent, CabiInstance, ImportSite
from witgen.runtime.cabi.instantiate import host_funcs, instantiate
from witgen.runtime.cabi.modules import cache_root, prepare
from witgen.runtime.cabi.plan import InstantiateCore
from witgen.runtime.cabi.wiring import ImportArrays
from witgen.runtime.codecs import STRING, U32
from witgen.runtime.errors import LinkError

from .resolvers import Resolver, Stubs


def calc_resolver(store: wasmtime.Store, log: list[str]) -> Resolver:
    def tick(options: CanonOptions, caller: ComponentInstance) -> Callable[..., Any]:
        return lambda x: x * 10

    def log_impl(options: CanonOptions, caller: ComponentInstance) -> Callable[..., Any]:
        assert options.memory is not None and options.string_encoding == "utf8"
        memory = options.memory

        def log_(ptr: int, n: int) -> None:
            log.append(bytes(memory.read(store, ptr, ptr + n)).decode())

        return log_

    return Resolver(
        store,
        funcs={
            (("witgen-e2e:calc/host",), "tick"): (["i32"], ["i32"], tick),
            ((), "log"): (["i32", "i32"], [], log_impl),
        },
    )


@pytest.fixture
def calc(calc_wasm: Path, tmp_path: Path) -> tuple[wasmtime.Store, Any, list[str], Resolver]:
    store = wasmtime.Store()
    log: list[str] = []
    resolver = calc_resolver(store, log)
    return store, instantiate(calc_wasm.read_bytes(), store, resolver, cache_dir=tmp_path), log, resolver


def test_calc_exports(calc: Any) -> None:
    store, inst, _, _ = calc
    assert set(inst.exports) == {
        "add",
        "echo-bytes",
        "sum-u32",
        "echo-string",
        "trap",
        "loop-host",
        "greet",
        "witgen-e2e:calc/calc",
    }
    add = inst.exports["add"]
    assert isinstance(add, LiftedFunc)
    assert add.type == t.FuncType((("a", t.Prim("u32")), ("b", t.Prim("u32"))), t.Prim("u32"))
    assert add.core(store, 2, 40) == 42
    assert inst.exports["witgen-e2e:calc/calc"]["add"].core(store, 5, 6) == 11
    # the interface export comes from the nested shim component: its own instance, same core func
    assert len(inst.instances) == 2


def test_calc_memory_and_post_return(calc: Any) -> None:
    store, inst, _, _ = calc
    echo = inst.exports["echo-string"]
    opts = echo.options
    assert opts.memory is not None and opts.realloc is not None and opts.post_return is not None
    ptr = opts.realloc(store, 0, 0, 1, 5)
    opts.memory.write(store, b"hello", ptr)
    ret = echo.core(store, ptr, 5)
    raw = bytes(opts.memory.read(store, ret, ret + 8))
    p, n = int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little")
    assert bytes(opts.memory.read(store, p, p + n)) == b"hello"
    opts.post_return(store, ret)


def test_calc_imports_called_from_wasm(calc: Any) -> None:
    store, inst, log, resolver = calc
    assert inst.exports["loop-host"].core(store, 3) == 60  # tick(3) + tick(2) + tick(1)
    greet = inst.exports["greet"]
    ptr = greet.options.realloc(store, 0, 0, 1, 5)
    greet.options.memory.write(store, b"World", ptr)
    greet.core(store, ptr, 5)
    assert log == ["Hello, World!"]
    # `log`'s options are the main module's memory, live when the resolver was asked
    ((_, _, log_opts),) = [r for r in resolver.requested if r[1] == "log"]
    assert log_opts.memory is not None and log_opts.memory.data_len(store) >= 65536


def test_calc_trap_is_wasmtime_trap(calc: Any) -> None:
    store, inst, _, _ = calc
    with pytest.raises(wasmtime.Trap):
        inst.exports["trap"].core(store)


def test_missing_imports_are_one_link_error(calc_wasm: Path) -> None:
    store = wasmtime.Store()
    with pytest.raises(LinkError) as info:
        instantiate(calc_wasm.read_bytes(), store, Resolver(store), cache_dir=False)
    message = str(info.value)
    assert "witgen-e2e:calc/host: tick" in message and "the world: log" in message
    assert "(2 missing)" in message and "`<World>Imports`" in message


def test_host_funcs_lists_import_types(calc_wasm: Path) -> None:
    sigs = host_funcs(calc_wasm.read_bytes())
    assert sigs == {
        (("witgen-e2e:calc/host",), "tick"): t.FuncType((("x", t.Prim("u32")),), t.Prim("u32")),
        ((), "log"): t.FuncType((("msg", t.Prim("string")),), None),
    }


def test_nested_components_are_wired(wat_file: Callable[[str], bytes]) -> None:
    store = wasmtime.Store()
    logged: list[int] = []

    def log(options: CanonOptions, caller: ComponentInstance) -> Callable[..., Any]:
        return logged.append

    resolver = Resolver(store, funcs={((), "log"): (["i32"], [], log)})
    inst = instantiate(wat_file("nested.wat"), store, resolver, cache_dir=False)
    assert inst.exports["quad"].core(store, 5) == 20  # B calls A twice through the fused adapter
    assert logged == [20]
    assert inst.exports["a"]["calls"].core(store) == 2
    assert inst.exports["quad"].instance is not inst.exports["a"]["double"].instance
    assert [i.name for i in inst.instances] == ["root", "root/instance0", "root/instance1"]
    ((_, _, caller_opts),) = resolver.requested
    assert caller_opts.memory is None


def test_fused_call_passing_a_stream_is_a_link_error(build_wat: Callable[[str], bytes]) -> None:
    """Adapters carry every value type but streams, futures and error contexts (async)."""
    wasm = build_wat("""(component
          (component $A
            (type $s (stream u8))
            (core module $m (func (export "take") (param i32)))
            (core instance $i (instantiate $m))
            (func (export "take") (param "s" $s) (canon lift (core func $i "take"))))
          (component $B
            (type $s (stream u8))
            (import "take" (func $take (param "s" $s)))
            (core func (canon lower (func $take))))
          (instance $a (instantiate $A))
          (instance (instantiate $B (with "take" (func $a "take")))))""")
    store = wasmtime.Store()
    with pytest.raises(
        LinkError, match="cannot link take: witgen's cabi engine cannot pass values of type stream"
    ):
        instantiate(wasm, store, Resolver(store), cache_dir=False)


def test_unsupported_builtins_and_start_are_link_errors(build_wat: Callable[[str], bytes]) -> None:
    store = wasmtime.Store()
    wasm = build_wat("(component (type $s (stream u8)) (core func (canon stream.new $s)))")
    with pytest.raises(LinkError, match="canon stream.new .* not supported"):
        instantiate(wasm, store, Resolver(store), cache_dir=False)
    wasm = build_wat("(component (core func (canon waitable-set.new)))")
    with pytest.raises(LinkError, match="waitable-set.new"):
        instantiate(wasm, store, Resolver(store), cache_dir=False)


def test_kitchen_with_stubbed_wasi(kitchen_wasm: Path, tmp_path: Path) -> None:
    data = kitchen_wasm.read_bytes()
    sigs = host_funcs(data)
    assert (("wasi:cli/stderr@0.2.9",), "get-stderr") in sigs
    timings = []
    for _ in range(2):  # cold (compiles into tmp_path), then warm (deserializes)
        store = wasmtime.Store()
        stubs = Stubs(store, sigs)
        start = time.perf_counter()
        inst = instantiate(data, store, stubs, cache_dir=tmp_path)
        timings.append(time.perf_counter() - start)
        assert {"describe", "call-now", "witgen-e2e:kitchen/echo@0.1.0"} <= set(inst.exports)
        assert all(isinstance(f, LiftedFunc) for f in inst.exports["witgen-e2e:kitchen/echo@0.1.0"].values())
        assert {p for p, _, _ in stubs.requested} >= {("wasi:io/streams@0.2.9",), ("wasi:cli/stderr@0.2.9",)}
        assert all(
            o.memory is not None for _, n, o in stubs.requested if n.startswith("[method]output-stream.write")
        )
    root = cache_root(tmp_path)
    assert root is not None and len(list(root.glob("*.cwasm"))) == 14
    assert timings[1] < timings[0]


def test_kitchen_missing_wasi_named_once(kitchen_wasm: Path) -> None:
    store = wasmtime.Store()
    with pytest.raises(LinkError) as info:
        instantiate(kitchen_wasm.read_bytes(), store, Resolver(store), cache_dir=False)
    message = str(info.value)
    streams = next(line for line in message.splitlines() if line.startswith("  wasi:io/streams@0.2.9: "))
    assert streams.count("resource output-stream") == 1
    assert "\n  wasi:cli/stderr@0.2.9: get-stderr\n" in message
    assert "wasi=witgen.wasi.Wasi(...)" in message


def test_handles_move_between_composed_components(wat_file: Callable[[str], bytes]) -> None:
    store = wasmtime.Store()
    inst = instantiate(wat_file("handles.wat"), store, Resolver(store), cache_dir=False)
    root, a, b = inst.instances
    assert inst.exports["run"].core(store, 42) == 42  # make (own A->B), peek (borrow B->A), drop
    assert inst.exports["a"]["dropped"].core(store) == 42  # B's drop ran A's destructor
    assert len(a.table) == 0 and len(b.table) == 0
    assert isinstance(inst.exports["a"]["r"], ResourceType) and inst.exports["a"]["r"].instance is a


def _count_definitions(component: b.Component) -> int:
    return sum(
        1 + (_count_definitions(d.component) if isinstance(d, b.NestedComponent) else 0)
        for d in component.definitions
    )


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "ctypes"])
def test_kitchen_wires_with_either_loop(kitchen_wasm: Path, tmp_path: Path, compiled: bool) -> None:
    """CPython's ~2,100 wires, by the compiled helper or by ctypes calls: wasmtime checks every
    import's type, so a wire to the wrong export would fail the instantiation."""
    engine = wasmtime.Engine()
    prepared = prepare(kitchen_wasm.read_bytes(), engine, tmp_path)
    prepared.import_arrays = ImportArrays(compiled=compiled)
    sigs = host_funcs(prepared.component)
    for _ in range(2):  # the second time with the pooled arrays
        store = wasmtime.Store(engine)
        inst = instantiate(prepared, store, Stubs(store, sigs))
        assert "describe" in inst.exports
    arrays = [a for pool in prepared.import_arrays._free.values() for a in pool]
    assert len(arrays) == 14 and all((a.c_wires is not None) == compiled for a in arrays)


def test_kitchen_is_planned_once_into_few_steps(kitchen_wasm: Path, tmp_path: Path) -> None:
    """The walk over ~2400 definitions happens once; each instance runs a few hundred steps."""
    engine = wasmtime.Engine()
    prepared = prepare(kitchen_wasm.read_bytes(), engine, tmp_path)
    sigs = host_funcs(prepared.component)
    plans = []
    for _ in range(2):
        store = wasmtime.Store(engine)
        inst = instantiate(prepared, store, Stubs(store, sigs))
        assert "describe" in inst.exports
        plans.append(prepared.plan)
    the_plan = plans[0]
    assert the_plan is not None and plans[1] is the_plan
    kinds = Counter(type(s).__name__ for s in the_plan.steps)
    assert kinds["InstantiateCore"] == 14 and kinds["Lower"] >= len(sigs)  # some are lowered twice
    assert len(the_plan.steps) * 5 < _count_definitions(prepared.component)
    wired = sum(len(s.by_name) for s in the_plan.steps if isinstance(s, InstantiateCore))
    assert wired > 1000  # core exports passed between core instances without Python objects


def _calc_instance(calc_wasm: Path, tick: Callable[[ImportSite], Callable[..., Any]]) -> CabiInstance:
    engine = wasmtime.Engine()
    rt = CabiInstance(CabiComponent(prepare(calc_wasm.read_bytes(), engine, False), engine), engine=engine)
    # the codecs say the types the bindings were generated for (checked at instantiation)
    rt.define_func("witgen-e2e:calc/host", "tick", "tick", [("x", U32)], U32, lambda x: x, cabi=tick)
    rt.define_func(
        "", "log", "log", [("msg", STRING)], None, print, cabi=lambda site: site.host_func("II", "", print)
    )
    rt.instantiate()
    return rt


def test_import_bodies_are_made_on_first_call(calc_wasm: Path) -> None:
    made: list[ImportSite] = []

    def tick(site: ImportSite) -> Callable[..., Any]:
        made.append(site)
        return site.host_func("I", "I", lambda x: x * 10)

    rt = _calc_instance(calc_wasm, tick)
    assert made == []  # instantiation made the core function, not the generated body
    loop = rt._export("", "loop-host")
    assert loop.core(rt.store, 3) == 60
    assert len(made) == 1  # made once, on the first of three calls


def test_import_bindings_for_another_signature_fail_on_first_call(calc_wasm: Path) -> None:
    rt = _calc_instance(calc_wasm, lambda site: site.host_func("Q", "Q", lambda x: x))
    with pytest.raises((wasmtime.Trap, wasmtime.WasmtimeError), match="host function tick raised LinkError"):
        rt._export("", "loop-host").core(rt.store, 1)
    assert isinstance(rt.pending, LinkError)
    assert "generated for core signature ('Q', 'Q')" in str(rt.pending)
    assert "imports it as ('I', 'I')" in str(rt.pending)
