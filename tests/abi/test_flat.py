"""Flattening against values worked out by hand from CanonicalABI.md (``flatten_type``, ``join``)."""

from __future__ import annotations

import pytest

from witgen.abi import CoreType, FlatVariant, join
from witgen.resolve import ir

from .helpers import handmade, interface, names, over_ir

P = ir.Prim


@pytest.mark.parametrize(
    "a, b, joined",
    [
        ("i32", "i32", "i32"),
        ("f32", "f32", "f32"),
        ("i64", "i64", "i64"),
        ("f64", "f64", "f64"),
        ("i32", "f32", "i32"),
        ("f32", "i32", "i32"),
        ("i32", "i64", "i64"),
        ("f32", "f64", "i64"),
        ("f32", "i64", "i64"),
        ("i32", "f64", "i64"),
        ("f64", "i64", "i64"),
    ],
)
def test_join(a: CoreType, b: CoreType, joined: CoreType) -> None:
    assert join(a, b) == joined


@pytest.mark.parametrize(
    "prim, flat",
    [
        (P.BOOL, ("i32",)),
        (P.U8, ("i32",)),
        (P.S16, ("i32",)),
        (P.U32, ("i32",)),
        (P.S64, ("i64",)),
        (P.U64, ("i64",)),
        (P.F32, ("f32",)),
        (P.F64, ("f64",)),
        (P.CHAR, ("i32",)),
        (P.STRING, ("i32", "i32")),
        (P.ERROR_CONTEXT, ("i32",)),
    ],
)
def test_primitives(prim: ir.Prim, flat: tuple[CoreType, ...]) -> None:
    assert over_ir(ir.Resolve())[1].flatten(prim) == flat


TYPES = f"""
record rec {{ a: u8, b: f64, c: string, d: s64 }}
variant float-or-int {{ a(f32), b(u32) }}
variant f32-or-f64 {{ a(f32), b(f64) }}
variant float-or-nothing {{ a(f32), b }}
variant long-or-float {{ a(u64), b(f32) }}
variant tuples {{ a(tuple<f32, u32>), b(tuple<u32, f64, u8>), c }}
enum e {{ a, b, c }}
enum e300 {{ {names("c", 300)} }}
resource res;
flags g9 {{ {names("b", 9)} }}
f: func(
  a: option<f64>,
  b: result<string, f32>,
  c: list<u8>,
  d: list<f64, 3>,
  e: list<tuple<u8, f32>, 2>,
  f: map<string, u64>,
  g: option<option<f32>>,
  h: res,
  i: borrow<res>,
  j: future<u64>,
  k: stream<string>,
  l: result,
  m: tuple<u8, f32, list<u64>>,
);
"""


@pytest.mark.parametrize(
    "name, flat",
    [
        ("rec", ("i32", "f64", "i32", "i32", "i64")),
        ("float-or-int", ("i32", "i32")),  # f32 and i32 meet in i32
        ("f32-or-f64", ("i32", "i64")),  # different widths widen to i64
        ("float-or-nothing", ("i32", "f32")),  # one case keeps its own type
        ("long-or-float", ("i32", "i64")),
        ("tuples", ("i32", "i32", "i64", "i32")),  # slot by slot: f32|u32, u32|f64, u8
        ("e", ("i32",)),
        ("e300", ("i32",)),
        ("g9", ("i32",)),
    ],
)
def test_named(name: str, flat: tuple[CoreType, ...]) -> None:
    i = interface(TYPES)
    assert i.flat.flatten(i.types[name]) == flat
    assert i.flat.count(i.types[name]) == len(flat)


@pytest.mark.parametrize(
    "index, flat",
    [
        (0, ("i32", "f64")),
        (1, ("i32", "i32", "i32")),  # ok is (i32, i32), err is f32: i32|f32 = i32
        (2, ("i32", "i32")),
        (3, ("f64", "f64", "f64")),  # fixed lists flatten element by element
        (4, ("i32", "f32", "i32", "f32")),
        (5, ("i32", "i32")),  # maps are lists
        (6, ("i32", "i32", "f32")),  # option<option<f32>>: payload is (i32, f32)
        (7, ("i32",)),
        (8, ("i32",)),
        (9, ("i32",)),
        (10, ("i32",)),
        (11, ("i32",)),
        (12, ("i32", "f32", "i32", "i32")),
    ],
)
def test_anonymous(index: int, flat: tuple[CoreType, ...]) -> None:
    i = interface(TYPES)
    ty = i.functions["f"].params[index].ty
    assert i.flat.flatten(ty) == flat
    assert i.flat.count(ty) == len(flat)


def test_variant_cases() -> None:
    i = interface(TYPES)
    assert i.flat.variant(i.types["tuples"]) == FlatVariant(
        flat=("i32", "i32", "i64", "i32"),
        payload=("i32", "i64", "i32"),
        cases=(("f32", "i32"), ("i32", "f64", "i32"), ()),
    )
    with pytest.raises(TypeError):
        i.flat.variant(i.types["rec"])


@pytest.mark.parametrize("count, words", [(0, 0), (1, 1), (8, 1), (9, 1), (32, 1), (33, 2), (64, 2), (65, 3)])
def test_flags(count: int, words: int) -> None:
    resolve, ty = handmade(ir.Flags([ir.Flag(f"f{i}") for i in range(count)]))
    assert over_ir(resolve)[1].flatten(ty) == ("i32",) * words


def test_count_of_a_large_fixed_list_builds_nothing() -> None:
    resolve, ty = handmade(ir.FixedListType(P.U64, 10**9))
    assert over_ir(resolve)[1].count(ty) == 10**9


def test_flatten_types_concatenates() -> None:
    flat = over_ir(ir.Resolve())[1]
    assert flat.flatten_types([P.U8, P.STRING, P.F64]) == ("i32", "i32", "i32", "f64")
    assert flat.count_types([P.U8, P.STRING, P.F64]) == 4
