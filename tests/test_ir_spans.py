"""The IR carries where its items were written (``span``), like wit-parser: type definitions,
interfaces, worlds, functions and world items; spans take no part in equality."""

from __future__ import annotations

from pathlib import Path

from witgen.errors import Span
from witgen.resolve import ir, load

WIT = """package a:b;

interface types {
  record point { x: u32 }
  use other.{thing};
  resource blob { read: func() -> u32; }
  get: func() -> point;
}

interface other { type thing = u32; }

world base { import base-fn: func(); }

world w {
  include base;
  use types.{point};
  import types;
  import named: interface { f: func(); }
  export run: func(p: point);
}
"""


def at(span: Span | None) -> tuple[int, int]:
    assert span is not None
    return span.line, span.column


def test_items_carry_their_spans(tmp_path: Path) -> None:
    (tmp_path / "x.wit").write_text(WIT)
    loaded = load(tmp_path / "x.wit")
    resolve = loaded.resolve
    pkg = resolve.packages[loaded.main]
    types = resolve.interfaces[pkg.interfaces["types"]]
    assert at(types.span) == (3, 11)
    assert at(resolve.types[types.types["point"]].span) == (4, 10)
    assert at(resolve.types[types.types["thing"]].span) == (5, 14)
    assert at(types.functions["get"].span) == (7, 3)
    assert at(types.functions["[method]blob.read"].span) == (6, 19)
    world = resolve.worlds[pkg.worlds["w"]]
    assert at(world.span) == (14, 7)
    assert world.includes == []  # elaborated into the imports
    imports = world.imports
    assert at(imports[ir.InterfaceKey(pkg.interfaces["types"])].span) == (17, 10)
    assert at(imports["named"].span) == (18, 10)
    assert at(imports["point"].span) == (16, 14)
    assert at(imports["base-fn"].span) == (12, 21)  # where the included world declared it
    assert at(world.exports["run"].span) == (19, 10)
    anonymous = resolve.interfaces[imports["named"].id]  # type: ignore[union-attr]
    assert at(anonymous.span) == (18, 10)


def test_spans_do_not_take_part_in_equality(tmp_path: Path) -> None:
    (tmp_path / "x.wit").write_text(WIT)
    (tmp_path / "y.wit").write_text("\n\n" + WIT.replace("  ", "    "))
    first, second = load(tmp_path / "x.wit").resolve, load(tmp_path / "y.wit").resolve
    assert first.types[0].span != second.types[0].span
    assert first == second
