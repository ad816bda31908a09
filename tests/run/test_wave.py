"""WAVE: reading and printing values against WIT types (no component involved).

Random WIT types and values round-trip through the printer and the parser; the spec's
examples parse; bad text and values that don't fit their type are errors pointing at their
column.
"""

from __future__ import annotations

import dataclasses
import math
from enum import Enum, Flag
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from witgen.pyview.names import snake
from witgen.resolve import ir
from witgen.runtime.types import Err, Ok, Some
from witgen.wave import Decoder, Encoder, WaveError, format_float, parse_call, parse_value

P = ir.Prim
INTS = {P.U8: (0, 255), P.U16: (0, 65535), P.U32: (0, 2**32 - 1), P.U64: (0, 2**64 - 1)}
INTS |= {P.S8: (-128, 127), P.S16: (-(2**15), 2**15 - 1), P.S32: (-(2**31), 2**31 - 1)}
INTS |= {P.S64: (-(2**63), 2**63 - 1)}
SCALARS = [*INTS, P.BOOL, P.F32, P.F64, P.CHAR, P.STRING]
LABELS = ["a", "field-b", "ok", "some", "none", "err", "inf", "true", "x1-Y2", "HTTP3", "nan"]
"""Names for fields, cases and flags: keywords among them (printed `%ok` where WAVE needs it)."""


class FakeShapes:
    """Classes like a generated package's, made up for the types of one test's Resolve."""

    def __init__(self) -> None:
        self.classes: dict[tuple[int, int], Any] = {}

    def make(self, resolve: ir.Resolve, id: int) -> None:
        td = resolve.types[id]
        name = f"T{id}"
        kind = td.kind
        if isinstance(kind, ir.Record):
            fields = [(snake(f.name), Any) for f in kind.fields]
            self.classes[id, 0] = dataclasses.make_dataclass(name, fields)
        elif isinstance(kind, ir.Variant):
            for i, case in enumerate(kind.cases):
                fields = [] if case.ty is None else [("value", Any)]
                self.classes[id, i] = dataclasses.make_dataclass(f"{name}_{i}", fields)
        elif isinstance(kind, ir.EnumType):
            self.classes[id, 0] = Enum(name, [(f"C{i}", i) for i in range(len(kind.cases))])  # type: ignore[misc]
        elif isinstance(kind, ir.Flags):
            self.classes[id, 0] = Flag(name, [(f"F{i}", 1 << i) for i in range(len(kind.flags))])  # type: ignore[misc]

    def record(self, id: int) -> Any:
        return self.classes[id, 0]

    def case(self, id: int, index: int) -> Any:
        return self.classes[id, index]

    def enum(self, id: int) -> Any:
        return self.classes[id, 0]

    def flags(self, id: int) -> Any:
        return self.classes[id, 0]


# --- random types: specs first (hypothesis shrinks them), then a Resolve ---------------------

names = st.lists(st.sampled_from(LABELS), min_size=1, max_size=4, unique=True)


