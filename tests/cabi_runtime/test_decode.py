"""The decoder against ``wasm-tools print``: same definitions, index spaces and names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from witgen.component import binary as b
from witgen.component import types as t
from witgen.component.errors import DecodeError
from witgen.component.names import parse_name

from . import printed
from .conftest import WAT_DIR, wasm_tools


def _defs(comp: b.Component) -> list[tuple[str, int]]:
    return [(d.sort, d.index) for d in comp.definitions if d.sort is not None and not isinstance(d, b.Start)]


def _check(comp: b.Component, ref: printed.Printed) -> None:
    assert _defs(comp) == ref.defs
    assert [i.name.name for i in comp.imports] == ref.imports
    assert [e.name.name for e in comp.exports] == ref.exports
    nested = comp.of(b.NestedComponent)
    assert len(nested) == len(ref.nested)
    for mine, theirs in zip(nested, ref.nested, strict=True):
        _check(mine.component, theirs)


def check_against_printer(path: Path) -> b.Component:
    comp = b.decode(path.read_bytes())
    _check(comp, printed.parse(printed.print_component(wasm_tools(), str(path))))
    return comp


def test_calc(calc_wasm: Path) -> None:
    comp = check_against_printer(calc_wasm)
    assert comp.counts == {
        "type": 11,
        "instance": 3,
        "func": 17,
        "core module": 3,
        "core instance": 6,
        "core func": 14,
        "core memory": 1,
        "component": 1,
    }
    lifts = [d for d in comp.of(b.Canon) if d.op == "lift"]
    assert len(lifts) == 8
    echo = next(d for d in lifts if d.index == 8)  # echo-string
    assert echo.opts is not None and echo.opts.post_return == 9 and echo.opts.string_encoding == "utf8"
    typedef = next(d for d in comp.of(b.TypeDef) if d.index == echo.type)
    assert typedef.type == t.FuncType((("s", t.Prim("string")),), t.Prim("string"))
    # the core module is kept as bytes the core decoder accepts
    import wasmtime

    module = wasmtime.Module(wasmtime.Engine(), bytes(comp.of(b.CoreModule)[0].data))
    assert {e.name for e in module.exports} >= {"memory", "cabi_realloc", "greet"}


def test_maps(maps_wasm: Path) -> None:
    comp = check_against_printer(maps_wasm)
    assert any(isinstance(d.type, t.Map) for d in comp.of(b.TypeDef))


def test_kitchen(kitchen_wasm: Path) -> None:
    comp = check_against_printer(kitchen_wasm)
    assert len(comp.of(b.CoreModule)) == 14
    ops = {d.op for d in comp.of(b.Canon)}
    assert ops == {"lift", "lower", "resource.new", "resource.drop", "resource.rep"}
    streams = next(i for i in comp.imports if i.name.name == "wasi:io/streams@0.2.9")
    assert streams.desc.kind == "instance"
    parsed = parse_name(streams.name.name)
    assert (parsed.kind, parsed.namespace, parsed.package, parsed.label, parsed.version) == (
        "interface",
        "wasi",
        "io",
        "streams",
        "0.2.9",
    )
    itype = next(d.type for d in comp.of(b.TypeDef) if d.index == streams.desc.index)
    assert isinstance(itype, t.InstanceType)
    decl_names = [d.name.name for d in itype.decls if isinstance(d, t.ExportDecl)]
    assert "[method]output-stream.blocking-write-and-flush" in decl_names


@pytest.mark.parametrize("name", sorted(p.name for p in WAT_DIR.glob("*.wat")))
def test_wat_sources(name: str, workdir: Path, wat_file: Callable[[str], bytes]) -> None:
    path = workdir / f"{name}.wasm"
    path.write_bytes(wat_file(name))
    check_against_printer(path)


def test_builtins_are_named(build_wat: Callable[[str], bytes]) -> None:
    comp = b.decode(build_wat("""(component
              (type $s (stream u8)) (type $f (future u32))
              (core module $m (memory (export "mem") 1) (table (export "t") 1 funcref))
              (core instance $i (instantiate $m))
              (alias core export $i "mem" (core memory $mem))
              (alias core export $i "t" (core table $t))
              (core type $ft (func (param i32)))
              (core func (canon backpressure.inc))
              (core func (canon task.return (result u32)))
              (core func (canon context.get i32 0))
              (core func (canon stream.new $s))
              (core func (canon stream.read $s async (memory $mem)))
              (core func (canon future.cancel-read $f async))
              (core func (canon waitable-set.wait (memory $mem)))
              (core func (canon error-context.new (memory $mem)))
              (core func (canon thread.new-indirect $ft (core table $t)))
            )"""))
    canons = comp.of(b.Canon)
    assert [c.op for c in canons] == [
        "backpressure.inc",
        "task.return",
        "context.get",
        "stream.new",
        "stream.read",
        "future.cancel-read",
        "waitable-set.wait",
        "error-context.new",
        "thread.new-indirect",
    ]
    assert canons[1].result == t.Prim("u32")
    assert canons[4].opts is not None and canons[4].opts.is_async and canons[4].opts.memory == 0
    assert canons[5].is_async
    assert canons[6].extra == (0,)
    assert canons[8].extra == (0, 0)


def test_names() -> None:
    assert parse_name("[method]r.m") == parse_name("[method]r.m")
    m = parse_name("[method]output-stream.write")
    assert (m.kind, m.resource, m.label) == ("method", "output-stream", "write")
    c = parse_name("[constructor]blob")
    assert (c.kind, c.resource) == ("constructor", "blob")
    s = parse_name("[static]blob.merge")
    assert (s.kind, s.resource, s.label) == ("static", "blob", "merge")
    assert parse_name("log").kind == "plain"


@pytest.mark.parametrize("cut", [1, 5, 9, 12, 40, 200])
def test_truncated_input_is_a_decode_error_with_offset(calc_wasm: Path, cut: int) -> None:
    data = calc_wasm.read_bytes()[:cut]
    with pytest.raises(DecodeError) as info:
        b.decode(data)
    assert 0 <= info.value.offset <= len(data)
    assert "offset" in str(info.value)


def test_corrupt_bytes_are_decode_errors(calc_wasm: Path) -> None:
    data = bytearray(calc_wasm.read_bytes())
    # every single-byte corruption of the component-level header region fails cleanly or decodes
    for i in range(8, 0x80):
        broken = bytearray(data)
        broken[i] ^= 0xFF
        try:
            b.decode(bytes(broken))
        except DecodeError as exc:
            assert exc.offset >= 0


def test_core_module_is_rejected() -> None:
    import wasmtime

    with pytest.raises(DecodeError, match="core wasm module"):
        b.decode(wasmtime.wat2wasm("(module)"))


def test_thread_builtins_decode_as_in_binary_md() -> None:
    """binary.wast's canon section: opcodes 0x28-0x2d with their `cancel?` byte (wasm-tools 1.262
    writes only 0x00 there; the spec allows 0x01), and `shared?` on the 0x4x builtins."""
    canons = bytes(
        [
            0x28,
            0x29,
            0x01,
            0x0C,
            0x01,
            0x2A,
            0x00,
            0x2B,
            0x01,
            0x2C,
            0x00,
            0x2D,
            0x01,
            0x42,
            0x01,
            0x40,
            0x00,
            0x00,
        ]
    )
    section = bytes([9]) + canons  # 9 canons
    data = b"\0asm\x0d\x00\x01\x00" + bytes([0x08, len(section)]) + section
    found = [(c.op, c.cancellable, c.shared) for c in b.decode(data).of(b.Canon)]
    assert found == [
        ("thread.resume-later", False, False),
        ("thread.suspend", True, False),
        ("thread.yield", True, False),
        ("thread.suspend-then-resume", False, False),
        ("thread.yield-then-resume", True, False),
        ("thread.suspend-then-promote", False, False),
        ("thread.yield-then-promote", True, False),
        ("thread.available-parallelism", False, True),
        ("thread.spawn-ref", False, False),
    ]


def test_core_gc_types_decode(build_wat: Callable[[str], bytes]) -> None:
    """Component-level core types in their WebAssembly 3.0 forms (non-final `sub` takes the
    0x00 prefix there) decode; a function type keeps its signature."""
    comp = b.decode(build_wat("""(component
              (core type (sub (func (param i32))))
              (core type (sub final (func (result i64))))
              (core type (struct (field i32) (field (mut i8))))
              (core type (array (mut i16)))
            )"""))
    assert [d.type for d in comp.of(b.CoreTypeDef)] == [
        t.CoreFuncType(("i32",), ()),
        t.CoreFuncType((), ("i64",)),
        t.CoreGcType("struct", ("i32", "mut i8")),
        t.CoreGcType("array", ("mut i16",)),
    ]
    with pytest.raises(DecodeError, match="recursive groups of more than one"):
        b.decode(b"\0asm\x0d\x00\x01\x00" + bytes([0x03, 0x08, 0x01, 0x4E, 0x02, 0x60, 0, 0, 0x60, 0, 0]))
