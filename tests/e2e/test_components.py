"""The test components themselves: they build, export exactly their WIT world,
and behave under plain wasmtime-py (its dynamic component API), independently
of witgen's generated bindings."""

from __future__ import annotations

import ctypes
import dataclasses
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from wasmtime import Store, WasiConfig, WasmtimeError
from wasmtime.component import Linker, ResourceHost, ResourceType

from . import build
from .build import SPECS


def _wit_of(wasm: Path) -> str:
    out = subprocess.run(
        [build.tool("wasm-tools"), "component", "wit", str(wasm)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def _top_level_blocks(text: str) -> list[list[str]]:
    """Split decoded WIT into its top-level items (``package x;``, ``world w {..}``, ``package p {..}``)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        current.append(line)
        if line == "}" or (not line.startswith(" ") and line.endswith(";")):
            blocks.append(current)
            current = []
    assert not current, current
    return blocks


def _world_items(block: list[str]) -> list[list[str]]:
    items: list[list[str]] = []
    for line in block[1:-1]:
        if line.startswith("  ") and not line.startswith("   ") and line != "  }":
            items.append([line])
        else:
            items[-1].append(line)
    return items


def normalized_wit(text: str) -> str:
    """Decoded component WIT without WASI imports, WASI packages and componentize-py's own
    ``exports`` interface: what remains must be exactly the component's WIT world."""
    out: list[str] = []
    for block in _top_level_blocks(text):
        head = block[0]
        if head.startswith("world "):
            out.append(head)
            for item in _world_items(block):
                first = item[0].strip()
                if first.startswith("import wasi:") or first.startswith("export exports: interface"):
                    continue
                out.extend(item)
            out.append("}")
        elif head.startswith("package wasi:"):
            continue
        else:
            out.extend(block)
    return "\n".join(out)


def _expected_wit(name: str, tmp_path: Path) -> str:
    """The world's WIT as a component would print it: embed a dummy module, wrap, decode."""
    spec = SPECS[name]
    wt = build.tool("wasm-tools")
    embed = tmp_path / "dummy.embed.wasm"
    comp = tmp_path / "dummy.wasm"
    subprocess.run(
        [wt, "component", "embed", "--dummy", str(spec.wit_path), "--world", spec.world, "-o", str(embed)],
        check=True,
    )
    subprocess.run([wt, "component", "new", str(embed), "-o", str(comp)], check=True)
    return _wit_of(comp)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_component_builds_and_matches_its_world(name: str, tmp_path: Path) -> None:
    wasm = build.build(name)
    assert wasm.read_bytes()[:8] == b"\0asm\x0d\x00\x01\x00", "not a component binary"
    got = normalized_wit(_wit_of(wasm))
    want = normalized_wit(_expected_wit(name, tmp_path))
    assert got == want
    # Guard against a vacuous comparison.
    assert got.count("func(") >= 1


def test_build_is_cached(tmp_path: Path) -> None:
    first = build.build("calc")
    mtime = first.stat().st_mtime_ns
    assert build.build("calc") == first
    assert first.stat().st_mtime_ns == mtime
    assert first.parent.parent == build.cache_dir()


def test_input_hash_covers_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = SPECS["calc"]
    before = build.input_hash(spec)
    copy = tmp_path / "calc"
    copy.mkdir()
    for f in spec.dir.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    moved = dataclasses.replace(spec, home=tmp_path)  # `home` is not part of the hash
    assert build.input_hash(moved) == before
    (copy / "calc.wat").write_text((copy / "calc.wat").read_text() + "\n;; changed\n")
    assert build.input_hash(moved) != before


# --------------------------------------------------------------------------- calc under wasmtime-py


def _calc_instance(ticks: list[int], logs: list[str]) -> tuple[Store, Any, Any]:
    engine = build.engine_for("calc")
    comp = build.load_component("calc", engine)
    linker = Linker(engine)
    with linker.root() as root:
        root.add_func("log", lambda store, msg: logs.append(msg))
        with root.add_instance("witgen-e2e:calc/host") as host:
            host.add_func("tick", lambda store, x: (ticks.append(x), x * 2)[1])
    store = Store(engine)
    return store, comp, linker.instantiate(store, comp)


def test_calc_under_wasmtime_py() -> None:
    ticks: list[int] = []
    logs: list[str] = []
    store, comp, inst = _calc_instance(ticks, logs)

    def f(name: str) -> Any:
        func = inst.get_func(store, name)
        assert func is not None, name
        return lambda *args: func(store, *args)

    assert f("add")(2, 3) == 5
    assert f("add")(2**32 - 1, 2) == 1  # wrapping i32.add
    data = bytes(range(256)) * 300
    assert f("echo-bytes")(data) == data
    assert f("echo-bytes")(b"") == b""
    assert f("sum-u32")(list(range(1000))) == 499500
    assert f("echo-string")("héllo wörld 😀") == "héllo wörld 😀"
    assert f("echo-string")("x" * 100_000) == "x" * 100_000
    assert f("loop-host")(4) == 2 * (4 + 3 + 2 + 1)
    assert ticks == [4, 3, 2, 1]
    assert f("greet")("Wörld") is None
    assert logs == ["Hello, Wörld!"]
    iface = comp.get_export_index("witgen-e2e:calc/calc")
    calc_add = inst.get_func(store, comp.get_export_index("add", iface))
    assert calc_add(store, 40, 2) == 42
    with pytest.raises(WasmtimeError, match=r"wasm trap: wasm `unreachable` instruction executed"):
        f("trap")()


def test_calc_allocator_survives_many_calls() -> None:
    """The bump allocator is reset after each call (cabi_post_* / at the end of the export)."""
    store, _, inst = _calc_instance([], [])
    echo = inst.get_func(store, "echo-string")
    big = "y" * 60_000
    for _ in range(100):  # 6 MB in total: would exceed memory limits without the resets
        assert echo(store, big) == big


# --------------------------------------------------------------------------- maps (C level)

VAL_SIZE = 32
KIND_U32, KIND_STRING, KIND_MAP = 6, 12, 22


def test_maps_under_wasmtime_c_api() -> None:
    """wasmtime-py's value layer can't convert map<K,V>, so call through the C API directly.
    A map value is {size, entries*}; each entry is a (key, value) pair of 32-byte vals."""
    from wasmtime import _ffi as ffi

    engine = build.engine_for("maps")
    comp = build.load_component("maps", engine)
    store = Store(engine)
    inst = Linker(engine).instantiate(store, comp)
    call = ctypes.CFUNCTYPE(
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_void_p,
        ctypes.c_size_t,
    )(("wasmtime_component_func_call", ffi.dll))
    val_delete = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(("wasmtime_component_val_delete", ffi.dll))
    ctx = ctypes.cast(store._context(), ctypes.c_void_p).value

    def invoke(name: str, args: ctypes.Array[Any] | None, nargs: int) -> Any:
        func = inst.get_func(store, name)
        res = ffi.wasmtime_component_val_t()
        err = call(
            ctypes.addressof(func._func),
            ctx,
            ctypes.addressof(args) if args else None,
            nargs,
            ctypes.addressof(res),
            1,
        )
        assert not err, f"{name} failed"
        return res

    def read_map(res: Any) -> dict[str, int]:
        base = ctypes.addressof(res)
        assert ctypes.c_uint8.from_address(base).value == KIND_MAP
        n = ctypes.c_size_t.from_address(base + 8).value
        p = ctypes.c_void_p.from_address(base + 16).value or 0
        out = {}
        for i in range(n):
            key, val = p + i * 2 * VAL_SIZE, p + i * 2 * VAL_SIZE + VAL_SIZE
            assert ctypes.c_uint8.from_address(key).value == KIND_STRING
            assert ctypes.c_uint8.from_address(val).value == KIND_U32
            klen = ctypes.c_size_t.from_address(key + 8).value
            kptr = ctypes.c_void_p.from_address(key + 16).value or 0
            out[ctypes.string_at(kptr, klen).decode()] = ctypes.c_uint32.from_address(val + 8).value
        return out

    res = invoke("sample", None, 0)
    try:
        assert read_map(res) == {"one": 1, "two": 2}
    finally:
        val_delete(ctypes.addressof(res))

    # Build map {"a": 5, "bb": 7} in Python-owned memory (arguments are only borrowed).
    keys = [ctypes.create_string_buffer(b"a", 1), ctypes.create_string_buffer(b"bb", 2)]
    entries = (ctypes.c_uint8 * (2 * 2 * VAL_SIZE))()
    e = ctypes.addressof(entries)
    for i, (kbuf, v) in enumerate(zip(keys, [5, 7], strict=True)):
        k = e + i * 2 * VAL_SIZE
        ctypes.c_uint8.from_address(k).value = KIND_STRING
        ctypes.c_size_t.from_address(k + 8).value = len(kbuf)
        ctypes.c_void_p.from_address(k + 16).value = ctypes.addressof(kbuf)
        ctypes.c_uint8.from_address(k + VAL_SIZE).value = KIND_U32
        ctypes.c_uint32.from_address(k + VAL_SIZE + 8).value = v
    arg = (ctypes.c_uint8 * VAL_SIZE)()
    a = ctypes.addressof(arg)
    ctypes.c_uint8.from_address(a).value = KIND_MAP
    ctypes.c_size_t.from_address(a + 8).value = 2
    ctypes.c_void_p.from_address(a + 16).value = e

    res = invoke("total", arg, 1)
    assert ctypes.c_uint32.from_address(ctypes.addressof(res) + 8).value == 12
    res = invoke("echo-map", arg, 1)
    try:
        assert read_map(res) == {"a": 5, "bb": 7}
    finally:
        val_delete(ctypes.addressof(res))


# --------------------------------------------------------------------------- kitchen under wasmtime-py

KITCHEN = "witgen-e2e:kitchen/{}@0.1.0"
COUNTER_TYPE = 7


def _kitchen_instance(state: dict[str, Any], wasi: WasiConfig | None = None) -> tuple[Store, Any, Any]:
    engine = build.engine_for("kitchen")
    comp = build.load_component("kitchen", engine)
    counters: dict[int, int] = state.setdefault("counters", {})
    dropped: list[int] = state.setdefault("dropped", [])

    def new(store: Any, start: int) -> ResourceHost:
        rep = len(counters) + 1
        counters[rep] = start
        return ResourceHost.own(rep, COUNTER_TYPE)

    def rep(store: Any, handle: Any) -> int:
        return int(handle.to_host(store).rep)

    def inc(store: Any, c: Any, by: int) -> None:
        counters[rep(store, c)] += by

    def fail(store: Any, msg: str) -> int:
        raise KeyError(msg)

    linker = Linker(engine)
    linker.add_wasip2()
    with linker.root() as root:
        root.add_func("now", lambda store: 41)
        with root.add_instance(KITCHEN.format("host-api")) as h:
            h.add_resource("counter", ResourceType.host(COUNTER_TYPE), lambda store, r: dropped.append(r))
            h.add_func("[constructor]counter", new)
            h.add_func("[method]counter.get", lambda store, c: counters[rep(store, c)])
            h.add_func("[method]counter.inc", inc)
            h.add_func("[static]counter.zero", lambda store: new(store, 0))
            h.add_func("log", lambda store, level, msg: state.setdefault("logs", []).append((level, msg)))
            h.add_func("lookup", lambda store, key: {"one": 1}.get(key))
            h.add_func("entries", lambda store: [])
            h.add_func("read-counter", lambda store, c: counters[rep(store, c)])
            h.add_func("make-counter", new)
            h.add_func("consume-counter", lambda store, c: counters[rep(store, c)])
            h.add_func("fail", fail)
            # result<u32, string> is "untagged" in wasmtime-py: the payload's Python type decides.
            h.add_func("checked-div", lambda store, a, b: a // b if b else "division by zero")
    store = Store(engine)
    store.set_wasi(wasi or WasiConfig())
    return store, comp, linker.instantiate(store, comp)


def _kfunc(store: Store, comp: Any, inst: Any, iface: str | None, name: str) -> Any:
    idx = comp.get_export_index(name, comp.get_export_index(KITCHEN.format(iface))) if iface else name
    func = inst.get_func(store, idx)
    assert func is not None, (iface, name)
    return lambda *args: func(store, *args)


def test_kitchen_under_wasmtime_py() -> None:
    state: dict[str, Any] = {}
    store, comp, inst = _kitchen_instance(state)

    def f(iface: str | None, name: str) -> Any:
        return _kfunc(store, comp, inst, iface, name)

    assert f("echo", "echo-string")("héllo 😀") == "héllo 😀"
    assert f("echo", "echo-u64")(2**64 - 1) == 2**64 - 1
    assert f("echo", "echo-s8")(-128) == -128
    assert f("echo", "echo-bytes")(b"\x00\xff") == b"\x00\xff"
    assert f("echo", "echo-list-string")(["a", "", "ç"]) == ["a", "", "ç"]
    assert f("echo", "echo-tuple")((1, "x", 2.5)) == (1, "x", 2.5)
    assert f("echo", "echo-enum")("dark-gray") == "dark-gray"
    assert f("echo", "echo-flags")({"read", "exec-all"}) == {"read", "exec-all"}
    assert f("echo", "multi")(1, "ab", b"xyz") == (4, "AB")
    kw = f("echo", "keywords")(3, "x")
    assert (getattr(kw, "class"), getattr(kw, "def")) == (3, "x")
    f("echo", "set-value")(99)
    assert f("echo", "get-value")() == 99
    assert f(None, "describe")("safe") == "mode:safe"
    assert f(None, "call-now")() == 42
    assert f("results", "checked-div")(7, 2) == 3
    assert f("results", "checked-div")(7, 0) == "division by zero"  # err payload (untagged)

    ctor = f("resources", "[constructor]accumulator")
    add = f("resources", "[method]accumulator.add")
    acc = ctor(10)
    assert add(acc, 5) == 15
    other = f("resources", "make-accumulator")(1)
    merged = f("resources", "[static]accumulator.merge")(acc, other)
    assert f("resources", "total-of")(merged) == 16
    for r in (acc, other, merged):
        r.drop(store)

    assert f("runner", "use-counters")(3) == [5, 1, 30, 7]
    assert sorted(state["dropped"]) == [1, 2, 3]  # the guest dropped c, zero() and make-counter(30)
    assert f("runner", "call-checked-div")(7, 2) == "ok:3"
    assert f("runner", "call-checked-div")(7, 0) == "err:division by zero"
    assert f("runner", "call-lookup")("one") == 1
    assert f("runner", "call-lookup")("two") is None
    f("runner", "call-log")("warn", "careful")
    assert state["logs"] == [("warn", "careful")]


def test_kitchen_host_exception_and_trap_under_wasmtime_py() -> None:
    store, comp, inst = _kitchen_instance({})
    with pytest.raises(KeyError, match="boom"):
        _kfunc(store, comp, inst, "runner", "call-fail")("boom")

    store, comp, inst = _kitchen_instance({})
    with pytest.raises(WasmtimeError, match="wasm trap"):
        _kfunc(store, comp, inst, "runner", "crash")("guest exception")


def test_kitchen_prints_through_wasi(tmp_path: Path) -> None:
    out = tmp_path / "stdout.txt"
    wasi = WasiConfig()
    wasi.stdout_file = str(out)
    store, comp, inst = _kitchen_instance({}, wasi)
    _kfunc(store, comp, inst, "runner", "print-line")("hello from the guest")
    del inst, store
    assert re.fullmatch(r"hello from the guest\r?\n", out.read_text())


def test_kitchen_inherited_stdio_is_captured_by_capfd(capfd: pytest.CaptureFixture[str]) -> None:
    """What test_host_wasi relies on: inherited WASI stdio writes to the process's fds 1 and 2."""
    wasi = WasiConfig()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    store, comp, inst = _kitchen_instance({}, wasi)
    _kfunc(store, comp, inst, "runner", "print-line")("to stdout")
    _kfunc(store, comp, inst, "runner", "eprint-line")("to stderr")
    out, err = capfd.readouterr()
    assert "to stdout" in out and "to stdout" not in err
    assert "to stderr" in err