def _specs(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    optional = st.none() | children
    return st.one_of(
        st.tuples(st.just("record"), st.lists(children, min_size=1, max_size=3)),
        st.tuples(
            st.just("variant"),
            names.flatmap(
                lambda ns: st.tuples(st.just(ns), st.lists(optional, min_size=len(ns), max_size=len(ns)))
            ),
        ),
        st.tuples(st.just("tuple"), st.lists(children, min_size=1, max_size=3)),
        st.tuples(st.just("list"), children),
        st.tuples(st.just("fixed"), children, st.integers(1, 3)),
        st.tuples(st.just("map"), st.sampled_from([P.STRING, P.U32, P.CHAR]), children),
        st.tuples(st.just("option"), children),
        st.tuples(st.just("result"), optional, optional),
    )


leaves = st.one_of(
    st.sampled_from(SCALARS),
    st.tuples(st.just("enum"), names),
    st.tuples(st.just("flags"), names),
    st.just(("bytes",)),
)
type_specs = st.recursive(leaves, _specs, max_leaves=6)


def materialize(resolve: ir.Resolve, shapes: FakeShapes, spec: Any) -> ir.Type:
    if isinstance(spec, P):
        return spec

    def add(kind: ir.TypeDefKind, named: bool = False) -> int:
        resolve.types.append(ir.TypeDef(f"t{len(resolve.types)}" if named else None, kind, None))
        id = len(resolve.types) - 1
        if named:
            shapes.make(resolve, id)
        return id

    m = lambda s: materialize(resolve, shapes, s)  # noqa: E731
    tag = spec[0]
    if tag == "record":
        return add(ir.Record([ir.Field(f"f{i}-x", m(s)) for i, s in enumerate(spec[1])]), True)
    if tag == "variant":
        cases = [ir.Case(n, None if s is None else m(s)) for n, s in zip(spec[1][0], spec[1][1], strict=True)]
        return add(ir.Variant(cases), True)
    if tag == "enum":
        return add(ir.EnumType([ir.EnumCase(n) for n in spec[1]]), True)
    if tag == "flags":
        return add(ir.Flags([ir.Flag(n) for n in spec[1]]), True)
    if tag == "tuple":
        return add(ir.Tuple([m(s) for s in spec[1]]))
    if tag == "list":
        return add(ir.ListType(m(spec[1])))
    if tag == "bytes":
        return add(ir.ListType(P.U8))
    if tag == "fixed":
        return add(ir.FixedListType(m(spec[1]), spec[2]))
    if tag == "map":
        return add(ir.MapType(spec[1], m(spec[2])))
    if tag == "option":
        return add(ir.OptionType(m(spec[1])))
    assert tag == "result"
    return add(
        ir.ResultType(None if spec[1] is None else m(spec[1]), None if spec[2] is None else m(spec[2]))
    )


def values(resolve: ir.Resolve, shapes: FakeShapes, ty: ir.Type) -> st.SearchStrategy[Any]:
    """Values of `ty`, shaped as the bindings shape them."""
    v = lambda t: values(resolve, shapes, t)  # noqa: E731
    if isinstance(ty, P):
        if ty in INTS:
            return st.integers(*INTS[ty])
        return {
            P.BOOL: st.booleans(),
            P.F32: st.floats(width=32),
            P.F64: st.floats(),
            P.CHAR: st.characters(blacklist_categories=("Cs",)),
            P.STRING: st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
        }[ty]
    kind = resolve.types[ty].kind
    if isinstance(kind, ir.Record):
        return st.builds(shapes.record(ty), *[v(f.ty) for f in kind.fields])
    if isinstance(kind, ir.Variant):
        return st.one_of(
            [
                st.just(shapes.case(ty, i)()) if c.ty is None else v(c.ty).map(shapes.case(ty, i))
                for i, c in enumerate(kind.cases)
            ]
        )
    if isinstance(kind, ir.EnumType):
        return st.sampled_from(list(shapes.enum(ty)))
    if isinstance(kind, ir.Flags):
        return st.integers(0, 2 ** len(kind.flags) - 1).map(shapes.flags(ty))
    if isinstance(kind, ir.Tuple):
        return st.tuples(*[v(t) for t in kind.types])
    if isinstance(kind, ir.ListType):
        return st.binary(max_size=4) if kind.ty == P.U8 else st.lists(v(kind.ty), max_size=3)
    if isinstance(kind, ir.FixedListType):
        return st.lists(v(kind.ty), min_size=kind.size, max_size=kind.size)
    if isinstance(kind, ir.MapType):
        return st.dictionaries(v(kind.key), v(kind.value), max_size=3)
    if isinstance(kind, ir.OptionType):
        inner = resolve.types[kind.ty].kind if not isinstance(kind.ty, P) else None
        some = v(kind.ty).map(Some) if isinstance(inner, ir.OptionType) else v(kind.ty)
        return st.none() | some
    assert isinstance(kind, ir.ResultType)
    ok = st.just(Ok(None)) if kind.ok is None else v(kind.ok).map(Ok)
    err = st.just(Err(None)) if kind.err is None else v(kind.err).map(Err)
    return ok | err


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=type_specs, data=st.data())
def test_printed_values_read_back_as_themselves(spec: Any, data: st.DataObject) -> None:
    resolve, shapes = ir.Resolve(), FakeShapes()
    ty = materialize(resolve, shapes, spec)
    value = data.draw(values(resolve, shapes, ty))
    text = Encoder(resolve, shapes).value(value, ty)
    back = Decoder(resolve, shapes, text).value(parse_value(text), ty)
    assert Encoder(resolve, shapes).value(back, ty) == text
    if "nan" not in text:  # nan != nan
        assert back == value


