"""Size, alignment, offsets and discriminants against values worked out by hand from CanonicalABI.md."""

from __future__ import annotations

import pytest

from witgen.abi import AbiError, RecordLayout, TypeLayout, VariantLayout, align_to, discriminant_size
from witgen.abi.shapes import List, Record, Scalar, String, Variant
from witgen.resolve import ir

from .helpers import handmade, interface, names, over_ir, shape_of

P = ir.Prim


@pytest.mark.parametrize(
    "prim, size, align",
    [
        (P.BOOL, 1, 1),
        (P.U8, 1, 1),
        (P.S8, 1, 1),
        (P.U16, 2, 2),
        (P.S16, 2, 2),
        (P.U32, 4, 4),
        (P.S32, 4, 4),
        (P.U64, 8, 8),
        (P.S64, 8, 8),
        (P.F32, 4, 4),
        (P.F64, 8, 8),
        (P.CHAR, 4, 4),
        (P.STRING, 8, 4),
        (P.ERROR_CONTEXT, 4, 4),
    ],
)
def test_primitives(prim: ir.Prim, size: int, align: int) -> None:
    assert over_ir(ir.Resolve())[0].of(prim) == TypeLayout(size, align)


def test_align_to() -> None:
    assert [align_to(p, 4) for p in (0, 1, 3, 4, 5, 8)] == [0, 4, 4, 4, 8, 8]
    assert align_to(7, 1) == 7


RECORDS = """
record small { a: u8, b: u32, c: u16 }
record wide { a: u8, b: u64 }
record short { a: u16, b: u8 }
record text { a: string, b: u8 }
record nested { a: u8, b: wide, c: u8 }
record bytes { a: u8, b: u8, c: u8 }
record one-float { a: f32 }
type small-alias = small;
"""


@pytest.mark.parametrize(
    "name, size, align, offsets",
    [
        ("small", 12, 4, (0, 4, 8)),  # 10 bytes of fields, padded to 4
        ("wide", 16, 8, (0, 8)),  # 7 bytes of padding before the u64
        ("short", 4, 2, (0, 2)),  # trailing padding to 2
        ("text", 12, 4, (0, 8)),
        ("nested", 32, 8, (0, 8, 24)),  # `wide` is 16 bytes at 8
        ("bytes", 3, 1, (0, 1, 2)),
        ("one-float", 4, 4, (0,)),
        ("small-alias", 12, 4, (0, 4, 8)),  # aliases have their target's layout
    ],
)
def test_records(name: str, size: int, align: int, offsets: tuple[int, ...]) -> None:
    i = interface(RECORDS)
    assert i.layout.record(i.types[name]) == RecordLayout(size, align, offsets)
    assert i.layout.of(i.types[name]) == TypeLayout(size, align)


def test_tuples() -> None:
    i = interface("f: func(a: tuple<u8, f64, u16>, b: tuple<char>, c: tuple<u16, u8, u16>);")
    a, b, c = (p.ty for p in i.functions["f"].params)
    assert i.layout.record(a) == RecordLayout(24, 8, (0, 8, 16))
    assert i.layout.record(b) == RecordLayout(4, 4, (0,))
    assert i.layout.record(c) == RecordLayout(6, 2, (0, 2, 4))


def test_spilled_values_are_laid_out_as_a_tuple() -> None:
    layout = over_ir(ir.Resolve())[0]
    assert layout.fields([P.U8, P.U64, P.STRING, P.U8]) == RecordLayout(32, 8, (0, 8, 16, 24))
    assert layout.fields([]) == RecordLayout(0, 1, ())


VARIANTS = f"""
variant unit-or-byte {{ a, b(u8) }}
variant word-or-long {{ a(u32), b(u64) }}
variant just-short {{ a(u16) }}
variant text-or-nothing {{ a(string), b }}
enum two {{ a, b }}
enum e256 {{ {names("c", 256)} }}
enum e257 {{ {names("c", 257)} }}
variant v300 {{ {names("c", 299)}, last(u8) }}
variant v300-wide {{ {names("c", 299)}, last(u64) }}
"""