# --- the spec's examples -----------------------------------------------------------------------


def _decode(ty: ir.Type, text: str, resolve: ir.Resolve | None = None) -> Any:
    resolve = resolve or ir.Resolve()
    return Decoder(resolve, FakeShapes(), text).value(parse_value(text), ty)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"abc\\t123"', "abc\t123"),
        ('"\\u{1F600} \\\\ \\" \\\' \\r\\n"', "\U0001f600 \\ \" ' \r\n"),
        ('"""\nA single line\n"""', "A single line"),
        (
            '"""\n    Indentation determined\n      by ending delimiter\n  """',
            "  Indentation determined\n    by ending delimiter",
        ),
        (
            '"""\n  Must escape carriage return at end of line: \\r\n  Must break up double quote triplets: ""\\""\n  """',
            'Must escape carriage return at end of line: \r\nMust break up double quote triplets: """"',
        ),
        ('// a comment\n "x" // another', "x"),
    ],
)
def test_strings(text: str, value: str) -> None:
    assert _decode(P.STRING, text) == value


def test_numbers_chars_and_flat_forms() -> None:
    resolve = ir.Resolve()
    resolve.types.append(ir.TypeDef(None, ir.OptionType(P.U8), None))
    resolve.types.append(ir.TypeDef(None, ir.ResultType(P.U8, P.STRING), None))
    assert _decode(P.F64, "6.022e+23") == 6.022e23
    assert math.isnan(_decode(P.F32, "nan")) and _decode(P.F64, "-inf") == -math.inf
    assert _decode(P.CHAR, "'\\''") == "'" and _decode(P.CHAR, "'\\u{0}'") == "\0"
    assert _decode(0, "123", resolve) == 123 == _decode(0, "some(123)", resolve)
    assert _decode(0, "none", resolve) is None
    assert _decode(1, "123", resolve) == Ok(123) == _decode(1, "ok(123)", resolve)
    assert _decode(1, 'err("oops")', resolve) == Err("oops")


def test_records_omit_none_fields() -> None:
    resolve, shapes = ir.Resolve(), FakeShapes()
    option = materialize(resolve, shapes, ("option", P.U8))
    resolve.types.append(
        ir.TypeDef("r", ir.Record([ir.Field("must-have", P.U8), ir.Field("optional", option)]), None)
    )
    resolve.types.append(ir.TypeDef("o", ir.Record([ir.Field("optional", option)]), None))
    shapes.make(resolve, 1)
    shapes.make(resolve, 2)
    decode = lambda ty, text: Decoder(resolve, shapes, text).value(parse_value(text), ty)  # noqa: E731
    assert decode(1, "{must-have: 123}") == decode(1, "{must-have: 123, optional: none,}")
    assert decode(2, "{:}") == decode(2, "{optional: none}") == decode(2, "{}")
    assert Encoder(resolve, shapes).value(decode(2, "{:}"), 2) == "{:}"
    assert (
        Encoder(resolve, shapes).value(decode(1, "{optional: 1, must-have: 2}"), 1)
        == "{must-have: 2, optional: some(1)}"
    )


def test_keyword_cases_are_escaped() -> None:
    resolve, shapes = ir.Resolve(), FakeShapes()
    ty = materialize(resolve, shapes, ("variant", (["ok", "body"], [None, P.STRING])))
    encoder = Encoder(resolve, shapes)
    assert encoder.value(shapes.case(ty, 0)(), ty) == "%ok"
    assert _decode_with(resolve, shapes, ty, "%ok") == shapes.case(ty, 0)()
    assert encoder.value(shapes.case(ty, 1)("x"), ty) == 'body("x")'