@pytest.mark.parametrize(
    "name, size, align, disc, payload",
    [
        ("unit-or-byte", 2, 1, 1, 1),
        ("word-or-long", 16, 8, 1, 8),
        ("just-short", 4, 2, 1, 2),
        ("text-or-nothing", 12, 4, 1, 4),
        ("two", 1, 1, 1, 1),
        ("e256", 1, 1, 1, 1),  # 256 cases still fit a u8 discriminant
        ("e257", 2, 2, 2, 2),  # 257 need a u16
        ("v300", 4, 2, 2, 2),  # u16 discriminant, u8 payload at 2, padded to 2
        ("v300-wide", 16, 8, 2, 8),
    ],
)
def test_variants(name: str, size: int, align: int, disc: int, payload: int) -> None:
    i = interface(VARIANTS)
    assert i.layout.variant(i.types[name]) == VariantLayout(size, align, disc, payload)
    assert i.layout.of(i.types[name]) == TypeLayout(size, align)


def test_four_byte_discriminant() -> None:
    resolve, ty = handmade(ir.EnumType([ir.EnumCase(f"c{i}") for i in range(65537)]))
    assert over_ir(resolve)[0].variant(ty) == VariantLayout(4, 4, 4, 4)
    resolve, ty = handmade(ir.EnumType([ir.EnumCase(f"c{i}") for i in range(65536)]))
    assert over_ir(resolve)[0].variant(ty) == VariantLayout(2, 2, 2, 2)


@pytest.mark.parametrize(
    "cases, size",
    [(1, 1), (2, 1), (255, 1), (256, 1), (257, 2), (65535, 2), (65536, 2), (65537, 4), (2**32 - 1, 4)],
)
def test_discriminant_size(cases: int, size: int) -> None:
    assert discriminant_size(cases) == size


@pytest.mark.parametrize("cases", [0, 2**32])
def test_discriminant_size_out_of_range(cases: int) -> None:
    with pytest.raises(AbiError):
        discriminant_size(cases)


OPTIONS = """
f: func(
  a: option<u8>,
  b: option<u32>,
  c: option<string>,
  d: option<option<u64>>,
  e: result<u32, string>,
  f: result,
  g: result<_, u8>,
  h: result<u64, f32>,
  i: result<option<u8>, result<u16, u8>>,
  j: option<result<tuple<u8, u16>, f64>>,
  k: option<bool>,
);
"""


@pytest.mark.parametrize(
    "index, size, align, payload",
    [
        (0, 2, 1, 1),  # option<u8>
        (1, 8, 4, 4),  # option<u32>
        (2, 12, 4, 4),  # option<string>
        (3, 24, 8, 8),  # option<option<u64>>: inner is 16/8
        (4, 12, 4, 4),  # result<u32, string>
        (5, 1, 1, 1),  # result: a bare discriminant
        (6, 2, 1, 1),  # result<_, u8>
        (7, 16, 8, 8),  # result<u64, f32>
        (8, 6, 2, 2),  # result<option<u8> (2/1), result<u16, u8> (4/2)>
        (9, 24, 8, 8),  # option<result<tuple<u8, u16> (4/2), f64>>: inner is 16/8
        (10, 2, 1, 1),  # option<bool>
    ],
)
def test_options_and_results(index: int, size: int, align: int, payload: int) -> None:
    i = interface(OPTIONS)
    ty = i.functions["f"].params[index].ty
    assert i.layout.variant(ty) == VariantLayout(size, align, 1, payload)


@pytest.mark.parametrize(
    "count, size, align",
    [
        (0, 0, 1),
        (1, 1, 1),
        (8, 1, 1),
        (9, 2, 2),
        (16, 2, 2),
        (17, 4, 4),
        (32, 4, 4),
        (33, 8, 4),
        (64, 8, 4),
        (65, 12, 4),
    ],
)
def test_flags(count: int, size: int, align: int) -> None:
    # The reference rejects 0 and more than 32 flags; witgen keeps the earlier spec's rule for them.
    resolve, ty = handmade(ir.Flags([ir.Flag(f"f{i}") for i in range(count)]))
    assert over_ir(resolve)[0].of(ty) == TypeLayout(size, align)


def test_flags_from_wit() -> None:
    i = interface(
        f"flags g8 {{ {names('b', 8)} }}\nflags g9 {{ {names('b', 9)} }}\nflags g32 {{ {names('b', 32)} }}"
    )
    assert [i.layout.of(i.types[n]) for n in ("g8", "g9", "g32")] == [
        TypeLayout(1, 1),
        TypeLayout(2, 2),
        TypeLayout(4, 4),
    ]


def test_fixed_lists() -> None:
    i = interface("""
        record r { a: u8, b: list<u8, 3>, c: u16 }
        f: func(a: list<u8, 3>, b: list<u32, 3>, c: list<tuple<u8, u16>, 2>, d: list<string, 2>, e: list<list<u64, 2>, 3>);
        """)
    sizes = [i.layout.of(p.ty) for p in i.functions["f"].params]
    assert sizes == [
        TypeLayout(3, 1),
        TypeLayout(12, 4),
        TypeLayout(8, 2),
        TypeLayout(16, 4),
        TypeLayout(48, 8),
    ]
    assert i.layout.record(i.types["r"]) == RecordLayout(6, 2, (0, 1, 4))


def test_lists_and_maps() -> None:
    i = interface("f: func(a: list<u64>, b: map<string, u32>, c: map<u8, u64>, d: list<list<u8>>);")
    a, b, c, d = (p.ty for p in i.functions["f"].params)
    for ty in (a, b, c, d):
        assert i.layout.of(ty) == TypeLayout(8, 4)
    # A map is a list of (key, value) tuples.
    b_shape, c_shape = i.layout.shape(b), i.layout.shape(c)
    assert b_shape == shape_of(List(Record((P.STRING, P.U32))), i.resolve)
    assert isinstance(c_shape, List)
    assert i.layout.record(b_shape.elem) == RecordLayout(12, 4, (0, 8))
    assert i.layout.record(c_shape.elem) == RecordLayout(16, 8, (0, 8))


def test_handles() -> None:
    i = interface("""
        resource r;
        f: func(a: r, b: borrow<r>, c: future<string>, d: stream<u8>, e: future, f: stream, g: error-context);
        """)
    for p in i.functions["f"].params:
        assert i.layout.of(p.ty) == TypeLayout(4, 4)
        assert i.layout.shape(p.ty) == Scalar(4, "i32")
    with pytest.raises(AbiError, match="`r`"):
        i.layout.of(i.types["r"])


def test_despecialisation() -> None:
    i = interface("""
        enum e { a, b, c }
        f: func(a: option<u8>, b: result<_, string>, c: e, d: tuple<u8, string>, e: string);
        """)
    shapes = [i.layout.shape(p.ty) for p in i.functions["f"].params]
    assert shapes == [
        shape_of(s, i.resolve)
        for s in (
            Variant((None, P.U8)),
            Variant((None, P.STRING)),
            Variant((None, None, None)),
            Record((P.U8, P.STRING)),
            String(),
        )
    ]


def test_layout_is_cached_per_type() -> None:
    i = interface("record r { a: u8, b: u64 }")
    first = i.layout.of(i.types["r"])
    assert i.layout.of(i.types["r"]) is first
    assert i.layout.record(i.types["r"]) is i.layout.record(i.types["r"])


def test_wrong_kind_is_an_error() -> None:
    i = interface("record r { a: u8 }\nenum e { a }")
    with pytest.raises(AbiError):
        i.layout.variant(i.types["r"])
    with pytest.raises(AbiError):
        i.layout.record(i.types["e"])