def _decode_with(resolve: ir.Resolve, shapes: FakeShapes, ty: ir.Type, text: str) -> Any:
    return Decoder(resolve, shapes, text).value(parse_value(text), ty)


@pytest.mark.parametrize(
    ("value", "single", "text"),
    [
        (1.0, False, "1"),
        (-0.0, False, "-0"),
        (1e-7, False, "0.0000001"),
        (0.1, False, "0.1"),
        (float.fromhex("0x1.99999ap-4"), True, "0.1"),
        (1e21, False, "1000000000000000000000"),
        (math.inf, True, "inf"),
        (-math.inf, False, "-inf"),
        (math.nan, False, "nan"),
    ],
)
def test_floats_print_like_rust(value: float, single: bool, text: str) -> None:
    assert format_float(value, single) == text


# --- errors point at the text ------------------------------------------------------------------


def _error(ty: ir.Type, text: str, resolve: ir.Resolve | None = None) -> WaveError:
    with pytest.raises(WaveError) as caught:
        _decode(ty, text, resolve)
    return caught.value


@pytest.mark.parametrize(
    ("ty", "text", "message", "column"),
    [
        (P.U8, "256", "256 is out of range for u8 (0 to 255)", 1),
        (P.S8, "-129", "out of range for s8", 1),
        (P.U32, "-1", "out of range for u32", 1),
        (P.U32, "1.5", "expected u32, an integer, found `1.5`", 1),
        (P.F32, "1e39", "out of range for f32", 1),
        (P.STRING, "  42", 'expected string (a string, like "abc"), found number `42`', 3),
        (P.BOOL, '"true"', "expected bool", 1),
        (P.CHAR, "'ab'", "a char holds exactly one character", 1),
        (P.CHAR, "'\\u{D800}'", "is not a Unicode scalar value", 2),
        (P.STRING, '"a\\qb"', "invalid escape `\\q`", 3),
        (P.STRING, '"abc', "unterminated string", 1),
        (P.STRING, '"abc" x', "unexpected `x` after the value", 7),
    ],
)
def test_errors(ty: ir.Type, text: str, message: str, column: int) -> None:
    error = _error(ty, text)
    assert message in error.message
    assert error.start == column - 1
    rendered = error.render()
    assert rendered.startswith("error: ") and f"<invocation>:1:{column}" in rendered
    assert (
        rendered.splitlines()[-1].index("^") - rendered.splitlines()[-2].index(text.splitlines()[0])
        == column - 1
    )


def test_named_type_errors() -> None:
    resolve, shapes = ir.Resolve(), FakeShapes()
    rec = materialize(resolve, shapes, ("record", [P.U8]))
    var = materialize(resolve, shapes, ("variant", (["circle", "empty"], [P.F64, None])))
    flags = materialize(resolve, shapes, ("flags", ["read", "write"]))

    def error(ty: ir.Type, text: str) -> str:
        with pytest.raises(WaveError) as caught:
            _decode_with(resolve, shapes, ty, text)
        return caught.value.message

    assert error(rec, "{}") == f"missing field `f0-x: u8` of record t{rec}"
    assert "has no field `g`" in error(rec, "{f0-x: 1, g: 2}")
    assert "has no case `square`" in error(var, "square(1)")
    assert "needs a payload" in error(var, "circle")
    assert "has no payload" in error(var, "empty(1)")
    assert "has no flag `exec`" in error(flags, "{read, exec}")
    assert "flag `read` is given twice" in error(flags, "{read, read}")


def test_calls() -> None:
    call = parse_call(' ns:pkg/iface@1.0.0.f(1, "a",)')
    assert (call.name, call.name_start, len(call.args)) == ("ns:pkg/iface@1.0.0.f", 1, 2)
    assert parse_call("f()").args == []
    with pytest.raises(WaveError, match="expected `\\(` after the function name"):
        parse_call("f 1")
    with pytest.raises(WaveError, match="empty tuple"):
        parse_call("f(())")
    with pytest.raises(WaveError, match="nest more than 100 deep"):
        parse_call("f(" + "[" * 150 + "]" * 150 + ")")
